"""`xingban wechat ...`: publish the menu and make centre QR codes through the WeChat API."""

from __future__ import annotations

import click
from sqlmodel import select

from bot.db import session_scope
from bot.models import Centre
from bot.services import get_services


@click.group("wechat")
def wechat_group() -> None:
    """Official-account set-up calls (menu, QR codes)."""


@wechat_group.command("menu")
def publish_menu() -> None:
    """Publish handlers/menu.yaml as the account's custom menu."""
    from bot.cli import make_app
    from handlers.texts import wechat_menu

    app = make_app(XINGBAN_PRELOAD=False)
    get_services(app).client.create_menu(wechat_menu())
    click.echo("menu published")


@wechat_group.command("qrcode")
@click.argument("centre_code")
@click.option("--days", type=click.IntRange(1, 30), default=None, help="temporary code (default: permanent)")
def centre_qrcode(centre_code: str, days: int | None) -> None:
    """Create the QR code that binds a family to CENTRE_CODE when scanned."""
    from bot.cli import make_app

    app = make_app(XINGBAN_PRELOAD=False)
    with session_scope(app) as db:
        if db.exec(select(Centre).where(Centre.code == centre_code)).first() is None:
            raise click.BadParameter(f"no centre with code {centre_code!r}", param_hint="CENTRE_CODE")
    result = get_services(app).client.create_qrcode(f"centre_{centre_code}",
                                                    expire_seconds=days * 86400 if days else None)
    click.echo(result["url"])
