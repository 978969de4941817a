"""Trainer and admin pages for writing questions: the bank list, the editor (draft), the question's
page (preview as a trainee sees it, try an answer, publish, versions) and retiring."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin.forms import ToggleForm
from app.extensions import csrf, db
from app.models import JobRole
from app.services import authoring
from app.services.catalogue import active_skills
from app.params import db_int
from app.services.errors import NotFound, ServiceError
from app.trainee.answers import answer_from_form, field_name
from app.trainer import bp
from app.trainer.question_form import TYPE_CHOICES, checked_save, in_words, raw_from, rows_of, with_picture
from quizzes.model import Problem
from quizzes.raw import to_raw
from quizzes.registry import ITEM_TYPES, answer_key, grade, item_type


@bp.get("/questions")
def questions():
    search = (request.args.get("q") or "").strip()[:200]
    skill = request.args.get("skill") or ""
    status = request.args.get("status") or ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listing = authoring.listing(current_user, search, skill, status, page)
    skills = active_skills(current_user.organisation_id)
    return render_template("trainer/questions.html", listing=listing, skills=skills, search=search, skill=skill,
                           status=status, statuses=authoring.STATUSES, types=TYPE_CHOICES)


def _choices():
    skills = active_skills(current_user.organisation_id)
    roles = list(db.session.scalars(select(JobRole.name).where(JobRole.organisation_id == current_user.organisation_id)
                                    .order_by(JobRole.name)))
    return skills, roles


def _editor(values: dict, key: str | None, problems: list[Problem], status: int = 200):
    skills, roles = _choices()
    return render_template("trainer/question_edit.html", v=values, key=key, problems=[in_words(p) for p in problems],
                           skills=skills, roles=roles, types=TYPE_CHOICES, form=ToggleForm(),
                           editing=authoring.editing(key, current_user) if key else None), status


# The editor checks its own CSRF token (ToggleForm in _save) so that an expired form comes back with
# everything typed in it and a fresh token, instead of the generic error page losing a long question.
@bp.route("/questions/new", methods=["GET", "POST"])
@csrf.exempt
def question_new():
    if request.method == "GET":
        if request.args.get("from_import"):
            return _from_import(request.args.get("from_import", type=db_int), request.args.get("question", ""))
        kind = request.args.get("type", "single_choice")
        if kind not in ITEM_TYPES:
            kind = "single_choice"
        skill = request.args.get("skill")
        return _editor(rows_of({"type": kind, "skills": [skill] if skill else []}), None, [])
    return _save(None)


def _from_import(import_id: int | None, label: str):
    """A question an import left out for a problem the editor can fix, opened in the editor as the file
    had it, with the problems listed; saving makes it a draft like any new question."""
    from app.services import content

    if import_id is None:
        raise NotFound("No such import.")
    record = content.get_import(import_id, current_user.organisation_id)
    result = content.parse_import(record)
    raw = result.fixable.get(label)
    if raw is None:
        raise NotFound("That question is not among the ones this import left out.")
    if raw.get("type") not in ITEM_TYPES:
        raw = {**raw, "type": "single_choice"}
    problems = [p for p in result.problems if p.item_id == label]
    flash(f"From {record.filename}: fix what is listed, then save it as a draft.", "info")
    return _editor(rows_of(raw), None, problems)


@bp.route("/questions/<key>/edit", methods=["GET", "POST"])
@csrf.exempt
def question_edit(key: str):
    if request.method == "GET":
        editing = authoring.editing(key, current_user)
        if editing.copy is not None:  # a shipped question the organisation copied: the copy is what it edits
            return redirect(url_for("trainer.question_edit", key=editing.copy.key))
        return _editor(rows_of(to_raw(editing.item)), key, [])
    return _save(key)


def _save(key: str | None):
    if request.form.get("type") not in ITEM_TYPES:
        return _editor(rows_of({"type": "single_choice"}), key, [Problem("the form", None, "type", "choose a type")], 400)
    typed, problems = raw_from(request.form)
    raw, trouble, pictures = with_picture(typed, request.files.get("picture"), request.form.get("picture_alt", ""))
    saved, problems = checked_save(problems + trouble,
                                   lambda: authoring.save_draft(current_user, raw, key, pictures=pictures))
    if saved is not None:
        if saved.draft is None:
            flash("No changes: the question is the same as its published version.", "info")
        elif key is not None and saved.row.key != key:
            flash("Saved as a draft of your organisation's own copy of this shipped question. Check it as a trainee "
                  "would see it, then publish it: your trainees then get it in place of the shipped one.", "success")
        else:
            flash("Draft saved. Check it as a trainee would see it, then publish it.", "success")
        return redirect(url_for("trainer.question_page", key=saved.row.key))
    if pictures:  # a browser never sends a file twice: say so rather than drop it quietly
        problems.append(Problem("the form", None, "picture", "was not added, as the question could not be saved; "
                                                             "choose it again"))
    values = rows_of({**typed, "options": typed.get("options", [])})
    return _editor(values, key, problems, 400)


def _page(key: str, tried=None, status: int = 200):
    editing = authoring.editing(key, current_user)
    item = editing.item
    view = {"key": item.id, "type": item.type, "type_label": ITEM_TYPES[item.type].label, "stem": item.stem,
            **item_type(item).public(item, None), "saved_answer": tried[0] if tried else None}
    return render_template("trainer/question.html", editing=editing, item=item, view=view, field_name=field_name,
                           answer_key=answer_key(item), tried=tried, form=ToggleForm(),
                           versions=authoring.versions(key, current_user), submitted=request.form if tried else None), status


@bp.get("/questions/<key>")
def question_page(key: str):
    return _page(key)


@bp.post("/questions/<key>/try")
def question_try(key: str):
    """Answer the question as a trainee would and see the grade, the feedback and the explanation."""
    editing = authoring.editing(key, current_user)
    item = editing.item
    view = {"key": item.id, "type": item.type, **item_type(item).public(item, None)}
    try:
        answer = answer_from_form(view, request.form)
    except ServiceError as error:
        flash(error.message, "error")
        return _page(key, status=400)
    result = grade(item, answer)
    feedback = [o["feedback"] for o in item.data.get("options", ())
                if o.get("feedback") and (o["id"] == answer or (isinstance(answer, list) and o["id"] in answer))]
    return _page(key, tried=(answer, result, feedback))


@bp.post("/questions/<key>/<any(publish, discard, retire, reinstate):action>")
def question_action(key: str, action: str):
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
        return redirect(url_for("trainer.question_page", key=key))
    try:
        if action == "publish":
            row = authoring.publish(current_user, key)
            flash(f"Published as version {row.version}: trainees starting a test from now on get it. "
                  "Attempts already given an earlier version keep it.", "success")
        elif action == "discard":
            if authoring.discard_draft(current_user, key):
                flash("Draft discarded; the question was never published, so it is gone.", "info")
                return redirect(url_for("trainer.questions"))
            flash("Draft discarded; the published version is unchanged.", "info")
        else:
            key = authoring.set_retired(current_user, key, action == "retire").key  # a shipped one: its copy
            flash("Retired: no new attempt gets this question; past attempts keep their grades."
                  if action == "retire" else "Back in the bank.", "success")
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("trainer.question_page", key=key))
