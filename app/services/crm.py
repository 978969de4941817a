"""Evidence from the real CRM: import its exports (staged for a preview, then confirmed or discarded),
link its users to people, and turn behaviour into monthly indicators that enter the skill model as
evidence of their own kind (`crm_evidence`).

An import streams the file (`app.crm.formats`) in batches: events go into `crm_event` unconfirmed,
records into `crm_staged_record`; nothing counts until it is confirmed. Events already imported (the
same key) are counted as known and stored once. Rows of users Uptake cannot match are kept and
reported; linking the user later counts them at once.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from app.crm import formats
from app.extensions import db
from app.models import CrmEvent, CrmImport, CrmRecord, CrmStagedRecord, CrmUser, Organisation, User
from app.models.types import utcnow
from app.services import audit, crm_evidence
from app.services.errors import NotFound, ValidationFailed
from app.services.people import normalise_email
from app.services.sql import insert_for

BATCH = 2_000
PROBLEMS_KEPT = 20


@dataclass
class _Staging:
    org_id: int
    run: CrmImport
    events: list
    records: list
    users: dict  # crm user → {"email", "name", "events"}
    problems: list
    first: datetime | None = None
    last: datetime | None = None


def _flush(st: _Staging) -> None:
    if st.events:
        unique = {e.key: e for e in st.events}  # the same event twice in one file is one event
        known = set()
        keys = list(unique)
        for start in range(0, len(keys), 500):
            known |= set(db.session.scalars(select(CrmEvent.key).where(
                CrmEvent.organisation_id == st.org_id, CrmEvent.key.in_(keys[start:start + 500]))))
        fresh = [e for k, e in unique.items() if k not in known]
        st.run.events_known += len(st.events) - len(fresh)
        st.run.events_new += len(fresh)
        if fresh:  # one statement compiled once and executed for many rows (not a VALUES list per batch)
            db.session.connection().execute(insert_for(CrmEvent).on_conflict_do_nothing(), [
                {"organisation_id": st.org_id, "import_id": st.run.id, "confirmed": False, "key": e.key,
                 "kind": e.kind, "occurred_at": e.occurred_at, "crm_user": e.user[:128],
                 "object_type": e.object_type[:64], "record_id": e.record_id[:64], "field": e.field[:64],
                 "old_value": e.old_value[:255], "new_value": e.new_value[:255]} for e in fresh])
        st.events.clear()
    if st.records:
        db.session.connection().execute(insert_for(CrmStagedRecord), [
            {"import_id": st.run.id, "object_type": r.object_type, "record_id": r.record_id[:64],
             "owner": r.owner[:128], "created_by": r.created_by[:128], "created_at": r.created_at,
             "fields": r.fields} for r in st.records])
        st.run.records += len(st.records)
        st.records.clear()


def stage(actor: User | None, org_id: int, stream: io.BufferedIOBase, filename: str = "",
          object_type: str = "") -> CrmImport:
    """Read a CRM export into a staged import (a preview): counts, users with their matches, problems.
    Raises ValidationFailed when the file is not one Uptake reads; a pending preview of the same
    organisation is discarded first (one preview at a time)."""
    for pending in db.session.scalars(select(CrmImport).where(CrmImport.organisation_id == org_id,
                                                               CrmImport.status == "staged")):
        _drop_staged(pending)
    text = formats.open_text(stream)
    try:
        return _stage(actor, org_id, text, filename, object_type)
    finally:
        text.detach()  # the caller owns the stream and closes it


def _stage(actor, org_id, text, filename, object_type) -> CrmImport:
    try:
        reader = formats.Reader(text, object_type)
    except formats.FormatError as error:
        raise ValidationFailed(str(error), field="file") from None
    except UnicodeDecodeError:
        raise ValidationFailed("The file is not UTF-8 text. Export it as CSV (UTF-8).", field="file") from None
    run = CrmImport(organisation_id=org_id, actor_id=actor.id if actor else None, filename=filename[:255],
                    format=reader.header.format, object_type=reader.header.object_type, status="staged", rows=0,
                    events_new=0, events_known=0, records=0, problem_count=0, summary={})
    db.session.add(run)
    db.session.flush()
    st = _Staging(org_id, run, [], [], {}, [])
    try:
        for _, item in reader:
            if isinstance(item, formats.Event):
                st.events.append(item)
                user = st.users.setdefault(item.user, {"email": "", "name": "", "events": 0})
                user["events"] += 1
                st.first = item.occurred_at if st.first is None else min(st.first, item.occurred_at)
                st.last = item.occurred_at if st.last is None else max(st.last, item.occurred_at)
            elif isinstance(item, formats.Record):
                st.records.append(item)
                st.users.setdefault(item.owner, {"email": "", "name": "", "events": 0}) if item.owner else None
            elif isinstance(item, formats.CrmUser):
                user = st.users.setdefault(item.user, {"email": "", "name": "", "events": 0})
                user["email"] = user["email"] or item.email
                user["name"] = user["name"] or item.name
            else:
                run.problem_count += 1
                if len(st.problems) < PROBLEMS_KEPT:
                    st.problems.append(item.message)
            if len(st.events) + len(st.records) >= BATCH:
                _flush(st)
    except UnicodeDecodeError:
        db.session.rollback()
        raise ValidationFailed("The file is not UTF-8 text past its first lines. Export it as CSV (UTF-8).",
                               field="file") from None
    except OSError as error:  # a broken upload: keep nothing of it
        db.session.rollback()
        raise ValidationFailed(f"The file could not be read to its end ({error}).", field="file") from None
    _flush(st)
    run.rows, run.first_at, run.last_at = reader.rows, st.first, st.last
    run.summary = {"users": _matches(org_id, st.users), "skipped": reader.skipped, "problems": st.problems}
    db.session.commit()
    return run


def _matches(org_id: int, seen: dict) -> list[dict]:
    """Each CRM user the file names: their events in it and the person they are (an admin's link,
    else the same email), most events first."""
    links = {u.crm_user: u for u in db.session.scalars(select(CrmUser).where(
        CrmUser.organisation_id == org_id, CrmUser.crm_user.in_(list(seen))))} if seen else {}
    emails = {normalise_email(v["email"]) for v in seen.values() if v["email"]} | {
        normalise_email(u.email) for u in links.values() if u.email}
    people = {normalise_email(u.email): u for u in db.session.scalars(select(User).where(
        User.organisation_id == org_id, func.lower(User.email).in_(list(emails))))} if emails else {}
    linked = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_([link.user_id for link in links.values() if link.user_id])))} if links else {}
    rows = []
    for crm_user, v in seen.items():
        link = links.get(crm_user)
        email = v["email"] or (link.email if link else "")
        person = (linked.get(link.user_id) if link and link.user_id else None) or (
            None if link and link.matched_by == "admin" else people.get(normalise_email(email)) if email else None)
        rows.append({"crm_user": crm_user, "email": email, "name": v["name"], "events": v["events"],
                     "person_id": person.id if person else None, "person": person.name if person else "",
                     "ignored": bool(link and link.ignored)})
    rows.sort(key=lambda r: (r["person_id"] is not None, -r["events"], r["crm_user"]))
    return rows


def get_import(org_id: int, import_id: int) -> CrmImport:
    run = db.session.get(CrmImport, import_id)
    if run is None or run.organisation_id != org_id:
        raise NotFound("No such import.")
    return run


def _drop_staged(run: CrmImport) -> None:
    db.session.execute(delete(CrmEvent).where(CrmEvent.import_id == run.id, CrmEvent.confirmed.is_(False)))
    db.session.execute(delete(CrmStagedRecord).where(CrmStagedRecord.import_id == run.id))
    run.status, run.finished_at = "discarded", utcnow()


def discard(actor: User, org_id: int, import_id: int) -> CrmImport:
    run = get_import(org_id, import_id)
    if run.status != "staged":
        raise ValidationFailed("This import is no longer waiting for confirmation.")
    _drop_staged(run)
    db.session.commit()
    return run


def confirm(actor: User | None, org_id: int, import_id: int, recompute_now: bool = True) -> dict:
    """Count a staged import: its events and records, its users (linked by email where an admin has not
    linked them), then recompute the organisation's indicators and the verdicts they move (a caller
    importing several files at once may pass `recompute_now=False` and call `recompute` after the last)."""
    run = get_import(org_id, import_id)
    if run.status != "staged":
        raise ValidationFailed("This import has already been confirmed or discarded; upload the file again.")
    db.session.execute(update(CrmEvent).where(CrmEvent.import_id == run.id).values(confirmed=True))
    now = utcnow()
    last = 0
    while True:  # in batches by id, so a file of millions of records never sits in memory
        chunk = db.session.scalars(select(CrmStagedRecord).where(CrmStagedRecord.import_id == run.id,
                                                                 CrmStagedRecord.id > last)
                                   .order_by(CrmStagedRecord.id).limit(BATCH)).all()
        if not chunk:
            break
        last = chunk[-1].id
        batch = {(r.object_type, r.record_id): {  # a record twice in the file: its later row wins
            "organisation_id": org_id, "object_type": r.object_type, "record_id": r.record_id, "owner": r.owner,
            "created_by": r.created_by, "created_at": r.created_at, "fields": r.fields, "updated_at": now}
            for r in chunk}
        stmt = insert_for(CrmRecord).values(list(batch.values()))
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=["organisation_id", "object_type", "record_id"],
            set_={c: stmt.excluded[c] for c in ("owner", "created_by", "created_at", "fields", "updated_at")}))

    db.session.execute(delete(CrmStagedRecord).where(CrmStagedRecord.import_id == run.id))
    _remember_users(org_id, run.summary.get("users", []))
    run.status, run.finished_at = "done", now
    db.session.commit()
    changed = crm_evidence.recompute(org_id) if recompute_now else set()
    audit.record("crm.import", target=run.filename or run.format, actor=actor, organisation_id=org_id,
                 detail={"format": run.format, "object": run.object_type, "new": run.events_new,
                         "known": run.events_known, "records": run.records, "people_moved": len(changed)})
    return {"import": run, "people": len(changed)}


def _remember_users(org_id: int, seen: list[dict]) -> None:
    links = {u.crm_user: u for u in db.session.scalars(select(CrmUser).where(CrmUser.organisation_id == org_id))}
    for row in seen:
        link = links.get(row["crm_user"])
        if link is None:
            link = CrmUser(organisation_id=org_id, crm_user=row["crm_user"][:128], email="", name="", matched_by="")
            db.session.add(link)
            links[row["crm_user"]] = link
        link.email = link.email or row["email"][:254]
        link.name = link.name or row["name"][:120]
        if link.matched_by != "admin" and row["person_id"] is not None:
            link.user_id, link.matched_by = row["person_id"], "email"


def new_ingest_token(actor: User, org_id: int) -> str:
    """Issue the organisation's ingest token (replacing any earlier one, which stops working) and
    return it: it is shown once, and only its SHA-256 is kept."""
    token = "crm_" + secrets.token_urlsafe(32)
    organisation = db.session.get(Organisation, org_id)
    organisation.crm_token_sha256 = hashlib.sha256(token.encode()).hexdigest()
    db.session.commit()
    audit.record("crm.token", target=organisation.name, actor=actor)
    return token


def organisation_for_token(token: str) -> int | None:
    """The organisation a bearer token belongs to, or None."""
    if not token.startswith("crm_") or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return db.session.scalar(select(Organisation.id).where(Organisation.crm_token_sha256 == digest))


def link_user(actor: User, org_id: int, crm_user_id: int, person_id: int | None, ignore: bool = False) -> CrmUser:
    """An admin says who a CRM user is (or that they are nobody to measure, e.g. an integration user)."""
    link = db.session.get(CrmUser, crm_user_id)
    if link is None or link.organisation_id != org_id:
        raise NotFound("No such CRM user.")
    person = None
    if person_id is not None:
        person = db.session.get(User, person_id)
        if person is None or person.organisation_id != org_id:
            raise ValidationFailed("Choose a person of your organisation.", field="person")
    link.user_id, link.ignored = (None if ignore else person_id), ignore
    link.matched_by = "admin"
    db.session.commit()
    crm_evidence.recompute(org_id)
    audit.record("crm.link", target=link.crm_user, actor=actor,
                 detail={"person": person.email if person else None, "ignored": ignore})
    return link


def users(org_id: int, unmatched_only: bool = False) -> list[tuple[CrmUser, int]]:
    """The organisation's CRM users with their confirmed event counts, unmatched first."""
    counts = dict(db.session.execute(select(CrmEvent.crm_user, func.count()).where(
        CrmEvent.organisation_id == org_id, CrmEvent.confirmed.is_(True)).group_by(CrmEvent.crm_user)).all())
    query = select(CrmUser).where(CrmUser.organisation_id == org_id)
    if unmatched_only:
        query = query.where(CrmUser.user_id.is_(None), CrmUser.ignored.is_(False))
    found = list(db.session.scalars(query))
    found.sort(key=lambda u: (u.user_id is not None or u.ignored, -counts.get(u.crm_user, 0), u.crm_user))
    return [(u, counts.get(u.crm_user, 0)) for u in found]
