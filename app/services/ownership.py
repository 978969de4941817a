"""Whose content it is. Shipped questions and tests (no organisation) are shared by every organisation
and changed only by the content files; what an organisation writes, imports, copies, rewrites or
tailors is its own and nobody else sees it. An organisation changes a shipped question or test through
its own copy, which takes the shipped one's place for that organisation (`replaces_id`): a question's
copy once it is published, a test's copy as soon as it is saved."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Item, User
from app.services.errors import NotFound

SHIPPED_NOTE = ("shipped with Uptake and shared by every organisation: your changes make your organisation's own "
                "copy, which your trainees get in its place")


def visible(model, organisation_id: int | None):
    """A where-clause: shipped rows and, with an organisation, that organisation's own."""
    if organisation_id is None:
        return model.organisation_id.is_(None)
    return or_(model.organisation_id.is_(None), model.organisation_id == organisation_id)


def replaced(model, organisation_id: int | None):
    """The ids of shipped rows this organisation's copies stand in for (a question's copy only once
    it has been published: until then the organisation's trainees keep the shipped one)."""
    query = select(model.replaces_id).where(model.organisation_id == organisation_id, model.replaces_id.is_not(None))
    if model is Item:
        query = query.where(Item.version > 0)
    return query


def in_use(model, organisation_id: int | None):
    """A where-clause: what this organisation's trainees are given from — shipped rows it has not
    replaced, and its own."""
    clause = visible(model, organisation_id)
    if organisation_id is None:
        return clause
    return clause & model.id.not_in(replaced(model, organisation_id))


def check_visible(row, user: User | None, message: str):
    """The row, or NotFound when it belongs to another organisation (as if it did not exist)."""
    if row is None or (row.organisation_id is not None
                       and (user is None or row.organisation_id != user.organisation_id)):
        raise NotFound(message)
    return row


def replacements(model, organisation_id: int | None) -> dict[str, str]:
    """{shipped key: the organisation's copy's key} for the copies that stand in for shipped rows."""
    if organisation_id is None:
        return {}
    copy, shipped = model.__table__.alias("copy"), model.__table__.alias("shipped")
    query = select(shipped.c.key, copy.c.key).join(copy, copy.c.replaces_id == shipped.c.id).where(
        copy.c.organisation_id == organisation_id)
    if model is Item:
        query = query.where(copy.c.version > 0)
    return dict(db.session.execute(query).all())


def copy_of(model, row, organisation_id: int):
    """This organisation's copy of a shipped row, if it made one."""
    return db.session.scalar(select(model).where(model.replaces_id == row.id, model.organisation_id == organisation_id))

