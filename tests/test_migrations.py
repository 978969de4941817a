"""The committed migrations build exactly the schema the models describe, on this database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

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
