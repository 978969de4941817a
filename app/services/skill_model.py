"""The skill model in the app: read the fitted model from the database and keep each person's
mastery estimates current (fitting it from all evidence is `skill_fit`).

Model "items" are quiz items (by key) and scenario checks (`check:<key>`); their Q-matrix rows are
the skills recorded with the evidence. Every piece of evidence counts the moment it is recorded:
items and checks the fitted model has not calibrated yet are read with provisional priors
(`app.skills.priors`) until the background worker's next refit calibrates them (`app.services.jobs`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from flask import current_app
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import Evidence, Item, MasteryEstimate, MasteryHistory, Objective, Skill, User
from app.models.types import utcnow
from app.services.simulation import check_title
from app.services import model_store
from app.services.sql import upsert
from app.skills import persistence
from app.skills.adaptive import open_skills, select_next
from app.skills.person import at, days_until_below, explain, mastery, state_from, verdict
from app.skills.person import evidence as evidence_weight
from app.skills.priors import CalibratedRates, extend, prior_model

MIN_OBSERVATIONS = 50
DEFAULT_TARGET = 0.8
_cache: dict[str, object] = {}


def half_life() -> float:
    return float(current_app.config.get("SKILL_HALF_LIFE_DAYS", 180))


def _days(when: datetime, origin: datetime) -> float:
    return (when - origin).total_seconds() / 86400.0


def evidence_key(item_key: str | None, check_key: str | None) -> str:
    return item_key if item_key is not None else f"check:{check_key}"


def current_bundle() -> tuple[dict | None, dict | None]:
    """The stored model (reloaded by this process only when the model in use changes), or (None, None)
    before the first fit."""
    head = model_store.head()
    if head is None:
        return None, None
    if _cache.get("sha") != head.sha256:
        try:
            bundle, card = model_store.load(head)
        except persistence.ModelFileError as error:
            current_app.logger.warning("skill model not loaded: %s", error)
            return None, None
        _cache.update(sha=head.sha256, bundle=bundle, card=card,
                      index={k: i for i, k in enumerate(bundle["keys"])},
                      rates=CalibratedRates.of(bundle["model"], _kinds(bundle["keys"])))
    return _cache["bundle"], _cache["card"]


def scoring_bundle() -> dict | None:
    """What person scoring reads: the fitted model with its key index and provisional-prior rates or,
    before the first fit, a prior-only model over the active skills (`priors.prior_model`) so that a
    new deployment's verdicts move from the first answer. None when there are no active skills, or
    when the saved model fails to load."""
    bundle, _ = current_bundle()
    if bundle is not None:
        return {**bundle, "index": _cache["index"], "rates": _cache["rates"], "calibrated": True}
    if model_store.head() is not None:
        return None  # a fitted model exists but does not load (tampered, half-written): never guess past it
    skills = tuple(db.session.scalars(select(Skill.slug).where(Skill.active.is_(True)).order_by(Skill.slug)))
    if not skills:
        return None
    if _cache.get("prior_skills") != skills:
        model, rates = prior_model(len(skills))
        _cache.update(prior_skills=skills, prior={"model": model, "keys": [], "skills": list(skills), "index": {},
                                                  "rates": rates, "calibrated": False})
    return _cache["prior"]


def calibrated_items() -> frozenset[str]:
    """The questions the fitted model has calibrated (none before the first fit)."""
    bundle = scoring_bundle()
    if bundle is None or not bundle["calibrated"]:
        return frozenset()
    return frozenset(k for k in bundle["index"] if not k.startswith("check:"))


def _kinds(keys: list[str]) -> list[str]:
    """Each model key's kind for provisional priors: the quiz item's type, or "check"."""
    types = dict(db.session.execute(select(Item.key, Item.type).where(
        Item.key.in_([k for k in keys if not k.startswith("check:")]))).all())
    return ["check" if k.startswith("check:") else types.get(k, "unknown") for k in keys]


def objectives_for(user: User) -> dict[str, tuple[float, float]]:
    """skill slug → (target, weight) for the user's job role, unit overrides winning."""
    if user.job_role_id is None:
        return {}
    rows = db.session.execute(select(Skill.slug, Objective.target, Objective.weight, Objective.business_unit_id)
                              .join(Objective.skill).where(Objective.job_role_id == user.job_role_id)).all()
    result: dict[str, tuple[float, float]] = {}
    for slug, target, weight, unit_id in sorted(rows, key=lambda r: r[3] is not None):
        if unit_id is None or unit_id == user.business_unit_id:
            result[slug] = (target, weight)
    return result


