"""Two companies on one Uptake: what one organisation writes, imports, copies, rewrites or tailors is
its own — another organisation's trainers and trainees never see it, not even counted — and a shipped
question or test changed by one organisation stays as shipped for every other."""
import io

import pytest
from sqlalchemy import select

from app.models import Item, Quiz, User
from app.services.passwords import hash_password
from tests.helpers import add_other_organisation, csrf_from, sign_in
from tests.routes.test_question_routes import changed, form_of

GIFT = "// skills: data-quality\n::Merge rule::Duplicates are merged, never deleted.{T}\n"


def upload_and_confirm(client, data: str, name: str):
    token = csrf_from(client.get("/trainer/content/imports/new"))
    preview = client.post("/trainer/content/imports/new", data={
        "csrf_token": token, "format": "gift", "file": (io.BytesIO(data.encode()), name)},
        content_type="multipart/form-data").headers["Location"]
    token = csrf_from(client.get(preview))
    return client.post(preview + "/confirm", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)


@pytest.fixture
def two_companies(app, content_loaded, db, login_as, client):
    """The demo trainer signed in on `client`; the other company's admin and trainee on their own clients."""
    login_as("trainer")
    other = add_other_organisation(db)
    db.session.add(User(organisation_id=other.id, email="trainee@other.example", name="Other Trainee",
                        role="trainee", password_hash=hash_password("other-trainee-password"), active=True,
                        session_version=1))
    db.session.commit()
    admin, trainee = app.test_client(), app.test_client()
    sign_in(admin, "admin@other.example", "other-admin-password")
    sign_in(trainee, "trainee@other.example", "other-trainee-password")
    return client, admin, trainee


def _publish_new_question(client, stem: str) -> str:
    page = "/trainer/questions/new?type=true_false"
    fields = changed(form_of(client, page, "/trainer/questions/new"), "stem", stem)
    fields.add("skills", "data-quality")
    fields.add("answer", "true")
    key = client.post("/trainer/questions/new", data=fields).headers["Location"].rsplit("/", 1)[-1]
    token = csrf_from(client.get(f"/trainer/questions/{key}"))
    assert client.post(f"/trainer/questions/{key}/publish", data={"csrf_token": token}).status_code == 302
    return key


def test_another_organisation_never_sees_a_question_or_a_test_we_wrote(two_companies, db):
    ours, theirs, their_trainee = two_companies
    key = _publish_new_question(ours, "Our duplicate rule: merge, never delete.")
    token = csrf_from(ours.get("/trainer/tests/new"))
    built = ours.post("/trainer/tests/new", data={"csrf_token": token, "title": "Our merge check", "kind": "list",
                                                  "items": [key], "pass_mark": "70", "layout": "one_per_page",
                                                  "open": "y"})
    assert built.status_code == 302
    test_key = db.session.scalar(select(Quiz.key).where(Quiz.title == "Our merge check"))

    for url in (f"/trainer/questions/{key}", f"/trainer/questions/{key}/edit", f"/trainer/tests/{test_key}/edit",
                f"/trainer/content/quizzes/{test_key}/export.gift"):
        assert theirs.get(url).status_code == 404, url
    token = csrf_from(theirs.get("/trainer/questions"))
    assert theirs.post(f"/trainer/questions/{key}/retire", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(Item.active).where(Item.key == key)) is True
    assert "Our duplicate rule" not in theirs.get("/trainer/questions?q=duplicate").get_data(as_text=True)
    assert "Our duplicate rule" not in theirs.get("/trainer/content/export.gift").get_data(as_text=True)
    assert "Our merge check" not in theirs.get("/trainer/tests").get_data(as_text=True)
    assert "editor" not in theirs.get("/trainer/content").get_data(as_text=True)  # not even counted by source
    assert their_trainee.get(f"/me/quizzes/{test_key}").status_code == 404
    assert "Our duplicate rule" in ours.get("/trainer/content/export.gift").get_data(as_text=True)


def test_a_shipped_test_one_organisation_changes_or_retires_stays_as_shipped_for_another(two_companies, db):
    ours, theirs, their_trainee = two_companies
    page = "/trainer/tests/crm-basics/edit"
    assert "shared by every organisation" in ours.get(page).get_data(as_text=True)
    token = csrf_from(ours.get("/trainer/tests"))
    assert ours.post("/trainer/tests/adaptive-skills-check/retire", data={"csrf_token": token}).status_code == 302
    ours_list = ours.get("/trainer/tests").get_data(as_text=True)
    assert "retired" in ours_list and "your organisation" in ours_list
    assert their_trainee.get("/me/quizzes/adaptive-skills-check").status_code == 200
    assert "retired" not in theirs.get("/trainer/tests").get_data(as_text=True)
    assert db.session.scalar(select(Quiz.active).where(Quiz.key == "adaptive-skills-check")) is True


