"""Trainers and admins import questions in the browser: upload, preview with problems, confirm, fix a
question left out in the editor; exports."""
import io

from sqlalchemy import select

from app.models import Item
from tests.helpers import csrf_from

GIFT = ("// skills: data-quality\n::Duplicate warning::The duplicate warning is the cheapest point to stop a "
        "duplicate.{T####It fires at save time.}\n\n::Essay::Discuss.{}\n")


def upload(client, data: bytes, name="trainer.gift", fmt="gift", skills=()):
    token = csrf_from(client.get("/trainer/content/imports/new"))
    return client.post("/trainer/content/imports/new", data={
        "csrf_token": token, "format": fmt, "default_skills": list(skills),
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_upload_preview_confirm(client, content_loaded, login_as, db):
    login_as("admin")
    response = upload(client, GIFT.encode())
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "1 question ready to import" in page and "essay questions are not supported" in page
    assert db.session.scalar(select(Item).where(Item.key == "duplicate-warning")) is None
    token = csrf_from(client.get(preview_url))
    done = client.post(preview_url + "/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "Imported trainer.gift: 1 new" in done.get_data(as_text=True)
    assert db.session.scalar(select(Item).where(Item.key == "duplicate-warning")).active


def test_bad_uploads_get_clear_errors(client, content_loaded, login_as):
    login_as("admin")
    assert "not UTF-8" in upload(client, b"\xff\xfe\xfa").get_data(as_text=True)
    assert "Moodle XML" in upload(client, b"hello", "x.xml", "moodle_xml").get_data(as_text=True)
    # A raw oversized body: the server refuses it from its Content-Length before parsing anything.
    response = client.post("/trainer/content/imports/new", data=b"x" * (6 * 1024 * 1024),
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_content_pages_are_for_trainers_and_admins(client, content_loaded, login_as):
    login_as("trainee")
    assert client.get("/trainer/content").status_code == 403
    assert client.get("/trainer/content/imports/new").status_code == 403
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/me/"))})
    login_as("trainer")  # trainers bring their own question banks
    assert client.get("/trainer/content/imports/new").status_code == 200


def test_a_file_over_the_stated_limit_is_refused_and_nothing_is_stored(client, content_loaded, login_as, db):
    from sqlalchemy import func, select

    from app.models import ContentImport

    login_as("admin")
    big = ("// skills: lead-management\n::q::Is this question long enough? {T}\n\n" * 20000).encode()
    assert 1024 * 1024 < len(big) < 5 * 1024 * 1024  # over 1 MiB, under the request limit
    # the multipart body is built here: the test client would spool a large one to a file it never closes
    token = csrf_from(client.get("/trainer/content/imports/new"))
    body = b"".join([b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n", token.encode(),
                     b"\r\n--b\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\ngift",
                     b"\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.gift\"\r\n"
                     b"Content-Type: text/plain\r\n\r\n", big, b"\r\n--b--\r\n"])
    response = client.post("/trainer/content/imports/new", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400 and "larger than 1 MiB, the limit" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ContentImport.id))) == 0


def test_the_preview_shows_each_questions_answer_key_with_its_weights(client, content_loaded, login_as):
    login_as("admin")
    gift = ("// skills: data-quality\n::Capital::Capital of Australia? {=Canberra ~%50%Sydney ~Perth}\n\n"
            "// skills: data-quality\n::Rings::Which planet has rings? {=Saturn =%50%Jupiter}\n\n"
            "// skills: data-quality\n::Broken::Left open {=a ~b\n").encode()
    page = client.get(upload(client, gift).headers["Location"]).get_data(as_text=True)
    assert "Canberra (100 %) · Sydney (50 %) · Perth (0 %)" in page
    assert "Saturn (100 %) · Jupiter (50 %)" in page
    assert "never closed with }" in page and "2 questions ready to import" in page
    assert "1 question will not be imported (1 problem)" in page


def test_the_preview_says_which_questions_a_reimport_would_replace(client, content_loaded, login_as):
    login_as("admin")
    first = ("// skills: data-quality\n::Capital::Capital of Australia? {=Canberra ~Sydney ~Perth}\n\n"
             "// skills: data-quality\n::Rings::Which planet has rings? {=Saturn}\n").encode()
    preview = upload(client, first, name="course.gift").headers["Location"]
    assert "2 new" in client.get(preview).get_data(as_text=True)
    client.post(preview + "/confirm", data={"csrf_token": csrf_from(client.get(preview))})
    second = first.replace(b"{=Saturn}", b"{=Saturn =%50%Jupiter}") + b"\n// skills: data-quality\n::New one::Is it new? {T}\n"
    page = client.get(upload(client, second, name="course.gift").headers["Location"]).get_data(as_text=True)
    assert "1 new, <strong>1 will replace questions already in the bank from an earlier import of course.gift" in page
    assert "1 already in the bank unchanged" in page and "replaces the earlier version" in page


def test_the_admin_exports_the_bank_and_it_imports_back(app, client, content_loaded, login_as):
    from app.skills.taxonomy import SKILL_SLUGS
    from quizzes.importers.gift import import_gift
    from quizzes.importers.moodle_xml import import_moodle_xml

    login_as("admin")
    assert "Export every question" in client.get("/trainer/content").get_data(as_text=True)
    gift = client.get("/trainer/content/export.gift")
    assert gift.status_code == 200 and "uptake-questions.gift" in gift.headers["Content-Disposition"]
    text = gift.get_data(as_text=True)
    assert text.startswith("// Not exported: ") and "GIFT has no ordering questions" in text
    assert import_gift(text, "back.gift", SKILL_SLUGS).ok
    xml = client.get("/trainer/content/export.xml")
    assert xml.mimetype == "application/xml" and import_moodle_xml(xml.data, "back.xml", SKILL_SLUGS).ok
    from tests.helpers import sign_in

    trainer = app.test_client()
    sign_in(trainer, "trainer@demo.uptake")
    assert trainer.get("/trainer/content/export.gift").status_code == 200  # trainers take their bank elsewhere too


def test_a_quiz_form_exports_with_every_question_it_can_ask(client, content_loaded, login_as, db):
    from app.models import Quiz
    from app.services import content
    from app.skills.taxonomy import SKILL_SLUGS
    from quizzes.importers.gift import import_gift
    from quizzes.importers.moodle_xml import import_moodle_xml

    login_as("admin")
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == "crm-basics"))
    expected = {i.id for i in content.quiz_items(content.quiz_def(quiz), content.active_bank())}
    assert expected and f"/trainer/content/quizzes/{quiz.key}/export.gift" in client.get("/trainer/content").get_data(as_text=True)
    gift = client.get(f"/trainer/content/quizzes/{quiz.key}/export.gift").get_data(as_text=True)
    assert f"$CATEGORY: $course$/{quiz.title}" in gift
    import re

    back = import_gift(gift, "q.gift", SKILL_SLUGS)
    left_out = set(re.findall(r"// Not exported: (\S+) ", gift))
    assert back.ok and {i.id for i in back.items} == expected - left_out  # everything else, nothing more
    xml = client.get(f"/trainer/content/quizzes/{quiz.key}/export.xml").get_data(as_text=True)
    left_out = set(re.findall(r"<!-- Not exported: (\S+) ", xml))
    assert '<question type="category">' in xml
    assert {i.id for i in import_moodle_xml(xml, "q.xml", SKILL_SLUGS).items} == expected - left_out
    assert client.get("/trainer/content/quizzes/no-such-quiz/export.gift").status_code == 404


