"""The trainer's observation pages: the checklist, refusals that keep what was typed, and the
person page listing what was seen."""
from datetime import date

from app.services import observations
from tests.helpers import DEMO_EMAILS, user_by_email

SKILL = "data-quality"


def test_the_trainer_records_an_observation_through_the_pages(app, client, fitted_demo, login_as, db):
    from tests.helpers import post_form, sign_in

    login_as("trainer")
    tara = user_by_email(DEMO_EMAILS["trainee"])
    person_page = f"/trainer/people/{tara.id}"
    assert "Open the checklist" in client.get(person_page).get_data(as_text=True)
    url = f"{person_page}/observe?skill={SKILL}"
    page = client.get(url).get_data(as_text=True)
    behaviours = observations.checklist(SKILL)
    assert all(b.text in page for b in behaviours)
    empty = post_form(client, url, url, {"observed_on": date.today().isoformat(), "note": "kept"})
    body = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Mark at least one behaviour" in body and 'value="kept"' in body
    bad_day = post_form(client, url, url, {"observed_on": "yesterday-ish", f"mark_{behaviours[0].key}": "yes"})
    assert bad_day.status_code == 422 and "Give the day as a date" in bad_day.get_data(as_text=True)
    done = post_form(client, url, url, {"observed_on": date.today().isoformat(), f"mark_{behaviours[0].key}": "yes",
                                        f"mark_{behaviours[1].key}": "no", "note": "Busy Monday queue"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Observation recorded" in done and behaviours[0].text in done and "Busy Monday queue" in done
    assert client.get(f"{person_page}/observe?skill=no-such-skill").status_code == 404
    other = app.test_client()
    sign_in(other, DEMO_EMAILS["trainer2"])
    assert other.get(url).status_code == 404
