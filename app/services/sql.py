"""Dialect-aware statements shared by services."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db


def insert_for(model):
    """INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    return (sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert)(model)


def upsert(model, rows: list[dict], keys: list[str]) -> None:
    """Insert rows, replacing the non-key columns of rows whose keys already exist."""
    if not rows:
        return
    stmt = insert_for(model).values(rows)
    columns = [c for c in rows[0] if c not in keys]
    db.session.execute(stmt.on_conflict_do_update(index_elements=keys,
                                                  set_={c: stmt.excluded[c] for c in columns}))


def days_between(later, earlier):
    """SQL for the days from `earlier` to `later` (fractional) on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0
