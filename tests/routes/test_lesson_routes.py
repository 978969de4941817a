"""Rewriting a lesson over HTTP: trainers and admins only, the preview saves nothing, saving changes what
trainees read, refusals and expired forms keep the text, the live preview answers JSON."""
import pytest

from tests.helpers import csrf_from

PAGE = "/trainer/content/lessons/el-pipeline"
OURS = "## Our pipeline\n\nA deal in **our** CRM needs a next step."


@pytest.fixture
def trainer(content_loaded, login_as):
    return login_as("trainer")


def test_trainees_may_not_edit_lessons(content_loaded, client, login_as):
    login_as("trainee")
    assert client.get("/trainer/content/lessons").status_code == 403
    assert client.get(PAGE).status_code == 403


def test_the_editor_shows_the_text_and_the_lesson_as_trainees_read_it(trainer, client):
    page = client.get(PAGE).get_data(as_text=True)
    assert "As trainees will read it" in page and "<h2>" in page and "## " in page
    assert "A pipeline that tells the truth" in client.get("/trainer/content/lessons").get_data(as_text=True)
    assert client.get("/trainer/content/lessons/ilt-pipeline").status_code == 404


def test_preview_saves_nothing_and_save_changes_what_trainees_read(trainer, client, login_as):
    token = csrf_from(client.get(PAGE))
    previewed = client.post(PAGE, data={"csrf_token": token, "text": OURS, "action": "preview"})
    assert previewed.status_code == 200 and "<strong>our</strong>" in previewed.get_data(as_text=True)
    assert "as shipped" in client.get("/trainer/content/lessons").get_data(as_text=True)
    saved = client.post(PAGE, data={"csrf_token": token, "text": OURS, "action": "save"}, follow_redirects=True)
    assert "Saved: trainees in your organisation opening the lesson now read this version" in saved.get_data(as_text=True)
    client.post("/auth/sign-out", data={"csrf_token": token})
    login_as("trainee")
    assert "<h2>Our pipeline</h2>" in client.get("/me/modules/el-pipeline").get_data(as_text=True)


def test_a_refused_lesson_and_an_expired_form_keep_the_text(trainer, client):
    token = csrf_from(client.get(PAGE))
    bad = OURS + "\n\n```sandbox\nexercise: nowhere\n```\n"
    refused = client.post(PAGE, data={"csrf_token": token, "text": bad, "action": "save"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "A sandbox figure cannot be drawn" in text and "exercise: nowhere" in text
    expired = client.post(PAGE, data={"csrf_token": "stale", "text": OURS, "action": "save"})
    text = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "Your form expired; nothing was saved" in text and "A deal in **our**" in text


def test_the_live_preview_answers_json(trainer, client):
    token = csrf_from(client.get(PAGE))
    good = client.post(PAGE + "/preview", data={"csrf_token": token, "text": OURS})
    assert good.status_code == 200 and "<strong>our</strong>" in good.get_json()["html"]
    bad = client.post(PAGE + "/preview", data={"csrf_token": token, "text": "```sandbox\nexercise: nowhere\n```"})
    assert bad.status_code == 422 and "cannot be drawn" in bad.get_json()["error"]
    assert client.post(PAGE + "/preview", data={"text": OURS}).status_code == 400  # no token, no preview
