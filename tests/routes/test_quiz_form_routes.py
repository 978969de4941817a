"""The test builder over HTTP: every shipped test comes back unchanged through its form, refusals say
what to fix and keep every choice, counts per skill follow the job role, retire and reopen."""
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.models import Quiz
from app.services.content import quiz_def
from app.services.quiz_forms import to_raw
from tests.helpers import csrf_from
from tests.routes.test_question_routes import changed, form_of


@pytest.fixture
def trainer(content_loaded, login_as):
    return login_as("trainer")


def test_trainees_may_not_build_tests(content_loaded, client, login_as):
    login_as("trainee")
    assert client.get("/trainer/tests").status_code == 403
    assert client.get("/trainer/tests/new").status_code == 403


def test_every_shipped_test_comes_back_unchanged_through_its_form(trainer, client, db):
    for row in db.session.scalars(select(Quiz).order_by(Quiz.key)).all():
        before = to_raw(quiz_def(row))
        page = f"/trainer/tests/{row.key}/edit"
        response = client.post(page, data=form_of(client, page, page))
        assert response.status_code == 302, (row.key, response.get_data(as_text=True)[-1500:])
        db.session.expire_all()
        assert to_raw(quiz_def(db.session.scalar(select(Quiz).where(Quiz.key == row.key)))) == before, row.key


def test_a_sampled_test_built_in_the_form(trainer, client, db):
    fields = form_of(client, "/trainer/tests/new", "/trainer/tests/new")
    fields = changed(changed(fields, "title", "Service desk check"), "kind", "list")
    fields = MultiDict([(k, v) for k, v in fields.items(multi=True) if k != "kind"] + [("kind", "sample")])
    fields = changed(changed(fields, "sample-case-management", "3"), "sample-data-quality", "2")
    fields = changed(changed(fields, "role", ""), "time_limit_minutes", "15")
    response = client.post("/trainer/tests/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    quiz = quiz_def(db.session.scalar(select(Quiz).where(Quiz.key == "service-desk-check")))
    assert sorted(quiz.rules) == [("case-management", 3), ("data-quality", 2)] and quiz.time_limit_minutes == 15
    assert "Service desk check" in client.get("/trainer/tests").get_data(as_text=True)


def test_a_refused_test_says_what_to_fix_and_keeps_every_choice(trainer, client, db):
    fields = form_of(client, "/trainer/tests/new", "/trainer/tests/new")
    fields = MultiDict([(k, v) for k, v in fields.items(multi=True) if k != "kind"] + [("kind", "sample")])
    fields = changed(changed(fields, "sample-campaigns", "400"), "pass_mark", "fifty")
    fields = changed(fields, "description", "Kept as typed")
    response = client.post("/trainer/tests/new", data=fields)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Pass mark: must be a number" in text
    fields = changed(fields, "pass_mark", "70")
    text = client.post("/trainer/tests/new", data=fields).get_data(as_text=True)
    assert "Title: is missing" in text and "asks for 400 items of &#39;campaigns&#39;" in text
    assert 'value="400"' in text and "Kept as typed" in text
    assert db.session.scalar(select(Quiz).where(Quiz.source == "editor")) is None


def test_each_skill_shows_how_many_questions_a_sample_can_draw(trainer, client, db):
    from app.services.content import active_bank

    page = client.get("/trainer/tests/new").get_data(as_text=True)
    campaigns = sum("campaigns" in item.skills for item in active_bank().values())
    assert f'data-skill="campaigns" aria-live="polite">of {campaigns} published (0 calibrated)' in page
    assert '"service agent": {' in page.replace("&#34;", '"')  # every job role's counts, for the script


def test_retire_and_reopen(trainer, client, db):
    token = csrf_from(client.get("/trainer/tests"))
    text = client.post("/trainer/tests/crm-basics/retire", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "is retired: no one can start it" in text
    text = client.post("/trainer/tests/crm-basics/reopen", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "is back" in text
    assert db.session.scalar(select(Quiz.active).where(Quiz.key == "crm-basics")) is True


def test_an_unknown_test_is_not_found(trainer, client):
    assert client.get("/trainer/tests/no-such-test/edit").status_code == 404
    token = csrf_from(client.get("/trainer/tests"))
    assert client.post("/trainer/tests/no-such-test/edit", data={"csrf_token": token}).status_code == 404
