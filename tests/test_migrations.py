"""The committed migrations build exactly the schema the models describe, on this database."""
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db


def _diff(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def test_migrated_schema_matches_models(app):
    assert _diff(db.engine) == []


def test_migrations_upgrade_an_empty_sqlite_database_and_downgrade(config_class, tmp_path):
    class Fresh(config_class):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    fresh = create_app(Fresh)
    with fresh.app_context():
        upgrade()
        assert _diff(db.engine) == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables <= {"alembic_version"}
        upgrade()
        assert _diff(db.engine) == []
        db.engine.dispose()


@contextmanager
def upgraded_from(config_class, tmp_path, revision: str, *rows):
    """A fresh SQLite database migrated to `revision`, given these rows (SQL, or SQL and its
    parameters), then migrated to the newest revision: a connection to it."""
    class Fresh(config_class):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"

    with create_app(Fresh).app_context():
        upgrade(revision=revision)
        with db.engine.begin() as conn:
            for row in rows:
                sql, params = (row, {}) if isinstance(row, str) else row
                conn.execute(text(sql), params)
        upgrade()
        try:
            with db.engine.connect() as conn:
                yield conn
        finally:
            db.engine.dispose()


ORGS = "INSERT INTO organisation (id, name, created_at) VALUES (1, 'A', '2026-01-01'), (2, 'B', '2026-01-01')"
USER = ("INSERT INTO user_account (id, organisation_id, email, name, password_hash, role, active, session_version, "
        "created_at) VALUES (5, :org, 'u@a.example', 'U', '!', 'trainer', 1, 1, '2026-01-01')")
ITEM = ("INSERT INTO item (id, key, type, stem, explanation, difficulty, roles, data, source, content_hash, active, "
        "updated_at{version}) VALUES (:id, :key, 'true_false', 'Old words', '', 'easy', '[\"all\"]', "
        "'{{\"answer\": true}}', :source, 'h', 1, '2026-01-01 00:00:00'{number})")


def test_item_versions_migration_makes_every_question_its_own_version_1(config_class, tmp_path):
    """A bank from before versions: each question gets a published version 1 holding its content and
    skills, so attempts from then (which recorded no versions) keep showing what they were asked."""
    with upgraded_from(config_class, tmp_path, "0022_message_image",
                       "INSERT INTO skill (id, slug, name, description, active) VALUES "
                       "(1, 'data-quality', 'Data quality', '', 1), (2, 'lead-management', 'Leads', '', 1)",
                       (ITEM.format(version="", number=""), {"id": 7, "key": "q-7", "source": "bank:x"}),
                       "INSERT INTO item_skill (item_id, skill_id) VALUES (7, 2), (7, 1)") as conn:
        row = conn.execute(text("SELECT number, status, stem, skills, data FROM item_version WHERE item_id = 7")).one()
        version = conn.execute(text("SELECT version FROM item WHERE id = 7")).scalar()
    assert (row[0], row[1], row[2], version) == (1, "published", "Old words", 1)
    assert row[3] == '["data-quality", "lead-management"]' and '"answer": true' in row[4]


def test_content_owner_migration_gives_browser_content_to_the_organisation_that_made_it(config_class, tmp_path):
    """Questions and tests written in the browser before organisations owned content go to the
    organisation whose audit trail names them; shipped ones stay shared; a rewritten lesson goes to
    its author's organisation."""
    item = ITEM.format(version=", version", number=", 1")
    with upgraded_from(config_class, tmp_path, "0027_stored_model", ORGS, (USER, {"org": 2}),
                       (item, {"id": 1, "key": "ours", "source": "editor"}),
                       (item, {"id": 2, "key": "shipped", "source": "bank:x.yaml"}),
                       "INSERT INTO audit_event (at, actor_id, organisation_id, action, target, detail, ip) "
                       "VALUES ('2026-01-02', 5, 2, 'content.item_published', 'ours', '{}', '')",
                       "INSERT INTO lesson_text (lesson, text, author_id, updated_at) VALUES "
                       "('x.md', 'Ours', 5, '2026-01-02')") as conn:
        owners = dict(conn.execute(text("SELECT key, organisation_id FROM item")).all())
        lesson = conn.execute(text("SELECT organisation_id FROM lesson_text")).scalar()
    assert owners == {"ours": 2, "shipped": None} and lesson == 2


def test_skill_owner_migration_keeps_objectives_and_gives_added_skills_to_their_organisation(config_class, tmp_path):
    with upgraded_from(config_class, tmp_path, "0028_content_owner", ORGS,
                       "INSERT INTO skill (id, slug, name, description, active) VALUES "
                       "(1, 'lead-management', 'Leads', '', 1), (2, 'cpq-quotes', 'Quotes in CPQ', '', 1)",
                       "INSERT INTO job_role (id, organisation_id, name, description, active) VALUES "
                       "(1, 1, 'seller', '', 1)",
                       "INSERT INTO objective (job_role_id, skill_id, target, weight) VALUES (1, 1, 0.8, 1), "
                       "(1, 2, 0.8, 1)",
                       "INSERT INTO audit_event (at, organisation_id, action, target, detail, ip) VALUES "
                       "('2026-01-02', 2, 'skill.created', 'Quotes in CPQ', '{}', '')") as conn:
        owners = dict(conn.execute(text("SELECT slug, organisation_id FROM skill")).all())
        objectives = conn.execute(text("SELECT COUNT(*) FROM objective")).scalar()
    assert owners == {"lead-management": None, "cpq-quotes": 2} and objectives == 2


def test_evidence_version_migration_names_the_version_each_attempt_was_given(config_class, tmp_path):
    attempt = ("INSERT INTO attempt (id, user_id, kind, status, item_keys, item_versions, option_orders, answer_salt, "
               "started_at, hints_used) VALUES (:id, 5, 'quiz', 'submitted', '[\"q-7\"]', :given, '{}', 'salt', "
               "'2026-01-02', 0)")
    evidence = ("INSERT INTO evidence (user_id, source, attempt_id, item_id, skills, score, time_spent_ms, occurred_at) "
                "VALUES (5, 'quiz', :id, 7, '[]', 1, 0, '2026-01-02')")
    with upgraded_from(config_class, tmp_path, "0030_attempt_snapshots", ORGS, (USER, {"org": 1}),
                       (ITEM.format(version=", version", number=", 3"), {"id": 7, "key": "q-7", "source": "bank:x"}),
                       (attempt, {"id": 1, "given": '{"q-7": 2}'}), (evidence, {"id": 1}),
                       (attempt, {"id": 2, "given": None}), (evidence, {"id": 2})) as conn:
        versions = dict(conn.execute(text("SELECT attempt_id, item_version FROM evidence")).all())
    assert versions == {1: 2, 2: None}  # None reads as version 1