@dataclass
class PersonEvidence:
    """A person's evidence as the model scores it: calibrated items by their model index, items and
    checks the model has not calibrated yet by provisional rows appended after them (`app.skills.priors`)."""

    model: object  # MasteryModel, or a ScoringModel with provisional rows
    rows: list  # (evidence id, item key, check key, score, occurred_at, item stem, source, attempt id)
    items: list[int]
    provisional: int  # how many of the rows are read with provisional (uncalibrated) settings


def person_evidence(user_id: int, bundle: dict, until: datetime | None = None,
                    leave_out: tuple[str, ...] = ()) -> PersonEvidence:
    """`bundle` comes from `scoring_bundle()`; `leave_out` names evidence sources not to read (such as
    "crm", for what tests and exercises alone say)."""
    index, skills = bundle["index"], bundle["skills"]
    column = {slug: k for k, slug in enumerate(skills)}
    query = (select(Evidence.id, Item.key, Evidence.check_key, Evidence.score, Evidence.occurred_at, Item.stem,
                    Evidence.source, Evidence.attempt_id, Evidence.skills, Item.type)
             .outerjoin(Item, Item.id == Evidence.item_id).where(Evidence.user_id == user_id))
    if until is not None:
        query = query.where(Evidence.occurred_at <= until)
    if leave_out:
        query = query.where(Evidence.source.not_in(leave_out))
    rows, items, new_keys, new_q, new_kinds = [], [], {}, [], []
    for r in db.session.execute(query.order_by(Evidence.occurred_at, Evidence.id)).all():
        key = evidence_key(r[1], r[2])
        if key in index:
            items.append(index[key])
        else:
            tags = [column[t] for t in (r[8] or []) if t in column]
            if not tags:
                continue  # measures no skill the model knows
            if key not in new_keys:
                new_keys[key] = len(index) + len(new_keys)
                q_row = np.zeros(len(skills), dtype=np.int64)
                q_row[tags] = 1
                new_q.append(q_row)
                new_kinds.append("check" if r[2] is not None else (r[9] or "unknown"))
            items.append(new_keys[key])
        rows.append(tuple(r[:8]))
    model = bundle["model"]
    if new_keys:
        model = extend(model, bundle["rates"], np.array(new_q), new_kinds)
    return PersonEvidence(model, rows, items, sum(1 for i in items if i >= len(index)))


def evidence_title(check_key: str) -> str:
    """What a piece of evidence without a question stem was: an exercise's check or an observation."""
    if check_key.startswith("observation:"):
        from app.services.observations import title

        return title(check_key)
    if check_key.startswith("crm:"):
        from app.services.crm_evidence import evidence_title as crm_title

        return crm_title(check_key)
    return check_title(check_key)


