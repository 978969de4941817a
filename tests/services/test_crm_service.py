"""CRM imports as a service: staged for a preview, confirmed once, never duplicated on re-import; users
matched by email or by an admin; indicators become evidence that moves verdicts at once."""
from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import CrmEvent, CrmImport, CrmIndicator, CrmRecord, CrmStagedRecord, CrmUser, Evidence
from app.services import crm, crm_evidence
from app.services.errors import NotFound, ValidationFailed
from app.services.skill_model import assess
from tests.helpers import DEMO_EMAILS, add_other_organisation, user_by_email

DATA = Path(__file__).resolve().parents[1] / "data" / "crm"
TARA_CRM, STRANGER_CRM = "0055g00000AbCdEAAV", "0055g00000XyZwQAAV"


def stage(admin, name, org_id=None, text=None):
    raw = text.encode() if text is not None else (DATA / name).read_bytes()
    return crm.stage(admin, org_id or admin.organisation_id, io.BytesIO(raw), filename=name)


def load(admin, *names):
    for name in names:
        crm.confirm(admin, admin.organisation_id, stage(admin, name).id)


def events(db, **where):
    query = select(func.count()).select_from(CrmEvent)
    for column, value in where.items():
        query = query.where(getattr(CrmEvent, column) == value)
    return db.session.scalar(query)


def logit(p):
    return math.log(p / (1 - p))


def skill_row(person, slug):
    return next(r for r in assess(person, explain_top=100) if r["slug"] == slug)


