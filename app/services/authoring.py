"""Writing and editing questions in the browser: drafts, publishing, versions, retiring.

A question is written as a draft (checked by the bank's own rules, `quizzes.loader.parse_item`),
previewed, then published. Publishing a draft of a question already in the bank makes a new version:
the bank row takes the new content and number, and the earlier version stays in `item_version`, so
an attempt given version 2 keeps grading and showing version 2 (`given.attempt_items`). Every
change is in the organisation's audit trail with the content before and after.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Item, ItemVersion, Skill, User
from app.models.types import utcnow
from app.services import audit, ownership
from app.services.content import (EDITOR_SOURCE, content_hash, engine_item, job_role_names, same_content, skill_slugs,
                                  version_item)
from app.services.errors import ProblemsFound, ValidationFailed
from quizzes import model as engine
from quizzes.importers import content_id, unique_id
from quizzes.loader import parse_item
from quizzes.raw import to_raw

class DraftRefused(ProblemsFound):
    """The draft breaks the bank's rules; `problems` says where and why (nothing was saved)."""

    def __init__(self, problems: list[engine.Problem]):
        super().__init__("question", problems)


@dataclass
class Editing:
    """A question as its editor sees it: the bank row, the draft being written (if any) and the
    content the form starts from (the draft's, else the published version's)."""

    row: Item
    draft: ItemVersion | None
    item: engine.Item
    copy: Item | None = None  # a shipped question's: the organisation's own copy of it, if it made one

    @property
    def published(self) -> bool:
        return self.row.version > 0

    @property
    def shipped(self) -> bool:
        return self.row.organisation_id is None


def _row(key: str, user: User) -> Item:
    """A question the user's organisation may see (another organisation's is not found)."""
    return ownership.check_visible(db.session.scalar(select(Item).where(Item.key == key)), user, "No such question.")


def _own_row(user: User, key: str) -> Item:
    """The question the user's organisation changes when it changes this one: its own, or its copy of
    a shipped one (made now, holding the shipped content, if it has none yet)."""
    row = _row(key, user)
    if row.organisation_id is not None:
        return row
    copy = ownership.copy_of(Item, row, user.organisation_id)
    if copy is None:
        taken = set(db.session.scalars(select(Item.key)))
        copy = Item(key=unique_id(row.key[:56], taken), version=0, active=False, source=EDITOR_SOURCE,
                    organisation_id=user.organisation_id, replaces_id=row.id, content_hash=row.content_hash)
        _fill(copy, engine_item(row))
        copy.skills = list(row.skills)
        db.session.add(copy)
        db.session.flush()
    return copy


def _draft(row: Item) -> ItemVersion | None:
    return db.session.scalar(select(ItemVersion).where(ItemVersion.item_id == row.id, ItemVersion.status == "draft"))


def editing(key: str, user: User) -> Editing:
    row = _row(key, user)
    draft = _draft(row)
    copy = ownership.copy_of(Item, row, user.organisation_id) if row.organisation_id is None else None
    return Editing(row, draft, version_item(draft, row) if draft else engine_item(row), copy)


def versions(key: str, user: User) -> list[ItemVersion]:
    """Every published version of a question, newest first (drafts are not versions yet)."""
    row = _row(key, user)
    return list(db.session.scalars(select(ItemVersion).where(ItemVersion.item_id == row.id,
                                                              ItemVersion.status == "published")
                                   .order_by(ItemVersion.number.desc())))


def check(raw: dict, key: str, organisation_id: int | None, roles_kept=()) -> engine.Item:
    """The item this raw mapping makes under the bank's rules, or DraftRefused with every problem.
    Job roles are the organisation's, plus any the question was tagged with already (the shipped bank
    names the starter roles, which an organisation may have renamed)."""
    roles = job_role_names(organisation_id) | set(roles_kept)
    item, problems = parse_item({**raw, "id": key}, "the form", 0, skill_slugs(organisation_id), roles or None,
                                require_explanation=False)
    if not problems and item.data.get("stem_html"):
        from app.services import assets
        from quizzes import rich

        problems = [engine.Problem("the form", key, "stem", f"shows a picture (asset:{sha[:12]}…) that is not in the bank: "
                                   "keep the pictures the question came with, or remove that <img>")
                    for sha in assets.missing(rich.asset_refs(item.data["stem_html"]))]
    if problems:
        raise DraftRefused(problems)
    return item


