"""Messages to people: queued in the outbox with the change that causes them, delivered by the
background worker, retried with back-off, never sent twice for one cause.

Queueing never talks to a mail server, so a request never waits for one. `deliver_due` (the
worker's `send-messages` job) claims each due message with one conditional UPDATE, so of several
workers exactly one sends it; a worker that dies mid-send leaves the claim to run out and the
message is tried again with the same Message-ID header (so a receiving server that saw the first
try can drop the copy). A failed try waits 1, 2, 4, … minutes; after `MAX_ATTEMPTS` the message
is marked failed with the last reason, which admins read at Admin → Messages.
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.models import Message, Organisation, User
from app.models.messages import FAILED, QUEUED, SENDING, SENT
from app.models.types import utcnow
from app.services.sql import insert_for

MAX_ATTEMPTS = 6
CLAIM = timedelta(minutes=5)  # longer than one send can take; a crashed sender frees it after this
BATCH = 100


class DeliveryError(Exception):
    """The transport could not hand the message over (the reason is kept on the message)."""


def sender_of(organisation: Organisation) -> str:
    return organisation.sender_address or current_app.config.get("MAIL_DEFAULT_SENDER", "uptake@localhost")


def queue(organisation: Organisation, kind: str, recipient: str, subject: str, template: str,
          dedup_key: str, calendar: str | None = None, image: bytes | None = None, **context) -> bool:
    """Add a message to the outbox in the caller's transaction (the caller commits). The text and
    HTML parts are `mail/<template>.txt` and `.html`; queueing the same `dedup_key` again adds
    nothing (and returns False)."""
    context = {"organisation": organisation, **context}
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    sender = sender_of(organisation)
    domain = sender.rpartition("@")[2] or "localhost"
    return db.session.execute(insert_for(Message).values(
        organisation_id=organisation.id, kind=kind, dedup_key=dedup_key[:160], sender=sender, recipient=recipient,
        subject=subject[:255], text_body=text, html_body=html, calendar=calendar, image=image, message_id=make_msgid(domain=domain),
        status=QUEUED, attempts=0, next_attempt_at=utcnow(), last_error="", created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(Message.id)).scalar() is not None


def local_time(organisation: Organisation, moment: datetime) -> str:
    """A moment as people of the organisation read it: in its time zone, with the zone named."""
    zone = organisation.time_zone or "UTC"
    return f"{moment.astimezone(ZoneInfo(zone)):%A %d %B %Y, %H:%M} ({zone})"


def queue_activation(user: User, link: str, expires_at: datetime, invitation_id: int) -> bool:
    organisation = db.session.get(Organisation, user.organisation_id)
    return queue(organisation, "activation", user.email, f"Activate your Uptake account at {organisation.name}",
          "activation", f"activation:{invitation_id}", person=user, link=link,
          expires=local_time(organisation, expires_at))


IMAGE_CID = "image@uptake"


def email_of(message: Message) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = message.sender, message.recipient, message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if message.image:  # shown in the HTML part as <img src="cid:image@uptake">
        email.get_payload()[1].add_related(message.image, "image", "png", cid=f"<{IMAGE_CID}>",
                                           filename="heatmap.png", disposition="inline")
    if message.calendar:  # a calendar client shows it as an invitation with accept / decline, or removes it
        method = "CANCEL" if "\nMETHOD:CANCEL" in message.calendar.replace("\r\n", "\n") else "REQUEST"
        email.add_alternative(message.calendar, subtype="calendar", params={"method": method})
    return email


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def _write_to_folder(message: Message, email: EmailMessage) -> None:
    folder = mail_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message.id:08d}.eml").write_bytes(bytes(email))
    except OSError as error:
        raise DeliveryError(f"cannot write to {folder}: {error}") from None


def transport_name() -> str:
    return "smtp" if current_app.config.get("SMTP_HOST") else "folder"


def _deliver(message: Message) -> None:
    email = email_of(message)
    if transport_name() == "smtp":
        _send_smtp(email)
    else:
        _write_to_folder(message, email)


def _claim(message_id: int, now: datetime) -> bool:
    """Take one message for sending: due and queued, or claimed by a sender whose claim ran out."""
    won = db.session.execute(
        update(Message).where(Message.id == message_id, or_(
            and_(Message.status == QUEUED, Message.next_attempt_at <= now),
            and_(Message.status == SENDING, Message.claimed_until < now)))
        .values(status=SENDING, claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return won == 1


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send what is due (oldest first); counts of sent, retried later and failed for good."""
    now = now or utcnow()
    due = db.session.scalars(select(Message.id).where(or_(
        and_(Message.status == QUEUED, Message.next_attempt_at <= now),
        and_(Message.status == SENDING, Message.claimed_until < now))).order_by(Message.id).limit(limit)).all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message_id in due:
        if not _claim(message_id, now):
            continue  # another worker has it
        message = db.session.get(Message, message_id)
        try:
            _deliver(message)
        except Exception as error:  # any failure is a failed try, so a message that cannot go ends as failed
            message.attempts += 1
            message.last_error = (str(error) if isinstance(error, DeliveryError)
                                  else f"{type(error).__name__}: {error}")[:2000]
            message.claimed_until = None
            if message.attempts >= MAX_ATTEMPTS:
                message.status = FAILED
                counts["failed"] += 1
            else:
                message.status = QUEUED
                message.next_attempt_at = now + timedelta(minutes=2 ** (message.attempts - 1))
                counts["retry"] += 1
        else:
            message.attempts += 1
            message.status, message.sent_at, message.claimed_until, message.last_error = SENT, utcnow(), None, ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def list_messages(organisation_id: int, status: str | None = None, page: int = 1,
                  per_page: int = 50) -> tuple[list[Message], int]:
    mine = Message.organisation_id == organisation_id
    stmt, count = select(Message).where(mine), select(func.count(Message.id)).where(mine)
    if status:
        stmt, count = stmt.where(Message.status == status), count.where(Message.status == status)
    rows = db.session.scalars(stmt.order_by(Message.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), db.session.scalar(count) or 0


def recent_for(user: User, days: int = 30, limit: int = 5) -> list[Message]:
    """The newest messages to this person (any status): what their home shows as notifications."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(select(Message).where(
        Message.organisation_id == user.organisation_id, Message.recipient == user.email,
        Message.created_at >= since).order_by(Message.id.desc()).limit(limit)))


def retry_now(organisation_id: int, message_id: int) -> Message:
    """An admin sends a failed message again (it gets a fresh set of tries)."""
    from app.services.errors import NotFound, ValidationFailed

    message = db.session.get(Message, message_id)
    if message is None or message.organisation_id != organisation_id:
        raise NotFound("No such message.")
    if message.status != FAILED:
        raise ValidationFailed("Only a message that failed can be sent again.")
    message.status, message.attempts, message.next_attempt_at = QUEUED, 0, utcnow()
    db.session.commit()
    return message