def test_a_preview_counts_and_matches_but_nothing_counts_until_confirmed(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    run = stage(admin, "EventLogFile_Login.csv")
    assert (run.status, run.format, run.rows, run.events_new, run.events_known) == (
        "staged", "salesforce-event-log", 5, 5, 0)
    users = {u["crm_user"]: u for u in run.summary["users"]}
    assert users[TARA_CRM]["person_id"] == tara.id and users[TARA_CRM]["events"] == 4
    assert users[STRANGER_CRM]["person_id"] is None and users[STRANGER_CRM]["email"] == "m.keller@corp.example"
    assert run.summary["users"][0]["crm_user"] == STRANGER_CRM  # the unmatched come first
    assert events(db, confirmed=True) == 0 and db.session.scalar(select(func.count()).select_from(CrmUser)) == 0
    crm.confirm(admin, admin.organisation_id, run.id)
    assert events(db, confirmed=True) == 5 and events(db, crm_user=STRANGER_CRM) == 1  # unmatched: kept
    links = {u.crm_user: u for u in db.session.scalars(select(CrmUser))}
    assert links[TARA_CRM].user_id == tara.id and links[TARA_CRM].matched_by == "email"
    assert links[STRANGER_CRM].user_id is None
    with pytest.raises(ValidationFailed, match="already been confirmed"):
        crm.confirm(admin, admin.organisation_id, run.id)


def test_re_importing_an_overlapping_period_duplicates_nothing(fitted_demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    load(admin, "EventLogFile_Login.csv")
    again = stage(admin, "EventLogFile_Login.csv")
    assert (again.events_new, again.events_known) == (0, 5)
    crm.confirm(admin, admin.organisation_id, again.id)
    assert events(db) == 5
    load(admin, "Opportunity.csv", "Opportunity.csv")
    assert db.session.scalar(select(func.count()).select_from(CrmRecord)) == 5


def test_a_discarded_preview_leaves_nothing_behind(fitted_demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    run = stage(admin, "Opportunity.csv")
    assert db.session.scalar(select(func.count()).select_from(CrmStagedRecord)) == 5
    crm.discard(admin, admin.organisation_id, run.id)
    assert events(db) == 0 and db.session.scalar(select(func.count()).select_from(CrmStagedRecord)) == 0
    assert db.session.get(CrmImport, run.id).status == "discarded"


def test_a_file_uptake_cannot_read_is_refused_and_loses_nothing_saved(fitted_demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    load(admin, "EventLogFile_Login.csv")
    with pytest.raises(ValidationFailed, match="does not recognise"):
        stage(admin, "notes.csv", text="name,notes\nx,y\n")
    with pytest.raises(ValidationFailed, match="UTF-8"):
        crm.stage(admin, admin.organisation_id, io.BytesIO("occurred_at,user_email,event\n".encode("utf-16")))
    assert events(db, confirmed=True) == 5


def test_crm_behaviour_enters_the_model_and_the_why_shows_the_ratio(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    before = skill_row(tara, "opportunity-pipeline")
    load(admin, "User.csv", "Opportunity.csv")  # the record export names owners by id; the user export maps them
    indicator = db.session.scalar(select(CrmIndicator).where(CrmIndicator.user_id == tara.id))
    assert db.session.scalar(select(func.count()).select_from(CrmIndicator)) == 1
    assert (indicator.indicator, indicator.numerator, indicator.denominator) == ("pipeline-next-step", 1, 3)
    evidence = db.session.scalar(select(Evidence).where(Evidence.crm_indicator_id == indicator.id))
    assert (evidence.source, evidence.check_key, evidence.skills) == ("crm", "crm:pipeline-next-step",
                                                                      ["opportunity-pipeline"])
    assert evidence.score == pytest.approx(1 / 3)
    after = skill_row(tara, "opportunity-pipeline")
    assert logit(after["probability"]) < logit(before["probability"]) - 0.2  # 1 of 3 opportunities current: weaker
    assert after["in_crm"] == 1 and after["answers"] == before["answers"]
    why = [e for e in after["explanation"] if e["what"].startswith("Measured in the CRM")]
    assert why and why[0]["detail"].startswith("1 of 3 in ")
    assert "open opportunities with a next step" in why[0]["what"]


def test_a_better_export_later_replaces_the_months_figure_rather_than_adding_one(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    load(admin, "User.csv", "Opportunity.csv")
    low = logit(skill_row(tara, "opportunity-pipeline")["probability"])
    fixed = (DATA / "Opportunity.csv").read_text().replace('"2030-03-31",""', '"2030-03-31","Book renewal call"')
    fixed = fixed.replace('"2026-10-31","Call the CFO"', '"2030-10-31","Call the CFO"')
    crm.confirm(admin, admin.organisation_id, stage(admin, "Opportunity.csv", text=fixed).id)
    rows = db.session.scalars(select(CrmIndicator).where(CrmIndicator.user_id == tara.id)).all()
    assert [(r.numerator, r.denominator) for r in rows] == [(3, 3)]
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.source == "crm")) == 1
    assert logit(skill_row(tara, "opportunity-pipeline")["probability"]) > low + 0.2


def test_an_admin_links_an_unmatched_user_and_their_kept_events_count_at_once(fitted_demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    load(admin, "EventLogFile_Login.csv", "Opportunity.csv")
    link = db.session.scalar(select(CrmUser).where(CrmUser.crm_user == STRANGER_CRM))
    tara = user_by_email(DEMO_EMAILS["trainee"])
    # the stranger's one open opportunity is below the minimum alone; linked to Tara, it adds to hers
    crm.link_user(admin, admin.organisation_id, link.id, tara.id)
    pipeline = (CrmIndicator.user_id == tara.id, CrmIndicator.indicator == "pipeline-next-step")
    row = db.session.scalar(select(CrmIndicator).where(*pipeline))
    assert (row.numerator, row.denominator) == (2, 4)
    load(admin, "User.csv")  # a later import never overrides an admin's link
    db.session.refresh(link)
    assert (link.user_id, link.matched_by) == (tara.id, "admin")
    crm.link_user(admin, admin.organisation_id, link.id, None, ignore=True)
    row = db.session.scalar(select(CrmIndicator).where(*pipeline))
    assert (row.numerator, row.denominator) == (1, 3)


def test_one_organisation_never_links_or_sees_anothers_crm_users(fitted_demo, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    other = add_other_organisation(db)
    other_admin = user_by_email("admin@other.example")
    run = stage(other_admin, "EventLogFile_Login.csv")
    assert run.organisation_id == other.id
    assert all(u["person_id"] is None for u in run.summary["users"])  # Tara's email is not theirs
    with pytest.raises(NotFound):
        crm.confirm(admin, admin.organisation_id, run.id)
    crm.confirm(other_admin, other.id, run.id)
    assert crm.users(admin.organisation_id) == []
    assert stage(admin, "EventLogFile_Login.csv").events_new == 5  # the same events are new for this company
    link = db.session.scalar(select(CrmUser).where(CrmUser.organisation_id == other.id))
    with pytest.raises(NotFound):
        crm.link_user(admin, admin.organisation_id, link.id, None)
    with pytest.raises(ValidationFailed, match="your organisation"):
        crm.link_user(other_admin, other.id, link.id, user_by_email(DEMO_EMAILS["trainee"]).id)


def weeks_signed_in_without_reports(weeks=4):
    lines = ["occurred_at,user_email,event"]
    lines += [f"2026-11-{2 + 7 * w:02d}T08:00:00Z,trainee@demo.uptake,login" for w in range(weeks)]
    return "\n".join(lines) + "\n"


def test_known_in_tests_but_not_applied_in_the_crm_is_coaching_not_training(fitted_demo, db):
    from app.models import MasteryEstimate, Skill
    from app.services.training import person_path

    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    assert skill_row(tara, "reports-dashboards")["verdict"] == "proficient"  # her tests say she can
    crm.confirm(admin, admin.organisation_id, stage(admin, "logins.csv", text=weeks_signed_in_without_reports()).id)
    row = skill_row(tara, "reports-dashboards")
    assert row["transfer"] == "coaching"
    stored = db.session.scalar(select(MasteryEstimate.transfer).join(Skill).where(
        MasteryEstimate.user_id == tara.id, Skill.slug == "reports-dashboards"))
    assert stored == "coaching"
    path, _ = person_path(tara)
    assert [status.slug for status, _ in path.coaching] == ["reports-dashboards"]
    assert not any("reports-dashboards" in step.skills and step.purpose == "training" for step in path.steps)


def test_applied_in_the_crm_but_weak_in_tests_is_marked_untrained(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    assert skill_row(tara, "opportunity-pipeline")["verdict"] == "weak"
    kept = (DATA / "Opportunity.csv").read_text().replace('"2030-03-31",""', '"2030-03-31","Book renewal call"')
    kept = kept.replace('"2026-10-31","Call the CFO"', '"2030-10-31","Call the CFO"')
    kept += "".join(f'"0065g00000Opp9{n}AAB","false","0015g00000Acc01AAA","Northwind — seats {n}","Prospecting",'
                    f'"1000","2030-05-31","Demo booked","false","false","0055g00000AbCdEAAV",'
                    f'"2026-11-01T10:00:00.000Z","0055g00000AbCdEAAV","2026-11-01T10:00:00.000Z"\n' for n in range(2))
    load(admin, "User.csv")
    crm.confirm(admin, admin.organisation_id, stage(admin, "Opportunity.csv", text=kept).id)
    assert skill_row(tara, "opportunity-pipeline")["transfer"] == "untrained"
    assert crm_evidence.applying(tara.id)["opportunity-pipeline"] == {"numerator": 5, "denominator": 5, "share": 1.0,
                                                             "expected": 0.75, "applied": True}


def test_too_few_occasions_to_judge_is_not_enough_evidence_rather_than_a_transfer_gap(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    kept = (DATA / "Opportunity.csv").read_text().replace('"2030-03-31",""', '"2030-03-31","Book renewal call"')
    kept = kept.replace('"2026-10-31","Call the CFO"', '"2030-10-31","Call the CFO"')
    load(admin, "User.csv")
    crm.confirm(admin, admin.organisation_id, stage(admin, "Opportunity.csv", text=kept).id)
    assert crm_evidence.applying(tara.id)["opportunity-pipeline"]["applied"] is None  # 3 of 3: too few to say
    assert skill_row(tara, "opportunity-pipeline")["transfer"] == ""


def test_unlinking_a_login_takes_its_evidence_away_and_the_verdict_back(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    before = skill_row(tara, "opportunity-pipeline")["probability"]
    load(admin, "User.csv", "Opportunity.csv")
    assert skill_row(tara, "opportunity-pipeline")["in_crm"] == 1
    link = db.session.scalar(select(CrmUser).where(CrmUser.crm_user == TARA_CRM))
    crm.link_user(admin, admin.organisation_id, link.id, None)  # "that login is not Tara"
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.source == "crm")) == 0
    assert db.session.scalar(select(func.count()).select_from(CrmIndicator)) == 0
    after = skill_row(tara, "opportunity-pipeline")
    assert after["in_crm"] == 0 and after["probability"] == pytest.approx(before)


def test_a_later_preview_shows_the_person_an_admin_linked(fitted_demo, db):
    admin, tara = user_by_email(DEMO_EMAILS["admin"]), user_by_email(DEMO_EMAILS["trainee"])
    load(admin, "EventLogFile_Login.csv")
    link = db.session.scalar(select(CrmUser).where(CrmUser.crm_user == STRANGER_CRM))
    crm.link_user(admin, admin.organisation_id, link.id, tara.id)  # her second login, another address
    users = {u["crm_user"]: u for u in stage(admin, "EventLogFile_Login.csv").summary["users"]}
    assert users[STRANGER_CRM]["person_id"] == tara.id and users[STRANGER_CRM]["person"] == "Tara Ingram"
