"""Content pages for trainers and admins: the overview, GIFT / Moodle XML imports (upload → preview →
confirm) and exports. Writing questions and building tests are in question_routes.py and quiz_routes.py."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import RadioField, SelectChoice, SubmitField

from app.admin.forms import MultiCheckboxField, ToggleForm
from app.extensions import db
from app.models import Item, Quiz, Skill, item_skills
from app.services import content
from app.services.catalogue import active_skills
from app.services.errors import ServiceError
from app.services.ownership import in_use, visible
from app.trainer import bp


class ImportForm(FlaskForm):
    file = FileField("Question file", validators=[FileRequired("Choose a file to upload.")],
                     description="GIFT (.gift or .txt) or Moodle XML (.xml), up to 1 MiB, UTF-8.")
    format = RadioField("Format", choices=[SelectChoice(k, v) for k, v in content.IMPORT_FORMATS.items()],
                        default="gift")
    default_skills = MultiCheckboxField("Skills for questions that do not name their own",
                                        description="GIFT: a line '// skills: lead-management' before a question "
                                                    "names its skills; Moodle XML: a tag 'skill:lead-management'.")
    submit = SubmitField("Upload and preview")


def _export(items: list, fmt: str, name: str, category: str | None = None):
    """A GIFT or Moodle XML download of these questions, under a Moodle category when given; what the
    format cannot hold is listed at the top of the file, never written half."""
    from flask import Response

    from quizzes.exporters import to_gift, to_moodle_xml

    from app.services import assets
    from quizzes import rich

    if fmt == "gift":
        text, left_out = to_gift(items)
    else:
        shown = assets.lookup(sha for item in items for sha in rich.asset_refs(item.data.get("stem_html", "")))
        text, left_out = to_moodle_xml(items, shown)
    notes = [f"Not exported: {p.item_id} ({p.message})" for p in left_out]
    if fmt == "gift":
        head = "".join(f"// {n}\n" for n in notes) + (f"$CATEGORY: $course$/{category}\n" if category else "")
        text = head + ("\n" if head else "") + text
        mimetype = "text/plain"
    else:
        first, _, rest = text.partition("\n")
        comments = "".join(f"<!-- {n.replace('--', '- -')} -->\n" for n in notes)
        if category:
            from html import escape

            comments += (f'<question type="category"><category><text>$course$/{escape(category, quote=False)}'
                         "</text></category></question>\n")
        text = first + "\n" + rest.replace("<quiz>\n", "<quiz>\n" + comments, 1)
        mimetype = "application/xml"
    return Response(text, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.get("/content/export.<any(gift, xml):fmt>")
def content_export(fmt: str):
    """Every active question as a GIFT or Moodle XML file."""
    return _export(sorted(content.active_bank(current_user.organisation_id).values(), key=lambda item: item.id), fmt,
                   "uptake-questions")


@bp.get("/content/quizzes/<key>/export.<any(gift, xml):fmt>")
def quiz_export(key: str, fmt: str):
    """One quiz form with every question it can ask, under a Moodle category named after it."""
    from flask import abort

    org = current_user.organisation_id
    row = db.session.scalar(select(Quiz).where(Quiz.key == key, visible(Quiz, org)))
    if row is None:
        abort(404)
    items = content.quiz_items(content.quiz_def(row, org), content.active_bank(org))
    return _export(items, fmt, f"quiz-{row.key}", category=row.title)


@bp.get("/content")
def content_home():
    from app.models import ItemVersion

    org = current_user.organisation_id
    mine = in_use(Item, org)  # the organisation's bank: nobody else's questions, not even counted
    counts = dict(db.session.execute(
        select(Skill.name, func.count(Item.id)).join(item_skills, item_skills.c.skill_id == Skill.id)
        .join(Item, Item.id == item_skills.c.item_id).where(Item.active.is_(True), mine).group_by(Skill.name)).all())
    slugs = dict(db.session.execute(select(Skill.name, Skill.slug)).all())
    by_source = db.session.execute(select(Item.source, func.count(Item.id)).where(Item.active.is_(True), mine)
                                   .group_by(Item.source).order_by(Item.source)).all()
    status = {"published": db.session.scalar(select(func.count(Item.id)).where(Item.active.is_(True), mine)),
              "drafts": db.session.scalar(select(func.count(ItemVersion.id)).join(Item)
                                          .where(ItemVersion.status == "draft", Item.version > 0, mine)),
              "new": db.session.scalar(select(func.count(Item.id)).where(Item.version == 0, mine)),
              "retired": db.session.scalar(select(func.count(Item.id)).where(Item.active.is_(False), Item.version > 0,
                                                                             mine))}
    quizzes = list(db.session.scalars(select(Quiz).where(in_use(Quiz, org)).order_by(Quiz.title)))
    return render_template("trainer/content.html", counts=counts, slugs=slugs, by_source=by_source, quizzes=quizzes,
                           status=status)


@bp.route("/content/imports/new", methods=["GET", "POST"])
def import_new():
    from quizzes.importers import MAX_XML_BYTES

    # a Moodle XML file carries its pictures inside: this upload may exceed the site's request limit
    request.max_content_length = MAX_XML_BYTES + 256 * 1024
    form = ImportForm()
    form.default_skills.choices = [SelectChoice(s.slug, s.name) for s in active_skills(current_user.organisation_id)]
    if form.validate_on_submit():
        upload = form.file.data
        try:  # read one byte past the limit at most, then close (large uploads are spooled to a temp file)
            data = upload.read(content.import_limit(form.format.data) + 1)
        finally:
            upload.close()
        try:
            record = content.start_import(current_user, upload.filename, data, form.format.data,
                                          form.default_skills.data or [])
        except ServiceError as error:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [error.message]
        else:
            return redirect(url_for("trainer.import_preview", import_id=record.id))
    return render_template("trainer/import_new.html", form=form), (400 if request.method == "POST" else 200)


@bp.get("/content/imports/<int:import_id>")
def import_preview(import_id: int):
    record = content.get_import(import_id, current_user.organisation_id)
    result = content.parse_import(record)
    from quizzes.registry import answer_key

    retired = content.retired_by(record, result) if record.status == "preview" else []
    earlier = content.earlier_of_same_name(record) if record.status == "preview" else None
    return render_template("trainer/import_preview.html", record=record, result=result, form=ToggleForm(),
                           answer_key=answer_key, retired=retired, earlier=earlier)


@bp.post("/content/imports/<int:import_id>/separate")
def import_separate(import_id: int):
    record = content.get_import(import_id, current_user.organisation_id)
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
    else:
        try:
            name = content.import_separately(record)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"Imported as a separate file, {name}: nothing from the earlier file is replaced or retired.", "info")
    return redirect(url_for("trainer.import_preview", import_id=record.id))


@bp.post("/content/imports/<int:import_id>/<any(confirm, cancel):action>")
def import_decide(import_id: int, action: str):
    record = content.get_import(import_id, current_user.organisation_id)
    if not ToggleForm().validate_on_submit():
        flash("Your form expired; please try again.", "error")
    elif action == "cancel":
        content.cancel_import(record)
        flash(f"Import of {record.filename} cancelled; nothing was added.", "info")
    else:
        try:
            summary = content.confirm_import(record)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"Imported {record.filename}: {summary.created} new and {summary.updated} updated questions"
                  + (f"; {summary.deactivated} retired" if summary.deactivated else "")
                  + (f"; {len(summary.problems)} left out (see the list)." if summary.problems else "."), "success")
    return redirect(url_for("trainer.import_preview", import_id=record.id))
