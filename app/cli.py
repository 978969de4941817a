"""Explicit CLI steps (nothing runs as a side effect of create_app)."""
from __future__ import annotations

import io

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo organisation.")


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo organisation, its people and the skill taxonomy (idempotent)."""
    from app.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    from app.services.demo_history import load_history, load_objectives

    created = load_demo()
    click.echo(f"Demo organisation ready ({created['users']} users created this time).")
    click.echo(f"Objectives added: {load_objectives()}. Trainees given a past: {load_history()}.")
    click.echo("Demo accounts (password: %s):" % DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<24} {account.role:<8} {account.description}")


content_cli = AppGroup("content", help="The item bank and quiz forms.")
quizzes_cli = AppGroup("quizzes", help="Quiz attempts.")


@demo_cli.command("crm")
def demo_crm() -> None:
    """Generate four months of CRM exports from the demo trainees' skill profiles and import them."""
    from app.services.demo_crm import load_crm

    counts = load_crm()
    click.echo(f"Demo CRM history: {counts['events']} new events ({counts['known']} already imported), "
               f"{counts['records']} records; {counts['people']} people with changed CRM evidence.")


@content_cli.command("load")
def content_load() -> None:
    """Load or update the item bank and quizzes (idempotent; item ids stay stable)."""
    from app.services.content import load_content

    from app.services.simulation import SCENARIO_DIR
    from app.skills.taxonomy import SKILL_SLUGS
    from simulations.scenario import load_scenarios, scenario_files

    summary = load_content()
    scenarios, scenario_problems = load_scenarios(scenario_files(SCENARIO_DIR), SKILL_SLUGS)
    click.echo(f"Items: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
               f"{summary.deactivated} retired. Quizzes: {summary.quizzes}. Exercises: {len(scenarios)}.")
    problems = [*summary.problems, *scenario_problems]
    for problem in problems:
        click.echo(f"  problem: {problem}", err=True)
    if problems:
        raise SystemExit(1)


@quizzes_cli.command("sweep")
def quizzes_sweep() -> None:
    """Close and grade timed attempts whose deadline has passed."""
    from app.services.attempts import sweep_expired

    click.echo(f"Closed {sweep_expired()} expired attempt(s).")


skills_cli = AppGroup("skills", help="The skill model.")


@skills_cli.command("fit")
def skills_fit() -> None:
    """Refit the skill model from all evidence (the app keeps serving the previous model meanwhile)."""
    from flask import current_app

    from app.services.errors import ServiceError
    from app.services.skill_fit import fit_model

    with click.progressbar(length=current_app.config.get("SKILL_MAX_ITER", 500), label="Fitting",
                           show_pos=True) as bar:
        def progress(iteration: int, loglik: float) -> None:
            bar.label = f"Fitting (log-likelihood {loglik:,.1f})"
            bar.update(1)
        try:
            card = fit_model(progress=progress)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
    validation = card.get("validation") or {}
    click.echo(f"Fitted on {card['responses']} answers from {card['persons']} people "
               f"({card['items_and_checks']} items and checks, {len(card['skills'])} skills, "
               f"{card['iterations']} iterations)."
               + (f" On people held out of the fit: AUC {validation['auc']:.3f}, log loss {validation['logloss']:.3f}."
                  if validation else ""))


@skills_cli.command("refresh")
def skills_refresh() -> None:
    """Re-estimate everyone now (skills fade without new evidence): logs changed verdicts and assigns
    refreshers ahead of predicted fades. Run it daily, e.g. from cron."""
    from app.services.skill_model import refresh_all, scoring_bundle

    if scoring_bundle() is None:
        raise click.ClickException("No active skills to estimate (or more than the model can hold).")
    click.echo(f"Refreshed the estimates of {refresh_all()} trainee(s).")


@skills_cli.command("history")
@click.option("--rebuild", is_flag=True, help="Rebuild everyone's history, not only where it is missing.")
def skills_history(rebuild: bool) -> None:
    """Replay evidence that predates the verdict history (day by day, current model and objectives)."""
    from app.services.skill_model import people_without_history, rebuild_history, scoring_bundle

    if scoring_bundle() is None:
        raise click.ClickException("No active skills to estimate (or more than the model can hold).")
    people = people_without_history(everyone=rebuild)
    rows = sum(rebuild_history(person) for person in people)
    click.echo(f"Verdict history rebuilt for {len(people)} trainee(s): {rows} change(s) recorded.")


worker_cli = AppGroup("worker", help="The background worker: sweeps, daily refresh and calibration.")


