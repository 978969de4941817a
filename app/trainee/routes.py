"""Trainee pages: home, quiz intro, the attempt itself, submission and result."""
from __future__ import annotations

import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.extensions import db
from app.models import IN_PROGRESS, Attempt
from app.params import db_int
from app.services import attempts as attempt_service
from app.services import simulation, training
from app.services.assignments import assignments_for
from app.services.errors import ServiceError
from app.services.messages import recent_for
from app.services.quiz_views import public_attempt, result_summary
from app.services.skill_model import assess
from app.trainee import bp
from app.trainee.answers import answer_from_form, field_name


class ActionForm(FlaskForm):
    """CSRF token for the start / save / submit buttons."""


@bp.get("/")
def home():
    attempt_service.close_expired_for(current_user)
    quizzes = attempt_service.available_quizzes(current_user)
    mine = list(db.session.scalars(select(Attempt).where(Attempt.user_id == current_user.id)
                                  .order_by(Attempt.started_at.desc())))
    open_by_quiz = {a.quiz_id: a for a in mine if a.status == IN_PROGRESS and a.kind == "quiz"}
    open_by_scenario = {a.scenario_key: a for a in mine if a.status == IN_PROGRESS and a.kind == "scenario"}
    done = [a for a in mine if a.status != IN_PROGRESS]  # newest first
    last_by_quiz, last_by_scenario = {}, {}
    for a in done:
        if a.kind == "quiz":
            last_by_quiz.setdefault(a.quiz_id, a)
        else:
            last_by_scenario.setdefault(a.scenario_key, a)
    finished = done[:10]

    return render_template("trainee/home.html", me=current_user, profile=assess(current_user, explain_top=3),
                           assigned=assignments_for(current_user), notes=recent_for(current_user),
                           quizzes=quizzes, open_by_quiz=open_by_quiz, finished=finished, form=ActionForm(),
                           last_by_quiz=last_by_quiz, last_by_scenario=last_by_scenario,
                           exercises=simulation.available_scenarios(current_user), open_by_scenario=open_by_scenario,
                           scenario_titles={k: s.title for k, s in simulation.scenarios(current_user.organisation_id).items()})


@bp.get("/crm")
def crm_use():
    """What is measured from the trainee's own CRM use, month by month, with what each figure counts."""
    from app.services import crm_evidence
    from app.services.catalogue import list_skills

    return render_template("trainee/crm.html", rows=crm_evidence.person_indicators(current_user.id),
                           applied=crm_evidence.applying(current_user.id),
                           skill_names={s.slug: s.name for s in list_skills(current_user.organisation_id)})


@bp.get("/quizzes/<key>")
def quiz(key: str):
    quiz = attempt_service.get_quiz_for(current_user, key)
    return render_template("trainee/quiz_intro.html", quiz=quiz, definition=quiz.definition, form=ActionForm(),
                           attempt=attempt_service.in_progress_attempt(current_user, quiz))


@bp.post("/quizzes/<key>/start")
def start(key: str):
    quiz = attempt_service.get_quiz_for(current_user, key)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = attempt_service.start_attempt(current_user, quiz)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("trainee.quiz", key=key))
    return redirect(url_for("trainee.attempt", attempt_id=attempt.id))


