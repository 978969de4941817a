"""Training pages: the trainee's path and modules, the trainer's heatmap and unit plan."""
from sqlalchemy import func, select

from app.models import BusinessUnit
from tests.helpers import add_new_hires, post_form, user_by_email


def test_trainee_path_and_module_pages(client, fitted_demo, login_as):
    login_as("trainee")
    page = client.get("/me/path").get_data(as_text=True)
    assert "My training path" in page and "sure you have mastered it" in page
    module = client.get("/me/modules/el-pipeline").get_data(as_text=True)
    assert "A pipeline that tells the truth" in module and "<table>" in module and "Do the hands-on check" in module
    response = post_form(client, "/me/modules/el-pipeline", "/me/exercises/advance-opportunity/start", {})
    assert "/me/sim/" in response.headers["Location"]
    assert client.get("/me/modules/no-such-module").status_code == 404


def test_trainer_heatmap_and_unit_plan(client, fitted_demo, login_as, db):
    login_as("trainer")
    home = client.get("/trainer/").get_data(as_text=True)
    assert "Skill gaps: share of people below target" in home and "heat-" in home
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = client.get(f"/trainer/units/{unit.id}").get_data(as_text=True)
    assert "Training-needs plan" in page and "Workshop: data quality clinic" in page
    tara = user_by_email("trainee@demo.uptake")
    person = client.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    assert "Training path (" in person


def test_other_units_plan_is_not_reachable(client, fitted_demo, login_as, db):
    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    assert client.get(f"/trainer/units/{unit.id}").status_code == 404


def test_a_persons_page_assesses_them_once(client, fitted_demo, login_as, db):
    """The profile and the path come from one assessment (one read of the person's evidence)."""
    from sqlalchemy import event

    login_as("trainer")
    tara = user_by_email("trainee@demo.uptake")
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get(f"/trainer/people/{tara.id}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Training path (" in page and "Skill profile" in page
    assert len([s for s in seen if "FROM evidence" in s]) == 1


def test_a_lesson_page_states_its_honest_time_and_does_not_repeat_its_title(client, content_loaded, login_as):
    import re

    login_as("trainee")
    page = client.get("/me/modules/el-pipeline").get_data(as_text=True)
    assert re.search(r"about (\d+) minutes \((\d+) to read, (\d+) for the hands-on check\)", page)
    assert page.count("A pipeline that tells the truth</h") == 1  # the H1 only
    assert '<figure class="sandbox-shot"' in page and "Common mistakes</h2>" in page


def test_a_trainee_replies_to_a_workshop_seat_and_the_trainer_sees_it(client, fitted_demo, db):
    from sqlalchemy import select as _select

    from app.models import Assignment, BusinessUnit
    from app.services import assignments as _assignments
    from tests.helpers import csrf_from, sign_in, user_by_email

    trainer = user_by_email("trainer@demo.uptake")
    unit = db.session.scalar(_select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    _assignments.accept_plan(trainer, unit)
    seat = db.session.scalars(_select(Assignment).where(Assignment.session_id.is_not(None))).first()
    person = db.session.get(type(trainer), seat.target_id)
    sign_in(client, person.email)
    page = client.get(f"/me/modules/{seat.ref}")
    text = page.get_data(as_text=True)
    assert "I will be there" in text and "Ask for another date" in text
    response = client.post(f"/me/seats/{seat.id}/declined", data={"csrf_token": csrf_from(page), "note": "Customer visit"},
                           follow_redirects=True)
    assert "Your trainer will see that you need another date." in response.get_data(as_text=True)
    assert "You asked for another date" in response.get_data(as_text=True)
    other = db.session.scalars(_select(Assignment).where(Assignment.session_id == seat.session_id,
                                                         Assignment.id != seat.id)).first()
    assert client.post(f"/me/seats/{other.id}/accepted", data={"csrf_token": csrf_from(page)}).status_code == 302
    db.session.expire_all()
    assert other.rsvp == "invited"  # someone else's seat: refused, unchanged
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/me/"))})
    sign_in(client, trainer.email)
    unit_page = client.get(f"/trainer/units/{unit.id}").get_data(as_text=True)
    assert f"{person.name} (<strong>asked for another date</strong>: “Customer visit”)" in unit_page


def test_a_large_units_people_are_listed_a_hundred_at_a_time(client, demo, login_as, db):
    """A unit of hundreds lists its people by name, a page at a time, with the count of all of them."""
    import re

    from app.models import User

    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    add_new_hires(unit, 230)
    total = db.session.scalar(select(func.count(User.id)).where(User.business_unit_id == unit.id,
                                                                 User.role == "trainee"))

    def listed(page):
        html = client.get(f"/trainer/units/{unit.id}?page={page}").get_data(as_text=True)
        people = html.split('<h2 id="people">', 1)[1]
        return html, re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', people)

    first, names = listed(1)
    assert f"People ({total:,})" in first and "Showing 1–100 by name" in first
    hires = [n for n in names if n.startswith("Zz New Hire")]
    assert len(names) == 100 and hires == sorted(hires)
    assert f"Page 1 of {(total - 1) // 100 + 1}" in first and "?page=2#people" in first
    last_page = (total - 1) // 100 + 1
    last, last_names = listed(last_page)
    assert len(last_names) == total - 100 * (last_page - 1) and last_names[-1] == "Zz New Hire 229"
    # every trainee is on exactly one page; a page past the end (or nonsense) shows the last or the first
    seen = [n for p in range(1, last_page + 1) for n in listed(p)[1]]
    assert len(seen) == len(set(seen)) == total
    assert listed(99)[1] == last_names and listed("x")[1] == names
