"""Paths, module progress, heatmap and unit plans through the service layer."""
from datetime import date

from sqlalchemy import select

from app.models import BusinessUnit, ModuleProgress
from app.services import simulation, training
from tests.helpers import user_by_email


def test_path_targets_the_trainees_weak_required_skills(fitted_demo):
    tara = user_by_email("trainee@demo.uptake")
    path, _ = training.person_path(tara)
    statuses = {s.slug: s for s in training.statuses_for(tara)}
    taught = {k for step in path.steps if step.purpose in ("training", "review") for k in step.skills}
    assert taught == {k for k, s in statuses.items() if s.verdict == "weak" and s.weight > 0}
    assert all(statuses[k].verdict != "proficient" for k in taught)
    assert path.minutes == sum(step.module.minutes for step in path.steps)


def test_lesson_html_is_sanitised(demo):
    html = training.render_lesson(training.get_module("el-pipeline"), None)
    assert "<table>" in html and "<h2>" in html and "<script" not in html


def test_passing_the_modules_check_completes_it(demo, db):
    from app.services.content import load_content

    load_content()
    tara = user_by_email("trainee@demo.uptake")
    training.open_module(tara, "el-pipeline")
    attempt = simulation.start_exercise(tara, "advance-opportunity")
    budget = attempt.initial_state["values"]["budget"]
    from datetime import timedelta
    close = (date.fromisoformat(attempt.initial_state["today"]) + timedelta(days=21)).isoformat()
    simulation.perform(tara, attempt.id, {"type": "update", "object": "opportunity", "id": attempt.bindings["deal"][1],
                                          "fields": {"stage": "Negotiation", "amount": budget, "close_date": close,
                                                     "next_step": "Legal contract review"}})
    simulation.finish(tara, attempt.id)
    progress = training.refresh_progress(tara)
    assert progress["el-pipeline"].status == "completed"
    quiz_module = training.open_module(tara, "el-navigation")
    assert quiz_module.status == "started"  # its quiz has not been passed yet


def test_heatmap_counts_only_required_skills_in_one_query(fitted_demo, db):
    from sqlalchemy import event

    units = list(db.session.scalars(select(BusinessUnit)))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        heat = training.heatmap(units)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "mastery_estimate" in s]) == 1
    service = next(u for u in units if u.name == "Customer Service")
    sales = next(u for u in units if u.name == "Sales EMEA")
    assert (service.id, "case-management") in heat["cells"] and (sales.id, "case-management") not in heat["cells"]
    cell = heat["cells"][(service.id, "case-management")]
    assert cell["people"] == 12 and 0 <= cell["weak"] <= 12


def test_unit_plan_for_a_demo_unit(fitted_demo, db):
    unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales North America"))
    plan, people = training.unit_plan(unit, today=date(2026, 11, 25))
    assert plan.people == 12 and set(people) == {p for g in plan.groups for p in g["members"]}
    data_quality = plan.needs.get("data-quality", [])
    assert len(data_quality) >= 5  # the unit's seeded weak spot
    assert any("data-quality" in s.skills and set(s.people) == set(data_quality) for s in plan.sessions)
    assert plan.hours > 0


def test_job_aid_is_marked_read_and_checked_modules_are_not(demo, db):
    tara = user_by_email("trainee@demo.uptake")
    assert training.mark_read(tara, "ja-stages").status == "completed"
    import pytest

    from app.services.errors import ValidationFailed
    with pytest.raises(ValidationFailed):
        training.mark_read(tara, "el-pipeline")
    assert db.session.scalar(select(ModuleProgress.status).where(ModuleProgress.module_key == "ja-stages")) == "completed"


def test_a_units_override_decides_which_skills_its_people_need(fitted_demo, db):
    """The heatmap, the people behind a cell and the people CSV count a skill as needed by the unit's
    override where one exists: weight 0 drops it, a skill the role's default lacks is added."""
    from app.models import Objective, Skill

    tara = user_by_email("trainee@demo.uptake")
    unit = db.session.get(BusinessUnit, tara.business_unit_id)
    units = list(db.session.scalars(select(BusinessUnit)))
    skill = dict(db.session.execute(select(Skill.slug, Skill.id)).all())
    before = training.heatmap(units)["cells"]
    assert (unit.id, "email-calendar-sync") in before and (unit.id, "campaigns") not in before
    assert "Email & calendar sync" in training.required_verdicts([tara])[tara.id]
    db.session.add_all([Objective(job_role_id=tara.job_role_id, business_unit_id=unit.id,
                                  skill_id=skill["email-calendar-sync"], target=0.7, weight=0.0),
                        Objective(job_role_id=tara.job_role_id, business_unit_id=unit.id,
                                  skill_id=skill["campaigns"], target=0.7, weight=0.5)])
    db.session.commit()
    after = training.heatmap(units)["cells"]
    executives = sum(1 for p in unit.members if p.role == "trainee" and p.job_role_id == tara.job_role_id)
    others = before[(unit.id, "email-calendar-sync")]["people"] - executives
    assert after.get((unit.id, "email-calendar-sync"), {"people": 0})["people"] == others
    assert after[(unit.id, "campaigns")]["people"] == executives
    other_units = [u for u in units if u.id != unit.id]
    assert all(after.get((u.id, k)) == before.get((u.id, k)) for u in other_units for k in ("campaigns",
                                                                                             "email-calendar-sync"))
    _, needing = training.people_needing(units, "campaigns", unit_id=unit.id)
    assert {p.id for p, *_ in needing} == {p.id for p in unit.members
                                           if p.role == "trainee" and p.job_role_id == tara.job_role_id}
    assert "Campaigns" in training.required_verdicts([tara])[tara.id]
    assert "Email & calendar sync" not in training.required_verdicts([tara])[tara.id]


def test_passing_the_organisations_copy_of_a_modules_check_test_completes_the_module(demo, db):
    """el-navigation's check is the shipped crm-basics; once the organisation has its own copy, its
    trainees take the copy, and passing it completes the module (and its time counts the copy's questions)."""
    from app.services import attempts, quiz_forms
    from app.services.content import load_content
    from app.services.given import attempt_items
    from quizzes.answers import right_answer
    from tests.helpers import as_sent

    load_content()
    trainer, tara = user_by_email("trainer@demo.uptake"), user_by_email("trainee@demo.uptake")
    _, raw = quiz_forms.editing("crm-basics", trainer)
    copy = quiz_forms.save(trainer, {**raw, "items": raw["items"][:3]}, "crm-basics")
    training.open_module(tara, "el-navigation")
    quiz = attempts.get_quiz_for(tara, "crm-basics")  # the module's button names the shipped key
    assert quiz.key == copy.key
    assert training.time_parts(training.get_module("el-navigation"), tara.organisation_id)[1] == 3
    attempt = attempts.start_attempt(tara, quiz)
    given = attempt_items(attempt)
    for seq, key in enumerate(attempt.item_keys, start=1):
        attempts.save_response(tara, attempt.id, key, as_sent(attempt.id, key, right_answer(given[key])), seq=seq)
    attempts.submit_attempt(attempt.id, user=tara)
    assert training.refresh_progress(tara)["el-navigation"].status == "completed"
