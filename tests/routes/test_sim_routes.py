"""The sandbox CRM through the pages: lists, records, saves with errors, task panel, replay."""
import re


from app.models import Attempt
from app.services import simulation
from tests.helpers import csrf_from, post_form, sign_in, user_by_email


def start(client, key="advance-opportunity"):
    response = post_form(client, "/me/", f"/me/exercises/{key}/start", {})
    assert response.status_code == 302
    return int(re.search(r"/sim/(\d+)", response.headers["Location"]).group(1))


def test_trainee_home_lists_exercises_for_the_role(client, demo, login_as):
    login_as("trainee")
    page = client.get("/me/").get_data(as_text=True)
    assert "Hands-on CRM exercises" in page and "Move an opportunity to Negotiation" in page
    assert "Triage an escalated case" not in page


def test_list_record_and_validation_error_on_save(client, demo, login_as, db):
    login_as("trainee")
    attempt_id = start(client)
    home = client.get(f"/me/sim/{attempt_id}")
    assert home.headers["Location"].endswith(f"/me/sim/{attempt_id}/list/opportunity")
    listing = client.get(home.headers["Location"]).get_data(as_text=True)
    assert "Fleet tracking rollout" in listing and "Your task" in listing
    deal = db.session.get(Attempt, attempt_id).bindings["deal"][1]
    url = f"/me/sim/{attempt_id}/rec/opportunity/{deal}"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "f_stage": "Negotiation",
                                      "f_next_step": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Opportunities in Proposal or Negotiation need a next step." in page
    ok = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "f_stage": "Negotiation",
                                "f_next_step": "Legal contract review"}, follow_redirects=True)
    assert "Opportunity saved." in ok.get_data(as_text=True)


def test_duplicate_warning_then_confirm_on_create(client, demo, login_as):
    login_as("trainee")
    attempt_id = start(client, "merge-duplicate-contacts")
    page_url = f"/me/sim/{attempt_id}/new/contact"
    listing = client.get(f"/me/sim/{attempt_id}/list/contact").get_data(as_text=True)
    email = re.search(r"([a-z]+\.[a-z]+@[a-z]+\.example)", listing).group(1)
    data = {"f_last_name": "Copy", "f_email": email}
    first = client.post(page_url, data={**data, "csrf_token": csrf_from(client.get(page_url))})
    assert first.status_code == 422 and "Possible duplicate." in first.get_data(as_text=True)
    forced = client.post(page_url, data={**data, "confirm_duplicate": "on", "csrf_token": csrf_from(client.get(page_url))})
    assert forced.status_code == 302


def test_check_my_work_finish_result_and_replay(client, demo, login_as, db):
    login_as("trainee")
    attempt_id = start(client, "close-lost-with-reason")
    deal = db.session.get(Attempt, attempt_id).bindings["deal"][1]
    url = f"/me/sim/{attempt_id}/rec/opportunity/{deal}"
    client.post(url, data={"csrf_token": csrf_from(client.get(url)), "f_stage": "Closed Lost"})  # refused: no reason
    checks = post_form(client, url, f"/me/sim/{attempt_id}/check", {}, follow_redirects=True).get_data(as_text=True)
    assert "Check my work" in checks and "Not yet: check the stage." in checks
    client.post(url, data={"csrf_token": csrf_from(client.get(url)), "f_stage": "Closed Lost", "f_lost_reason": "Price"})
    result = post_form(client, url, f"/me/sim/{attempt_id}/finish", {}, follow_redirects=True).get_data(as_text=True)
    assert "Result: Record a lost deal honestly" in result and "Replay, step by step" in result
    assert "Refused: Give a lost reason when closing an opportunity as lost." in result
    assert client.get(url).headers["Location"].endswith("/result")  # the sandbox is closed now


def test_trainer_replays_a_trainees_exercise_but_not_another_units(app, demo, db):
    trainee_client = app.test_client()
    sign_in(trainee_client, "trainee@demo.uptake")
    attempt_id = start(trainee_client, "close-lost-with-reason")
    post_form(trainee_client, "/me/", f"/me/sim/{attempt_id}/finish", {})
    tara = user_by_email("trainee@demo.uptake")
    own, other = app.test_client(), app.test_client()
    sign_in(own, "trainer@demo.uptake")
    sign_in(other, "trainer2@demo.uptake")
    url = f"/trainer/people/{tara.id}/exercises/{attempt_id}"
    assert "Replay, step by step" in own.get(url).get_data(as_text=True)
    assert "replay" in own.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    assert other.get(url).status_code == 404
    colleague = app.test_client()
    sign_in(colleague, next(m.email for m in tara.business_unit.members if m.id != tara.id))
    assert colleague.get(f"/me/sim/{attempt_id}/result").status_code == 404
    assert colleague.get(f"/me/sim/{attempt_id}/list/opportunity").status_code == 404


def test_reports_and_campaign_members_pages(client, demo, login_as, db):
    login_as("trainee")
    attempt_id = start(client, "pipeline-report")
    page = f"/me/sim/{attempt_id}/reports"
    response = client.post(page, data={"csrf_token": csrf_from(client.get(page)), "object": "opportunity",
                                       "f_stage": "open", "f_account.country": "Germany", "group_by": "stage",
                                       "measure": "amount"})
    text = response.get_data(as_text=True)
    assert "Negotiation" in text and "40,000.00" in text and "70,000.00" not in text
    assert ">Priority</option>" in text and ">Activity type</option>" in text
    assert ">priority<" not in text and '<th scope="col">Stage</th>' in text  # labels people read, not field names


def test_a_page_opened_from_another_site_records_no_step(client, demo, login_as, db):
    """Opening records counts in the process grade, so a link on another site must not add steps."""
    from app.services import simulation

    login_as("trainee")
    attempt_id = start(client)
    deal = db.session.get(Attempt, attempt_id).bindings["deal"][1]
    url = f"/me/sim/{attempt_id}/rec/opportunity/{deal}"
    assert client.get(url, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    assert client.get(f"/me/sim/{attempt_id}/search?q=fleet", headers={"Sec-Fetch-Site": "same-site"}).status_code == 200
    attempt = db.session.get(Attempt, attempt_id)
    assert simulation.steps(attempt) == []
    client.get(url, headers={"Sec-Fetch-Site": "same-origin"})
    assert [s.action["type"] for s in simulation.steps(attempt)] == ["view"]


def test_every_exercise_opens_on_a_working_page_and_resumes_there(client, demo, login_as):
    """An exercise opens where its brief says (a list, the report builder or search), never on a 404,
    and the home page's "Resume" opens the same page."""
    login_as("trainee")
    broken = []
    for key in simulation.scenarios():
        attempt_id = start(client, key)
        opened = client.get(f"/me/sim/{attempt_id}", follow_redirects=True)
        if opened.status_code != 200 or "Your task" not in opened.get_data(as_text=True):
            broken.append(f"{key} → {opened.status_code} {opened.request.path}")
    assert not broken, "\n".join(broken)
    home = client.get("/me/").get_data(as_text=True)
    assert "Resume" in home
