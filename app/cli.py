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


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
