"""Line managers and the minimum group size: a manager sees their direct reports' progress and the
team's skill counts only from the organisation's minimum group size; aggregates of fewer people
than that reach admins only."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Assignment, BusinessUnit, Organisation, User
from app.services import people, team, training
from app.services.errors import ValidationFailed
from tests.helpers import DEMO_EMAILS, add_other_organisation, user_by_email

MANAGER = "vera.larsen21@demo.uptake"


def _reports(db, manager):
    return list(db.session.scalars(select(User).where(User.manager_id == manager.id).order_by(User.id)))


def test_the_demo_manager_sees_the_teams_progress_and_skill_counts_but_no_ones_mastery(fitted_demo, db):
    vera = user_by_email(MANAGER)
    tara = user_by_email(DEMO_EMAILS["trainee"])
    assert tara.manager_id == vera.id and len(_reports(db, vera)) == 5
    db.session.add(Assignment(kind="module", ref="el-pipeline", target_type="user", target_id=tara.id,
                              due_date=date.today() - timedelta(days=2), created_by=vera.id))
    db.session.commit()
    view = team.team_view(vera)
    row = next(m for m in view["members"] if m.person.id == tara.id)
    assert row.overdue == 1 and row.overdue_titles == ["A pipeline that tells the truth"] and row.open >= 1
    assert not view["hidden"] and view["skills"]
    skill = view["skills"][0]
    assert skill.people <= 5 and skill.proficient + skill.weak + skill.unmeasured == skill.people
    assert not hasattr(skill, "probability")  # counts over the team, never one person's mastery


def test_a_team_below_the_minimum_group_size_shows_no_skill_figures(fitted_demo, db):
    vera = user_by_email(MANAGER)
    leaving = _reports(db, vera)[0]
    leaving.manager_id = None
    db.session.commit()
    view = team.team_view(vera)
    assert len(view["members"]) == 4 and view["hidden"] and view["skills"] is None and view["min_group_size"] == 5
    organisation = db.session.get(Organisation, vera.organisation_id)
    organisation.min_group_size = 4  # the organisation's own threshold
    db.session.commit()
    assert not team.team_view(vera)["hidden"]


def test_admins_see_aggregates_of_any_size(demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    tara = user_by_email(DEMO_EMAILS["trainee"])
    tara.manager_id = admin.id
    db.session.commit()
    view = team.team_view(admin)
    assert len(view["members"]) == 1 and not view["hidden"]


def test_the_heatmap_hides_cells_of_fewer_people_than_the_minimum(fitted_demo, db):
    units = list(db.session.scalars(select(BusinessUnit).order_by(BusinessUnit.name)))
    everything = training.heatmap(units)
    small = [key for key, cell in everything["cells"].items() if cell["people"] < 10]
    large = [key for key, cell in everything["cells"].items() if cell["people"] >= 10]
    assert small and large  # Marketing's 8 specialists are a smaller group than the 10+ of the others
    guarded = training.heatmap(units, min_people=10)
    assert all(guarded["cells"][key] == {"hidden": True} for key in small)
    assert all(guarded["cells"][key] == everything["cells"][key] for key in large)
    assert team.min_group_size(user_by_email(DEMO_EMAILS["trainer"])) == 5
    assert team.min_group_size(user_by_email(DEMO_EMAILS["admin"])) == 1


def _input(person, manager_email):
    return people.UserInput(email=person.email, name=person.name, role=person.role,
                            business_unit_id=person.business_unit_id, job_role_id=person.job_role_id,
                            manager_email=manager_email)


def test_a_line_manager_is_set_by_email_and_cycles_and_strangers_are_refused(demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    vera, tara = user_by_email(MANAGER), user_by_email(DEMO_EMAILS["trainee"])
    with pytest.raises(ValidationFailed, match="reports to them"):
        people.update_user(admin, vera, _input(vera, tara.email))  # Tara reports to Vera
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="reports to them"):
        people.update_user(admin, tara, _input(tara, tara.email))
    db.session.rollback()
    add_other_organisation(db, admin_email="boss@other.example")
    with pytest.raises(ValidationFailed, match="active person of your organisation"):
        people.update_user(admin, tara, _input(tara, "boss@other.example"))
    db.session.rollback()
    assert user_by_email(DEMO_EMAILS["trainee"]).manager_id == vera.id  # nothing changed
    people.update_user(admin, tara, _input(tara, DEMO_EMAILS["trainer"]))
    assert user_by_email(DEMO_EMAILS["trainee"]).manager.email == DEMO_EMAILS["trainer"]
    people.update_user(admin, tara, _input(tara, ""))
    assert user_by_email(DEMO_EMAILS["trainee"]).manager_id is None


def test_an_import_names_line_managers_in_uptake_or_in_the_same_file(demo, db):
    from app.services.user_import import apply, parse

    admin = user_by_email(DEMO_EMAILS["admin"])
    csv = (b"email,name,role,business_unit,job_role,manager_email\n"
           b"lead@demo.uptake,Lea Lead,trainee,Marketing,marketing specialist," + MANAGER.encode() + b"\n"
           b"new@demo.uptake,Nia New,trainee,Marketing,marketing specialist,lead@demo.uptake\n")
    apply(admin, csv, "http://uptake.test")
    assert user_by_email("new@demo.uptake").manager.email == "lead@demo.uptake"
    assert user_by_email("lead@demo.uptake").manager.email == MANAGER
    bad = parse(b"email,name,role,business_unit,job_role,manager_email\n"
                b"x@demo.uptake,X,trainee,Marketing,marketing specialist,nobody@demo.uptake\n", admin.organisation_id)
    assert not bad.ok and "neither in your organisation nor in this file" in bad.rows[0].problems[0]
