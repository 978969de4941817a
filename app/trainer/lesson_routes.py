"""Trainer and admin pages for rewriting lessons: the list, and an editor with a preview drawn by the
same sanitiser and sandbox figures trainees get (live while typing, or with the Preview button)."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin.forms import ToggleForm
from app.extensions import csrf, db
from app.services import lessons
from app.services.errors import ValidationFailed
from app.trainer import bp


@bp.get("/content/lessons")
def lessons_list():
    rows = [(m, lessons.edited(m.lesson, current_user.organisation_id)) for m in lessons.lesson_modules()]
    return render_template("trainer/lessons.html", rows=rows)


def _page(module, text: str, error: str | None = None, status: int = 200):
    preview = None
    if error is None:
        try:
            preview = lessons.preview(text, current_user.organisation_id)
        except ValidationFailed as refused:
            error = refused.message
    sharing = [m for m in lessons.lesson_modules() if m.lesson == module.lesson and m.id != module.id]
    return render_template("trainer/lesson_edit.html", module=module, text=text, preview=preview, error=error,
                           edited=lessons.edited(module.lesson, current_user.organisation_id), sharing=sharing, form=ToggleForm()), status


@bp.route("/content/lessons/<module_id>", methods=["GET", "POST"])
@csrf.exempt  # checked below, so an expired form comes back with the text typed in it
def lesson_edit(module_id: str):
    module = lessons.module_for(module_id)
    if request.method == "GET":
        return _page(module, lessons.text_of(module, current_user.organisation_id))
    text = request.form.get("text", "")
    if not ToggleForm().validate_on_submit():
        return _page(module, text, "Your form expired; nothing was saved. Save again.", 400)
    action = request.form.get("action")
    if action == "reset":
        lessons.reset(current_user, module_id)
        flash("The lesson is back to the one Uptake ships.", "success")
        return redirect(url_for("trainer.lesson_edit", module_id=module_id))
    if action != "save":
        return _page(module, text)  # the Preview button: nothing saved
    try:
        lessons.save(current_user, module_id, text)
    except ValidationFailed as refused:
        db.session.rollback()
        return _page(module, text, refused.message, 400)
    flash("Saved: trainees in your organisation opening the lesson now read this version.", "success")
    return redirect(url_for("trainer.lesson_edit", module_id=module_id))


@bp.post("/content/lessons/<module_id>/preview")
def lesson_preview(module_id: str):
    """The live preview: the typed text as trainees would see it (JSON), nothing saved."""
    lessons.module_for(module_id)
    text = request.form.get("text", "")
    if len(text) > lessons.MAX_LESSON_CHARS:
        return jsonify(error="The lesson is too long to preview."), 422
    try:
        return jsonify(html=str(lessons.preview(text, current_user.organisation_id)))
    except ValidationFailed as refused:
        return jsonify(error=refused.message), 422
