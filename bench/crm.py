"""Evidence from the CRM, measured: from generated CRM exports whose truth is known (who applies which
skill in daily work), how well the behaviour indicators — as the app reads them, through the real
importer — recover who does not apply which skill; the same when behaviour is partly independent of
skill; and how fast an event log of 1,000,000 rows imports, in how much memory.

    python -m bench.crm [--people 300] [--months 4] [--events 1000000] [--database-url URL] [--json]

Truth: each person applies each skill with probability 0.6. A behaviour is done well with probability
0.9 by someone applying the skill its indicator names first, 0.35 otherwise (`app.crm.generator`); two
misspecified worlds: behaviour that needs every skill named, and behaviour half driven by a personal
diligence unrelated to skill. A person-skill is judged "not applied" when the last three measured months
of its indicators, pooled, are clearly below what someone applying it reaches (a 90 % interval;
`app.services.crm_evidence.applying`, what the transfer gap reads); too few occasions is "not enough evidence".
The skill model fitted on that CRM evidence alone (`flask skills fit`'s own fit) is read the same way:
a weak verdict is "not applied", "not enough evidence yet" no verdict.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

VARIANTS = (("behaviour follows its first skill (as read)", 0.0, False),
            ("behaviour needs every skill named", 0.0, True),
            ("half of behaviour independent of skill", 0.5, False))


def _app(workdir: Path, database_url: str):
    os.environ.update(UPTAKE_INSTANCE_PATH=str(workdir), SECRET_KEY="bench", UPTAKE_PASSWORD_HASH_METHOD="scrypt:1024:8:1",
                      DATABASE_URL=database_url or f"sqlite:///{workdir / 'crm.sqlite3'}")
    from app import create_app
    from config import Config

    return create_app(Config)


def _fresh(db):
    from flask_migrate import upgrade

    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()


def _organisation(db, people: int):
    from sqlalchemy import insert, select

    from app.models import Organisation, User
    from app.models.types import utcnow

    org = Organisation(name="Bench Co")
    db.session.add(org)
    db.session.flush()
    db.session.execute(insert(User), [dict(organisation_id=org.id, email=f"p{i}@bench.example", name=f"Person {i}",
                                           password_hash="!", role="trainee", active=True, session_version=1,
                                           created_at=utcnow()) for i in range(people)])
    db.session.commit()
    return org, list(db.session.execute(select(User.id, User.email).where(User.organisation_id == org.id)
                                        .order_by(User.id)))


def recovery(db, people: int, months: int, independence: float, needs_all: bool, seed: int) -> dict:
    from app.crm.generator import Person, crm_user_id, write_exports
    from app.crm.indicators import definitions
    from app.services import crm, crm_evidence

    _fresh(db)
    org, users = _organisation(db, people)
    rng = random.Random(seed)  # synthetic truth  # nosec B311
    measured_skills = sorted({d.skills[0] for d in definitions()})  # what the transfer gap judges
    truth = {uid: {s: rng.random() < 0.6 for s in measured_skills} for uid, _ in users}
    persons = [Person(crm_user_id(uid), email, email, truth[uid], cases=rng.random() < 0.4,
                      diligence=rng.random()) for uid, email in users]
    with tempfile.TemporaryDirectory(prefix="uptake-bench-crm-") as folder:
        counts = write_exports(persons, Path(folder), date.today(), months=months, seed=seed,
                               independence=independence, page_views=2, needs_all=needs_all)
        started = time.perf_counter()
        for name in ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityFieldHistory", "Task", "Event",
                     "Case", "EventLogFile_Login", "EventLogFile_LightningPageView", "EventLogFile_Report",
                     "EventLogFile_ReportExport"]:
            with (Path(folder) / f"{name}.csv").open("rb") as raw:
                run = crm.stage(None, org.id, raw, filename=name)
            crm.confirm(None, org.id, run.id, recompute_now=False)
        crm_evidence.recompute(org.id)
        seconds = time.perf_counter() - started
    rule = {uid: {slug: (None if slug not in seen or seen[slug]["applied"] is None else not seen[slug]["applied"])
                  for slug in measured_skills} for uid, seen in ((uid, crm_evidence.applying(uid)) for uid, _ in users)}
    model = _model_flags(db, users, measured_skills)
    return {"independence": independence, "people": people, "rows": sum(counts.values()), "import_seconds": seconds,
            **_scores(rule, truth), **{f"model_{k}": v for k, v in _scores(model, truth).items()}}


def _model_flags(db, users, skills) -> dict:
    """The skill model fitted on this CRM evidence alone (the app's own fit), its verdict per person and
    skill: weak → flagged as not applied, proficient → applied, "not enough evidence yet" → no verdict."""
    from app.models import User
    from app.services.content import ensure_taxonomy
    from app.services.skill_fit import fit_model
    from app.services.skill_model import assess

    ensure_taxonomy()
    db.session.commit()
    fit_model()
    flags = {}
    for uid, _ in users:
        verdicts = {r["slug"]: r["verdict"] for r in assess(db.session.get(User, uid))}
        flags[uid] = {s: {"weak": True, "proficient": False}.get(verdicts.get(s)) for s in skills}
    return flags


def _scores(flags: dict, truth: dict) -> dict:
    """Precision and recall of "does not apply", accuracy, and the share of person-skills given a verdict."""
    tp = fp = fn = tn = unjudged = 0
    for uid, by_skill in flags.items():
        for slug, flagged in by_skill.items():
            applies = truth[uid][slug]
            if flagged is None:
                unjudged += 1
                continue
            tp += flagged and not applies
            fp += flagged and applies
            fn += (not flagged) and not applies
            tn += (not flagged) and applies
    pairs = sum(len(by_skill) for by_skill in flags.values())
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1),
            "accuracy": (tp + tn) / max(tp + fp + fn + tn, 1), "measured_share": 1 - unjudged / max(pairs, 1)}


def scale(db, events: int) -> dict:
    """Import one LightningPageView event log of `events` rows (2,000 users), as the admin page and CLI do."""
    from app.services import crm

    _fresh(db)
    org, _ = _organisation(db, 1)
    with tempfile.TemporaryDirectory(prefix="uptake-bench-crm-scale-") as folder:
        path = Path(folder) / "EventLogFile_LightningPageView.csv"
        start = datetime.now(timezone.utc) - timedelta(days=30)
        with path.open("w", newline="") as f:
            out = csv.writer(f, quoting=csv.QUOTE_ALL)
            out.writerow(["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID", "PAGE_ENTITY_TYPE",
                          "PAGE_URL", "TIMESTAMP_DERIVED", "USER_ID_DERIVED"])
            for n in range(events):
                when = start + timedelta(seconds=n * 2.5)
                user = f"0055g{n % 2000:010d}"
                out.writerow(["LightningPageView", when.strftime("%Y%m%d%H%M%S.000"), f"TID:{n:012d}",
                              "00D5g000004Org1", user, "Opportunity", "/lightning/o/Opportunity/list",
                              when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), ""])
        size = path.stat().st_size
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with path.open("rb") as raw:
            run = crm.stage(None, org.id, raw, filename=path.name)
        staged = time.perf_counter() - started
        crm.confirm(None, org.id, run.id, recompute_now=False)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"events": run.events_new, "file_mb": size / 2 ** 20, "seconds": seconds, "stage_seconds": staged,
            "events_per_second": run.events_new / seconds, "peak_rss_mib": peak / 1024,
            "rss_growth_mib": (peak - before) / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--months", type=int, default=4)
    parser.add_argument("--events", type=int, default=1_000_000, help="rows of the event log imported at scale (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="uptake-crm-"))
    app = _app(workdir, args.database_url)
    from app.extensions import db

    result = {"database": "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite", "recovery": []}
    with app.app_context():
        if args.events:  # first, so that the peak memory it reports is the import's own
            result["scale"] = scale(db, args.events)
        for label, independence, needs_all in VARIANTS:
            row = recovery(db, args.people, args.months, independence, needs_all, args.seed)
            row["variant"] = label
            result["recovery"].append(row)
    if args.json:
        print(json.dumps(result))
        return 0
    from app.crm.indicators import definitions

    defined = definitions()
    print(f"Who does not apply which skill, from {args.months} months of generated CRM exports "
          f"({args.people} people, {len(defined)} indicators, {len({d.skills[0] for d in defined})} skills judged; "
          f"{result['database']}):")
    print(f"  {'truth':<42} {'reader':<34} {'precision':>9} {'recall':>7} {'accuracy':>9} {'judged':>7}")
    for r in result["recovery"]:
        for reader, prefix in (("indicator rule (the transfer gap)", ""), ("skill model fitted on CRM evidence", "model_")):
            print(f"  {r['variant']:<42} {reader:<34} {r[prefix + 'precision']:>9.3f} {r[prefix + 'recall']:>7.3f} "
                  f"{r[prefix + 'accuracy']:>9.3f} {r[prefix + 'measured_share']:>6.0%}")
    print("  (rows of CRM exports per world: " + ", ".join(f"{r['rows']:,} imported in {r['import_seconds']:.1f} s"
                                                        for r in result["recovery"]) + ")")
    if "scale" in result:
        s = result["scale"]
        print(f"Event log of {s['events']:,} rows ({s['file_mb']:.0f} MB): imported in {s['seconds']:.1f} s "
              f"({s['events_per_second']:,.0f} events/s; reading and staging {s['stage_seconds']:.1f} s), "
              f"peak RSS {s['peak_rss_mib']:.0f} MiB (grew {s['rss_growth_mib']:.0f} MiB during the import)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
