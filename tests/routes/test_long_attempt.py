"""A 90-minute attempt can still be submitted: neither the CSRF token nor the session cuts it short."""
import time
from datetime import datetime, timedelta

from tests.helpers import as_sent, csrf_from

NINETY_MINUTES = 90 * 60
NOW = time.time  # the real clock, captured before the test moves it


class _Later(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(seconds=NINETY_MINUTES)


def test_submitting_ninety_minutes_after_the_page_loaded(client, content_loaded, login_as, monkeypatch):
    login_as("trainee")
    page = client.get("/me/quizzes/crm-basics")
    start = client.post("/me/quizzes/crm-basics/start", data={"csrf_token": csrf_from(page)})
    attempt_url = start.headers["Location"]
    attempt_page = client.get(attempt_url)
    token = csrf_from(attempt_page)
    attempt_id = int(attempt_url.rstrip("/").split("/")[-1])
    # The trainee keeps working: an autosave 50 minutes in keeps the session alive (idle limit 2 h) ...
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: NOW() + 50 * 60)
    saved = client.put(f"/api/v1/attempts/{attempt_id}/responses/nav-001",
                       json={"answer": as_sent(attempt_id, "nav-001", "a"), "seq": 5},
                       headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    # ... and submits 90 minutes after the page (and its CSRF token) were issued.
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: NOW() + NINETY_MINUTES)
    monkeypatch.setattr("app.security.datetime", _Later)
    response = client.post(f"/me/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    assert "Your score" in client.get(response.headers["Location"]).get_data(as_text=True)
