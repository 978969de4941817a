"""Dialect-aware statements shared by services."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, any_, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
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


def among(column, ids) -> object:
    """`column IN ids` for any number of ids: a short list inline, a long one as a single parameter
    (an array on PostgreSQL, whose protocol allows 65,535 parameters a statement; a JSON list read by
    `json_each` on SQLite, whose limit depends on how it was built) — a company's people fit either way."""
    ids = list(ids)
    if len(ids) <= 500:
        return column.in_(ids)
    if db.session.get_bind().dialect.name == "sqlite":
        import json

        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(ids))))
    return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))


def json_elements(column):
    """The elements of a JSON list column as a table with one column, `value` (for EXISTS … IN)."""
    name = "json_each" if db.session.get_bind().dialect.name == "sqlite" else "json_array_elements_text"
    return getattr(func, name)(column).table_valued("value")


EXACT = 10**9  # `exact` counts in billionths


def exact(column):
    """A float column (a score in [0, 1]) as whole billionths, for SUM and AVG that do not depend on
    the order rows arrive in. PostgreSQL adds floats in whatever order its scan delivers them
    (parallel workers, synchronised scans), so the same average could differ in its last bits
    between two runs, and figures the worker stored would not equal the same figures computed
    live. Integer sums are exact on both databases; divide what comes back by EXACT."""
    return cast(func.round(column * EXACT), BigInteger)
