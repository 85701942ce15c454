"""`xingban wechat ...`: publish the menu and make centre QR codes through the WeChat API."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import inspect
from sqlmodel import select

from bot.services import get_services
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Centre


@click.group("wechat")
def wechat_group() -> None:
    """Official-account set-up calls (menu, QR codes)."""


def ready_app() -> Flask:
    """The app, once its database holds the schema (the token is stored there)."""
    from bot.cli.app import make_app

    app = make_app(XINGBAN_PRELOAD=False)
    if "shared_values" not in inspect(get_engine(app)).get_table_names():
        raise click.ClickException("the database has no schema yet: run `xingban db upgrade` first")
    return app


@wechat_group.command("menu")
def publish_menu() -> None:
    """Publish bot/wording/menu.yaml as the account's custom menu."""
    from bot.wording import wechat_menu

    app = ready_app()
    get_services(app).client.create_menu(wechat_menu())
    click.echo("menu published")


@wechat_group.command("qrcode")
@click.argument("centre_code")
@click.option("--days", type=click.IntRange(1, 30), default=None, help="temporary code (default: permanent)")
def centre_qrcode(centre_code: str, days: int | None) -> None:
    """Create the QR code that binds a family to CENTRE_CODE when scanned."""
    app = ready_app()
    with session_scope(app) as db:
        if db.exec(select(Centre).where(Centre.code == centre_code)).first() is None:
            raise click.BadParameter(f"no centre with code {centre_code!r}", param_hint="CENTRE_CODE")
    result = get_services(app).client.create_qrcode(f"centre_{centre_code}",
                                                    expire_seconds=days * 86400 if days else None)
    click.echo(result["url"])