def test_two_organisations_import_files_of_the_same_name_without_touching_each_other(two_companies, db):
    ours, theirs, _ = two_companies
    assert "Imported shared.gift: 1 new" in upload_and_confirm(ours, GIFT, "shared.gift")
    text = upload_and_confirm(theirs, GIFT.replace("never deleted", "kept apart"), "shared.gift")
    assert "Imported shared.gift: 1 new" in text  # a new question of theirs, not a new version of ours
    rows = {r.organisation_id: r for r in db.session.scalars(select(Item).where(Item.source == "import:shared.gift"))}
    assert len(rows) == 2 and len({r.key for r in rows.values()}) == 2
    mine = next(r for r in rows.values() if "never deleted" in r.stem)
    assert mine.version == 1 and mine.active
    # and our re-import (without the question) retires only our own copy of it
    upload_and_confirm(ours, "// skills: data-quality\n::Another::Another rule.{T}\n", "shared.gift")
    db.session.expire_all()
    assert [r.active for r in db.session.scalars(select(Item).where(Item.source == "import:shared.gift")
                                                 .order_by(Item.id))][:2] == [False, True]


def test_a_rewritten_lesson_reaches_only_our_trainees(two_companies, app, db):
    ours, _, their_trainee = two_companies
    page = "/trainer/content/lessons/el-pipeline"
    token = csrf_from(ours.get(page))
    saved = ours.post(page, data={"csrf_token": token, "action": "save",
                                  "text": "## Our pipeline\n\nIn our CRM a deal needs a next step.\n"})
    assert saved.status_code == 302
    assert "Our pipeline" not in their_trainee.get("/me/modules/el-pipeline").get_data(as_text=True)
    our_trainee = app.test_client()
    sign_in(our_trainee, "trainee@demo.uptake")
    assert "Our pipeline" in our_trainee.get("/me/modules/el-pipeline").get_data(as_text=True)


def _post(client, page: str, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_from(client.get(page)), **data})


def test_a_skill_one_organisation_adds_is_its_own_and_the_shipped_taxonomy_cannot_be_changed(two_companies, app, db):
    from app.models import Skill

    ours, theirs, their_trainee = two_companies
    our_admin = app.test_client()
    sign_in(our_admin, "admin@demo.uptake")
    assert _post(our_admin, "/admin/skills/new", "/admin/skills/new",
                 {"slug": "cpq-quotes", "name": "Quotes in our CPQ"}).status_code == 302
    skill = db.session.scalar(select(Skill).where(Skill.slug == "cpq-quotes"))
    assert skill.organisation_id == db.session.scalar(select(User.organisation_id)
                                                      .where(User.email == "admin@demo.uptake"))
    assert "Quotes in our CPQ" in our_admin.get("/admin/skills").get_data(as_text=True)
    assert "Quotes in our CPQ" in ours.get("/trainer/questions/new?type=true_false").get_data(as_text=True)

    assert "Quotes in our CPQ" not in theirs.get("/admin/skills").get_data(as_text=True)
    assert theirs.get(f"/admin/skills/{skill.id}/edit").status_code == 404
    assert "Quotes in our CPQ" not in theirs.get("/trainer/questions/new?type=true_false").get_data(as_text=True)
    from app.services.skill_model import assess
    from tests.helpers import user_by_email

    assert "cpq-quotes" not in {r["slug"] for r in assess(user_by_email("trainee@other.example"))}
    assert "cpq-quotes" in {r["slug"] for r in assess(user_by_email("trainee@demo.uptake"))}
    refused = upload_and_confirm(theirs, "// skills: cpq-quotes\n::Q::A quote needs a product.{T}\n", "cpq.gift")
    assert "cpq-quotes" in refused and "Imported cpq.gift: 0 new" in refused  # an unknown skill to them

    shipped = db.session.scalar(select(Skill).where(Skill.slug == "lead-management"))
    renamed = _post(theirs, f"/admin/skills/{shipped.id}/edit", f"/admin/skills/{shipped.id}/edit",
                    {"name": "Prospects"})
    assert renamed.status_code == 400 and "shared by every organisation" in renamed.get_data(as_text=True)
    switched = _post(theirs, "/admin/skills", f"/admin/skills/{shipped.id}/active/off", {})
    assert switched.status_code == 302
    db.session.expire_all()
    assert db.session.get(Skill, shipped.id).name != "Prospects" and db.session.get(Skill, shipped.id).active


def test_item_analytics_count_only_the_organisations_own_answers(two_companies, db):
    from app.services import analytics
    from app.services.demo_history import load_history

    ours, theirs, _ = two_companies
    load_history()  # the demo organisation's people answer the shipped questions
    assert analytics.item_stats(db.session.scalar(select(User.organisation_id).where(User.email == "admin@demo.uptake")))
    assert "acc-003" in ours.get("/trainer/analytics").get_data(as_text=True)
    other = db.session.scalar(select(User.organisation_id).where(User.email == "admin@other.example"))
    assert analytics.item_stats(other) == [] and analytics.check_stats(other) == []
    page = theirs.get("/trainer/analytics").get_data(as_text=True)
    assert "acc-003" not in page and "A contact record should normally be linked" not in page