def new_key(stem: str) -> str:
    taken = set(db.session.scalars(select(Item.key)))
    return unique_id(content_id(stem or "question", "question")[:56], taken)


def _fill(target, item: engine.Item) -> None:
    target.type, target.stem, target.explanation = item.type, item.stem, item.explanation
    target.difficulty, target.roles, target.data = item.difficulty, list(item.roles), item.data


def _skills(slugs) -> list[Skill]:
    by_slug = {s.slug: s for s in db.session.scalars(select(Skill).where(Skill.slug.in_(list(slugs))))}
    return [by_slug[s] for s in slugs]


def save_draft(user: User, raw: dict, key: str | None = None, pictures=()) -> Editing:
    """Save the form as the question's draft (a new question when `key` is None; for a shipped
    question, the draft of the organisation's own copy, which the returned editing shows). Nothing
    reaches trainees until it is published; saving again replaces the draft. `pictures` (`rich.Asset`)
    are ones the form added to the text: stored with the draft (and gone with it if it is refused)."""
    if pictures:
        from app.services import assets

        assets.store(pictures)
    if key is None:
        key = new_key(str(raw.get("stem") or ""))
        item = check(raw, key, user.organisation_id)
        row = Item(key=key, version=0, active=False, source=EDITOR_SOURCE, content_hash=content_hash(item),
                   organisation_id=user.organisation_id)
        _fill(row, item)
        row.skills = _skills(item.skills)
        db.session.add(row)
        db.session.flush()
        before = None
    else:
        shown = editing(key, user)
        before = editing(shown.copy.key, user).item if shown.copy else shown.item  # what the change replaces
        item = check(raw, key, user.organisation_id, before.roles)
        if shown.shipped and shown.copy is None and same_content(shown.row, item):
            return shown  # the shipped question unchanged: no copy to make
        row = _own_row(user, key)
        key = row.key
    draft = _draft(row)
    if row.version > 0 and same_content(row, item):  # back to what is published: no draft (nothing to audit if none)
        if draft is not None:
            db.session.delete(draft)
            db.session.commit()
            audit.record("content.item_draft_dropped", target=key, detail={"reason": "same as the published version"},
                         actor=user)
        return editing(key, user)
    if draft is None:
        draft = ItemVersion(item_id=row.id, status="draft", author_id=user.id)
        db.session.add(draft)
    _fill(draft, item)
    draft.skills, draft.content_hash, draft.author_id, draft.created_at = (list(item.skills), content_hash(item),
                                                                           user.id, utcnow())
    if row.version == 0:  # never published: the bank row follows the draft (it is not in the bank)
        _fill(row, item)
        row.skills, row.content_hash = _skills(item.skills), content_hash(item)
    db.session.commit()
    detail = {"before": to_raw(before) if before else None, "after": to_raw(item)}
    if row.replaces_id is not None:
        detail["copy_of"] = db.session.get(Item, row.replaces_id).key
    audit.record("content.item_draft_saved", target=key, detail=detail, actor=user)
    return editing(key, user)


def _not_shipped(row: Item, doing: str) -> None:
    if row.organisation_id is None:
        raise ValidationFailed(f"This question is {ownership.SHIPPED_NOTE}. Edit it to make that copy, then {doing} "
                               "the copy.")


def publish(user: User, key: str) -> Item:
    """Make the draft the version trainees are given from now on; attempts already given an earlier
    version keep it. An organisation's copy of a shipped question takes that question's place in the
    organisation's bank and tests from now on."""
    row = _row(key, user)
    _not_shipped(row, "publish")
    draft = _draft(row)
    if draft is None:
        raise ValidationFailed("There is no draft to publish: edit the question first.")
    drafted = version_item(draft, row)
    item = check(to_raw(drafted), key, user.organisation_id, drafted.roles)  # a skill may have been retired since
    before = engine_item(row) if row.version > 0 else None
    number = row.version + 1
    _fill(row, item)
    row.skills, row.content_hash, row.version = _skills(item.skills), draft.content_hash, number
    row.active, row.updated_at, row.source = True, utcnow(), EDITOR_SOURCE  # a file no longer overwrites it
    draft.status, draft.number, draft.published_at = "published", number, utcnow()
    db.session.commit()
    audit.record("content.item_published", target=key,
                 detail={"version": number, "before": to_raw(before) if before else None, "after": to_raw(item)},
                 actor=user)
    return row


