"""Configuration classes. Values come from the environment with safe defaults.

Secrets and the SQLite file live in the instance folder, which is never committed.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = BASE_DIR / "instance"

# ASVS 5.0 appendix C: scrypt with N >= 2^17, r = 8, p = 1.
STRONG_PASSWORD_HASH = "scrypt:131072:8:1"  # a hash method name, not a password  # nosec B105


def instance_path() -> Path:
    return Path(os.environ.get("UPTAKE_INSTANCE_PATH", DEFAULT_INSTANCE)).resolve()


def load_or_create_secret_key(folder: Path) -> str:
    """Read the secret key from the instance folder, generating it once if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` / `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    UPTAKE_ENV = os.environ.get("UPTAKE_ENV", "development")
    INSTANCE_PATH = instance_path()
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from the instance folder in the factory
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'uptake.sqlite3'}"
    )
    # Behind PgBouncer in transaction mode (UPTAKE_DATABASE_POOLER=pgbouncer) a connection may be another
    # server connection each transaction, so psycopg must not keep prepared statements on it.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, **(
        {"connect_args": {"prepare_threshold": None}} if os.environ.get("UPTAKE_DATABASE_POOLER") == "pgbouncer" else {})}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Only benchmarks override this (hundreds of sign-ins); production keeps the strong default.
    PASSWORD_HASH_METHOD = os.environ.get("UPTAKE_PASSWORD_HASH_METHOD", STRONG_PASSWORD_HASH)

    # Cookies: HttpOnly + Lax always; Secure when served over HTTPS (UPTAKE_SECURE_COOKIES=1).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("UPTAKE_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Absolute session lifetime; a timed test may run 90 minutes, so this is well beyond it.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    # The cookie is re-signed when the session changes (its last-seen time moves once a minute, see
    # app/security.py), not on every request: signing and compressing it was a fifth of an answer save.
    SESSION_REFRESH_EACH_REQUEST = False
    # Strict-Transport-Security max-age (0: not sent); production sends a year unless told otherwise.
    HSTS_SECONDS = int(os.environ.get("UPTAKE_HSTS_SECONDS", "0"))
    # Behind a TLS-terminating reverse proxy: how many proxies' X-Forwarded-* headers to trust (0: none).
    PROXY_HOPS = int(os.environ.get("UPTAKE_PROXY_HOPS", "0"))

    # The CSRF token lives as long as the session: a 90-minute test must still submit.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # A CRM export uploaded on Admin › CRM data (or sent to the ingest endpoint) may be this large; it is
    # spooled to disk and read as a stream. Larger files: `flask crm import` on the server.
    CRM_UPLOAD_MAX_MB = int(os.environ.get("UPTAKE_CRM_UPLOAD_MAX_MB", "512"))
    # Sign-in throttling (counted in the database, so it holds across every worker process).
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("UPTAKE_SIGN_IN_MAX_FAILURES", "5"))
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = 20
    SIGN_IN_WINDOW_MINUTES = 15
    # Answers arriving this long after a timed attempt's deadline are still accepted (network lag).
    QUIZ_GRACE_SECONDS = int(os.environ.get("UPTAKE_QUIZ_GRACE_SECONDS", "30"))
    # trainees in view from which the adoption dashboard reads figures the worker stores (every 15 minutes)
    # instead of computing them for the request
    ADOPTION_LIVE_LIMIT = int(os.environ.get("UPTAKE_ADOPTION_LIVE_LIMIT", "5000"))
    # The worker refits the skill model once this many answers arrived since the last fit, or this
    # share of what the last fit saw, whichever is more (app.services.jobs.calibration_due).
    CALIBRATE_MIN_NEW = int(os.environ.get("UPTAKE_CALIBRATE_MIN_NEW", "200"))
    CALIBRATE_SHARE = float(os.environ.get("UPTAKE_CALIBRATE_SHARE", "0.1"))
    # Messages: through this SMTP server when a host is set; otherwise each message is written as an
    # .eml file to instance/mail/ and shown at Admin → Messages (so `make run` needs no mail server).
    SMTP_HOST = os.environ.get("UPTAKE_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("UPTAKE_SMTP_PORT", "587"))
    SMTP_USER = os.environ.get("UPTAKE_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("UPTAKE_SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("UPTAKE_SMTP_STARTTLS", "1") == "1"
    # the From address when the organisation has not set its own sender address
    MAIL_DEFAULT_SENDER = os.environ.get("UPTAKE_MAIL_FROM", "uptake@localhost")
    # where people reach Uptake: links in messages the worker sends (requests use their own address)
    BASE_URL = os.environ.get("UPTAKE_BASE_URL", "http://127.0.0.1:5000")
    # Single sign-on: certificates to trust for the identity provider when it uses a private CA
    # (a PEM bundle path; empty = the public CAs of the certifi package)
    SSO_CA_BUNDLE = os.environ.get("UPTAKE_SSO_CA_BUNDLE", "")


class TestingConfig(Config):
    UPTAKE_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # TestingConfig only  # nosec B105
    # Tests default to a throwaway SQLite file; CI sets DATABASE_URL to run on PostgreSQL too.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL", "sqlite://"))
    # A cheap hash keeps hundreds of sign-ins in the suite fast; production strength is
    # asserted separately against Config.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # a hash method name (tests only)  # nosec B105


class ProductionConfig(Config):
    UPTAKE_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("UPTAKE_HSTS_SECONDS", str(365 * 24 * 3600)))


CONFIGS = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    return CONFIGS.get(os.environ.get("UPTAKE_ENV", "development"), Config)
