"""The outbox: every message Uptake sends is a row first, written in the same transaction as the
change that causes it, then delivered by the background worker (app.services.messages)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # activation, …
    # one message per cause: queueing the same key again adds nothing
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # an iCalendar invitation (METHOD:REQUEST) sent as a text/calendar part, or None
    calendar: Mapped[str | None] = mapped_column(Text)
    # a PNG the HTML part shows inline as cid:image@uptake (the digest's heatmap), or None
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the Message-ID header, fixed when queued: a retry after a crash carries the same one
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # while a worker sends it
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
