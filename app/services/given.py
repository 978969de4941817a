"""What an attempt was given: each question in the version it was shown, and the test as it was when
it started — read when an answer is saved, a page of the attempt is shown, and it is graded or reviewed,
so a later edit changes neither its grade nor its review."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Item, ItemVersion
from app.services.content import engine_item, quiz_def, stored_quiz_def, version_item
from app.services.errors import NotFound
from quizzes import model as engine
from quizzes.assembly import QuizDef

_ITEM_COLUMNS = (Item.id, Item.key, Item.version, Item.type, Item.stem, Item.explanation, Item.difficulty, Item.roles,
                 Item.data, Item.source)


def _item_without_skills(row) -> engine.Item:
    return engine.Item(id=row.key, type=row.type, stem=row.stem, skills=(), roles=tuple(row.roles),
                       explanation=row.explanation, data=row.data, difficulty=row.difficulty, source=row.source)


_ANSWER_ITEM = select(*_ITEM_COLUMNS).where(Item.key == bindparam("key"))  # built once: saves are frequent


def answer_version(key: str, number: int) -> tuple[int, engine.Item]:
    """What checking and storing one saved answer needs, in one light query on the way that matters
    (no ORM row, no skills: an answer's check never reads them): the question's row id and its
    content in the version the attempt was given."""
    row = db.session.execute(_ANSWER_ITEM, {"key": key}).first()
    if row is None:
        raise NotFound("That question is not in the bank.")
    if number != row.version:
        version = db.session.scalar(select(ItemVersion).where(ItemVersion.item_id == row.id, ItemVersion.number == number,
                                                              ItemVersion.status == "published"))
        if version is not None:
            return row.id, engine.Item(id=key, type=version.type, stem=version.stem, skills=tuple(version.skills),
                                       roles=tuple(version.roles), explanation=version.explanation, data=version.data,
                                       difficulty=version.difficulty, source=row.source)
    return row.id, _item_without_skills(row)


def attempt_items(attempt, keys: list[str] | None = None, with_skills: bool = True) -> dict[str, engine.Item]:
    """Each question of an attempt (or those with these keys) in the version the attempt was given
    (version 1 for attempts from before versions were recorded), so a later edit changes neither its
    grade nor its review. One query, and a second only when a question has moved on since; without
    skills (empty), one fewer, for views that never read them."""
    given = attempt.item_versions or {}
    keys = attempt.item_keys if keys is None else keys
    if with_skills:
        rows = {r.key: r for r in db.session.scalars(select(Item).where(Item.key.in_(keys)))}
        current = engine_item
    else:  # plain rows, not ORM objects: nothing skill-less is left in the session for later code to trust
        rows = {r.key: r for r in db.session.execute(select(*_ITEM_COLUMNS).where(Item.key.in_(keys)))}
        current = _item_without_skills
    older = {rows[key].id: key for key in rows if given.get(key, 1) != rows[key].version}
    items = {key: current(row) for key, row in rows.items() if row.id not in older}
    if older:
        for version in db.session.scalars(select(ItemVersion).where(ItemVersion.item_id.in_(list(older)),
                                                                     ItemVersion.status == "published")):
            key = older[version.item_id]
            if version.number == given.get(key, 1):
                items[key] = version_item(version, rows[key])
        for key in older.values():  # a version that was never kept: the nearest thing is the current one
            items.setdefault(key, current(rows[key]))
    return {key: items[key] for key in keys if key in items}


def bank_versions(keys) -> dict[str, int]:
    """The version the bank gives of each of these questions now (what a new attempt records)."""
    return dict(db.session.execute(select(Item.key, Item.version).where(Item.key.in_(list(keys)))).all())


def attempt_definition(attempt) -> QuizDef:
    """The test as it was when the attempt started (its settings, pass mark and review): a later edit
    changes neither the attempt's grade nor its review. Attempts from before this was kept read the
    test as it is now."""
    return stored_quiz_def(attempt.quiz_definition) if attempt.quiz_definition else quiz_def(attempt.quiz)