def whole_counts(model, rows: list, items: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per skill: how many answers (quiz and lesson-check questions), how many exercises (finished
    simulated CRM attempts) and how many months of CRM indicators measured it — what a person reads as
    "based on 3 answers, 1 exercise and 2 months measured in the CRM"."""
    answers = np.zeros(model.n_skills_, dtype=np.int64)
    in_crm = np.zeros(model.n_skills_, dtype=np.int64)
    exercise_sets: list[set] = [set() for _ in range(model.n_skills_)]
    for r, item in zip(rows, items):
        measured = np.flatnonzero(model.q_matrix_[item])
        if r[6] == "scenario":
            for k in measured:
                exercise_sets[k].add(r[7])
        elif r[6] == "crm":
            in_crm[measured] += 1
        elif r[6] != "observation":  # an on-the-job observation is neither an answer nor an exercise
            answers[measured] += 1
    return answers, np.array([len(e) for e in exercise_sets], dtype=np.int64), in_crm


def crm_details(evidence_ids: list[int]) -> dict[int, str]:
    """Evidence id → "7 of 9 in Nov 2026" for CRM indicator evidence (what "Why?" shows beside it)."""
    if not evidence_ids:
        return {}
    from app.models import CrmIndicator

    rows = db.session.execute(select(Evidence.id, CrmIndicator.numerator, CrmIndicator.denominator, CrmIndicator.period)
                              .join(CrmIndicator, CrmIndicator.id == Evidence.crm_indicator_id)
                              .where(Evidence.id.in_(evidence_ids))).all()
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return {i: f"{n} of {d} in {months[int(p[5:7]) - 1]} {p[:4]}" for i, n, d, p in rows}


def _crm_lines(model, skill: int, rows: list, items: list[int], details: dict[int, str]) -> list[dict]:
    """The newest month of each CRM indicator that measures the skill: "does it", beside the
    answers and exercises that say "knows it" and "can do it"."""
    newest: dict[str, dict] = {}
    for r, item in zip(rows, items):
        if r[6] == "crm" and model.q_matrix_[item, skill]:
            newest[r[2]] = {"what": evidence_title(r[2]), "detail": details.get(r[0], ""), "score": r[3]}
    return sorted(newest.values(), key=lambda line: line["what"])


def assess(user: User, now: datetime | None = None, explain_top: int = 0, as_of: bool = False,
           leave_out: tuple[str, ...] = ()) -> list[dict]:
    """Mastery, verdict, gap and (optionally) the evidence behind it, for every skill. With `as_of`,
    only evidence up to `now` counts: what the model would have said on that day."""
    bundle = scoring_bundle()
    now = now or utcnow()
    objectives = objectives_for(user)
    from app.services.ownership import visible

    # the shipped taxonomy and the person's organisation's own skills: never another organisation's
    names = dict(db.session.execute(select(Skill.slug, Skill.name).where(visible(Skill, user.organisation_id))).all())
    if bundle is None:
        return [{"slug": s, "name": n, "probability": None, "evidence": 0.0, "verdict": "not_enough_evidence",
                 "target": objectives.get(s, (DEFAULT_TARGET, 0.0))[0], "weight": objectives.get(s, (0, 0.0))[1],
                 "gap": None, "fades_in_days": None, "explanation": [], "provisional": 0, "answers": 0, "exercises": 0,
                 "in_crm": 0, "transfer": ""}
                for s, n in sorted(names.items())]
    evidence = person_evidence(user.id, bundle, now if as_of else None, leave_out)
    model, known, items, provisional = evidence.model, evidence.rows, evidence.items, evidence.provisional
    origin = known[0][4] if known else now
    scores = [r[3] for r in known]
    times = [_days(r[4], origin) for r in known]
    t_now = _days(now, origin)
    state = state_from(model, items, scores, times, half_life())
    probabilities = mastery(model, state, t_now, half_life())
    weights = evidence_weight(model, state, t_now, half_life())
    answers, exercises, in_crm = whole_counts(model, known, items)
    details = crm_details([r[0] for r in known if r[6] == "crm"]) if explain_top else {}
    result = []
    for k, slug in enumerate(bundle["skills"]):
        if slug not in names:
            continue
        target, weight = objectives.get(slug, (DEFAULT_TARGET, 0.0))
        p, ev = float(probabilities[k]), float(weights[k])
        row = {"slug": slug, "name": names.get(slug, slug), "probability": p, "evidence": ev,
               "answers": int(answers[k]), "exercises": int(exercises[k]), "in_crm": int(in_crm[k]),
               "verdict": verdict(p, ev, target), "target": target, "weight": weight, "gap": max(0.0, target - p),
               "fades_in_days": None, "explanation": [], "crm": [], "provisional": provisional, "transfer": ""}
        if row["verdict"] == "proficient":
            row["fades_in_days"] = days_until_below(model, state, k, target, t_now, half_life())
        if explain_top:
            row["crm"] = _crm_lines(model, k, known, items, details)
            for c in explain(model, k, items, scores, times, t_now, half_life(), top=explain_top):
                r = known[c.index]
                row["explanation"].append({"what": r[5] or evidence_title(r[2]), "score": c.score, "when": r[4],
                                           "detail": details.get(r[0], ""),
                                           "effect": c.log_odds, "provisional": items[c.index] >= len(bundle["index"])})
        result.append(row)
    if not leave_out and any(r["in_crm"] for r in result):
        from app.services.crm_evidence import mark_transfer

        mark_transfer(user, result, now, as_of)
    return result


def refresh_person(user: User, attempt_id: int | None = None) -> list[dict]:
    """Store the person's current estimates, log changed verdicts, and assign a refresher ahead of a
    required skill that is about to fade (`assignments.schedule_refresher`)."""
    from app.services.assignments import schedule_refresher

    rows = assess(user)
    ids = dict(db.session.execute(select(Skill.slug, Skill.id)).all())
    now = utcnow()
    before = dict(db.session.execute(select(MasteryEstimate.skill_id, MasteryEstimate.verdict)
                                     .where(MasteryEstimate.user_id == user.id)).all())
    log_verdicts(user.id, {ids[r["slug"]]: r for r in rows if r["probability"] is not None and r["slug"] in ids},
                 before, now, attempt_id)
    upsert(MasteryEstimate, [{"user_id": user.id, "skill_id": ids[r["slug"]], "probability": r["probability"],
                              "evidence": r["evidence"], "answers": r["answers"], "exercises": r["exercises"],
                              "target": r["target"], "verdict": r["verdict"], "transfer": r["transfer"],
                              "updated_at": now}
                             for r in rows if r["probability"] is not None and r["slug"] in ids],
           keys=["user_id", "skill_id"])
    db.session.commit()
    schedule_refresher(user, rows)
    return rows


def on_evidence(attempt, user: User) -> None:
    """New graded evidence moves the person's verdicts at once (calibrated or provisional rows)."""
    refresh_person(user, attempt.id)


def log_verdicts(user_id: int, rows: dict[int, dict], before: dict[int, str], when: datetime,
                 attempt_id: int | None = None) -> int:
    """Add a history row for each skill whose verdict differs from `before` (skill id → verdict),
    closing the row it replaces and naming the attempt that caused the change, if any."""
    changed = [MasteryHistory(user_id=user_id, skill_id=skill_id, probability=r["probability"], target=r["target"],
                              verdict=r["verdict"], previous_verdict=before.get(skill_id), recorded_at=when,
                              attempt_id=attempt_id)
               for skill_id, r in rows.items() if before.get(skill_id) != r["verdict"]]
    if changed:
        db.session.execute(update(MasteryHistory).where(
            MasteryHistory.user_id == user_id, MasteryHistory.skill_id.in_([c.skill_id for c in changed]),
            MasteryHistory.superseded_at.is_(None)).values(superseded_at=when))
        db.session.add_all(changed)
    return len(changed)


@dataclass(frozen=True)
class VerdictChange:
    skill: str
    before: str | None  # None: the first verdict ever
    after: str
    probability: float


def changes_from(attempt_id: int) -> list[VerdictChange]:
    """The verdicts this graded quiz or exercise changed ("Data quality: weak → proficient"); a
    first verdict that is only "not enough evidence yet" is not a change worth telling."""
    rows = db.session.execute(select(Skill.name, MasteryHistory.previous_verdict, MasteryHistory.verdict,
                                     MasteryHistory.probability).join(Skill, Skill.id == MasteryHistory.skill_id)
                              .where(MasteryHistory.attempt_id == attempt_id).order_by(Skill.name)).all()
    return [VerdictChange(name, before, after, probability) for name, before, after, probability in rows
            if not (before is None and after == "not_enough_evidence")]


def people_without_history(everyone: bool = False) -> list[User]:
    """Trainees whose verdict history starts after the day of their first answer (their evidence
    predates it), or every trainee with evidence."""
    first_answer = dict(db.session.execute(select(Evidence.user_id, func.min(Evidence.occurred_at))
                                           .group_by(Evidence.user_id)).all())
    first_verdict = dict(db.session.execute(select(MasteryHistory.user_id, func.min(MasteryHistory.recorded_at))
                                            .group_by(MasteryHistory.user_id)).all())
    people = db.session.scalars(select(User).where(User.role == "trainee", User.id.in_(list(first_answer)))
                                .order_by(User.id))
    return [p for p in people if everyone or p.id not in first_verdict
            or first_verdict[p.id].date() > first_answer[p.id].date()]


def rebuild_history(user: User, now: datetime | None = None) -> int:
    """Replay the person's evidence day by day with the current model and objectives, replacing
    their verdict history (for data that predates the history, or after a refit). Returns the rows."""
    now = now or utcnow()
    days = sorted({d for d in db.session.scalars(select(Evidence.occurred_at).where(Evidence.user_id == user.id))})
    ids = dict(db.session.execute(select(Skill.slug, Skill.id)).all())
    db.session.execute(delete(MasteryHistory).where(MasteryHistory.user_id == user.id))
    # one snapshot after the last answer of each day with answers, and one now (skills fade meanwhile)
    ends = [d for n, d in enumerate(days) if n + 1 == len(days) or days[n + 1].date() != d.date()] + [now]
    verdicts: dict[int, str] = {}
    written = 0
    for end in ends:
        rows = {ids[r["slug"]]: r for r in assess(user, now=end, as_of=True)
                if r["probability"] is not None and r["slug"] in ids}
        written += log_verdicts(user.id, rows, verdicts, end)
        db.session.flush()
        verdicts.update({k: r["verdict"] for k, r in rows.items()})
    db.session.commit()
    return written


def refresh_all() -> int:
    people = list(db.session.scalars(select(User).where(User.role == "trainee", User.active.is_(True))))
    for person in people:
        refresh_person(person)
    return len(people)


def next_adaptive_item(user: User, answered: list[tuple[str, float]], pool: list[str], skills: list[str],
                       confidence: float) -> str | None:
    """The most informative next item from `pool` given the person's evidence plus this attempt's
    answers so far; None once every skill is classified (or the model cannot help)."""
    bundle = scoring_bundle()
    if bundle is None:
        return None
    index = bundle["index"]
    evidence = person_evidence(user.id, bundle)
    model, known = evidence.model, evidence.rows
    now = utcnow()
    origin = known[0][4] if known else now
    items = evidence.items + [index[k] for k, _ in answered if k in index]
    scores = [r[3] for r in known] + [s for k, s in answered if k in index]
    t_now = _days(now, origin)
    times = [_days(r[4], origin) for r in known] + [t_now for k, _ in answered if k in index]
    state = at(state_from(model, items, scores, times, half_life()), t_now, half_life())
    wanted = [bundle["skills"].index(s) for s in skills if s in bundle["skills"]]
    asked = {k for k, _ in answered}
    candidates = [index[k] for k in pool if k in index and k not in asked]
    still_open = open_skills(model, state, wanted, candidates, confidence)
    if not still_open:
        return None
    choice = select_next(model, state, candidates, wanted, confidence, still_open)
    return bundle["keys"][choice] if choice is not None else None
