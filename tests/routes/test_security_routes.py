"""Sign-in throttling, the audit trail and the security scan."""
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.models import AuditEvent
from tests.helpers import post_form, sign_in, user_by_email


def actions(db):
    db.session.expire_all()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_account_is_throttled_after_five_failures_with_the_same_message_for_unknown_accounts(app, demo, db):
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "trainee@demo.uptake", "wrong-password").status_code == 401
    blocked = sign_in(client, "trainee@demo.uptake", "uptake-demo")  # even the right password
    assert blocked.status_code == 429 and "Too many sign-in attempts" in blocked.get_data(as_text=True)
    other = app.test_client()
    for _ in range(5):
        sign_in(other, "nobody@demo.uptake", "wrong-password")
    ghost = sign_in(other, "nobody@demo.uptake", "wrong-password")
    assert ghost.status_code == 429 and "Too many sign-in attempts" in ghost.get_data(as_text=True)
    assert sign_in(app.test_client(), "trainer@demo.uptake").status_code == 302  # other accounts unaffected
    assert actions(db).count("sign_in.throttled") == 2


def test_the_limit_is_shared_by_every_client_from_an_address(app, demo, db):
    """Failures are counted in the database, so separate clients (as separate workers would see them)
    add up to one limit per address."""
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 6
    for n in range(6):
        sign_in(app.test_client(), f"guess{n}@demo.uptake", "wrong-password")
    assert sign_in(app.test_client(), "trainee@demo.uptake").status_code == 429


def test_a_successful_sign_in_resets_the_account_counter(app, demo):
    client = app.test_client()
    for _ in range(4):
        sign_in(client, "trainee@demo.uptake", "wrong-password")
    assert sign_in(client, "trainee@demo.uptake").status_code == 302
    post_form(client, "/me/", "/auth/sign-out", {})
    for _ in range(4):
        sign_in(client, "trainee@demo.uptake", "wrong-password")
    assert sign_in(client, "trainee@demo.uptake").status_code == 302


def test_audit_trail_records_sign_ins_refusals_and_role_changes(client, demo, db, login_as):
    login_as("trainee")
    client.get("/admin/")  # 403
    post_form(client, "/me/", "/auth/sign-out", {})
    login_as("admin")
    trainer = user_by_email("trainer2@demo.uptake")
    post_form(client, f"/admin/users/{trainer.id}/edit", f"/admin/users/{trainer.id}/edit",
              {"name": trainer.name, "email": trainer.email, "role": "admin"})
    logged = actions(db)
    for action in ("sign_in.success", "authz.forbidden", "sign_out", "user.role_changed"):
        assert action in logged
    page = client.get("/admin/audit?action=user").get_data(as_text=True)
    assert "Changed a person&#39;s role" in page and "trainer2@demo.uptake" in page and "Signed in" not in page
    assert "user.role_changed" not in page  # people read what happened, not the internal action name


def test_audit_log_is_for_admins_only(client, demo, login_as):
    login_as("trainer")
    assert client.get("/admin/audit").status_code == 403


def test_bandit_finds_nothing():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", "app", "quizzes", "simulations", "config.py",
                             "wsgi.py"], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_parallel_guesses_cannot_outrun_the_account_limit(app, demo, db):
    """Eleven guesses arrive at once (as on several workers): each is counted before its password is
    checked, so only five are checked at all and the rest are refused — even the right password."""
    from app.services import audit

    with app.test_request_context("/auth/sign-in", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        tickets = [audit.sign_in_attempt("trainee@demo.uptake") for _ in range(11)]
    assert sum(t is not None for t in tickets) == 5
    assert all(t is None for t in tickets[5:])


def test_an_account_awaiting_activation_costs_a_password_check_like_any_other(app, demo, db, monkeypatch):
    """Imported accounts have no password yet; a wrong guess at one must do the same hashing work as
    for every other account, so the answer's timing does not tell them apart."""
    from app.models.people import UNUSABLE_PASSWORD
    from app.services import auth
    from tests.helpers import user_by_email

    person = user_by_email("trainee@demo.uptake")
    person.password_hash = UNUSABLE_PASSWORD
    db.session.commit()
    checked = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda stored, given: checked.append(stored) or real(stored, given))
    assert auth.authenticate("trainee@demo.uptake", "a-guess") is None
    assert checked and all(stored != UNUSABLE_PASSWORD and "$" in stored for stored in checked)


def test_production_sends_hsts_and_development_does_not(app, another_app):
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers
    header = another_app(HSTS_SECONDS=31536000).test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"
    from config import ProductionConfig

    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(another_app, demo, db):
    """With UPTAKE_PROXY_HOPS=1 the audit log and the per-address limits see the client, not the proxy;
    without it a forged X-Forwarded-For is ignored."""
    for overrides, expected in (({"PROXY_HOPS": 1}, "203.0.113.7"), ({}, "127.0.0.1")):
        client = another_app(**overrides).test_client()
        client.environ_base.update(HTTP_X_FORWARDED_FOR="203.0.113.7")
        sign_in(client, "trainee@demo.uptake", "wrong-password-here")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.failure")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.ip == expected
