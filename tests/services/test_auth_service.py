from app.services.auth import authenticate, end_all_sessions, load_session_user
from tests.helpers import user_by_email


def test_authenticate_accepts_right_password_case_insensitive_email(demo, db):
    user = authenticate("  Trainee@Demo.Uptake ", "uptake-demo")
    assert user is not None and user.email == "trainee@demo.uptake"
    assert user.last_sign_in_at is not None


def test_authenticate_gives_one_answer_for_every_failure(demo, db):
    assert authenticate("trainee@demo.uptake", "wrong-password") is None
    assert authenticate("nobody@demo.uptake", "uptake-demo") is None
    user = user_by_email("trainee@demo.uptake")
    user.active = False
    db.session.commit()
    assert authenticate("trainee@demo.uptake", "uptake-demo") is None


def test_hash_with_old_parameters_is_upgraded_at_sign_in(demo, db):
    from werkzeug.security import generate_password_hash

    user = user_by_email("trainee@demo.uptake")
    user.password_hash = generate_password_hash("uptake-demo", method="pbkdf2:sha256:1000")
    db.session.commit()
    assert authenticate("trainee@demo.uptake", "uptake-demo") is not None
    assert user_by_email("trainee@demo.uptake").password_hash.startswith("scrypt:")


def test_session_token_stops_working_when_sessions_are_ended(demo, db):
    user = user_by_email("trainer@demo.uptake")
    token = user.get_id()
    assert load_session_user(token) is user
    end_all_sessions(user)
    db.session.commit()
    assert load_session_user(token) is None
    assert load_session_user(user.get_id()) is user
    for garbage in ("", "abc", "1", "1:x", "999999:1"):
        assert load_session_user(garbage) is None
