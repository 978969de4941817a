"""Training paths per person and training-needs plans per business unit. Flask-free.

A person's path closes their weak skills only: weighted by the job role's objectives, ordered by
prerequisites and then by gap × weight, with a placement check first where the model has too
little evidence and refreshers ahead of mastered skills that are about to fade. Every step says
which gap (and how sure the model is) caused it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sklearn.cluster import KMeans  # imported once at start-up: the first import costs about a second
from sklearn.metrics import silhouette_score

from app.skills.curriculum import Module

REFRESH_HORIZON_DAYS = 30


@dataclass(frozen=True)
class SkillStatus:
    slug: str
    name: str
    probability: float | None
    evidence: float
    verdict: str  # proficient | weak | not_enough_evidence
    target: float
    weight: float
    fades_in_days: float | None = None
    answers: int = 0  # whole answers behind the estimate
    exercises: int = 0  # whole exercises behind the estimate
    # the CRM's word, where it measures the skill: "coaching" (shown in tests and exercises, not applied in
    # the CRM: coaching, not another course), "untrained" (applied in the CRM, never shown in tests)
    transfer: str = ""

    @property
    def priority(self) -> float:
        return max(0.0, self.target - (self.probability or 0.0)) * self.weight


@dataclass
class PathStep:
    module: Module
    reason: str
    skills: tuple[str, ...]
    purpose: str  # placement | training | prerequisite | review | refresher


@dataclass
class Path:
    steps: list[PathStep] = field(default_factory=list)
    # skills known and practised but not applied in the CRM: (status, what to do), never a course
    coaching: list[tuple[SkillStatus, str]] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(s.module.minutes for s in self.steps)


def describe_gap(status: SkillStatus) -> str:
    """The gap and the evidence behind it in one sentence, addressed to the trainee."""
    sure = f"{(status.probability or 0) * 100:.0f}%"
    return (f"{status.name}: the model is only {sure} sure you have mastered it (your role's target is "
            f"{status.target * 100:.0f}%), from {evidence_phrase(status.answers, status.exercises)}")


def plural(n: int, word: str) -> str:
    """'1 session', '3 sessions'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def evidence_phrase(answers: int, exercises: int) -> str:
    """'3 answers and 1 exercise': whole pieces of evidence, as a person counts them."""
    parts = [plural(n, word) for n, word in ((answers, "answer"), (exercises, "exercise")) if n]
    return " and ".join(parts) if parts else "no evidence yet"


def plan_path(statuses: list[SkillStatus], modules: list[Module], completed: set[str] = frozenset()) -> Path:
    by_id = {m.id: m for m in modules}
    relevant = [s for s in statuses if s.weight > 0]
    proficient = {s.slug for s in relevant if s.verdict == "proficient"}
    path = Path()
    chosen: dict[str, PathStep] = {}

    unknown = [s for s in relevant if s.verdict == "not_enough_evidence"]
    placement = next((m for m in modules if m.kind == "refresher_quiz"), None)
    if unknown and placement and placement.id not in completed:
        names = ", ".join(s.name for s in unknown)
        chosen[placement.id] = PathStep(placement, f"Not enough evidence yet about {names}: this short adaptive "
                                                   "check measures them first.", tuple(s.slug for s in unknown),
                                        "placement")

    def add(module: Module, reason: str, skills: tuple[str, ...], purpose: str) -> None:
        for pre in module.prerequisites:
            pre_module = by_id.get(pre)
            if pre_module and pre not in completed and pre not in chosen and not set(pre_module.skills) <= proficient:
                add(pre_module, f"Needed before “{module.title}”.", pre_module.skills, "prerequisite")
        if module.id not in completed and module.id not in chosen:
            chosen[module.id] = PathStep(module, reason, skills, purpose)

    for status in relevant:
        if status.transfer == "coaching":
            path.coaching.append((status, f"{status.name}: your tests and exercises show you know how, but your "
                                          "own CRM records show it is not yet how you work. A coaching conversation "
                                          "with your trainer or manager will help more than another course."))
    if placement and placement.id not in completed and placement.id not in chosen:
        untrained = [s for s in relevant if s.transfer == "untrained" and s.verdict != "proficient"]
        if untrained:
            names = ", ".join(s.name for s in untrained)
            chosen[placement.id] = PathStep(placement, f"Your CRM records show you already apply {names}: this short "
                                                       "adaptive check confirms it, so you are not sent on a course "
                                                       "you do not need.", tuple(s.slug for s in untrained), "placement")
    weak = sorted((s for s in relevant if s.verdict == "weak" and not s.transfer), key=lambda s: -s.priority)
    for status in weak:
        teaching = sorted((m for m in modules if status.slug in m.skills and m.kind in ("elearning", "exercise")),
                          key=lambda m: (m.kind != "elearning", m.minutes))
        for module in teaching:
            add(module, describe_gap(status), (status.slug,), "training")
        if teaching and all(m.id in completed for m in teaching) and teaching[0].id not in chosen:
            # everything that teaches it is done, yet the answers since still show the gap
            chosen[teaching[0].id] = PathStep(teaching[0], f"You completed it, but your answers since still show "
                                                           f"a gap. {describe_gap(status)}", (status.slug,), "review")
    for status in sorted(relevant, key=lambda s: s.fades_in_days or 1e9):
        if status.slug in proficient and status.fades_in_days is not None and status.fades_in_days <= REFRESH_HORIZON_DAYS:
            refresher = next((m for m in modules if m.kind == "refresher_quiz"), None)
            if refresher and refresher.id not in chosen:
                chosen[refresher.id] = PathStep(
                    refresher, f"{status.name} is likely to fade below your target in about "
                               f"{status.fades_in_days:.0f} days: a short refresher keeps it.", (status.slug,), "refresher")
    path.steps = _order(list(chosen.values()))
    return path


