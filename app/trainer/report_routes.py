"""Trainer reports: item analytics, the adoption dashboard and every table as CSV."""
from flask import render_template
from flask_login import current_user

from app.charts import bar_chart, line_chart
from app.services import analytics as stats
from app.services import assignments, training
from app.services.access import get_person_for, get_unit_for, trainees_in_unit, visible_units
from app.services import crm_dashboard
from app.services.adoption import figures_for_view
from app.services.exports import csv_response
from app.services.skill_model import assess
from app.services.team import min_group_size
from app.trainer import bp
from app.trainer.routes import _active_trainees, _heat_by


@bp.get("/analytics")
def analytics():
    org = current_user.organisation_id
    return render_template("trainer/analytics.html", items=stats.item_stats(org), checks=stats.check_stats(org))


@bp.get("/analytics/<any(items, checks):which>.csv")
def analytics_csv(which: str):
    if which == "items":
        return csv_response("item-analytics.csv", ["item", "version", "type", "answers", "share_correct", "discrimination",
                                                   "question"],
                            ([r["key"], r["version"], r["type"], r["answers"], r["correct"], r["discrimination"], r["stem"]]
                             for r in stats.item_stats(current_user.organisation_id)))
    return csv_response("check-analytics.csv", ["check", "results", "mean_score", "failed", "fail_rate"],
                        ([r["check"], r["results"], r["mean"], r["failed"], r["fail_rate"]] for r in stats.check_stats(current_user.organisation_id)))


@bp.get("/heatmap.csv")
def heatmap_csv():
    heat = training.heatmap(visible_units(current_user), _heat_by(), min_group_size(current_user))
    rows = ([group, name, c["people"], c["weak"], c["unknown"], c["share"]] if "people" in c
            else [group, name, f"fewer than {heat['min_people']}", None, None, None]
            for key, group in heat["rows"] for slug, name in heat["skills"] if (c := heat["cells"].get((key, slug))))
    return csv_response(f"skill-gaps-by-{heat['by'].replace('_', '-')}.csv",
                        ["business_unit" if heat["by"] == "unit" else "job_role", "skill", "people_needing_it", "weak",
                         "unmeasured", "share_weak"], rows)


@bp.get("/units/<int:unit_id>/plan.csv")
def unit_plan_csv(unit_id: int):
    unit = get_unit_for(current_user, unit_id)
    plan, people = training.unit_plan(unit)
    rows = [[people[p].name, people[p].email, "instructor-led", s.module.title, s.suggested_date.isoformat()]
            for s in plan.sessions for p in s.people]
    rows += [[people[p].name, people[p].email, "eLearning", m.title, ""] for p, mods in plan.elearning.items() for m in mods]
    return csv_response(f"training-needs-{unit.id}.csv", ["person", "email", "delivery", "module", "suggested_date"], rows)


@bp.get("/units.csv")
def units_csv():
    units = visible_units(current_user)
    counts = _active_trainees(units)
    return csv_response("business-units.csv", ["business_unit", "active_trainees", "status"],
                        ([u.name, counts.get(u.id, 0), "active" if u.active else "inactive"] for u in units))


@bp.get("/units/<int:unit_id>/<any(people, assignments):which>.csv")
def unit_csv(unit_id: int, which: str):
    """The unit's people with their verdicts on required skills, or every assignment with its status."""

    unit = get_unit_for(current_user, unit_id)
    people = trainees_in_unit(unit)
    if which == "assignments":
        statuses = assignments.statuses_for_people(people)
        return csv_response(f"assignments-{unit.id}.csv", [
            "person", "email", "assignment", "kind", "for", "origin", "due_date", "done", "overdue", "note"],
            ([p.name, p.email, st.title, st.assignment.kind, st.assignment.target_type, st.assignment.origin,
              st.assignment.due_date.isoformat(), st.done, st.overdue, st.assignment.note]
             for p in people for st in statuses[p.id]))
    verdicts = training.required_verdicts(people)
    return csv_response(f"people-{unit.id}.csv", ["name", "email", "job_role", "active", "required_skills",
                                                  "proficient", "weak", "unmeasured", "weak_skills"],
                        ([p.name, p.email, p.job_role.name if p.job_role else "", p.active, len(v),
                          sum(x == "proficient" for x in v.values()), sum(x == "weak" for x in v.values()),
                          sum(x == "not_enough_evidence" for x in v.values()),
                          "; ".join(sorted(k for k, x in v.items() if x == "weak"))]
                         for p in people for v in [verdicts.get(p.id, {})]))


