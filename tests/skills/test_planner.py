"""The path planner and unit plan on hand-made profiles (no Flask)."""
from datetime import date

import pytest

from app.skills.curriculum import Module, load_modules
from app.skills.planner import SkillStatus, plan_path, plan_unit
from app.skills.taxonomy import SKILL_SLUGS

MODULES = [
    Module("el-nav", "elearning", "Search", ("navigation-search",), 15, "x.md", (), {"quiz": "q"}),
    Module("el-acc", "elearning", "Accounts", ("accounts-contacts",), 15, "x.md", ("el-nav",), {"quiz": "q"}),
    Module("el-pipe", "elearning", "Pipeline", ("opportunity-pipeline",), 20, "x.md", (), {"quiz": "q"}),
    Module("ex-pipe", "exercise", "Practice pipeline", ("opportunity-pipeline",), 5, None, ("el-pipe",), {"exercise": "e"}),
    Module("el-cases", "elearning", "Cases", ("case-management",), 20, "x.md", (), {"quiz": "q"}),
    Module("ilt-cases", "instructor_led", "Case workshop", ("case-management",), 120),
    Module("rf", "refresher_quiz", "Adaptive check", tuple(sorted(SKILL_SLUGS)), 10, None, (), {"quiz": "a"}),
]


def s(slug, p, verdict, target=0.8, weight=1.0, evidence=5.0, fades=None):
    return SkillStatus(slug, slug.replace("-", " "), p, evidence, verdict, target, weight, fades)


def ids(path):
    return [step.module.id for step in path.steps]


def test_weak_skills_get_modules_in_priority_and_prerequisite_order():
    path = plan_path([s("opportunity-pipeline", 0.3, "weak", weight=0.5), s("accounts-contacts", 0.1, "weak"),
                      s("navigation-search", 0.5, "weak", weight=0.2), s("case-management", 0.95, "proficient")],
                     MODULES)
    order = ids(path)
    assert order.index("el-nav") < order.index("el-acc")  # prerequisite first
    assert order.index("el-acc") < order.index("el-pipe")  # bigger gap × weight first
    assert order.index("el-pipe") < order.index("ex-pipe")
    assert "el-cases" not in order and "ilt-cases" not in order  # nothing for a proficient skill
    assert path.minutes == 15 + 15 + 20 + 5
    reason = next(step.reason for step in path.steps if step.module.id == "el-acc")
    assert "only 10% sure" in reason and "target is 80%" in reason


def test_prerequisite_of_a_proficient_skill_is_skipped():
    path = plan_path([s("accounts-contacts", 0.1, "weak"), s("navigation-search", 0.99, "proficient")], MODULES)
    assert ids(path) == ["el-acc"]


def test_placement_first_when_evidence_is_missing_and_nothing_for_unweighted_skills():
    path = plan_path([s("case-management", 0.4, "not_enough_evidence", evidence=0.5),
                      s("opportunity-pipeline", 0.1, "weak", weight=0.0)], MODULES)
    assert ids(path) == ["rf"] and path.steps[0].purpose == "placement"


def test_refresher_ahead_of_fading_skill_and_completed_modules_are_left_out():
    path = plan_path([s("case-management", 0.9, "proficient", fades=12), s("opportunity-pipeline", 0.2, "weak")],
                     MODULES, completed={"el-pipe"})
    assert ids(path) == ["ex-pipe", "rf"]
    assert "fade" in path.steps[1].reason


def test_a_gap_that_outlived_its_completed_modules_is_reviewed():
    path = plan_path([s("opportunity-pipeline", 0.2, "weak")], MODULES, completed={"el-pipe", "ex-pipe"})
    assert ids(path) == ["el-pipe"] and path.steps[0].purpose == "review"
    assert "still show a gap" in path.steps[0].reason and "only 20% sure" in path.steps[0].reason
    assert plan_path([s("opportunity-pipeline", 0.9, "proficient")], MODULES, completed={"el-pipe"}).steps == []


def test_unit_plan_chooses_a_session_for_a_shared_gap_and_elearning_for_a_rare_one():
    people = {i: [s("case-management", 0.1, "weak"), s("navigation-search", 0.9, "proficient")] for i in range(1, 6)}
    people[6] = [s("case-management", 0.9, "proficient"), s("navigation-search", 0.2, "weak")]
    people[7] = [s("case-management", 0.95, "proficient"), s("navigation-search", 0.9, "proficient")]
    plan = plan_unit(people, MODULES, date(2026, 11, 25))
    assert [x.module.id for x in plan.sessions] == ["ilt-cases"] and plan.sessions[0].people == [1, 2, 3, 4, 5]
    assert plan.sessions[0].suggested_date == date(2026, 12, 1) and plan.sessions[0].suggested_date.weekday() == 1
    assert [m.id for m in plan.elearning[6]] == ["el-nav"] and 1 not in plan.elearning
    assert plan.needs["case-management"] == [1, 2, 3, 4, 5]
    assert plan.hours == pytest.approx((5 * 120 + 15) / 60, abs=0.1)
    assert len(plan.groups) >= 2 and any(g["members"] == [1, 2, 3, 4, 5] for g in plan.groups)


def test_the_shipped_catalogue_is_valid_and_covers_every_skill():
    modules, problems = load_modules(SKILL_SLUGS)
    assert not problems, problems
    elearning = {k for m in modules if m.kind == "elearning" for k in m.skills}
    assert elearning == SKILL_SLUGS
    kinds = {m.kind for m in modules}
    assert kinds == {"elearning", "exercise", "instructor_led", "job_aid", "refresher_quiz"}


def test_a_skill_known_but_not_applied_in_the_crm_gets_coaching_not_a_course():
    from dataclasses import replace

    coached = replace(s("opportunity-pipeline", 0.4, "weak"), transfer="coaching")
    path = plan_path([coached, s("case-management", 0.2, "weak")], MODULES)
    assert "el-pipe" not in ids(path) and "ex-pipe" not in ids(path) and "el-cases" in ids(path)
    assert [status.slug for status, _ in path.coaching] == ["opportunity-pipeline"]
    assert "coaching conversation" in path.coaching[0][1]


def test_a_skill_applied_in_the_crm_but_not_shown_in_tests_gets_the_short_check_not_the_course():
    from dataclasses import replace

    applied = replace(s("opportunity-pipeline", 0.3, "weak"), transfer="untrained")
    path = plan_path([applied], MODULES)
    assert ids(path) == ["rf"] and path.steps[0].purpose == "placement"
    assert "already apply" in path.steps[0].reason


def test_the_unit_plan_lists_coaching_apart_and_trains_nobody_for_it():
    from dataclasses import replace

    people = {i: [replace(s("case-management", 0.2, "weak"), transfer="coaching" if i < 3 else "")] for i in range(8)}
    plan = plan_unit(people, MODULES, date(2026, 11, 2), min_group=4)
    assert plan.coaching == {"case-management": [0, 1, 2]}
    assert plan.needs["case-management"] == [3, 4, 5, 6, 7]
    assert all(0 not in s.people for s in plan.sessions) and 0 not in plan.elearning
