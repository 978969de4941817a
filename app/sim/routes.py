"""Sandbox CRM pages. Thin: read the form → the simulation service → redirect or re-render."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.services import simulation as svc
from app.services.attempts import AttemptClosed
from app.services.errors import ServiceError
from app.services.training import after_attempt
from app.sim import bp
from app.sim.forms import list_filters, values_from
from simulations.reports import matches
from simulations.scenario import next_hint
from simulations.schema import OBJECTS, RELATED, fields, title_of

TABS = ["account", "contact", "lead", "opportunity", "case", "campaign", "activity"]


def _open(attempt_id: int):
    attempt = svc.get_exercise_for(current_user, attempt_id)
    if attempt.status != "in_progress":
        return attempt, redirect(url_for("sim.result", attempt_id=attempt.id))
    return attempt, None


def _open_object(attempt_id: int, obj: str):
    if obj not in OBJECTS:
        abort(404)
    return _open(attempt_id)


def _text_matches(record: dict, query: str) -> bool:
    """Search as a CRM does: the words appear in any text field of the record."""
    return not query or query.lower() in " ".join(str(v) for v in record.values() if isinstance(v, str)).lower()


def _act(attempt_id: int, action: dict):
    """Record a reading step (opening a record, a search) taken by a GET. A GET that another site
    started (a link or image elsewhere) records nothing: reading steps count in the process grade."""
    if request.method == "GET" and request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return None
    try:
        return svc.perform(current_user, attempt_id, action)
    except AttemptClosed:
        abort(409)


def _page(template: str, attempt, run, status: int = 200, **context):
    scenario = svc.attempt_scenario(attempt)
    return render_template(template, attempt=attempt, scenario=scenario, brief=svc.brief(attempt), run=run,
                           records=run.state["records"], OBJECTS=OBJECTS, TABS=TABS, fields=fields,
                           title_of=title_of, hint_open=next_hint(scenario, run) is not None, **context), status


@bp.post("/exercises/<key>/start")
def start(key: str):
    try:
        attempt = svc.start_exercise(current_user, key)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("trainee.home"))
    return redirect(url_for("sim.home", attempt_id=attempt.id))


@bp.get("/sim/<int:attempt_id>")
def home(attempt_id: int):
    attempt, done = _open(attempt_id)
    if done:
        return done
    start = svc.attempt_scenario(attempt).start
    if start in ("report", "search"):
        return redirect(url_for("sim.reports" if start == "report" else "sim.search", attempt_id=attempt_id))
    return redirect(url_for("sim.list_view", attempt_id=attempt_id, obj=start))


@bp.get("/sim/<int:attempt_id>/list/<obj>")
def list_view(attempt_id: int, obj: str):
    attempt, done = _open_object(attempt_id, obj)
    if done:
        return done
    query = (request.args.get("q") or "").strip()[:100]
    filters = list_filters(obj, request.args)
    if query or filters:
        _act(attempt_id, {"type": "search", "query": query, "object": obj, "filters": filters})
    run = svc.load_run(attempt)
    rows = [(rid, r) for rid, r in run.state["records"].get(obj, {}).items()
            if matches(r, filters, run.state) and _text_matches(r, query)]
    sort = request.args.get("sort") if request.args.get("sort") in {f.name for f in fields(obj)} else None
    rows.sort(key=lambda item: (str(item[1].get(sort) or "") if sort else title_of(obj, item[1]).lower()))
    return _page("sim/list.html", attempt, run, obj=obj, rows=rows, query=query, filters=filters, sort=sort)


@bp.get("/sim/<int:attempt_id>/search")
def search(attempt_id: int):
    attempt, done = _open(attempt_id)
    if done:
        return done
    query = (request.args.get("q") or "").strip()[:100]
    if query:
        _act(attempt_id, {"type": "search", "query": query})
    run = svc.load_run(attempt)
    hits = {obj: [(rid, r) for rid, r in run.state["records"].get(obj, {}).items() if query and _text_matches(r, query)]
            for obj in TABS}
    return _page("sim/search.html", attempt, run, query=query, hits=hits)


@bp.route("/sim/<int:attempt_id>/rec/<obj>/<rid>", methods=["GET", "POST"])
def record(attempt_id: int, obj: str, rid: str):
    attempt, done = _open_object(attempt_id, obj)
    if done:
        return done
    if rid not in svc.load_run(attempt).state["records"].get(obj, {}):
        abort(404)  # before anything is recorded: a record that is not there is not viewed or saved
    errors, submitted = {}, None
    if request.method == "POST":
        submitted = values_from(obj, request.form)
        outcome = svc.perform(current_user, attempt_id, {"type": "update", "object": obj, "id": rid,
                                                         "fields": submitted,
                                                         "confirm_duplicate": "confirm_duplicate" in request.form})
        if outcome.ok:
            flash(f"{OBJECTS[obj]['label']} saved.", "success")
            return redirect(url_for("sim.record", attempt_id=attempt_id, obj=obj, rid=rid))
        errors = outcome.errors
    else:
        _act(attempt_id, {"type": "view", "object": obj, "id": rid})
    run = svc.load_run(attempt)
    if rid not in run.state["records"].get(obj, {}):
        abort(404)  # deleted by this very request (a merge elsewhere cannot do that, but be safe)
    related = [(child, ref, [(cid, c) for cid, c in run.state["records"].get(child, {}).items() if c.get(ref) == rid])
               for child, ref in RELATED.get(obj, [])]
    return _page("sim/record.html", attempt, run, 422 if errors else 200, obj=obj, rid=rid,
                 record=run.state["records"][obj][rid], related=related, errors=errors, submitted=submitted)


@bp.route("/sim/<int:attempt_id>/new/<obj>", methods=["GET", "POST"])
def create(attempt_id: int, obj: str):
    attempt, done = _open_object(attempt_id, obj)
    if done:
        return done
    errors, submitted = {}, {k[2:]: v for k, v in request.args.items() if k.startswith("f_")}  # prefilled links
    if request.method == "POST":
        submitted = values_from(obj, request.form)
        kind = "log_activity" if obj == "activity" else "create"
        action = {"type": kind, "fields": submitted}
        if kind == "create":
            action.update(object=obj, confirm_duplicate="confirm_duplicate" in request.form)
        outcome = svc.perform(current_user, attempt_id, action)
        if outcome.ok:
            flash(f"{OBJECTS[obj]['label']} created.", "success")
            back = request.form.get("next")
            if back and back.startswith(f"/me/sim/{attempt_id}/"):
                return redirect(back)
            return redirect(url_for("sim.record", attempt_id=attempt_id, obj=obj, rid=outcome.record_id))
        errors = outcome.errors
    run = svc.load_run(attempt)
    return _page("sim/form.html", attempt, run, 422 if errors else 200, obj=obj, errors=errors,
                 submitted=submitted or {}, next_url=request.values.get("next", ""))


@bp.post("/sim/<int:attempt_id>/rec/<obj>/<rid>/<any(delete, convert, merge):op>")
def record_op(attempt_id: int, obj: str, rid: str, op: str):
    _open_object(attempt_id, obj)
    if op == "delete":
        action = {"type": "delete", "object": obj, "id": rid}
    elif op == "convert":
        action = {"type": "convert_lead", "id": rid, "account_id": request.form.get("account_id") or None,
                  "opportunity_name": (request.form.get("opportunity_name") or "").strip() or None,
                  "close_date": request.form.get("close_date") or None,
                  "confirm_duplicate": "confirm_duplicate" in request.form}
    else:
        action = {"type": "merge", "object": obj, "master_id": rid, "duplicate_id": request.form.get("duplicate_id"),
                  "take_from_duplicate": request.form.getlist("take")}
    try:
        outcome = svc.perform(current_user, attempt_id, action)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("sim.record", attempt_id=attempt_id, obj=obj, rid=rid))
    if not outcome.ok:
        flash(" ".join(outcome.errors.values()), "error")
        return redirect(url_for("sim.record", attempt_id=attempt_id, obj=obj, rid=rid))
    flash({"delete": "Deleted.", "convert": "Lead converted.", "merge": "Records merged."}[op], "success")
    if op == "delete":
        return redirect(url_for("sim.list_view", attempt_id=attempt_id, obj=obj))
    target = ("contact", outcome.record_id) if op == "convert" else (obj, rid)
    return redirect(url_for("sim.record", attempt_id=attempt_id, obj=target[0], rid=target[1]))


@bp.post("/sim/<int:attempt_id>/members")
def add_members(attempt_id: int):
    _open(attempt_id)
    kind = "lead_ids" if request.form.get("obj") == "lead" else "contact_ids"
    try:
        outcome = svc.perform(current_user, attempt_id, {"type": "add_members",
                                                         "campaign_id": request.form.get("campaign_id"),
                                                         kind: request.form.getlist("selected"),
                                                         "status": request.form.get("status") or "Sent"})
    except ServiceError as error:
        flash(f"Choose a campaign and at least one person. ({error.message})", "error")
    else:
        flash(f"Added {outcome.result['added']} to the campaign." if outcome.ok else " ".join(outcome.errors.values()),
              "success" if outcome.ok else "error")
    return redirect(request.referrer if request.referrer and f"/me/sim/{attempt_id}/" in request.referrer
                    else url_for("sim.home", attempt_id=attempt_id))


@bp.route("/sim/<int:attempt_id>/reports", methods=["GET", "POST"])
def reports(attempt_id: int):
    attempt, done = _open(attempt_id)
    if done:
        return done
    rows, error, spec = None, None, {}
    if request.method == "POST":
        obj = request.form.get("object")
        filters = {k[2:]: v for k, v in request.form.items() if k.startswith("f_") and v}
        spec = {"type": "run_report", "object": obj, "filters": filters,
                "group_by": request.form.get("group_by") or None, "measure": request.form.get("measure") or None}
        try:
            rows = svc.perform(current_user, attempt_id, spec).result
        except ServiceError as exc:
            error = exc.message
    run = svc.load_run(attempt)
    return _page("sim/report.html", attempt, run, 422 if error else 200, rows=rows, error=error, spec=spec)


@bp.post("/sim/<int:attempt_id>/<any(hint, check, finish):op>")
def task(attempt_id: int, op: str):
    _open(attempt_id)
    try:
        if op == "hint":
            flash("Hint: " + svc.hint(current_user, attempt_id), "info")
        elif op == "check":
            svc.check_work(current_user, attempt_id)
            return redirect(url_for("sim.checks", attempt_id=attempt_id))
        else:
            svc.finish(current_user, attempt_id)
            return redirect(url_for("sim.result", attempt_id=attempt_id))
    except ServiceError as error:
        flash(error.message, "error")
    return redirect(request.referrer if request.referrer and f"/me/sim/{attempt_id}/" in request.referrer
                    else url_for("sim.home", attempt_id=attempt_id))


@bp.get("/sim/<int:attempt_id>/checks")
def checks(attempt_id: int):
    attempt, done = _open(attempt_id)
    if done:
        return done
    report = svc.check_work(current_user, attempt_id, record_it=False)
    return _page("sim/checks.html", attempt, svc.load_run(attempt), report=report)


@bp.get("/sim/<int:attempt_id>/result")
def result(attempt_id: int):
    attempt = svc.get_exercise_for(current_user, attempt_id)
    if attempt.status == "in_progress":
        return redirect(url_for("sim.home", attempt_id=attempt_id))
    return render_template("sim/result.html", attempt=attempt, scenario=svc.attempt_scenario(attempt),
                           report=svc.result(attempt), replay=svc.replay(attempt), brief=svc.brief(attempt),
                           back=url_for("trainee.home"), after=after_attempt(current_user, attempt.id))