@worker_cli.command("run")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then stop.")
@click.option("--tick", default=5.0, show_default=True, help="Seconds between looks for due jobs.")
def worker_run(once: bool, tick: float) -> None:
    """Run background jobs as they fall due. Start one per machine; leases in the database make
    each job run once per interval however many workers share it. Stops cleanly on SIGTERM/SIGINT."""
    import signal
    import threading

    from flask import g

    from app.extensions import db
    from app.services.jobs import holder_name, run_due

    stop = threading.Event()
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"Uptake worker {holder_name()} started (tick {tick:g} s).")
    while True:
        for name, message in run_due().items():
            click.echo(f"{name}: {message}")
        db.session.remove()
        g.pop("tailored_stamp", None)  # the worker's one app context lives on: read tailored exercises afresh
        if once or stop.wait(tick):
            break
    if not once:
        click.echo("Uptake worker stopped.")


@worker_cli.command("status")
def worker_status() -> None:
    """When each background job last ran and how it went."""
    from app.services.jobs import JOBS, status

    rows = {r.name: r for r in status()}
    for job in JOBS:
        r = rows.get(job.name)
        if r is None or r.last_started_at is None:
            click.echo(f"{job.name:<18} never ran")
            continue
        running = f" — running on {r.holder} until {r.lease_until:%H:%M}" if r.lease_until else ""
        click.echo(f"{job.name:<18} last started {r.last_started_at:%Y-%m-%d %H:%M} UTC, "
                   f"{r.last_status or 'running'}: {r.last_message or ''}{running}")


org_cli = AppGroup("org", help="Organisations.")


@org_cli.command("create")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--admin-email", required=True, help="Its first admin's email address.")
@click.option("--admin-name", required=True, help="Its first admin's name.")
@click.option("--time-zone", default="UTC", show_default=True, help="An IANA time zone, e.g. Europe/London.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Where people reach Uptake (the activation link starts with it).")
def org_create(name: str, admin_email: str, admin_name: str, time_zone: str, base_url: str) -> None:
    """Create an organisation and its first admin, and print the admin's activation link (valid
    for a limited time; an admin of the organisation can issue a new one)."""
    from app.extensions import db
    from app.services.errors import ServiceError
    from app.services.organisations import Settings, create_organisation
    from app.services.user_import import reissue_invitation

    try:
        organisation, admin = create_organisation(Settings(name, time_zone), admin_email, admin_name)
        link = reissue_invitation(admin, admin, base_url)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Organisation {organisation.name} created (time zone {organisation.time_zone}).")
    click.echo(f"{admin.name} <{admin.email}> is its admin; an activation email is queued for the worker, "
               "and they can also set a password at:")
    click.echo(f"  {link}")


crm_cli = AppGroup("crm", help="Evidence from the real CRM.")


class _Counted(io.RawIOBase):
    """A binary file that tells a progress bar how many bytes have been read."""

    def __init__(self, raw, bar):
        super().__init__()
        self.raw, self.bar = raw, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer) or 0
        self.bar.update(count)
        return count


@crm_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_name", required=True, help="The organisation's name.")
@click.option("--object", "object_type", default="", help="For a record export whose columns do not say: "
              "Opportunity, Task, Event, Lead, Contact, Account, Case or User.")
@click.option("--dry-run", is_flag=True, help="Read and report only; nothing is kept.")
def crm_import(path: str, org_name: str, object_type: str, dry_run: bool) -> None:
    """Import a CRM export (any format the admin page reads), streaming it with a progress bar, then
    recompute the organisation's indicators. Unmatched CRM users are listed, and their events kept."""
    import os
    import sys

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Organisation
    from app.services import crm
    from app.services.errors import ServiceError

    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
    if org is None:
        raise click.ClickException(f"No organisation is called {org_name!r}.")
    try:
        with open(path, "rb") as raw, click.progressbar(length=os.path.getsize(path), label="Reading",
                                                        file=sys.stderr) as bar:
            run = crm.stage(None, org.id, io.BufferedReader(_Counted(raw, bar)), filename=os.path.basename(path), object_type=object_type)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    users = run.summary["users"]
    unmatched = [u for u in users if u["person_id"] is None and not u["ignored"]]
    click.echo(f"{run.rows} rows: {run.events_new} new events, {run.events_known} already imported, "
               f"{run.records} records, {run.problem_count} rows not read.")
    for problem in run.summary["problems"]:
        click.echo(f"  {problem}")
    for kind, count in run.summary["skipped"].items():
        click.echo(f"  not read: {kind} × {count}")
    click.echo(f"{len(users)} CRM users, {len(users) - len(unmatched)} matched to people.")
    for user in unmatched[:20]:
        click.echo(f"  not matched: {user['crm_user']} {user['email'] or '(no email in this file)'} "
                   f"— {user['events']} events kept")
    if dry_run:
        crm.discard(None, org.id, run.id)
        click.echo("Dry run: nothing was kept.")
        return
    result = crm.confirm(None, org.id, run.id)
    click.echo(f"Imported; {result['people']} people with changed CRM evidence.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(crm_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(worker_cli)
    app.cli.add_command(skills_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(quizzes_cli)
