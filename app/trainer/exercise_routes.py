"""Trainer and admin pages for tailoring exercises: the brief, the starting data (YAML, as in the
scenario files) and how much each check counts; played in the sandbox before it is kept."""
from __future__ import annotations

import yaml
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin.forms import ToggleForm
from app.extensions import csrf
from app.services import exercises
from app.services.simulation import scenarios
from app.trainer import bp
from app.trainer.question_form import checked_save, in_words


@bp.get("/content/exercises")
def exercises_list():
    org = current_user.organisation_id
    rows = [(s, exercises.tailored(s.id, org)) for s in sorted(scenarios(org).values(), key=lambda s: s.title)]
    return render_template("trainer/exercises.html", rows=rows)


def _values(raw: dict) -> dict:
    return {"title": raw.get("title", ""), "brief": raw.get("brief", ""),
            "setup": yaml.safe_dump(raw.get("setup") or {}, sort_keys=False, allow_unicode=True, width=100),
            "weights": {c["id"]: f"{c.get('weight', 1):g}" for c in raw.get("checks", [])},
            "checks": raw.get("checks", [])}


@bp.route("/content/exercises/<scenario_id>", methods=["GET", "POST"])
@csrf.exempt  # checked in checked_save, so an expired form comes back as it was typed
def exercise_edit(scenario_id: str):
    raw = exercises.raw_of(scenario_id, current_user.organisation_id)  # 404 for an unknown exercise
    if request.method == "GET":
        return _page(scenario_id, _values(raw), [])
    if request.form.get("action") == "reset":
        if ToggleForm().validate_on_submit():
            exercises.reset(current_user, scenario_id)
            flash("The exercise is back to the one Uptake ships.", "success")
        return redirect(url_for("trainer.exercise_edit", scenario_id=scenario_id))
    weights = {c["id"]: request.form.get(f"weight-{c['id']}", "") for c in raw.get("checks", [])}
    values = {"title": request.form.get("title", ""), "brief": request.form.get("brief", ""),
              "setup": request.form.get("setup", ""), "weights": weights, "checks": raw.get("checks", [])}

    def save():
        built = exercises.build(scenario_id, values["title"], values["brief"], values["setup"], weights)
        return exercises.save(current_user, scenario_id, built) or "shipped"

    saved, problems = checked_save([], save)
    if saved is not None:
        flash("Saved and played in the sandbox: the reference solution earns every check and an empty run none. "
              "Your organisation's trainees starting it from now on get this version." if saved != "shipped" else
              "This is the exercise as Uptake ships it; nothing tailored is kept.", "success")
        return redirect(url_for("trainer.exercise_edit", scenario_id=scenario_id))
    return _page(scenario_id, values, problems, 400)


def _page(scenario_id: str, values: dict, problems: list, status: int = 200):
    return render_template("trainer/exercise_edit.html", scenario_id=scenario_id, v=values,
                           problems=[in_words(p) for p in problems], tailored=exercises.tailored(scenario_id, current_user.organisation_id),
                           form=ToggleForm()), status
