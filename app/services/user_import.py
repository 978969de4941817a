"""Bulk user import from CSV: a preview with a problem per row, then all rows or none.

Columns: email, name, role (trainee | trainer | admin), business_unit, job_role, and for trainers
an optional trainer_units (unit names separated by ';'). Imported people get a one-time activation
link to set their own password; no password ever travels in a spreadsheet.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ROLES, BusinessUnit, Invitation, JobRole, User
from app.models.people import UNUSABLE_PASSWORD
from app.models.types import utcnow
from app.services import audit
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.people import normalise_email
from app.services.text import one_line

REQUIRED = ("email", "name", "role")
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
INVITATION_DAYS = 14
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


@dataclass
class Row:
    line: int
    values: dict
    problems: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.problems for r in self.rows)

    @property
    def problem_count(self) -> int:
        return sum(len(r.problems) for r in self.rows)


def looks_like_formula(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: it starts with = + - @ (or a tab or CR before one), unless
    it is a plain number such as -5 or +44. "=1+HYPERLINK(…)" and "-2+3+cmd|…" are formulas."""
    text = cell.lstrip("\t\r ")
    return text[:1] in ("=", "+", "-", "@") and not NUMBER.fullmatch(text)


def parse(data: bytes, organisation_id: int) -> Preview:
    if len(data) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 2 MiB.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The file is not UTF-8 text. Save it as “CSV UTF-8”.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ValidationFailed(f"The first row must name the columns; missing: {', '.join(missing)}.", field="file")
    units = {u.name.lower(): u for u in db.session.scalars(select(BusinessUnit).where(BusinessUnit.organisation_id == organisation_id))}
    roles = {r.name.lower(): r for r in db.session.scalars(select(JobRole).where(JobRole.organisation_id == organisation_id))}
    existing = set(db.session.scalars(select(func.lower(User.email))))
    in_org = set(db.session.scalars(select(func.lower(User.email)).where(User.organisation_id == organisation_id,
                                                                           User.active.is_(True))))
    rows, seen = [], {}
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(f"At most {MAX_ROWS} people per file.", field="file")
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        row = Row(number, values)
        if not any(values.values()):
            continue
        try:
            values["email"] = normalise_email(values.get("email", ""))
        except ValidationFailed as error:
            row.problems.append(error.message)
        email = values.get("email", "").lower()
        if email in existing:
            row.problems.append("A user with this email already exists.")
        if email and email in seen:
            row.problems.append(f"The same email is on line {seen[email]}.")
        seen.setdefault(email, number)
        try:
            values["name"] = one_line(values.get("name"))
        except ValidationFailed as error:
            row.problems.append(error.message)
        role = values.get("role", "").lower()
        if role not in ROLES:
            row.problems.append("Role must be trainee, trainer or admin.")
        unit, job_role = values.get("business_unit", ""), values.get("job_role", "")
        if unit and unit.lower() not in units:
            row.problems.append(f"Unknown business unit “{unit}”.")
        if job_role and job_role.lower() not in roles:
            row.problems.append(f"Unknown job role “{job_role}”.")
        if role == "trainee" and not (unit and job_role):
            row.problems.append("A trainee needs a business unit and a job role.")
        for name in filter(None, (n.strip() for n in values.get("trainer_units", "").split(";"))):
            if name.lower() not in units:
                row.problems.append(f"Unknown business unit “{name}” in trainer_units.")
        if any(looks_like_formula(cell) for cell in values.values()):
            row.problems.append("Cells may not start with =, +, - or @ (a spreadsheet would run them as formulas).")
        rows.append(row)
    in_file = {r.values.get("email", "").lower() for r in rows}
    for row in rows:  # a line manager already in Uptake, or anywhere in the same file
        manager = row.values.get("manager_email", "").strip().lower()
        if manager and manager == row.values.get("email", "").lower():
            row.problems.append("A person cannot be their own line manager.")
        elif manager and manager not in in_org and manager not in in_file:
            row.problems.append(f"The line manager {manager} is neither in your organisation nor in this file.")
    return Preview(rows)


