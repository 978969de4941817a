"""The database between tests: emptied after each, and the demo's states (built, with content, fitted)
kept as snapshots once per test worker and put back instead of rebuilt."""
from __future__ import annotations

from app.extensions import db as _db


def empty_tables() -> None:
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


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
        empty_tables()
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
                                                  for row in parents_first(table, rows)])


def parents_first(table, rows: list[dict]) -> list[dict]:
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


snapshots: dict[str, Snapshot] = {}  # by name: demo, content, fitted


def counts() -> tuple[int, ...]:
    """Rows in every table, in one query: a snapshot is taken and restored only over the state it was
    taken from (so rows another fixture wrote first are never baked in nor wiped)."""
    from sqlalchemy import func, select

    tables = _db.metadata.sorted_tables
    query = select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
    with _db.engine.connect() as conn:
        return tuple(conn.execute(query).one())


def empty_counts() -> tuple[int, ...]:
    return (0,) * len(_db.metadata.sorted_tables)


def restored(name: str) -> bool:
    """Put back the named snapshot if this worker has taken it; False the first time."""
    if name not in snapshots:
        return False
    snapshots[name].restore()
    return True
