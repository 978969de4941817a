"""Training pages: the trainee's path and modules, the trainer's heatmap and unit plan."""
from sqlalchemy import select

from app.models import BusinessUnit
from tests.conftest import post_form, user_by_email


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