def test_a_reimport_retires_the_questions_no_longer_in_the_file(client, content_loaded, login_as, db):
    login_as("admin")
    first = ("// skills: data-quality\n::Keep::Kept question? {T}\n\n"
             "// skills: data-quality\n::Drop::Dropped question? {T}\n\n"
             "// skills: data-quality\n::Broken::Broken later? {T}\n").encode()
    preview = upload(client, first, name="course.gift").headers["Location"]
    client.post(preview + "/confirm", data={"csrf_token": csrf_from(client.get(preview))})
    second = ("// skills: data-quality\n::Keep::Kept question? {T}\n\n"
              "// skills: data-quality\n::Broken::Broken later? {=a ~b\n").encode()
    preview = upload(client, second, name="course.gift").headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "1 question from the earlier import of course.gift will be retired" in page and "Dropped question?" in page
    assert "Broken later?" not in page.split("will be retired")[1]  # left out for a problem: not retired
    done = client.post(preview + "/confirm", data={"csrf_token": csrf_from(client.get(preview))},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 retired" in done
    active = dict(db.session.execute(select(Item.key, Item.active).where(Item.source == "import:course.gift")).all())
    assert active == {"keep": True, "drop": False, "broken": True}


def test_a_question_left_out_for_a_problem_is_fixed_in_the_editor(client, content_loaded, login_as, db):
    """The trainer's own import: a question names a skill Uptake does not have; the preview links it to
    the editor, which opens with the file's text and options and says what to fix."""
    from tests.routes.test_question_routes import form_of

    login_as("trainer")
    gift = ("// skills: pipeline-hygiene\n::Stale deal::An opportunity's close date passed last month and "
            "nobody has touched it. What now? {=Update the close date and next step with the customer "
            "~Leave it: the report ignores it ~Delete it}\n").encode()
    preview = upload(client, gift, name="deals.gift").headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "unknown skill &#39;pipeline-hygiene&#39;" in page and "fix it in the editor" in page
    editor = page.split('fix it in the editor')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    opened = client.get(editor).get_data(as_text=True)
    assert "From deals.gift: fix what is listed" in opened and "Skills: unknown skill" in opened
    assert "Update the close date and next step with the customer</textarea>" in opened
    fields = form_of(client, editor, "/trainer/questions/new")
    fields.add("skills", "opportunity-pipeline")
    saved = client.post("/trainer/questions/new", data=fields)
    assert saved.status_code == 302
    row = db.session.scalar(select(Item).where(Item.stem.like("An opportunity's close date passed%")))
    assert row.version == 0 and [s.slug for s in row.skills] == ["opportunity-pipeline"]
    assert [o["correct"] for o in row.data["options"]] == [True, False, False]


def test_only_questions_an_import_left_out_open_in_the_editor(client, content_loaded, login_as):
    login_as("trainer")
    preview = upload(client, GIFT.encode()).headers["Location"]
    import_id = preview.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/trainer/questions/new?from_import={import_id}&question=duplicate-warning").status_code == 404
    assert client.get("/trainer/questions/new?from_import=999999&question=x").status_code == 404


def test_a_different_file_with_the_same_name_is_kept_beside_the_first(client, content_loaded, login_as, db):
    """Two trainers' quiz.gift: the preview of the second says one was imported before; "keep both"
    imports it as quiz (2).gift, beside the first, whose questions are neither replaced nor retired."""
    login_as("trainer")
    first = (b"// skills: data-quality\n::Q1::Duplicates cost money.{T}\n\n"
             b"// skills: data-quality\n::Q2::Merging keeps history.{T}\n")
    second = b"// skills: campaigns\n::Q1::A campaign needs an owner.{T}\n"
    preview = upload(client, first, name="quiz.gift").headers["Location"]
    client.post(preview + "/confirm", data={"csrf_token": csrf_from(client.get(preview))})
    preview = upload(client, second, name="quiz.gift").headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "A file called quiz.gift was imported before" in page and "will be retired" in page  # Q2, if a new version
    token = csrf_from(client.get(preview))
    page = client.post(preview + "/separate", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Imported as a separate file, quiz (2).gift" in page and "will be retired" not in page
    assert "named q1 in the file, which import:quiz.gift already uses" in page
    client.post(preview + "/confirm", data={"csrf_token": csrf_from(client.get(preview))})
    stems = dict(db.session.execute(select(Item.key, Item.stem).where(Item.key.in_(["q1", "q2", "q1-2"]))).all())
    assert stems == {"q1": "Duplicates cost money.", "q2": "Merging keeps history.", "q1-2": "A campaign needs an owner."}
    assert all(db.session.scalars(select(Item.active).where(Item.key.in_(["q1", "q2"]))))
