"""Loading the item bank and quiz forms into the database, and importing trainers' files.

Items and quizzes are matched on their stable keys, so reloading updates them in place and past
responses stay attached. Nothing is ever deleted: content that left the bank is deactivated.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import ContentImport, Item, ItemVersion, JobRole, Quiz, Skill, User
from app.models.types import utcnow
from app.services.errors import NotFound, ValidationFailed
from quizzes import model as engine
from quizzes.assembly import QuizDef, load_quizzes
from quizzes.importers import MAX_IMPORT_BYTES, MAX_XML_BYTES, ImportResult
from quizzes.importers.gift import import_gift
from quizzes.importers.moodle_xml import import_moodle_xml
from quizzes.loader import bank_files, load_bank

CONTENT_ROOT = Path(__file__).resolve().parents[2] / "quizzes"
EDITOR_SOURCE = "editor"  # written or last edited in the browser (services.authoring)
IMPORT_FORMATS = {"gift": "Moodle GIFT (.gift, .txt)", "moodle_xml": "Moodle XML (.xml)"}


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    quizzes: int = 0
    problems: list[engine.Problem] = field(default_factory=list)


def skill_slugs(organisation_id: int | None = None) -> frozenset[str]:
    """The active skills content may name: the shipped taxonomy's, and this organisation's own."""
    from app.services.ownership import visible

    return frozenset(db.session.scalars(select(Skill.slug).where(Skill.active.is_(True),
                                                                 visible(Skill, organisation_id))))


def job_role_names(organisation_id: int | None) -> frozenset[str]:
    """The job roles content written by this organisation may name (its own roles)."""
    return frozenset(db.session.scalars(select(JobRole.name).where(JobRole.organisation_id == organisation_id)))


def content_hash(item: engine.Item) -> str:
    """A digest of everything that makes the question what it is (the order of its skills and job
    roles means nothing, so it counts for nothing)."""
    payload = [item.type, item.stem, item.explanation, item.difficulty, sorted(item.skills), sorted(item.roles),
               item.data]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def same_content(row: Item, item: engine.Item) -> bool:
    """Is the bank row's question this one? (Compared afresh: a stored digest may predate a change to
    how digests are made.)"""
    return content_hash(engine_item(row)) == content_hash(item)


def upsert_items(items: list[engine.Item], source_of=lambda item: item.source,
                 organisation_id: int | None = None) -> LoadSummary:
    """Create or update items by key (the shipped bank's when `organisation_id` is None, else that
    organisation's); return counts. Does not commit. Changed content is published as the item's next
    version (the earlier one stays in `item_version` for attempts given it); a question edited in the
    browser since belongs to its editors, and a file no longer overwrites it."""
    summary = LoadSummary()
    skills = {s.slug: s for s in db.session.scalars(select(Skill))}
    existing = {i.key: i for i in db.session.scalars(select(Item).where(Item.key.in_([i.id for i in items])))}
    for item in items:
        digest = content_hash(item)
        row = existing.get(item.id)
        if row is not None and row.organisation_id != organisation_id:  # callers rename such questions first
            raise ValueError(f"question {item.id} belongs to another owner")
        same = row is not None and row.version > 0 and same_content(row, item)
        if row is not None and (row.source == EDITOR_SOURCE or (same and row.active)):
            summary.unchanged += 1
            continue
        if row is None:
            row = Item(key=item.id, version=0, organisation_id=organisation_id)
            db.session.add(row)
            summary.created += 1
        else:
            summary.updated += 1
        row.type, row.stem, row.explanation, row.difficulty = item.type, item.stem, item.explanation, item.difficulty
        row.roles, row.data, row.source = list(item.roles), item.data, source_of(item)
        row.skills = [skills[s] for s in item.skills]
        if not same:
            row.version = (row.version or 0) + 1
            db.session.add(ItemVersion(
                item=row, number=row.version, status="published", type=item.type, stem=item.stem, explanation=item.explanation,
                difficulty=item.difficulty, roles=list(item.roles), skills=list(item.skills), data=item.data,
                content_hash=digest, published_at=utcnow()))
        row.content_hash, row.active, row.updated_at = digest, True, utcnow()
    return summary


def engine_item(row: Item) -> engine.Item:
    return engine.Item(id=row.key, type=row.type, stem=row.stem, skills=row.skill_slugs, roles=tuple(row.roles),
                       explanation=row.explanation, data=row.data, difficulty=row.difficulty, source=row.source)


def version_item(version: ItemVersion, row: Item) -> engine.Item:
    """A kept version (or a draft) of the bank row's question as the engine reads it."""
    return engine.Item(id=row.key, type=version.type, stem=version.stem, skills=tuple(version.skills),
                       roles=tuple(version.roles), explanation=version.explanation, data=version.data,
                       difficulty=version.difficulty, source=row.source)


def active_bank(organisation_id: int | None = None) -> dict[str, engine.Item]:
    """The published questions an organisation's tests draw from: the shipped ones it has not replaced
    with its own copies, and its own (None: the shipped bank alone)."""
    from app.services.ownership import in_use

    rows = db.session.scalars(select(Item).where(Item.active.is_(True), in_use(Item, organisation_id)))
    return {row.key: engine_item(row) for row in rows}


def ensure_taxonomy() -> None:
    """The starting skill taxonomy exists (added where missing; admins' edits are kept)."""
    from app.skills.taxonomy import SKILLS

    have = set(db.session.scalars(select(Skill.slug)))
    for skill in SKILLS:
        if skill.slug not in have:
            db.session.add(Skill(slug=skill.slug, name=skill.name, description=skill.description, active=True))
    db.session.flush()


def load_content(root: Path = CONTENT_ROOT) -> LoadSummary:
    """`flask content load`: load the bank and quiz forms; files with problems are skipped whole.
    The shipped content tags items with the starter job roles (account executive, sales manager, …);
    those tags are not checked against any organisation's job roles — an organisation that names
    its roles otherwise must still be able to load the bank — and match job roles by name where
    they exist."""
    ensure_taxonomy()
    report = load_bank(bank_files(root / "bank"), skill_slugs(), None)
    summary = upsert_items(report.items, source_of=lambda item: f"bank:{item.source}")
    summary.problems.extend(report.problems)
    if report.ok:  # only a complete bank may retire items that disappeared from it
        loaded = {i.id for i in report.items}
        for row in db.session.scalars(select(Item).where(Item.source.like("bank:%"), Item.active.is_(True))):
            if row.key not in loaded:
                row.active = False
                summary.deactivated += 1
    db.session.flush()
    bank = active_bank()
    quizzes, problems = load_quizzes(sorted((root / "forms").glob("*.yaml")), bank, None)
    summary.problems.extend(problems)
    edited = set(db.session.scalars(select(Quiz.key).where(Quiz.source == EDITOR_SOURCE)))
    for quiz in quizzes:
        if quiz.id in edited:  # changed in the browser since: its editors own it now
            continue
        save_quiz(quiz, source="forms")
        summary.quizzes += 1
    db.session.commit()
    return summary


def quiz_items(quiz: QuizDef, bank: dict[str, engine.Item]) -> list[engine.Item]:
    """Every question a form can ask: its fixed list, and for sampling rules or an adaptive form
    every active question of those skills that suits its job role (what an export should carry)."""
    from quizzes.assembly import suits

    wanted = dict.fromkeys(i for i in quiz.item_ids if i in bank)
    skills = {skill for skill, _ in quiz.rules} | set(quiz.skills)
    for item in sorted(bank.values(), key=lambda i: i.id):
        if skills & set(item.skills) and suits(item, quiz.role):
            wanted.setdefault(item.id)
    return [bank[i] for i in wanted]


def save_quiz(quiz: QuizDef, source: str, organisation_id: int | None = None) -> Quiz:
    row = db.session.scalar(select(Quiz).where(Quiz.key == quiz.id))
    if row is None:
        row = Quiz(key=quiz.id, organisation_id=organisation_id)
        db.session.add(row)
    definition = asdict(quiz)
    row.title, row.description, row.role, row.open = quiz.title, quiz.description, quiz.role, quiz.open
    row.definition, row.source, row.active, row.updated_at = definition, source, True, utcnow()
    return row


def quiz_def(row: Quiz, organisation_id: int | None = None) -> QuizDef:
    """The test as stored; for an organisation, its fixed questions with that organisation's published
    copies in place of the shipped questions they replace."""
    definition = stored_quiz_def(row.definition)
    if organisation_id is not None and definition.item_ids:
        from dataclasses import replace

        from app.services.ownership import replacements

        swap = replacements(Item, organisation_id)
        definition = replace(definition, item_ids=tuple(dict.fromkeys(swap.get(key, key)
                                                                      for key in definition.item_ids)))
    return definition


def stored_quiz_def(stored: dict) -> QuizDef:
    data = dict(stored)
    data["item_ids"] = tuple(data.get("item_ids", ()))
    data["rules"] = tuple(tuple(r) for r in data.get("rules", ()))
    data["skills"] = tuple(data.get("skills", ()))
    return QuizDef(**data)


# --- imports ------------------------------------------------------------------------------------
def import_owner(record: ContentImport) -> int:
    """The organisation an upload belongs to (its uploader's)."""
    return db.session.get(User, record.user_id).organisation_id


def parse_import(record: ContentImport) -> ImportResult:
    owner = import_owner(record)
    skills, roles, defaults = skill_slugs(owner), job_role_names(owner) or None, tuple(record.default_skills)
    if record.format == "gift":
        result = import_gift(record.content, record.filename, skills, roles, defaults)
    else:
        result = import_moodle_xml(record.content.encode(), record.filename, skills, roles, defaults)
    _keep_apart(record, result)
    stored = {row.key: row for row in db.session.scalars(select(Item).where(Item.key.in_([i.id for i in result.items])))}
    for item in result.items:  # what confirming would do to the bank, shown before it is done
        row = stored.get(item.id)
        result.changes[item.id] = ("new" if row is None else
                                   "unchanged" if row.active and same_content(row, item) else "changed")
    return result


def _keep_apart(record: ContentImport, result: ImportResult) -> None:
    """A question whose name another file (or the shipped bank) already uses is imported under the
    first free name `<name>-2`, `-3`…, so two files never overwrite each other's questions (and the
    same file imported again finds the same names). A question edited in the browser since it was
    imported is its editors' now: the file's version is left out, saying so."""
    from dataclasses import replace

    owner = import_owner(record)
    own = f"import:{record.filename}"
    # another organisation's question is never this file's, whatever its source says (nor named)
    sources = {key: source if organisation_id in (owner, None) else "a question elsewhere"
               for key, source, organisation_id in db.session.execute(select(Item.key, Item.source, Item.organisation_id))}
    renamed = []
    for item in list(result.items):
        source = sources.get(item.id)
        if source is None or source == own:
            continue
        if source == EDITOR_SOURCE:
            result.problems.append(engine.Problem(record.filename, item.id, "id", "was changed in the browser since "
                                                  "it was imported; the browser's version is kept (edit it there)"))
            result.items.remove(item)
            continue
        n = 2
        while sources.get(f"{item.id}-{n}") not in (None, own) or f"{item.id}-{n}" in {i.id for i in result.items}:
            n += 1
        new_id = f"{item.id}-{n}"[:64]
        renamed.append((item, replace(item, id=new_id)))
        result.renamed[new_id] = (item.id, source)
    for old, new in renamed:
        result.items[result.items.index(old)] = new
        if old.id in result.categories:
            result.categories[new.id] = result.categories.pop(old.id)


def retired_by(record: ContentImport, result: ImportResult) -> list[Item]:
    """Questions an earlier import of this file name put in the bank that the new file no longer has
    (and that are not left out only for a problem): confirming retires them, as Moodle's re-import
    of a category would. Past attempts keep grading them."""
    from quizzes.importers import slug

    left_out = {p.item_id for p in result.problems if p.item_id}  # a question's name, or its id
    kept = {i.id for i in result.items} | left_out | {slug(name, "") for name in left_out}
    return list(db.session.scalars(select(Item).where(Item.source == f"import:{record.filename}",
                                                      Item.organisation_id == import_owner(record),
                                                      Item.active.is_(True), Item.key.not_in(kept))
                                   .order_by(Item.key)))


def import_limit(fmt: str) -> int:
    """The largest file one import of this format takes (Moodle XML carries its pictures inside)."""
    return MAX_XML_BYTES if fmt == "moodle_xml" else MAX_IMPORT_BYTES


def start_import(user: User, filename: str, data: bytes, fmt: str, default_skills: list[str]) -> ContentImport:
    if fmt not in IMPORT_FORMATS:
        raise ValidationFailed("Choose GIFT or Moodle XML.", field="format")
    if not data:
        raise ValidationFailed("The file is empty.", field="file")
    limit = import_limit(fmt)
    if len(data) > limit:  # refused before anything is stored
        raise ValidationFailed(f"The file is larger than {limit // (1024 * 1024)} MiB, the limit for one import of this "
                               "format; nothing was stored. Split it into smaller files and import each.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The file is not UTF-8 text. Export it again as UTF-8.", field="file") from None
    if fmt == "moodle_xml" and not text.lstrip().startswith("<"):
        raise ValidationFailed("This does not look like a Moodle XML file.", field="file")
    unknown = set(default_skills) - skill_slugs(user.organisation_id)
    if unknown:
        raise ValidationFailed(f"Unknown skills: {', '.join(sorted(unknown))}.", field="default_skills")
    record = ContentImport(user_id=user.id, filename=Path(filename or "upload").name[:255], format=fmt,
                           content=text, default_skills=list(default_skills), status="preview")
    db.session.add(record)
    from app.services import assets, audit

    assets.store(parse_import(record).assets.values())  # so the preview shows the pictures
    db.session.commit()
    audit.record("content.import_uploaded", target=record.filename, detail={"format": fmt, "id": record.id}, actor=user)
    return record


def get_import(import_id: int, organisation_id: int) -> ContentImport:
    """An upload made by someone in this organisation (another organisation's file is not found)."""
    record = db.session.get(ContentImport, import_id)
    if record is None or db.session.get(User, record.user_id).organisation_id != organisation_id:
        raise NotFound("No such import.")
    return record


def confirm_import(record: ContentImport) -> LoadSummary:
    """Apply the previewed import: valid questions are added; reported ones are left out."""
    if record.status != "preview":
        raise ValidationFailed("This import was already confirmed or cancelled.")
    result = parse_import(record)
    retired = retired_by(record, result)
    from app.services import assets

    assets.store(result.assets.values())
    summary = upsert_items(result.items, source_of=lambda item: f"import:{record.filename}",
                           organisation_id=import_owner(record))
    for row in retired:
        row.active = False
    summary.deactivated = len(retired)
    summary.problems = result.problems
    record.status, record.confirmed_at = "confirmed", utcnow()
    record.imported_count = summary.created + summary.updated + summary.unchanged
    db.session.commit()
    from app.services import audit

    audit.record("content.import_confirmed", target=record.filename,
                 detail={"created": summary.created, "updated": summary.updated, "left_out": len(summary.problems),
                         "retired": summary.deactivated})
    return summary


def earlier_of_same_name(record: ContentImport) -> ContentImport | None:
    """The last confirmed import of a file with this name, if any (shown before confirming: this
    upload either is a new version of it or a different file that happens to share its name)."""
    return db.session.scalar(select(ContentImport).join(User, User.id == ContentImport.user_id).where(
        ContentImport.filename == record.filename, ContentImport.status == "confirmed", ContentImport.id != record.id,
        User.organisation_id == import_owner(record)).order_by(ContentImport.confirmed_at.desc()).limit(1))


def import_separately(record: ContentImport) -> str:
    """Treat the upload as a different file from the earlier one of the same name: it takes the first
    free name `name (2).gift`, so its questions sit beside the earlier file's and retire none of them."""
    if record.status != "preview":
        raise ValidationFailed("This import was already confirmed or cancelled.")
    stem, dot, ext = record.filename.rpartition(".")
    stem, ext = (stem, dot + ext) if dot else (ext, "")
    owner = import_owner(record)
    taken = set(db.session.scalars(select(ContentImport.filename).join(User, User.id == ContentImport.user_id)
                                   .where(User.organisation_id == owner))) | {
        source.removeprefix("import:") for source in db.session.scalars(
            select(Item.source).where(Item.organisation_id == owner).distinct())}
    n = 2
    while f"{stem} ({n}){ext}" in taken:
        n += 1
    before, record.filename = record.filename, f"{stem} ({n}){ext}"[:255]
    db.session.commit()
    from app.services import audit

    audit.record("content.import_renamed", target=record.filename, detail={"before": before, "after": record.filename})
    return record.filename


def cancel_import(record: ContentImport) -> None:
    if record.status == "preview":
        record.status = "cancelled"
        db.session.commit()
