"""What a trainee sees of an attempt: the public view while it runs, the result after it closes.

The public view is built only from each item type's `public()`; answers, explanations and
correctness never reach the browser before the attempt is submitted.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import IN_PROGRESS, Attempt, Item, Response, Skill
from app.services.attempts import remaining_seconds
from app.services.given import attempt_definition, attempt_items
from quizzes.disguise import Disguise
from quizzes.registry import ITEM_TYPES, item_type


def _items(attempt: Attempt, keys: list[str] | None = None) -> dict:
    """The attempt's questions (or those with these keys) in the versions it was given, without
    their skills: nothing a trainee sees of a running attempt names them."""
    return attempt_items(attempt, keys, with_skills=False)


def public_item(item, attempt: Attempt, position: int, answer: Any) -> dict[str, Any]:
    """One question as the browser sees it: answer ids only as this attempt's tokens."""
    disguise = Disguise(attempt.answer_salt)
    view = disguise.public(item, item_type(item).public(item, attempt.option_orders.get(item.id)))
    return {"position": position, "key": item.id, "type": item.type, "type_label": ITEM_TYPES[item.type].label,
            "stem": item.stem, "stem_html": item.data.get("stem_html"), **view, "saved_answer": disguise.hide(item, answer),
            "answered": answer is not None and not item_type(item).is_blank(answer)}


def public_attempt(attempt: Attempt, positions: list[int] | None = None) -> dict[str, Any]:
    """The running attempt as the browser may see it (all items, or those at `positions`, 1-based).
    Only the questions shown are read from the bank; the answered count comes from the saved
    answers and their question types."""
    definition = attempt_definition(attempt)
    keys = attempt.item_keys
    chosen = [p for p in (positions or range(1, len(keys) + 1)) if 1 <= p <= len(keys)]
    saved = db.session.execute(select(Item.key, Item.type, Response.answer).join(Response.item)
                               .where(Response.attempt_id == attempt.id)).all()
    answers = {key: answer for key, _, answer in saved}
    items = _items(attempt, [keys[p - 1] for p in chosen])
    return {
        "id": attempt.id, "status": attempt.status, "quiz": {"key": attempt.quiz.key, "title": attempt.quiz.title},
        "layout": definition.layout, "count": len(keys), "mode": definition.mode,
        "max_items": definition.max_items if definition.mode == "adaptive" else len(keys),
        "answered": sum(1 for _, kind, answer in saved if answer is not None and not ITEM_TYPES[kind].is_blank(answer)),
        "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        "remaining_seconds": remaining_seconds(attempt),
        "items": [public_item(items[keys[p - 1]], attempt, p, answers.get(keys[p - 1])) for p in chosen
                  if keys[p - 1] in items],
    }


def _answer_text(item, answer: Any) -> str:
    """The trainee's own answer in words, for the review page."""
    if answer in (None, "", [], {}):
        return "(no answer)"
    if item.type in ("single_choice", "multiple_response"):
        text = {o["id"]: o["text"] for o in item.data["options"]}
        picked = answer if isinstance(answer, list) else [answer]
        return "; ".join(text.get(a, "?") for a in picked)
    if item.type == "true_false":
        return "True" if answer in (True, "true") else "False"
    if item.type == "ordering":
        text = {s["id"]: s["text"] for s in item.data["sequence"]}
        return " → ".join(text.get(a, "?") for a in answer)
    if item.type == "matching":
        prompts = {p["id"]: p["prompt"] for p in item.data["pairs"]}
        choices = {c["id"]: c["text"] for c in item.data["choices"]}
        return "; ".join(f"{prompts.get(k, '?')} → {choices.get(v, '?')}" for k, v in answer.items())
    return str(answer)


def _picked_feedback(item, answer) -> list[str]:
    """The per-answer feedback of the options the person picked (imported from Moodle)."""
    if item.type == "true_false" and answer is not None:
        said = "true" if answer in (True, "true") else "false"
        return [text for text in [item.data.get("feedback", {}).get(said)] if text]
    if item.type not in ("single_choice", "multiple_response") or answer is None:
        return []
    picked = set(answer) if isinstance(answer, list) else {answer}
    return [o["feedback"] for o in item.data["options"] if o["id"] in picked and o.get("feedback")]


def result_summary(attempt: Attempt) -> dict[str, Any]:
    """Score, per-skill breakdown and the review, as far as the quiz's review settings allow."""
    if attempt.status == IN_PROGRESS:
        raise ValueError("attempt is still in progress")
    definition = attempt_definition(attempt)
    review = definition.review
    given = attempt_items(attempt)  # with skills: the breakdown is per skill
    items = [given[key] for key in attempt.item_keys if key in given]
    responses = {key: r for key, r in db.session.execute(
        select(Item.key, Response).join(Response.item).where(Response.attempt_id == attempt.id)).all()}
    names = dict(db.session.execute(select(Skill.slug, Skill.name)).all())
    per_skill: dict[str, list[float]] = {}
    rows = []
    for position, item in enumerate(items, start=1):
        response = responses.get(item.id)
        score = response.score if response and response.score is not None else 0.0
        for skill in item.skills:
            per_skill.setdefault(skill, []).append(score)
        row = {"position": position, "stem": item.stem, "stem_html": item.data.get("stem_html"),
               "your_answer": _answer_text(item, response.answer if response else None)}
        if review.get("correctness"):
            row["score"] = score
        if review.get("correct_answers"):
            row["correct_answer"] = item_type(item).correct_answer(item)
        if review.get("explanations"):
            row["explanation"] = item.explanation
            row["feedback"] = _picked_feedback(item, response.answer if response else None)
        rows.append(row)
    skills = [{"slug": s, "name": names.get(s, s), "score": round(sum(v) / len(v), 3), "questions": len(v)}
              for s, v in sorted(per_skill.items(), key=lambda kv: names.get(kv[0], kv[0]))]
    score = attempt.score or 0.0
    return {"attempt_id": attempt.id, "quiz": attempt.quiz.title, "score": score if review.get("score") else None,
            "passed": score >= definition.pass_mark if review.get("score") else None,
            "pass_mark": definition.pass_mark, "closed_by": attempt.closed_by,
            "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
            "skills": skills if review.get("skills") else [], "review": rows}
