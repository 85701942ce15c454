"""`xingban db …`: the database schema through Alembic migrations."""

from __future__ import annotations

import click

from bot.cli.app import make_app


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from bot.storage.migrate import upgrade

    app = make_app(XINGBAN_PRELOAD=False)
    upgrade(app, revision)
    click.echo(f"database at {revision}: {app.config['DATABASE_URL'].split('@')[-1]}")
