"""`xingban serve | sandbox | demo | chat`: run the bot, the fake WeChat API, or talk to the bot."""

from __future__ import annotations

import sys

import click

from bot.cli.app import make_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the webhook with gunicorn (the app and NLU load once, before forking)."""
    from bot.gunicorn_app import run_gunicorn

    app = make_app()
    run_gunicorn(app, f"{host}:{port}", workers)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8900, show_default=True, type=click.IntRange(0, 65535))
def sandbox(host: str, port: int) -> None:
    """Run the local fake WeChat API (tokens, customer-service, template, menu, QR)."""
    from bot.config import declared_from_environment
    from bot.sandbox.server import run_sandbox

    credentials = declared_from_environment("WECHAT_APP_ID", "WECHAT_APP_SECRET")
    kwargs = {"app_id": credentials["WECHAT_APP_ID"], "app_secret": credentials["WECHAT_APP_SECRET"]} \
        if len(credentials) == 2 else {}
    run_sandbox(host, port, **kwargs)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(host: str, port: int) -> None:
    """SQLite + demo data + local WeChat sandbox + the bot, all in one process."""
    from bot.demo.runner import run_demo

    run_demo(host, port)


@click.command()
@click.option("--user", "openid", default="demo-parent-0001", show_default=True, help="sender openid")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@click.option("--url", default=None, help="post to a running server instead of an in-process bot")
@click.option("--aes", is_flag=True, help="encrypt pushes (safe mode) in-process")
def chat(openid: str, as_json: bool, url: str | None, aes: bool) -> None:
    """Talk to the bot through the signed webhook. Reads lines from stdin when it is not a TTY."""
    from bot.demo.chat import input_lines, run_chat
    from bot.demo.runner import demo_simulator, remote_simulator

    interactive = sys.stdin.isatty() and not as_json
    if url:
        sim, app = remote_simulator(url), None
    else:
        sim, app = demo_simulator(aes=aes)
    run_chat(sim, app, openid, input_lines(interactive), as_json, interactive)
