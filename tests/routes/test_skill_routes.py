"""Skill profiles on the trainee and trainer pages, and the adaptive quiz through the pages."""
import re


from sqlalchemy import select

from app.models import Attempt
from tests.helpers import post_form, user_by_email


def test_trainee_sees_their_profile_with_verdicts(client, fitted_demo, login_as):
    login_as("trainee")
    page = client.get("/me/").get_data(as_text=True)
    assert "Skills your job role needs" in page and "sure it is mastered" in page
    assert re.search(r"verdict-(ok|weak)", page)
    assert "Why?" in page


def test_trainer_sees_the_evidence_behind_a_verdict(client, fitted_demo, login_as):
    login_as("trainer")
    tara = user_by_email("trainee@demo.uptake")
    page = client.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    assert "Skills the job role needs" in page and "older evidence counts less" in page
    assert re.search(r"Based on \d+ answers?", page) and not re.search(r"\d\.\d answers", page)
    assert re.search(r"scored \d+% on \d\d \w\w\w \d{4}", page)


def test_profile_before_the_first_fit_reads_evidence_through_priors(client, content_loaded, login_as):
    login_as("trainee")
    page = client.get("/me/").get_data(as_text=True)
    assert "Not enough evidence yet" in page and "Not measured yet" in page
    assert "unavailable right now" not in page


def test_profile_with_an_unreadable_model_says_so(client, fitted_demo, login_as, app):
    from app.services import skill_model

    from app.extensions import db
    from app.models import StoredModel

    login_as("trainee")
    row = db.session.scalar(select(StoredModel).order_by(StoredModel.id.desc()))
    row.data = row.data[: len(row.data) // 2]  # half a model
    db.session.commit()
    skill_model._cache.clear()
    page = client.get("/me/").get_data(as_text=True)
    assert "Skill estimates are unavailable right now" in page and "sure it is mastered" not in page


def test_adaptive_quiz_through_the_pages(client, fitted_demo, login_as, db):
    login_as("trainee")
    response = post_form(client, "/me/quizzes/adaptive-skills-check", "/me/quizzes/adaptive-skills-check/start", {})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert "Adaptive test · question 1 (at most 30)" in page
    first = db.session.get(Attempt, attempt_id).item_keys[0]
    response = post_form(client, f"/me/attempts/{attempt_id}", f"/me/attempts/{attempt_id}?page=1", {"goto": "more"})
    db.session.expire_all()
    keys = db.session.get(Attempt, attempt_id).item_keys
    if len(keys) == 2:  # another question was chosen
        assert response.headers["Location"].endswith("page=2") and keys[0] == first
    else:  # the profile was already clear: straight to review
        assert response.headers["Location"].endswith("/finish")


def test_a_newcomer_sees_no_confidence_figure_and_the_trainer_sees_whole_counts(app, fitted_demo):
    from app.services.people import UserInput, create_user
    from tests.helpers import sign_in
    from tests.services.test_live_loop import solve_exercise

    tara = user_by_email("trainee@demo.uptake")
    person = create_user(tara.organisation_id, UserInput(
        email="new.face@demo.uptake", name="New Face", role="trainee", business_unit_id=tara.business_unit_id,
        job_role_id=tara.job_role_id, password="new-face-password"))
    client = app.test_client()
    assert sign_in(client, "new.face@demo.uptake", "new-face-password").status_code == 302
    home = re.sub(r"<[^>]+>", " ", client.get("/me/").get_data(as_text=True))
    assert "sure it is mastered" not in home and "Not measured yet" in home and "No evidence yet" in home
    attempt, _ = solve_exercise(person, "advance-opportunity")
    result = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/me/sim/{attempt.id}/result").get_data(as_text=True)))
    assert "What this changed" in result and "→" in result and "Next on your path" in result
    trainer = app.test_client()
    sign_in(trainer, "trainer@demo.uptake")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", trainer.get(f"/trainer/people/{person.id}").get_data(as_text=True)))
    assert "1 exercise" in page and not re.search(r"\d\.\d answers", page)
    assert "Exercise “Move an opportunity to Negotiation”" in page
