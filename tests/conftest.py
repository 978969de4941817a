"""Shared fixtures: app, client, runner, db, demo organisation and login_as(role).

The schema is created once per test session by running the real migrations (so every test run
also proves `flask db upgrade` works on this database); each test then starts from empty tables.
Set DATABASE_URL to run the suite against PostgreSQL.
"""
from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from flask.testing import FlaskClient

from app import create_app
from app.extensions import db as _db
from config import TestingConfig

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in a temporary file, or the PostgreSQL database in DATABASE_URL. Under pytest-xdist
    (`make test` runs two workers) each worker gets a database of its own: its own SQLite file, or
    `<name>_<worker>` created afresh on the same PostgreSQL server."""
    url = os.environ.get("DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url:
        base = TestingConfig.SQLALCHEMY_DATABASE_URI
        return _worker_database(base, worker) if worker else base
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'uptake-test.sqlite3'}"


def _worker_database(base_url: str, worker: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def server_database(request):
    """The database a real server under test uses: its own SQLite file (by default), or with
    DATABASE_URL a database of its own on that PostgreSQL server, dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield ""
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{request.node.name[:30]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()
    database = _worker_database(url, name)
    yield database
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(database).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def config_class(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")

    class _Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        INSTANCE_PATH = Path(instance)

    return _Config


def reset_schema(app) -> None:
    """Drop everything (including alembic's version table) and migrate from scratch."""
    from flask_migrate import upgrade

    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def _migrated(config_class):
    reset_schema(create_app(config_class))
    return True


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as on a real server: it gets its own app context,
    `g` and database session instead of reusing the test's (which would leak `g.csrf_token`
    and share one identity map between the test and the app)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _empty_tables() -> None:
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(config_class, _migrated):
    app = create_app(config_class)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_tables()
        _db.engine.dispose()
    import shutil

    from app.services.skill_model import _cache

    shutil.rmtree(Path(app.instance_path) / "models", ignore_errors=True)  # no old-style model files either
    shutil.rmtree(Path(app.instance_path) / "mail", ignore_errors=True)  # nor a written message
    _cache.clear()


@pytest.fixture
def another_app(config_class):
    """Build extra apps from config_class subclasses (say, production settings) next to `app`; their
    database connections are closed at the end of the test, so none is left for the collector."""
    made = []

    def build(**overrides):
        settings = type("Overridden", (config_class,), overrides)
        extra = create_app(settings)
        made.append(extra)
        return extra

    yield build
    for extra in made:
        with extra.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo organisation (fast: the test config uses a cheap password hash), built once per worker
    and restored from its snapshot after that."""
    from app.services.demo import load_demo

    if _counts() != _EMPTY():  # a fixture already wrote something: build, and neither restore nor snapshot
        load_demo()
    elif not _restored("demo"):
        load_demo()
        _snapshots["demo"] = Snapshot()
    return app


def add_new_hires(unit, count: int) -> None:
    """`count` trainees named "Zz New Hire 000"… (last by name) in `unit`, committed."""
    from app.models import User

    _db.session.add_all([User(organisation_id=unit.organisation_id, business_unit_id=unit.id, role="trainee",
                              email=f"hire{n:03d}@demo.uptake", name=f"Zz New Hire {n:03d}", password_hash="x",
                              active=True, session_version=1) for n in range(count)])
    _db.session.commit()


def user_by_email(email: str):
    from app.services.auth import find_user_by_email

    return find_user_by_email(email)


def add_other_organisation(db, admin_email: str = "admin@other.example",
                           password: str = "other-admin-password"):
    """A second company with one admin, for proving one organisation never sees another's records."""
    from app.models import Organisation, User
    from app.services.passwords import hash_password

    other = Organisation(name="Other Org")
    db.session.add(other)
    db.session.flush()
    db.session.add(User(organisation_id=other.id, email=admin_email, name="Other Admin", role="admin",
                        password_hash=hash_password(password), active=True, session_version=1))
    db.session.commit()
    return other


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = "uptake-demo", follow_redirects: bool = False):
    token = csrf_from(client.get("/auth/sign-in"))
    return client.post("/auth/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=follow_redirects)


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Load a page (for its CSRF token) and post a form to action_url, as a browser would."""
    token = csrf_from(client.get(page_url))
    return client.post(action_url, data={**data, "csrf_token": token}, **kwargs)


DEMO_EMAILS = {
    "admin": "admin@demo.uptake",
    "trainer": "trainer@demo.uptake",
    "trainer2": "trainer2@demo.uptake",
    "trainee": "trainee@demo.uptake",
}


@pytest.fixture
def login_as(demo, client):
    """login_as('trainer') signs the test client in with that demo account and returns the user."""
    def _login(who: str):
        response = sign_in(client, DEMO_EMAILS[who])
        assert response.status_code == 302, response.get_data(as_text=True)
        return user_by_email(DEMO_EMAILS[who])
    return _login


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"uptake database: {'PostgreSQL via DATABASE_URL' if url else 'SQLite (temporary file)'}"


@pytest.fixture
def content_loaded(demo):
    """Demo organisation plus the item bank and quiz forms (snapshot after the first build, as demo)."""
    from app.services.content import load_content

    plain = "demo" not in _snapshots or _counts() != _snapshots["demo"].counts  # something else was written
    if plain or not _restored("content"):
        summary = load_content()
        assert not summary.problems
        if not plain:
            _snapshots["content"] = Snapshot()
    return demo


@pytest.fixture(scope="session")
def _fitted_model():
    """The demo's fitted model as stored (its row's values), fitted once per test worker."""
    return {}


class Snapshot:
    """Every table's rows, taken once per test worker, put back instead of rebuilt. The fitted demo
    (history replay and every person's estimates) takes 2-5 s to build and a restore a fraction of
    that. Times are moved on by the time since the snapshot, so "3 days ago" stays 3 days ago."""

    def __init__(self) -> None:
        from datetime import datetime, timezone

        self.taken = datetime.now(timezone.utc)
        with _db.engine.connect() as conn:
            self.tables = [(table, [dict(row) for row in conn.execute(table.select()).mappings()])
                           for table in _db.metadata.sorted_tables]
        self.counts = tuple(len(rows) for _, rows in self.tables)

    def restore(self) -> None:
        from datetime import date, datetime, timezone

        _db.session.remove()
        _empty_tables()
        shift = datetime.now(timezone.utc) - self.taken
        days = (datetime.now(timezone.utc).date() - self.taken.date())

        def moved(value):
            if isinstance(value, datetime):
                return value + shift
            if isinstance(value, date):
                return value + days
            return value

        with _db.engine.begin() as conn:
            for table, rows in self.tables:
                if rows:
                    conn.execute(table.insert(), [{key: moved(value) for key, value in row.items()}
                                                  for row in _parents_first(table, rows)])


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows of a table that points at itself (a person's manager), each after the row it names."""
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not own:
        return rows
    placed, ordered, waiting = set(), [], rows
    while waiting:
        ready = [row for row in waiting if all(row[c] is None or row[c] in placed for c in own)]
        assert ready, f"{table.name}: rows that point at each other"
        ordered += ready
        placed.update(row["id"] for row in ready)
        waiting = [row for row in waiting if row["id"] not in placed]
    return ordered


_snapshots: dict[str, Snapshot] = {}


def _counts() -> tuple[int, ...]:
    """Rows in every table, in one query: a snapshot is taken and restored only over the state it was
    taken from (so rows another fixture wrote first are never baked in nor wiped)."""
    from sqlalchemy import func, select

    tables = _db.metadata.sorted_tables
    query = select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
    with _db.engine.connect() as conn:
        return tuple(conn.execute(query).one())


def _EMPTY() -> tuple[int, ...]:
    return (0,) * len(_db.metadata.sorted_tables)


def _restored(name: str) -> bool:
    """Put back the named snapshot if this worker has taken it; False the first time."""
    if name not in _snapshots:
        return False
    _snapshots[name].restore()
    return True


@pytest.fixture
def fitted_demo(content_loaded, app, _fitted_model):
    """Demo organisation with its (seeded, so identical) history, objectives and a fitted skill
    model. The model is fitted once per worker and its stored row reused; the database it leaves
    (the model included: it lives in `stored_model`) is snapshot once per worker and restored for the
    next test that asks."""
    from app.models import StoredModel
    from app.services.demo_history import load_history, load_objectives
    from app.services.skill_fit import fit_model
    from app.services.skill_model import _cache, refresh_all

    plain = "content" not in _snapshots or _counts() != _snapshots["content"].counts  # something else was written
    if not plain and _restored("fitted"):
        _cache.clear()
        return content_loaded
    load_objectives()
    load_history()
    if not _fitted_model:
        fit_model()
        row = _db.session.scalar(select(StoredModel))
        _fitted_model.update(sha256=row.sha256, card=row.card, data=row.data)
    else:
        _db.session.add(StoredModel(**_fitted_model))
        _db.session.commit()
        _cache.clear()
        refresh_all()
    _db.session.commit()
    if not plain:
        _snapshots["fitted"] = Snapshot()
    return content_loaded


def as_sent(attempt_id: int, item_key: str, answer):
    """An answer written in the bank's own ids, as the browser sends it: this attempt's answer ids
    (quizzes.disguise). Ids the item does not have come out as ids the attempt refuses."""
    from sqlalchemy import select

    from app.models import Attempt, Item
    from app.services.content import engine_item
    from quizzes.disguise import Disguise

    salt = _db.session.scalar(select(Attempt.answer_salt).where(Attempt.id == attempt_id))
    row = _db.session.scalar(select(Item).where(Item.key == item_key))
    if salt is None or row is None or answer is None:
        return answer
    item = engine_item(row)
    try:
        return Disguise(salt).hide(item, answer)
    except (AttributeError, TypeError):  # a malformed answer goes through as it is
        return answer