def _order(steps: list[PathStep]) -> list[PathStep]:
    """Placement first, then a topological order that keeps the priority order where it can."""
    placed, result = set(), []
    pending = sorted(steps, key=lambda s: s.purpose != "placement")
    while pending:
        for step in pending:
            if all(p not in {s.module.id for s in pending if s is not step} for p in step.module.prerequisites):
                result.append(step)
                placed.add(step.module.id)
                pending.remove(step)
                break
        else:  # a cycle in the catalogue: keep the remaining order rather than loop
            result.extend(pending)
            break
    return result


# --- business units ------------------------------------------------------------------------------------
@dataclass
class Session:
    module: Module
    skills: tuple[str, ...]
    people: list[int]
    suggested_date: date


@dataclass
class UnitPlan:
    people: int
    groups: list[dict]  # {"members": [...], "focus": [skill names]}
    sessions: list[Session]
    elearning: dict[int, list[Module]]  # person → modules
    needs: dict[str, list[int]]  # skill → people who need it
    hours: float
    gaps: dict[int, dict[str, SkillStatus]] = field(default_factory=dict)  # person → skill → the weak verdict
    coaching: dict[str, list[int]] = field(default_factory=dict)  # skill → people who know it but do not apply it


def _clusters(matrix: np.ndarray, ids: list[int]) -> list[list[int]]:
    distinct = len(np.unique(matrix, axis=0))
    if len(ids) < 4 or distinct < 2:
        return [ids]
    best, best_labels = -1.0, np.zeros(len(ids), dtype=int)
    for k in range(2, min(4, len(ids) - 1, distinct) + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(matrix)
        if len(set(labels)) < 2:
            continue
        # a sample keeps the O(n²) silhouette affordable for units of thousands of people
        score = silhouette_score(matrix, labels, sample_size=min(len(ids), 800), random_state=0)
        if score > best:
            best, best_labels = score, labels
    return [[ids[i] for i in np.flatnonzero(best_labels == g)] for g in sorted(set(best_labels))]


def plan_unit(people: dict[int, list[SkillStatus]], modules: list[Module], today: date,
              min_group: int = 4, min_share: float = 0.4, completed: dict[int, set[str]] | None = None) -> UnitPlan:
    """Group people with similar gap profiles; an instructor-led session where enough people share a
    gap, eLearning where few do. Nobody is given a module they have already completed (`completed`:
    person → module ids); a gap that outlived its module is their path's review step instead."""
    completed = completed or {}
    ids = sorted(people)
    skills = sorted({s.slug for statuses in people.values() for s in statuses if s.weight > 0})
    names = {s.slug: s.name for statuses in people.values() for s in statuses}
    column = {k: n for n, k in enumerate(skills)}
    matrix = np.zeros((len(ids), len(skills)))
    coaching: dict[str, list[int]] = {}
    for row, i in enumerate(ids):
        for s in people[i]:
            if s.transfer == "coaching" and s.weight > 0:
                coaching.setdefault(s.slug, []).append(i)  # not a training need: coaching
            elif s.verdict == "weak" and s.slug in column and not s.transfer:
                matrix[row, column[s.slug]] = s.priority
    needs = {k: [i for i, row in zip(ids, matrix) if row[n] > 0] for n, k in enumerate(skills)}
    groups = []
    position = {pid: n for n, pid in enumerate(ids)}
    for members in _clusters(matrix, ids):
        rows = matrix[[position[m] for m in members]]
        focus = [names[skills[n]] for n in np.argsort(-rows.mean(axis=0)) if rows[:, n].mean() > 0.05][:3]
        groups.append({"members": members, "focus": focus})
    sessions, elearning = [], {i: [] for i in ids}
    covered: dict[int, set[str]] = {i: set() for i in ids}
    slot = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # next Tuesday
    for module in [m for m in modules if m.kind == "instructor_led"]:
        group_needs = [k for k in module.skills if len(needs.get(k, [])) >= max(min_group, min_share * len(ids))]
        if not group_needs:
            continue
        attendees = sorted({i for k in group_needs for i in needs[k] if module.id not in completed.get(i, set())})
        if not attendees:
            continue
        sessions.append(Session(module, tuple(group_needs), attendees, slot))
        slot += timedelta(days=2 if slot.weekday() == 1 else 5)  # Tuesdays and Thursdays
        for i in attendees:
            covered[i] |= set(group_needs)
    for skill, who in needs.items():
        for i in who:
            course = next((m for m in modules if m.kind == "elearning" and skill in m.skills
                           and m.id not in completed.get(i, set())), None)
            if skill not in covered[i] and course and course not in elearning[i]:
                elearning[i].append(course)
    hours = (sum(s.module.minutes * len(s.people) for s in sessions)
             + sum(m.minutes for mods in elearning.values() for m in mods)) / 60
    gaps = {i: {s.slug: s for s in people[i] if s.verdict == "weak" and s.weight > 0 and not s.transfer} for i in ids}
    return UnitPlan(len(ids), groups, sessions, {i: m for i, m in elearning.items() if m}, needs, round(hours, 1), gaps,
                    coaching)
