"""`xingban user …` (console accounts), `xingban kb export-candidates`, and the demo's accounts."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlmodel import select

from bot.storage.accounts import ROLES, StaffUser


def _app() -> Flask:
    from bot.cli.app import make_app

    return make_app(XINGBAN_PRELOAD=False)


@click.group(name="user")
def user_group() -> None:
    """Console accounts (admin, staff, volunteer)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from stdin instead of generating one")
def user_add(name: str, role: str, password_stdin: bool) -> None:
    """Create an account; prints the generated password once."""
    from bot.console.audit import record
    from bot.console.auth import create_account
    from bot.storage.db import session_scope

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    app = _app()
    try:
        with session_scope(app) as db:
            user, password = create_account(db, name, role, password)
            record("user_create", target=f"staff:{user.id}", detail=f"role:{role}", actor_name="cli", db=db,
                   commit=False)
    except ValueError as exc:
        raise _one_line_error(str(exc)) from None
    click.echo(f"created {role} account {name!r}")
    if not password_stdin:
        click.echo(f"password: {password}")


def _one_line_error(message: str) -> click.ClickException:
    """`Error: <why>` on one line (a usage error would print the whole usage first), exit status 2."""
    error = click.ClickException(message)
    error.exit_code = 2  # type: ignore[misc]  # click reads it per instance; the class default is 1
    return error


@user_group.command("list")
def user_list() -> None:
    """Accounts with role, state and lock."""
    from bot.storage.db import session_scope

    with session_scope(_app()) as db:
        for user in db.exec(select(StaffUser).order_by(StaffUser.name)).all():
            state = "active" if user.active else "disabled"
            locked = f" locked until {user.locked_until:%Y-%m-%d %H:%M}Z" if user.locked_until else ""
            click.echo(f"{user.name}\t{user.role}\t{state}{locked}")


@user_group.command("unlock")
@click.argument("name")
def user_unlock(name: str) -> None:
    """Clear an account's login throttling (from every address)."""
    from bot.console.throttle import get_throttle
    from bot.storage.db import session_scope

    app = _app()
    with session_scope(app) as db:
        user = db.exec(select(StaffUser).where(StaffUser.name == name)).first()
        if user is None:
            raise click.UsageError(f"no account {name!r}")
        user.failed_logins, user.locked_until = 0, None
    get_throttle(app).clear_account(name)
    click.echo(f"unlocked {name}")


@click.command("export-candidates")
def export_candidates_command() -> None:
    """Print published knowledge-base candidates as entries YAML (review, then add to knowledge/entries/)."""
    from bot.console.kb import export_yaml
    from bot.storage.db import session_scope

    with session_scope(_app()) as db:
        click.echo(export_yaml(db), nl=False)


DEMO_ACCOUNTS = {"admin": "demo-admin", "staff": "demo-staff", "volunteer": "demo-volunteer"}


def seed_demo_accounts(app: Flask) -> dict[str, tuple[str, str]]:
    """One account per role with a fresh password each run (hashes cannot be read back). Demo/test only."""
    from bot.console.auth import create_account, generate_password, set_password
    from bot.storage.db import session_scope

    if app.config.get("XINGBAN_MODE") not in ("demo", "test"):
        raise RuntimeError("demo accounts are for demo/test mode only")
    result: dict[str, tuple[str, str]] = {}
    with session_scope(app) as db:
        for role, name in DEMO_ACCOUNTS.items():
            user = db.exec(select(StaffUser).where(StaffUser.name == name)).first()
            password = generate_password(name)
            if user is None:
                create_account(db, name, role, password)
            else:
                user.role, user.active = role, True
                set_password(db, user, password)
            result[role] = (name, password)
    return result
