"""Item and check analytics and CSV exports (safe against spreadsheet formula injection)."""
import csv
import io

from sqlalchemy import select

from app.models import BusinessUnit
from app.services.exports import safe_cell


def test_safe_cell_neutralises_formulas_but_keeps_numbers():
    assert safe_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    for text in ("+1", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text).startswith("'")
    assert safe_cell(-3) == "-3" and safe_cell(0.25) == "0.25" and safe_cell("Sales EMEA") == "Sales EMEA"
    assert safe_cell(None) == ""


def test_analytics_page_flags_items_and_lists_checks(client, fitted_demo, login_as):
    login_as("trainer")
    page = client.get("/trainer/analytics").get_data(as_text=True)
    assert "Item and check analytics" in page and "Discrimination" in page and "%" in page
    rows = list(csv.reader(io.StringIO(client.get("/trainer/analytics/items.csv").get_data(as_text=True))))
    assert rows[0] == ["item", "version", "type", "answers", "share_correct", "discrimination", "question"] and len(rows) > 50
    assert all(0 <= float(r[4]) <= 1 and int(r[1]) >= 1 for r in rows[1:])


def test_heatmap_and_plan_csv_respect_the_trainers_units(client, fitted_demo, login_as, db):
    login_as("trainer")
    rows = list(csv.reader(io.StringIO(client.get("/trainer/heatmap.csv").get_data(as_text=True))))
    assert {r[0] for r in rows[1:]} == {"Sales North America", "Sales EMEA"}
    own = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Sales EMEA"))
    other = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Marketing"))
    plan = client.get(f"/trainer/units/{own.id}/plan.csv")
    assert plan.mimetype == "text/csv" and plan.get_data(as_text=True).startswith("person,email,delivery,module")
    assert client.get(f"/trainer/units/{other.id}/plan.csv").status_code == 404


def test_admin_exports_users_and_audit_log_with_formulas_neutralised(client, demo, login_as, db):
    from app.services.people import UserInput, create_user
    from tests.helpers import user_by_email

    tara = user_by_email("trainee@demo.uptake")
    create_user(tara.organisation_id, UserInput(email="formula@demo.uptake", name="=cmd|' /C calc'!A0", role="trainee",
                                                business_unit_id=tara.business_unit_id, job_role_id=tara.job_role_id,
                                                password="formula-user-pass"))
    login_as("admin")
    users = client.get("/admin/users.csv").get_data(as_text=True)
    assert "'=cmd" in users and "\n=cmd" not in users and "trainee@demo.uptake" in users
    assert client.get("/admin/audit.csv").get_data(as_text=True).startswith("at,actor,action,what,target,detail,ip")