@bp.get("/people/<int:person_id>/profile.csv")
def person_csv(person_id: int):
    person = get_person_for(current_user, person_id)
    return csv_response(f"skill-profile-{person.id}.csv", [
        "skill", "mastery_probability", "target", "weight", "answers", "exercises", "verdict",
        "fades_below_target_in_days"],
        ([r["name"], r["probability"] if r["answers"] or r["exercises"] else None, r["target"], r["weight"],
          r["answers"], r["exercises"], r["verdict"], r["fades_in_days"]]
         for r in sorted(assess(person), key=lambda r: (-r["weight"], r["name"]))))


def indicator_titles() -> dict[str, str]:
    from app.crm.indicators import definitions

    return {d.key: d.title for d in definitions()}


def _adoption_data():
    """The dashboard over the units large enough for the viewer to see (the minimum group size);
    a module's before/after row over fewer people than that is left out too."""
    from app.services.team import units_large_enough

    units, withheld = units_large_enough(visible_units(current_user), current_user)
    data = figures_for_view(units)
    data["crm"] = crm_dashboard.usage(units)
    smallest = min_group_size(current_user)
    data["gains"] = [g for g in data["gains"] if g["people"] >= smallest]
    return units, withheld, data, smallest


@bp.get("/adoption")
def adoption():
    units, withheld, data, smallest = _adoption_data()
    names = {u.id: u.name for u in units}
    charts = {
        "participation": bar_chart("Share of trainees active in the last 30 days, by unit",
                                   [(names[u], v or 0.0) for u, v in data["participation"].items()], 1.0, True),
        "trend": line_chart("Average result of finished tests and exercises by month, per unit", data["months"],
                            {names[u]: v for u, v in data["trend"].items()}),
        "weak": bar_chart("Capabilities most often weak (people)", data["most_weak"]),
        "proficiency": line_chart("Share of the skills each role needs that are at target, by unit (month end)",
                                  data["proficiency"]["months"],
                                  {names[u]: v for u, v in data["proficiency"]["series"].items()}),
    }
    crm = data["crm"]
    if crm["measured"]:
        charts["crm_active"] = line_chart("Share of trainees who used the CRM, by unit and month", crm["months"],
                                          {names[u]: v for u, v in crm["active"].items()})
    titles = indicator_titles()
    charts["crm_trends"] = {key: line_chart(f"{titles.get(key, key)}, share by unit and month", crm["months"],
                                            {names[u]: v for u, v in series.items()})
                            for key, series in crm["trends"].items()}
    return render_template("trainer/adoption.html", data=data, charts=charts, names=names, withheld=withheld,
                           smallest=smallest, indicator_titles=titles)


@bp.get("/adoption/<any(units, proficiency, scores, weak, gains, crm):which>.csv")
def adoption_csv(which: str):
    """Every table of the adoption dashboard as CSV, with the same figures as the page."""

    units, _, data, _ = _adoption_data()
    names = {u.id: u.name for u in units}
    if which == "units":
        ttp = data["proficiency"]["time_to_proficiency"]
        return csv_response("adoption-by-unit.csv", [
            "business_unit", "active_last_30_days", "assignments", "assignments_done", "median_days_to_proficiency",
            "gaps_closed", "gaps_open"], ([names[u], data["participation"][u], data["completion"][u][1],
                                          data["completion"][u][0], ttp[u]["median_days"], ttp[u]["closed"],
                                          ttp[u]["open"]] for u in names))
    if which in ("proficiency", "scores"):
        months, series = ((data["proficiency"]["months"], data["proficiency"]["series"]) if which == "proficiency"
                          else (data["months"], data["trend"]))
        return csv_response(f"adoption-{which}-by-month.csv",
                            ["business_unit", "month", "share_at_target" if which == "proficiency" else "average_score"],
                            ([names[u], m, v] for u, values in series.items() for m, v in zip(months, values)))
    if which == "weak":
        return csv_response("adoption-most-weak.csv", ["skill", "people_weak"], data["most_weak"])
    if which == "crm":
        crm, titles = data["crm"], indicator_titles()
        rows = [[names[u], "active users (share)", m, v] for u, series in crm["active"].items()
                for m, v in zip(crm["months"], series)]
        rows += [[names[u], titles.get(key, key), m, v] for key, by_unit in crm["trends"].items()
                 for u, series in by_unit.items() for m, v in zip(crm["months"], series)]
        return csv_response("adoption-crm-by-month.csv", ["business_unit", "measure", "month", "share"], rows)
    return csv_response("adoption-gains.csv", ["module", "people", "score_before", "score_after"],
                        ([g["module"], g["people"], g["before"], g["after"]] for g in data["gains"]))
