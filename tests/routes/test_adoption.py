"""The adoption dashboard: figures and charts for the trainer's own units."""
import re

import pytest

from sqlalchemy import select

from app.models import BusinessUnit
from app.services.adoption import dashboard


def test_dashboard_figures_for_the_demo(fitted_demo, db):
    units = list(db.session.scalars(select(BusinessUnit)))
    data = dashboard(units)
    assert set(data["participation"]) == {u.id for u in units}
    assert data["months"] and all(re.fullmatch(r"\d{4}-\d\d", m) for m in data["months"])
    assert data["scored"] and all(v is None or 0 <= v <= 1 for series in data["trend"].values() for v in series)
    assert data["most_weak"] and data["most_weak"][0][1] >= data["most_weak"][-1][1]


def test_dashboard_page_renders_svg_charts_without_scripts(client, fitted_demo, login_as):
    login_as("trainer")
    response = client.get("/trainer/adoption")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("<svg") == 4 and "<script" not in page.split("<main")[1]
    assert "Sales EMEA" in page and "Customer Service" not in page
    assert "<title" in page  # charts are labelled for screen readers


def test_results_over_time_average_finished_attempts_per_month(content_loaded, db):
    from datetime import datetime, timezone

    from app.models import SUBMITTED, Attempt, Quiz
    from tests.helpers import user_by_email

    tara = user_by_email("trainee@demo.uptake")
    quiz = db.session.scalar(select(Quiz.id))
    for score, month, status in ((0.5, 10, SUBMITTED), (0.9, 10, SUBMITTED), (0.7, 11, SUBMITTED),
                                 (0.1, 11, "in_progress")):  # an open attempt is not a result
        when = datetime(2026, month, 3, tzinfo=timezone.utc)
        db.session.add(Attempt(user_id=tara.id, quiz_id=quiz, status=status, item_keys=[], option_orders={},
                               started_at=when, last_saved_at=when, score=score,
                               submitted_at=when if status == SUBMITTED else None))
    db.session.commit()
    units = list(db.session.scalars(select(BusinessUnit)))
    data = dashboard(units, months=3, now=datetime(2026, 11, 25, 12, tzinfo=timezone.utc))
    assert data["months"] == ["2026-09", "2026-10", "2026-11"] and data["scored"]
    assert data["trend"][tara.business_unit_id] == [None, pytest.approx(0.7), pytest.approx(0.7)]
    assert all(v is None for u, s in data["trend"].items() if u != tara.business_unit_id for v in s)


def test_a_company_sized_dashboard_says_how_old_its_figures_are(client, fitted_demo, login_as, app, monkeypatch):
    login_as("admin")
    assert "Figures as of" not in client.get("/trainer/adoption").get_data(as_text=True)  # live for a small company
    monkeypatch.setitem(app.config, "ADOPTION_LIVE_LIMIT", 1)
    page = client.get("/trainer/adoption").get_data(as_text=True)
    assert "Figures as of" in page and "recomputed every 15 minutes" in page and page.count("<svg") >= 4
    csv = client.get("/trainer/adoption/units.csv")  # the CSV reads the same stored figures
    assert csv.status_code == 200 and "Sales EMEA" in csv.get_data(as_text=True)
