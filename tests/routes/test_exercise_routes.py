"""Tailoring an exercise over HTTP: trainers and admins only, the form sent back untouched keeps nothing,
a version the sandbox cannot play is refused with the reasons and the text kept, reset."""
import pytest
from sqlalchemy import select

from app.models import ScenarioText
from app.services.simulation import scenarios
from tests.helpers import csrf_from, user_by_email
from tests.routes.test_question_routes import changed, form_of

PAGE = "/trainer/content/exercises/advance-opportunity"


@pytest.fixture
def trainer(content_loaded, login_as):
    return login_as("trainer")


def saving(fields):
    fields = fields.copy()
    fields.add("action", "save")
    return fields


def test_trainees_may_not_tailor_exercises(content_loaded, client, login_as):
    login_as("trainee")
    assert client.get("/trainer/content/exercises").status_code == 403
    assert client.get(PAGE).status_code == 403


def test_every_exercise_sent_back_untouched_keeps_nothing(trainer, client, db):
    for scenario_id in sorted(scenarios()):
        page = f"/trainer/content/exercises/{scenario_id}"
        assert client.post(page, data=saving(form_of(client, page, page))).status_code == 302, scenario_id
    assert db.session.scalar(select(ScenarioText)) is None


def test_a_tailored_brief_and_weight_are_saved_after_playing(trainer, client, db):
    fields = changed(form_of(client, PAGE, PAGE), "weight-stage", "4")
    fields = changed(fields, "brief", "Move [[deal.name]] to Negotiation with the budget [[values.budget]], "
                                      "a close date 21 days out and a next step naming the contract review.")
    page = client.post(PAGE, data=saving(fields), follow_redirects=True).get_data(as_text=True)
    assert "Saved and played in the sandbox" in page and "Trainees get your version" in page
    scenario = scenarios(user_by_email("trainer@demo.uptake").organisation_id)["advance-opportunity"]
    assert scenario.brief.startswith("Move [[deal.name]]") and scenario.checks[0].weight == 4
    token = csrf_from(client.get(PAGE))
    page = client.post(PAGE, data={"csrf_token": token, "action": "reset"}, follow_redirects=True).get_data(as_text=True)
    assert "back to the one Uptake ships" in page and db.session.scalar(select(ScenarioText)) is None


def test_a_version_the_sandbox_cannot_play_is_refused_with_the_text_kept(trainer, client, db):
    fields = form_of(client, PAGE, PAGE)
    setup = fields["setup"].replace('budget: \'{amount:52000-70000}\'', "budget: lots")
    assert setup != fields["setup"]
    fields = changed(changed(fields, "setup", setup), "weight-close", "0")
    response = client.post(PAGE, data=saving(fields))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "must count a number above 0" in text
    fields = changed(fields, "weight-close", "1")
    text = client.post(PAGE, data=saving(fields)).get_data(as_text=True)
    assert "the reference solution no longer works on this starting data" in text and "budget: lots" in text
    assert db.session.scalar(select(ScenarioText)) is None
