"""On-the-job observation: a trainer watches someone do the work in the real CRM and ticks, per
behaviour of a skill's checklist, seen done right or seen done wrong. Each tick is evidence for
the skill model, as a check is — provisional until the next fit calibrates it — so the verdict
moves at once. The checklists are content (`curriculum/observations.yaml`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select

from app.extensions import db
from app.models import Evidence, Observation, Skill, User
from app.services import audit
from app.services.access import get_person_for
from app.services.errors import NotFound, ValidationFailed
from app.services.text import one_line

CHECKLISTS = Path(__file__).resolve().parents[2] / "curriculum" / "observations.yaml"
GENERAL = "_general"
MARKS = {"yes": 1.0, "no": 0.0}
OLDEST_DAYS = 90  # an observation is recorded while it is fresh


@dataclass(frozen=True)
class Behaviour:
    key: str
    text: str


@lru_cache(maxsize=1)
def _checklists() -> dict[str, tuple[Behaviour, ...]]:
    raw = yaml.safe_load(CHECKLISTS.read_text(encoding="utf-8")) or {}
    return {slug: tuple(Behaviour(b["key"], b["text"]) for b in behaviours) for slug, behaviours in raw.items()}


def checklist(slug: str) -> tuple[Behaviour, ...]:
    """The skill's observable behaviours (the general checklist for a skill without its own)."""
    lists = _checklists()
    return lists.get(slug) or lists[GENERAL]


def check_key(slug: str, behaviour: str) -> str:
    return f"observation:{slug}:{behaviour}"


def title(key: str) -> str:
    """A stored observation key as people read it (explanations of a verdict)."""
    _, slug, behaviour = (key.split(":", 2) + ["", ""])[:3]
    text = next((b.text for b in checklist(slug) if b.key == behaviour), "a behaviour no longer on the checklist")
    return f"Observed on the job: {text}"


def record(actor: User, person_id: int, slug: str, marks: dict[str, str], observed_on: date | None = None,
           note: str = "") -> Observation:
    """Record what the actor saw `person_id` do: `marks` maps behaviour keys to "yes" (done right),
    "no" (done wrong) or "" (not seen). At least one behaviour must be seen; the date is today or
    up to 90 days back. The person's verdicts are refreshed at once."""
    from app.services.skill_model import refresh_person

    person = get_person_for(actor, person_id)  # NotFound outside the actor's reach
    if actor.role not in ("trainer", "admin") or person.role != "trainee" or person.id == actor.id:
        raise NotFound("No such person.")
    from app.services.ownership import visible

    skill = db.session.scalar(select(Skill).where(Skill.slug == slug, Skill.active.is_(True),
                                                  visible(Skill, actor.organisation_id)))
    if skill is None:
        raise ValidationFailed("Choose a skill to observe.", field="skill")
    known = {b.key for b in checklist(slug)}
    unknown = [k for k in marks if k not in known]
    if unknown or any(v not in ("yes", "no", "") for v in marks.values()):
        raise ValidationFailed("Mark each behaviour as done right, done wrong or not seen.", field="marks")
    seen = {k: MARKS[v] for k, v in marks.items() if v}
    if not seen:
        raise ValidationFailed("Mark at least one behaviour you saw (done right or done wrong).", field="marks")
    today = datetime.now(timezone.utc).date()
    observed_on = observed_on or today
    if not today - timedelta(days=OLDEST_DAYS) <= observed_on <= today:
        raise ValidationFailed(f"Give the day you observed it: today or up to {OLDEST_DAYS} days ago.",
                               field="observed_on")
    when = datetime.now(timezone.utc) if observed_on == today else datetime.combine(observed_on, time(12),
                                                                                    tzinfo=timezone.utc)
    observation = Observation(user_id=person.id, observer_id=actor.id, skill_id=skill.id, observed_at=when,
                              note=one_line(note, "Note", 1000, field="note") if note.strip() else "")
    db.session.add(observation)
    db.session.flush()
    db.session.add_all([Evidence(user_id=person.id, source="observation", observation_id=observation.id,
                                 check_key=check_key(slug, key), skills=[slug], score=score, occurred_at=when)
                        for key, score in sorted(seen.items())])
    db.session.commit()
    audit.record("observation.recorded", target=person.email, actor=actor,
                 detail={"skill": skill.name, "done right": sum(s == 1.0 for s in seen.values()),
                         "done wrong": sum(s == 0.0 for s in seen.values())})
    refresh_person(person)
    return observation


def for_person(person: User) -> list[dict]:
    """The person's observations, newest first, each with its skill, observer and ticks."""
    rows = db.session.execute(select(Observation, Skill.slug, Skill.name, User.name)
                              .join(Skill, Skill.id == Observation.skill_id)
                              .join(User, User.id == Observation.observer_id)
                              .where(Observation.user_id == person.id)
                              .order_by(Observation.observed_at.desc(), Observation.id.desc())).all()
    if not rows:
        return []  # no second query for the (usual) person nobody has observed
    marks = {}
    for e in db.session.scalars(select(Evidence).where(Evidence.observation_id.in_([r[0].id for r in rows]))):
        marks.setdefault(e.observation_id, {})[e.check_key.rsplit(":", 1)[1]] = e.score
    out = []
    for observation, slug, skill_name, observer in rows:
        ticks = marks.get(observation.id, {})
        out.append({"observation": observation, "skill": skill_name, "observer": observer,
                    "right": [b.text for b in checklist(slug) if ticks.get(b.key) == 1.0],
                    "wrong": [b.text for b in checklist(slug) if ticks.get(b.key) == 0.0]})
    return out
