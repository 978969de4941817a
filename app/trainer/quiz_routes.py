"""Trainer and admin pages for building tests from the bank: a fixed list of questions, a sample per
skill (with the count of published and calibrated questions each skill offers, for the chosen job
role), or an adaptive check; time limit, layout, pass mark and what trainees see afterwards."""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin.forms import ToggleForm
from app.extensions import csrf, db
from app.models import JobRole, Quiz
from app.services import quiz_forms
from app.services.catalogue import active_skills
from app.services.content import active_bank, quiz_def
from app.services.errors import ServiceError
from app.trainer import bp
from app.trainer.question_form import checked_save, in_words
from quizzes.assembly import REVIEW_KEYS
from quizzes.model import Problem

REVIEW_LABELS = {"score": "Their score and whether they passed", "skills": "Their score per skill",
                 "correctness": "Which answers were right", "correct_answers": "The right answers",
                 "explanations": "The explanations and feedback"}
LAYOUT_LABELS = {"one_per_page": "One question per page", "all_on_one_page": "All questions on one page"}


def _number(text: str | None, what: str, problems: list[Problem], scale: float = 1.0, whole: bool = False):
    text = (text or "").strip().replace("%", "").replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem("the form", None, what, "must be a number"))
        return None
    if whole:
        if value != int(value):
            problems.append(Problem("the form", None, what, "must be a whole number"))
            return None
        return int(value)
    return value / scale


def raw_from(form, skills: list[str]) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    kind = form.get("kind", "list")
    raw = {"title": form.get("title", ""), "description": form.get("description", ""),
           "role": form.get("role") or None, "layout": form.get("layout", "one_per_page"),
           "time_limit_minutes": _number(form.get("time_limit_minutes"), "time_limit_minutes", problems, whole=True),
           "pass_mark": _number(form.get("pass_mark"), "pass_mark", problems, scale=100),
           "shuffle_items": bool(form.get("shuffle_items")), "shuffle_options": bool(form.get("shuffle_options")),
           "open": bool(form.get("open")), "review": {k: bool(form.get(f"review_{k}")) for k in REVIEW_KEYS},
           "mode": "adaptive" if kind == "adaptive" else "fixed"}
    if kind == "adaptive":
        raw.update(skills=form.getlist("adaptive_skills"),
                   max_items=_number(form.get("max_items"), "max_items", problems, whole=True) or 20,
                   confidence=_number(form.get("confidence"), "confidence", problems, scale=100) or 0.9)
    elif kind == "sample":
        raw["sample"] = [{"skill": s, "count": _number(form.get(f"sample-{s}"), f"questions of {s}", problems,
                                                       whole=True)} for s in skills]
    else:
        raw["items"] = list(dict.fromkeys(form.getlist("items")))
    return raw, problems


def _page(raw: dict, key: str | None, problems: list[Problem], status: int = 200):
    org = current_user.organisation_id
    skills = active_skills(org)
    roles = list(db.session.scalars(select(JobRole.name).where(JobRole.organisation_id == org).order_by(JobRole.name)))
    bank = sorted(active_bank(org).values(), key=lambda i: i.id)
    names = {s.slug: s.name for s in skills}
    groups: dict[str, list] = {}
    for item in bank:
        groups.setdefault(names.get(item.skills[0], item.skills[0]), []).append(item)
    counts = quiz_forms.skill_counts([s.slug for s in skills], [None, *roles], org)
    kind = "adaptive" if raw.get("mode") == "adaptive" else ("sample" if raw.get("sample") else "list")
    shipped = key is not None and quiz_forms.editing(key, current_user)[0].organisation_id is None
    return render_template("trainer/test_edit.html", raw=raw, key=key, kind=kind, shipped=shipped, skills=skills, roles=roles,
                           groups=sorted(groups.items()), counts=counts, counts_json=json.dumps(counts),
                           sample={r["skill"]: r["count"] for r in raw.get("sample", [])},
                           problems=[in_words(p) for p in problems], form=ToggleForm(), layouts=LAYOUT_LABELS,
                           review_labels=REVIEW_LABELS), status


@bp.get("/tests")
def tests():
    from app.services.ownership import in_use

    rows = list(db.session.scalars(select(Quiz).where(in_use(Quiz, current_user.organisation_id))
                                   .order_by(Quiz.active.desc(), Quiz.title)))
    return render_template("trainer/tests.html", rows=[(row, quiz_def(row)) for row in rows], form=ToggleForm())


# The editor checks its own CSRF token, so an expired form comes back with everything chosen in it.
@bp.route("/tests/new", methods=["GET", "POST"])
@csrf.exempt
def test_new():
    if request.method == "GET":
        return _page(quiz_forms.blank(), None, [])
    return _save(None)


@bp.route("/tests/<key>/edit", methods=["GET", "POST"])
@csrf.exempt
def test_edit(key: str):
    if request.method == "GET":
        return _page(quiz_forms.editing(key, current_user)[1], key, [])
    quiz_forms.editing(key, current_user)  # 404 for an unknown test before anything else
    return _save(key)


def _save(key: str | None):
    skills = sorted(s.slug for s in active_skills(current_user.organisation_id))
    raw, problems = raw_from(request.form, skills)
    row, problems = checked_save(problems, lambda: quiz_forms.save(current_user, raw, key))
    if row is not None:
        copied = key is not None and row.key != key
        flash(f"Saved “{row.title}”" + (" as your organisation's own copy of the shipped test" if copied else "")
              + ". Trainees who start it from now on get this version.", "success")
        return redirect(url_for("trainer.tests"))
    return _page(raw, key, problems, 400)


@bp.post("/tests/<key>/<any(retire, reopen):action>")
def test_action(key: str, action: str):
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
    else:
        try:
            row = quiz_forms.set_active(current_user, key, action == "reopen")
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"“{row.title}” is {'back' if row.active else 'retired: no one can start it'}.", "success")
    return redirect(url_for("trainer.tests"))
