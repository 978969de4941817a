"""Text people type is checked the same way everywhere: names, units, skills, session places and
imported rows refuse hidden direction-override and control characters and say why; imported cells
that a spreadsheet would run as formulas are refused; long names are refused, never cut."""
import pytest

from app.services.errors import ValidationFailed
from app.services.text import one_line, paragraphs
from app.services.user_import import looks_like_formula, parse
from tests.helpers import user_by_email

RLO = "\u202e"


def test_one_line_collapses_spaces_and_refuses_hidden_characters():
    assert one_line("  Ada   Lovelace ") == "Ada Lovelace"
    for bad in (f"Ada {RLO}ecalevol", "Ada\u2066 Lovelace", "Ada\rLOCATION:evil", "Ada\x00"):
        with pytest.raises(ValidationFailed, match="not shown but change how text reads"):
            one_line(bad)
    with pytest.raises(ValidationFailed, match="121 characters long; use at most 120"):
        one_line("x" * 121)
    with pytest.raises(ValidationFailed, match="Enter a name"):
        one_line("   ")
    assert one_line("\u05e9\u05e8\u05d4 \u200fLevi") == "\u05e9\u05e8\u05d4 \u200fLevi"  # RTL names and marks are fine


def test_paragraphs_keep_line_breaks_but_not_overrides():
    assert paragraphs("First line\r\nSecond\tline ") == "First line\nSecond\tline"
    with pytest.raises(ValidationFailed, match="U\\+202E"):
        paragraphs(f"Sales {RLO}AEME")


@pytest.mark.parametrize("cell, formula", [
    ("=1+HYPERLINK(\"http://evil\",\"x\")", True), ("-2+3+cmd|' /C calc'!A0", True), ("+cmd", True),
    ("@SUM(A1)", True), ("=", True), ("-5", False), ("+44", False), ("3.5", False), ("Ada", False),
    ("-", True), ("=-1", True)])
def test_cells_a_spreadsheet_would_run_are_recognised(cell, formula):
    assert looks_like_formula(cell) is formula


def test_import_rows_with_formulas_hidden_characters_or_long_names_are_listed(demo):
    org = user_by_email("admin@demo.uptake").organisation_id
    rows = ("email,name,role,business_unit,job_role\n"
            "a@demo.uptake,=1+HYPERLINK(\"x\"),trainer,,\n"
            "b@demo.uptake,-2+3+cmd|' /C calc'!A0,trainer,,\n"
            f"c@demo.uptake,Eve {RLO}lived,trainer,,\n"
            f"d@demo.uptake,{'Long' * 40},trainer,,\n"
            "e@demo.uptake,Fine Person,trainer,,\n")
    preview = parse(rows.encode(), org)
    problems = {row.values["email"]: " ".join(row.problems) for row in preview.rows}
    assert "formulas" in problems["a@demo.uptake"] and "formulas" in problems["b@demo.uptake"]
    assert "U+202E" in problems["c@demo.uptake"]
    assert "160 characters long" in problems["d@demo.uptake"]
    assert problems["e@demo.uptake"] == "" and not preview.ok


def test_services_refuse_hidden_characters_in_names_units_skills_and_places(demo, db):
    from app.models import BusinessUnit
    from app.services import catalogue, people

    admin = user_by_email("admin@demo.uptake")
    trainee = user_by_email("trainee@demo.uptake")
    with pytest.raises(ValidationFailed, match="U\\+202E"):
        people.update_user(admin, trainee, people.UserInput(
            email=trainee.email, name=f"Tara {RLO}marGni", role="trainee",
            business_unit_id=trainee.business_unit_id, job_role_id=trainee.job_role_id))
    with pytest.raises(ValidationFailed, match="U\\+202E"):
        catalogue.save_org_record(BusinessUnit, admin.organisation_id, f"Sales {RLO}AEME", actor=admin)
    with pytest.raises(ValidationFailed, match="U\\+202E"):
        catalogue.save_skill(admin, "bidi-skill", "Bidi", f"Reads {RLO}sdrawkcab")
    db.session.rollback()
    assert user_by_email("trainee@demo.uptake").name == "Tara Ingram"