def apply(actor: User, data: bytes, base_url: str) -> list[tuple[User, str]]:
    """Create every user in one transaction (or none) and return their activation links."""
    preview = parse(data, actor.organisation_id)
    if not preview.ok:
        raise ValidationFailed("The file still has problems; nothing was imported.")
    units = {u.name.lower(): u for u in db.session.scalars(select(BusinessUnit).where(BusinessUnit.organisation_id == actor.organisation_id))}
    roles = {r.name.lower(): r for r in db.session.scalars(select(JobRole).where(JobRole.organisation_id == actor.organisation_id))}
    links = []
    try:
        for row in preview.rows:
            v = row.values
            user = User(organisation_id=actor.organisation_id, email=v["email"].lower(), name=v["name"],
                        role=v["role"].lower(), password_hash=UNUSABLE_PASSWORD, active=True, session_version=1,
                        business_unit=units.get(v.get("business_unit", "").lower()),
                        job_role=roles.get(v.get("job_role", "").lower()))
            if user.role == "trainer":
                user.trained_units = [units[n.strip().lower()] for n in v.get("trainer_units", "").split(";") if n.strip()]
            db.session.add(user)
            db.session.flush()
            links.append((user, _invite_and_mail(user, base_url)))
        for user, row in zip((u for u, _ in links), preview.rows):  # now everyone in the file exists
            manager = row.values.get("manager_email", "").strip().lower()
            if manager:
                user.manager_id = db.session.scalar(select(User.id).where(func.lower(User.email) == manager))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    audit.record("user.imported", target=f"{len(links)} users", actor=actor)
    return links


def _invite_and_mail(user: User, base_url: str) -> str:
    """A new one-time activation link for `user`, mailed to them in the caller's transaction (the
    message leaves with the worker once the transaction commits); the link is returned too."""
    from app.services.messages import queue_activation

    token = secrets.token_urlsafe(32)
    invitation = Invitation(user_id=user.id, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                            expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    link = base_url.rstrip("/") + "/auth/activate/" + token
    queue_activation(user, link, invitation.expires_at, invitation.id)
    return link


def reissue_invitation(actor: User, user: User, base_url: str) -> str:
    """A new activation link for someone who has not activated yet (the old one was lost or expired);
    every earlier link of theirs stops working at once."""
    if user.organisation_id != actor.organisation_id:
        raise NotFound("No such user.")
    if not user.awaiting_activation:
        raise ValidationFailed(f"{user.name} has already activated their account; they sign in with their password.")
    if not user.active:
        raise ValidationFailed(f"{user.name} is deactivated; reactivate them first.")
    now = utcnow()
    for old in db.session.scalars(select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None),
                                                           Invitation.purpose == "activation", Invitation.expires_at > now)):
        old.expires_at = now
    link = _invite_and_mail(user, base_url)
    db.session.commit()
    audit.record("user.invitation_reissued", target=user.email, actor=actor)
    return link


def one_time_link(token: str, purpose: str, refusal: str) -> Invitation:
    """The unused, unexpired link of this purpose (activation or reset) with this token, else NotFound."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == hashlib.sha256(token.encode()).hexdigest(), Invitation.purpose == purpose))
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        raise NotFound(refusal)
    return invitation


def set_password_from(invitation: Invitation, password: str, action: str) -> User:
    """Use a one-time link: the new password, every earlier session signed out, the link spent, audited."""
    from app.services.auth import end_all_sessions
    from app.services.passwords import check_new_password, hash_password

    check_new_password(password)
    user = db.session.get(User, invitation.user_id)
    if not user.active:
        raise NotFound("This account is deactivated; ask your Uptake admin.")
    from app.services.sso import password_allowed

    if not password_allowed(user):
        raise Conflict("Your organisation signs in through single sign-on, so Uptake keeps no password for you: "
                       "use the single sign-on button on the sign-in page.")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    invitation.used_at = utcnow()
    db.session.commit()
    audit.record(action, target=user.email, actor=user)
    return user


def invitation_for(token: str) -> Invitation:
    return one_time_link(token, "activation", "This activation link is not valid (it may have been used or have expired).")


def activate(token: str, password: str) -> User:
    return set_password_from(invitation_for(token), password, "user.activated_account")
