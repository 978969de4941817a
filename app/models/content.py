"""Content: quiz items (with their item→skill map), quizzes and content imports."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.people import Skill
from app.models.types import UTCDateTime, utcnow

item_skills = Table(
    "item_skill",
    db.Model.metadata,
    Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", Integer, ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)


class Item(db.Model):
    """One question as the bank gives it now. `key` is the stable id from the content file, so
    responses stay attached when the bank is reloaded; `data` holds the type's own fields, including
    the answer. `version` is the number of the published version held here (0: a draft never
    published); every published version is also kept in `item_version`."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    stem: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(String(16), default="medium")
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(255), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # None: shipped with Uptake, shared by every organisation and changed only by the content files;
    # otherwise the organisation that wrote, imported or copied it, and the only one that sees it
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # an organisation's copy of a shipped question: once published it takes that question's place
    # in the organisation's bank and its tests
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))

    # loaded with the items in one extra query (engine items need them: no query per item)
    skills: Mapped[list[Skill]] = relationship(secondary=item_skills, order_by="Skill.slug", lazy="selectin")

    @property
    def skill_slugs(self) -> tuple[str, ...]:
        return tuple(s.slug for s in self.skills)


class ItemAsset(db.Model):
    """A picture a question's formatted text shows (`<img src="asset:<sha256>">`), stored once by
    the SHA-256 of its bytes and never changed, so every version of every question that shows it
    keeps showing it."""

    __tablename__ = "item_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemVersion(db.Model):
    """One version of a question: the draft being written (status 'draft', no number yet) or a
    version that was published (numbered 1, 2, …). An attempt records the numbers it was given
    (`Attempt.item_versions`) and keeps grading and showing those after later versions."""

    __tablename__ = "item_version"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | published
    type: Mapped[str] = mapped_column(String(32))
    stem: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(String(16), default="medium")
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship()


class Quiz(db.Model):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str | None] = mapped_column(String(120))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: shipped with Uptake, shared by every organisation and changed only by the content files;
    # otherwise the organisation that wrote, imported or copied it, and the only one that sees it
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # an organisation's copy of a shipped test, which its trainees get in that test's place
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))


class ContentImport(db.Model):
    """An uploaded GIFT or Moodle XML file, kept from preview to confirmation (and for audit)."""

    __tablename__ = "content_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    default_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="preview")  # preview | confirmed | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_count: Mapped[int] = mapped_column(Integer, default=0)


class LessonText(db.Model):
    """A lesson (by its file name in curriculum/lessons) as one organisation rewrote it in the browser;
    it replaces the shipped file for that organisation's modules that use the lesson until it is reset."""

    __tablename__ = "lesson_text"
    __table_args__ = (UniqueConstraint("organisation_id", "lesson"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    lesson: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScenarioText(db.Model):
    """An exercise (sandbox scenario) as one organisation tailored it in the browser: its whole mapping
    in the scenario files' shape, played in the sandbox before it was kept; it replaces the shipped one
    for that organisation until reset."""

    __tablename__ = "scenario_text"
    __table_args__ = (UniqueConstraint("organisation_id", "scenario_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    scenario_id: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
