"""Configuration defaults that the security promises rest on."""
import re

from app import create_app
from config import Config, load_or_create_secret_key, normalise_database_url


def test_default_password_hash_meets_asvs(config_class, tmp_path):
    method, n, r, p = re.match(r"(\w+):(\d+):(\d+):(\d+)", Config.PASSWORD_HASH_METHOD).groups()
    assert method == "scrypt" and int(n) >= 2 ** 17 and int(r) == 8 and int(p) == 1

    class Strong(config_class):
        PASSWORD_HASH_METHOD = Config.PASSWORD_HASH_METHOD

    from app.services.passwords import hash_password, verify_password

    with create_app(Strong).app_context():
        hashed = hash_password("correct horse battery")
    assert hashed.startswith("scrypt:131072:8:1$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong horse battery")


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_app_without_secret_key_uses_instance_file(config_class, tmp_path):
    class NoKey(config_class):
        SECRET_KEY = None
        INSTANCE_PATH = tmp_path

    app = create_app(NoKey)
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


def test_cookie_and_csrf_defaults():
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.WTF_CSRF_TIME_LIMIT is None  # a 90-minute test must still submit
    assert Config.MAX_CONTENT_LENGTH <= 10 * 1024 * 1024


def test_database_url_spellings_use_psycopg3():
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
