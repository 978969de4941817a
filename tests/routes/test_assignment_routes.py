"""Assigning through the trainer pages; what the trainee sees."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from app.models import Assignment, BusinessUnit
from tests.helpers import csrf_from, post_form, user_by_email


def test_trainer_assigns_a_module_to_a_person_and_the_trainee_sees_it(app, content_loaded, db):
    from tests.helpers import sign_in

    trainer, trainee = app.test_client(), app.test_client()
    sign_in(trainer, "trainer@demo.uptake")
    sign_in(trainee, "trainee@demo.uptake")
    tara = user_by_email("trainee@demo.uptake")
    url = f"/trainer/units/{tara.business_unit_id}/assign"
    due = (date.today() + timedelta(days=10)).isoformat()
    response = trainer.post(url, data={"csrf_token": csrf_from(trainer.get(url)), "kind": "module",
                                       "ref_module": "el-pipeline", "target": f"user:{tara.id}", "due_date": due})
    assert response.status_code == 302
    home = trainee.get("/me/").get_data(as_text=True)
    assert "A pipeline that tells the truth" in home and "due" in home


def test_bad_due_date_is_explained_and_nothing_is_saved(client, content_loaded, login_as, db):
    login_as("trainer")
    tara = user_by_email("trainee@demo.uptake")
    url = f"/trainer/units/{tara.business_unit_id}/assign"
    response = post_form(client, url, url, {"kind": "module", "ref_module": "el-pipeline", "target": f"user:{tara.id}",
                                            "due_date": "someday"})
    assert response.status_code == 422 and "calendar date, e.g." in response.get_data(as_text=True)
    empty = post_form(client, url, url, {"kind": "module", "ref_module": "el-pipeline", "target": f"user:{tara.id}",
                                         "due_date": ""})
    assert empty.status_code == 422 and "Choose a due date." in empty.get_data(as_text=True)
    nobody = post_form(client, url, url, {"kind": "module", "ref_module": "el-pipeline", "target": "user:99999999999999",
                                          "due_date": "2099-01-01"})
    assert nobody.status_code == 422 and "Choose who the assignment is for." in nobody.get_data(as_text=True)
    past = post_form(client, url, url, {"kind": "module", "ref_module": "el-pipeline", "target": f"user:{tara.id}",
                                        "due_date": "2020-01-01"})
    assert past.status_code == 422 and "cannot be in the past" in past.get_data(as_text=True)
    assert db.session.scalars(select(Assignment)).all() == []


def test_trainer_cannot_assign_in_another_unit(client, content_loaded, login_as, db):
    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Marketing"))
    assert client.get(f"/trainer/units/{unit.id}/assign").status_code == 404
    assert client.get(f"/trainer/units/{unit.id}/sessions.ics").status_code == 404


def test_accept_plan_and_download_the_calendar(client, fitted_demo, login_as, db):
    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = f"/trainer/units/{unit.id}"
    done = post_form(client, page, f"{page}/accept-plan", {}, follow_redirects=True).get_data(as_text=True)
    assert "Plan accepted:" in done and "Download the sessions as a calendar" in done
    ics = client.get(f"{page}/sessions.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data


def test_trainer_edits_a_session_and_the_calendar_follows(app, client, fitted_demo, login_as, db):
    from app.models import TrainingSession

    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = f"/trainer/units/{unit.id}"
    post_form(client, page, f"{page}/accept-plan", {})
    session = db.session.scalars(select(TrainingSession)).first()
    when = date.today() + timedelta(days=40)
    starts = f"{when.isoformat()}T10:30"
    bad = post_form(client, page, f"/trainer/sessions/{session.id}", {"starts_at": starts, "minutes": "60",
                                                                       "location": "", "capacity": "10"},
                    follow_redirects=True)
    assert "Enter a place or meeting link." in bad.get_data(as_text=True)
    far = post_form(client, page, f"/trainer/sessions/{session.id}", {"starts_at": "9999-12-31T23:59", "minutes": "60",
                                                                       "location": "Room 4", "capacity": "10"},
                    follow_redirects=True)
    assert "Choose a start within two years" in far.get_data(as_text=True)
    post_form(client, page, f"/trainer/sessions/{session.id}", {"starts_at": starts, "minutes": "60",
                                                                 "location": "Room 4, Berlin office; or https://meet.example/x",
                                                                 "capacity": "10"})
    ics = client.get(f"{page}/sessions.ics").get_data(as_text=True)
    assert f"DTSTART:{when:%Y%m%d}T103000Z" in ics and "LOCATION:Room 4\\, Berlin office\\; or https://meet.example/x" in ics
    from tests.helpers import sign_in

    other = app.test_client()
    sign_in(other, "trainer2@demo.uptake")
    assert post_form(other, "/trainer/", f"/trainer/sessions/{session.id}", {"starts_at": starts,
                     "minutes": "60", "location": "x", "capacity": "5"}).status_code == 404


def test_overdue_work_is_flagged_to_the_trainee_and_listed_for_the_trainer(app, content_loaded, db):
    """An assignment past its due date shows as overdue on the trainee's home and in the unit's overdue
    list; an automatic refresher shows with the reason the model gave."""
    from app.services.assignments import schedule_refresher
    from tests.helpers import sign_in

    tara = user_by_email("trainee@demo.uptake")
    trainer_user = user_by_email("trainer@demo.uptake")
    db.session.add(Assignment(kind="module", ref="el-pipeline", target_type="user", target_id=tara.id,
                              due_date=date.today() - timedelta(days=3), created_by=trainer_user.id, note=""))
    db.session.commit()
    schedule_refresher(tara, [{"slug": "call-preparation", "name": "Call preparation", "probability": 0.86,
                               "evidence": 3.4, "answers": 4, "exercises": 0, "verdict": "proficient",
                               "target": 0.8, "weight": 0.9,
                               "fades_in_days": 12.0}])
    trainee, trainer = app.test_client(), app.test_client()
    sign_in(trainee, "trainee@demo.uptake")
    sign_in(trainer, "trainer@demo.uptake")
    home = trainee.get("/me/").get_data(as_text=True)
    assert "A pipeline that tells the truth" in home and "verdict-weak\">overdue" in home
    assert "Adaptive skills check" in home and "Call preparation is likely to fall below your role&#39;s target (80%)" \
        in home and "/me/quizzes/adaptive-skills-check" in home
    unit = trainer.get(f"/trainer/units/{tara.business_unit_id}").get_data(as_text=True)
    assert "Overdue (1)" in unit and f"{tara.name}</a>: A pipeline that tells the truth" in unit
    assert "(refresher, assigned automatically)" in unit


def test_attendance_is_offered_only_once_a_session_has_started(client, fitted_demo, login_as, db):
    from datetime import datetime, timezone

    from app.models import ModuleProgress, TrainingSession

    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = f"/trainer/units/{unit.id}"
    post_form(client, page, f"{page}/accept-plan", {})
    before = client.get(page).get_data(as_text=True)
    assert "Attendance can be recorded once the session has started" in before and 'name="attended"' not in before
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    session.starts_at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    db.session.commit()
    during = client.get(page).get_data(as_text=True)
    person_id = int(re.search(r'name="attended" value="(\d+)"', during).group(1))
    done = post_form(client, page, f"/trainer/sessions/{session.id}/attendance", {"attended": str(person_id)},
                     headers={"Referer": f"http://localhost{page}"}, follow_redirects=True).get_data(as_text=True)
    assert "Attendance recorded: 1 person completed the workshop." in done and "(attended)" in done
    person_page = client.get(f"/trainer/people/{person_id}").get_data(as_text=True)
    assert "Workshops attended" in person_page and "attendance recorded" in person_page
    assert db.session.scalar(select(ModuleProgress.status).where(
        ModuleProgress.user_id == person_id, ModuleProgress.module_key == session.module_key)) == "completed"


def test_assignments_are_withdrawn_or_moved_from_the_unit_page_and_trainees_see_it(app, client, content_loaded,
                                                                                   login_as, db):
    from app.models import AuditEvent
    from tests.helpers import sign_in

    login_as("trainer")
    tara = user_by_email("trainee@demo.uptake")
    unit_page = f"/trainer/units/{tara.business_unit_id}"
    due = date.today() + timedelta(days=20)
    post_form(client, f"{unit_page}/assign", f"{unit_page}/assign", {
        "kind": "module", "ref_module": "el-pipeline", "target": f"user:{tara.id}", "due_date": due.isoformat()})
    assignment = db.session.scalars(select(Assignment).order_by(Assignment.id.desc())).first()
    trainee = app.test_client()
    sign_in(trainee, "trainee@demo.uptake")
    assert "A pipeline that tells the truth" in trainee.get("/me/").get_data(as_text=True)

    later = date.today() + timedelta(days=45)
    moved = post_form(client, unit_page, f"/trainer/assignments/{assignment.id}/due", {"due_date": later.isoformat()},
                      follow_redirects=True).get_data(as_text=True)
    assert f"Now due {later:%d %b %Y}" in moved
    bad = post_form(client, unit_page, f"/trainer/assignments/{assignment.id}/due", {"due_date": "2001-01-01"},
                    follow_redirects=True).get_data(as_text=True)
    assert "cannot be in the past" in bad
    db.session.refresh(assignment)
    assert assignment.due_date == later  # the refused change changed nothing
    assert f"due {later:%d %b %Y}" in trainee.get("/me/").get_data(as_text=True)  # the trainee sees the new date

    gone = post_form(client, unit_page, f"/trainer/assignments/{assignment.id}/withdraw", {},
                     follow_redirects=True).get_data(as_text=True)
    assert "Withdrawn: A pipeline that tells the truth. It is off everyone&#39;s list." in gone
    home = trainee.get("/me/").get_data(as_text=True)
    assert f"due {later:%d %b %Y}" not in home
    assert post_form(client, unit_page, f"/trainer/assignments/{assignment.id}/withdraw", {}).status_code == 404
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("assignment.%"))))
    assert {"assignment.created", "assignment.updated", "assignment.withdrawn"} <= actions


def test_a_trainer_cannot_withdraw_another_units_assignment(app, content_loaded, db):
    from app.services import assignments as svc
    from tests.helpers import sign_in

    admin = user_by_email("admin@demo.uptake")
    service = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    theirs = svc.create_assignment(admin, "module", "el-pipeline", "unit", service.id, date.today() + timedelta(days=9))
    trainer = app.test_client()
    sign_in(trainer, "trainer@demo.uptake")  # Sales units only
    page = f"/trainer/units/{user_by_email('trainee@demo.uptake').business_unit_id}"
    assert post_form(trainer, page, f"/trainer/assignments/{theirs.id}/withdraw", {}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.active


def test_admins_reach_assign_training_from_the_menu(client, content_loaded, login_as):
    login_as("admin")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/trainer/assign"' in home
    chooser = client.get("/trainer/assign").get_data(as_text=True)
    assert "Choose the business unit" in chooser and "Customer Service" in chooser


def test_a_trainer_leaves_lines_out_of_the_plan_before_accepting_it(client, fitted_demo, login_as, db):
    import re as regex

    from app.models import TrainingSession

    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = f"/trainer/units/{unit.id}"
    html = client.get(page).get_data(as_text=True)
    sessions = regex.findall(r'name="include" value="(session:[\w-]+)"', html)
    elearning = regex.findall(r'name="include" value="(elearning:\d+:[\w-]+)"', html)
    assert sessions and elearning, "the demo unit's plan offers sessions and eLearning to tick"
    nothing = post_form(client, page, f"{page}/accept-plan", {"edited": "1"}, follow_redirects=True)
    assert "Nothing was ticked, so nothing was accepted" in nothing.get_data(as_text=True)
    assert db.session.scalars(select(Assignment).where(Assignment.origin == "plan")).all() == []

    kept_session, kept_module = sessions[0], elearning[0]
    post_form(client, page, f"{page}/accept-plan", {"edited": "1", "include": [kept_session, kept_module]})
    made = db.session.scalars(select(TrainingSession)).all()
    assert [s.module_key for s in made] == [kept_session.split(":")[1]]
    _, person, module = kept_module.split(":")
    solo = db.session.scalars(select(Assignment).where(Assignment.origin == "plan", Assignment.session_id.is_(None))).all()
    assert [(a.target_id, a.ref) for a in solo] == [(int(person), module)]


def test_trainer_cancels_a_session_from_the_unit_page(app, client, fitted_demo, login_as, db):
    from app.models import Message, TrainingSession
    from tests.helpers import sign_in

    login_as("trainer")
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    page = f"/trainer/units/{unit.id}"
    post_form(client, page, f"{page}/accept-plan", {})
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.business_unit_id == unit.id)).first()
    assert "Cancel this session" in client.get(page).get_data(as_text=True)
    other = app.test_client()
    sign_in(other, "trainer2@demo.uptake")  # not a trainer of this unit
    assert post_form(other, "/trainer/", f"/trainer/sessions/{session.id}/cancel", {"reason": "x"}).status_code == 404
    done = post_form(client, page, f"/trainer/sessions/{session.id}/cancel", {"reason": "Room flooded"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Session cancelled: everyone invited is told" in done
    assert "Cancelled sessions" in done and "Room flooded" in done
    assert db.session.scalar(select(Message.id).where(Message.dedup_key.like(f"workshop-cancel:{session.id}:%")))
    again = post_form(client, page, f"/trainer/sessions/{session.id}/cancel", {}, headers={"Referer": f"http://localhost{page}"},
                      follow_redirects=True).get_data(as_text=True)
    assert "This session is cancelled" in again
