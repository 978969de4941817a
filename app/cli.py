"""Explicit CLI steps (nothing runs as a side effect of create_app)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo organisation.")


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo organisation, its people and the skill taxonomy (idempotent)."""
    from app.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    created = load_demo()
    click.echo(f"Demo organisation ready ({created['users']} users created this time).")
    click.echo("Demo accounts (password: %s):" % DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<24} {account.role:<8} {account.description}")


content_cli = AppGroup("content", help="The item bank and quiz forms.")
quizzes_cli = AppGroup("quizzes", help="Quiz attempts.")


@content_cli.command("load")
def content_load() -> None:
    """Load or update the item bank and quizzes (idempotent; item ids stay stable)."""
    from app.services.content import load_content

    summary = load_content()
    click.echo(f"Items: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
               f"{summary.deactivated} retired. Quizzes: {summary.quizzes}.")
    for problem in summary.problems:
        click.echo(f"  problem: {problem}", err=True)
    if summary.problems:
        raise SystemExit(1)


@quizzes_cli.command("sweep")
def quizzes_sweep() -> None:
    """Close and grade timed attempts whose deadline has passed."""
    from app.services.attempts import sweep_expired

    click.echo(f"Closed {sweep_expired()} expired attempt(s).")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(quizzes_cli)