def _page_positions(view_count: int, layout: str, page: int) -> list[int]:
    if layout == "all_on_one_page":
        return list(range(1, view_count + 1))
    return [min(max(page, 1), view_count)]


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
def attempt(attempt_id: int):
    attempt = attempt_service.get_attempt_for(current_user, attempt_id)
    if attempt.status != IN_PROGRESS:
        if request.method == "POST":
            flash("This attempt was already closed; your saved answers were graded.", "info")
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    full = public_attempt(attempt)
    page = request.args.get("page", 1, type=db_int)
    positions = _page_positions(full["count"], full["layout"], page)
    view = public_attempt(attempt, positions)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        seq = time.time_ns() // 1_000_000
        for item in view["items"]:
            try:
                attempt_service.save_response(current_user, attempt.id, item["key"],
                                              answer_from_form(item, request.form), seq)
            except attempt_service.AttemptClosed as error:
                flash(error.message, "info")
                return redirect(url_for("trainee.result", attempt_id=attempt.id))
            except ServiceError as error:
                errors[item["key"]] = error.message
        if not errors:
            target = request.form.get("goto", "")
            if target == "more":  # adaptive: ask for the next question
                if attempt_service.extend_adaptive(current_user, attempt.id):
                    return redirect(url_for("trainee.attempt", attempt_id=attempt.id, page=full["count"] + 1))
                flash("That is enough to measure your skills. Review your answers and submit.", "success")
                target = "finish"
            if target == "finish":
                return redirect(url_for("trainee.finish", attempt_id=attempt.id))
            next_page = int(target) if target.isdigit() else positions[0]
            return redirect(url_for("trainee.attempt", attempt_id=attempt.id, page=next_page))
        view = public_attempt(attempt, positions)
    return render_template("trainee/attempt.html", attempt=attempt, view=view, full=full, positions=positions,
                           errors=errors, form=ActionForm(), field_name=field_name,
                           submitted=request.form if errors else None), (422 if errors else 200)


@bp.get("/attempts/<int:attempt_id>/finish")
def finish(attempt_id: int):
    attempt = attempt_service.get_attempt_for(current_user, attempt_id)
    if attempt.status != IN_PROGRESS:
        return redirect(url_for("trainee.result", attempt_id=attempt.id))
    return render_template("trainee/finish.html", attempt=attempt, view=public_attempt(attempt), form=ActionForm())


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    attempt = attempt_service.get_attempt_for(current_user, attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt.status == IN_PROGRESS:
        attempt_service.submit_attempt(attempt.id, closed_by="trainee", user=current_user)
    return redirect(url_for("trainee.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    attempt = attempt_service.get_attempt_for(current_user, attempt_id)
    if attempt.status == IN_PROGRESS:
        return redirect(url_for("trainee.attempt", attempt_id=attempt.id))
    return render_template("trainee/result.html", attempt=attempt, result=result_summary(attempt),
                           after=training.after_attempt(current_user, attempt.id))


@bp.get("/path")
def path():
    steps, progress = training.person_path(current_user)
    return render_template("trainee/path.html", path=steps, progress=progress)


@bp.get("/modules/<module_id>")
def module(module_id: str):
    item = training.get_module(module_id)
    progress = training.open_module(current_user, module_id)
    seats = [st for st in assignments_for(current_user) if st.assignment.ref == module_id and st.session]
    lesson = training.render_lesson(item, current_user.organisation_id) if item.lesson else None
    times = training.time_parts(item, current_user.organisation_id) if item.lesson and item.kind == "elearning" else None
    return render_template("trainee/module.html", module=item, progress=progress, form=ActionForm(), seats=seats,
                           lesson=lesson, times=times)


@bp.post("/seats/<int:assignment_id>/<any(accepted, declined):answer>")
def seat_reply(assignment_id: int, answer: str):
    from app.services import sessions as workshops

    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        seat = workshops.respond(current_user, assignment_id, answer, request.form.get("note", ""))
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("trainee.home"))
    if seat.rsvp == "waitlisted":
        flash("The session filled up meanwhile: you are on its waiting list and will be invited when a place frees.",
              "info")
    else:
        flash("Thank you: see you there." if answer == "accepted"
              else "Your trainer will see that you need another date.", "success")
    return redirect(url_for("trainee.module", module_id=seat.ref))


@bp.post("/modules/<module_id>/read")
def module_read(module_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        training.mark_read(current_user, module_id)
        flash("Marked as read.", "success")
    except ServiceError as error:
        flash(error.message, "error")
    return redirect(url_for("trainee.module", module_id=module_id))
