"""The adoption dashboard: figures and charts for the trainer's own units."""
import re

from sqlalchemy import select

from app.models import BusinessUnit
from app.services.adoption import dashboard


def test_dashboard_figures_for_the_demo(fitted_demo, db):
    units = list(db.session.scalars(select(BusinessUnit)))
    data = dashboard(units)
    assert set(data["participation"]) == {u.id for u in units}
    assert data["months"] and all(re.fullmatch(r"\d{4}-\d\d", m) for m in data["months"])
    assert all(v is None or 0 <= v <= 1 for series in data["trend"].values() for v in series)
    assert data["most_weak"] and data["most_weak"][0][1] >= data["most_weak"][-1][1]


def test_dashboard_page_renders_svg_charts_without_scripts(client, fitted_demo, login_as):
    login_as("trainer")
    response = client.get("/trainer/adoption")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<svg") == 4 and "<script" not in page.split("<main")[1]
    assert "Sales EMEA" in page and "Customer Service" not in page
    assert "<title" in page  # charts are labelled for screen readers
