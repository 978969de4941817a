"""Shared fixtures: app, client, runner, db, demo organisation and login_as(role).

The schema is created once per test session by running the real migrations (so every test run
also proves `flask db upgrade` works on this database); each test then starts from empty tables.
Set DATABASE_URL to run the suite against PostgreSQL.
"""
from __future__ import annotations

import contextvars
import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from flask.testing import FlaskClient

from app import create_app
from app.extensions import db as _db
from config import TestingConfig
from tests.helpers import DEMO_EMAILS, sign_in, user_by_email
from tests.snapshots import Snapshot, counts, empty_counts, empty_tables, restored, snapshots

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


@pytest.fixture
def app(config_class, _migrated):
    app = create_app(config_class)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _db.session.remove()
        empty_tables()
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

    if counts() != empty_counts():  # a fixture already wrote something: build, and neither restore nor snapshot
        load_demo()
    elif not restored("demo"):
        load_demo()
        snapshots["demo"] = Snapshot()
    return app


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

    plain = "demo" not in snapshots or counts() != snapshots["demo"].counts  # something else was written
    if plain or not restored("content"):
        summary = load_content()
        assert not summary.problems
        if not plain:
            snapshots["content"] = Snapshot()
    return demo


@pytest.fixture(scope="session")
def _fitted_model():
    """The demo's fitted model as stored (its row's values), fitted once per test worker."""
    return {}


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

    plain = "content" not in snapshots or counts() != snapshots["content"].counts  # something else was written
    if not plain and restored("fitted"):
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
        snapshots["fitted"] = Snapshot()
    return content_loaded


