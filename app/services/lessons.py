"""Lessons rewritten in the browser: a trainer's text replaces the shipped Markdown file for every
module of their organisation that uses it (until reset; other organisations keep theirs), goes through the same sanitiser and sandbox figures, and every
change is audited with the text before and after."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import LessonText, User
from app.models.types import utcnow
from app.services import audit
from app.services.errors import NotFound, ValidationFailed
from app.skills.curriculum import Module, lesson_text

MAX_LESSON_CHARS = 60_000


def shipped_text(module: Module) -> str:
    return lesson_text(module)


def edited(lesson: str, organisation_id: int | None) -> LessonText | None:
    return db.session.scalar(select(LessonText).where(LessonText.lesson == lesson,
                                                      LessonText.organisation_id == organisation_id))


def text_of(module: Module, organisation_id: int | None) -> str:
    """The lesson as the organisation's trainees read it now: its rewrite if it has one, else the file."""
    row = edited(module.lesson, organisation_id) if module.lesson else None
    return row.text if row is not None else shipped_text(module)


def lesson_modules() -> list[Module]:
    from app.services.training import catalogue

    return sorted((m for m in catalogue().values() if m.lesson), key=lambda m: m.title)


def module_for(module_id: str) -> Module:
    from app.services.training import catalogue

    module = catalogue().get(module_id)
    if module is None or not module.lesson:
        raise NotFound("No such lesson.")
    return module


def preview(text: str, organisation_id: int | None) -> str:
    """The text as trainees will see it (sanitised HTML with its figures); ValidationFailed with the
    reason when a sandbox figure in it cannot be drawn."""
    from app.services.lesson_figures import FigureError
    from app.services.training import render_markdown

    try:
        return render_markdown(text, organisation_id)
    except (FigureError, KeyError, ValueError, TypeError) as error:  # a figure's spec names what is not there
        reason = error.args[0] if isinstance(error, FigureError) else f"unknown name {error}"
        raise ValidationFailed(f"A sandbox figure cannot be drawn: {reason}.", field="text") from None


def save(user: User, module_id: str, text: str) -> LessonText:
    module = module_for(module_id)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("The lesson is empty. Write it, or reset it to the shipped lesson.", field="text")
    if len(text) > MAX_LESSON_CHARS:
        raise ValidationFailed(f"The lesson is longer than {MAX_LESSON_CHARS:,} characters; split it into two "
                               "lessons.", field="text")
    if "\x00" in text:
        raise ValidationFailed("The lesson contains a character that cannot be stored (NUL).", field="text")
    preview(text, user.organisation_id)  # a figure that cannot be drawn is refused before anything is stored
    before = text_of(module, user.organisation_id)
    row = edited(module.lesson, user.organisation_id)
    if row is None:
        row = LessonText(lesson=module.lesson, organisation_id=user.organisation_id)
        db.session.add(row)
    row.text, row.author_id, row.updated_at = text, user.id, utcnow()
    db.session.commit()
    audit.record("content.lesson_saved", target=module.lesson, detail={"before": before, "after": text}, actor=user)
    return row


def reset(user: User, module_id: str) -> None:
    module = module_for(module_id)
    row = edited(module.lesson, user.organisation_id)
    if row is None:
        return
    before = row.text
    db.session.delete(row)
    db.session.commit()
    audit.record("content.lesson_reset", target=module.lesson, detail={"before": before, "after": shipped_text(module)},
                 actor=user)