def discard_draft(user: User, key: str) -> bool:
    """Throw the draft away; a question that was never published goes with it (a copy of a shipped
    question that was never published leaves the shipped one in place). True if it went."""
    row = _row(key, user)
    _not_shipped(row, "discard the draft of")
    draft = _draft(row)
    if draft is None:
        raise ValidationFailed("There is no draft to discard.")
    detail = {"before": to_raw(version_item(draft, row))}
    db.session.delete(draft)
    gone = row.version == 0
    if gone:
        db.session.delete(row)
    db.session.commit()
    audit.record("content.item_draft_discarded", target=key, detail=detail, actor=user)
    return gone


def set_retired(user: User, key: str, retired: bool) -> Item:
    """Take a published question out of the bank (new attempts no longer get it), or put it back. For
    a shipped question, the organisation's copy is retired: its trainees no longer get either."""
    row = _row(key, user)
    if row.organisation_id is None:
        if not retired:
            copy = ownership.copy_of(Item, row, user.organisation_id)
            if copy is None:
                return row  # never retired here
            return set_retired(user, copy.key, False)
        copy = _own_row(user, key)
        if copy.version == 0 and _draft(copy) is not None:
            raise ValidationFailed("Your organisation's copy of this question has a draft that was never published: "
                                   "publish or discard it first, then retire the copy.")
        if copy.version == 0:  # a copy made only to retire: its one version is the shipped content
            copy.version = 1
            db.session.add(ItemVersion(item=copy, number=1, status="published", type=copy.type, stem=copy.stem,
                                       explanation=copy.explanation, difficulty=copy.difficulty,
                                       roles=list(copy.roles), skills=list(copy.skill_slugs), data=copy.data,
                                       content_hash=copy.content_hash, author_id=user.id, published_at=utcnow()))
            copy.active = True
        row = copy
        key = copy.key
    if row.version == 0:
        raise ValidationFailed("A question that was never published cannot be retired; discard its draft instead.")
    if row.active == (not retired):
        return row
    row.active, row.updated_at, row.source = not retired, utcnow(), EDITOR_SOURCE  # a reload must not undo it
    db.session.commit()
    audit.record("content.item_retired" if retired else "content.item_reinstated", target=key,
                 detail={"before": {"active": retired}, "after": {"active": not retired}}, actor=user)
    return row


# --- the bank as a list --------------------------------------------------------------------------------
STATUSES = {"published": "Published", "draft": "With a draft to publish", "new": "Never published",
            "retired": "Retired"}
PER_PAGE = 50


@dataclass
class Listing:
    rows: list[tuple[Item, bool]]  # (question, has a draft)
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def listing(user: User, search: str = "", skill: str = "", status: str = "", page: int = 1) -> Listing:
    """The organisation's bank (the shipped questions it has not replaced with published copies, and
    its own) matching a search of their text or id, a skill and a status, 50 to a page."""
    from sqlalchemy import func, or_

    drafts = select(ItemVersion.item_id).where(ItemVersion.status == "draft")
    query = select(Item).where(ownership.in_use(Item, user.organisation_id))
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Item.stem.ilike(pattern, escape="\\"), Item.key.ilike(pattern, escape="\\")))
    if skill:
        query = query.where(Item.skills.any(Skill.slug == skill))
    if status == "published":
        query = query.where(Item.active.is_(True))
    elif status == "draft":  # a published question with changes waiting (never-published ones are "new")
        query = query.where(Item.id.in_(drafts), Item.version > 0)
    elif status == "new":
        query = query.where(Item.version == 0)
    elif status == "retired":
        query = query.where(Item.active.is_(False), Item.version > 0)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(db.session.scalars(query.order_by(Item.key).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    with_draft = set(db.session.scalars(drafts.where(ItemVersion.item_id.in_([r.id for r in rows]))))
    return Listing([(row, row.id in with_draft) for row in rows], total, page)
