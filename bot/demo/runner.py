"""Wire up the embedded default: SQLite in ./instance, demo data, the local WeChat sandbox."""

from __future__ import annotations

import secrets
import string
from pathlib import Path
from typing import Any

import click
from flask import Flask

from bot.config import instance_path_from_environment, load_from_environment
from bot.demo.seed import seed_demo
from bot.demo.seed_classes import seed_demo_sessions
from bot.sandbox.server import SandboxServer
from bot.sandbox.simulator import WeChatSimulator, flask_transport, http_transport
from bot.storage.migrate import upgrade


def instance_dir() -> Path:
    return Path(instance_path_from_environment() or "instance").resolve()


def local_settings() -> dict[str, Any]:
    """Demo-mode settings (generated once, kept in the instance folder)."""
    return load_from_environment({"XINGBAN_MODE": "demo"}, instance_dir())


def demo_app(aes: bool = False) -> tuple[Flask, SandboxServer]:
    """A migrated, seeded demo app whose outbound WeChat calls go to a fresh sandbox."""
    from bot import create_app

    settings = local_settings()
    sandbox = SandboxServer(app_id=settings["WECHAT_APP_ID"], app_secret=settings["WECHAT_APP_SECRET"])
    overrides: dict[str, Any] = {"XINGBAN_MODE": "demo", "WECHAT_API_BASE_URL": sandbox.url}
    if aes:
        overrides["WECHAT_ENCODING_AES_KEY"] = "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(43))
    app = create_app(overrides, instance_path=str(instance_dir()))
    upgrade(app)
    seed_demo(app)
    seed_demo_sessions(app)
    return app, sandbox


def simulator_for(app: Flask, transport: Any) -> WeChatSimulator:
    config = app.config
    return WeChatSimulator(transport, config["WECHAT_TOKEN"], config["WECHAT_APP_ID"],
                           config["WECHAT_ENCODING_AES_KEY"])


def demo_simulator(aes: bool = False) -> tuple[WeChatSimulator, Flask]:
    app, _sandbox = demo_app(aes)
    return simulator_for(app, flask_transport(app.test_client())), app


def remote_simulator(url: str) -> WeChatSimulator:
    settings = local_settings()
    return WeChatSimulator(http_transport(url), settings["WECHAT_TOKEN"])


def run_demo(host: str, port: int) -> None:
    """Serve the bot with the sandbox beside it and say what to try next."""
    from werkzeug.serving import run_simple

    from bot.console.cli import seed_demo_accounts
    from bot.outbox.scheduler import outbox_dispatcher, outbox_jobs, start_in_process

    app, sandbox = demo_app()
    start_in_process(outbox_jobs(outbox_dispatcher(app)))
    accounts = seed_demo_accounts(app)
    base = f"http://{host}:{port}"
    click.echo(f"""
星伴 XingBan demo is running (SQLite: {app.config['DATABASE_URL']}).
  Webhook:        {base}/wechat
  WeChat sandbox: {sandbox.url.replace('/cgi-bin/', '/_sandbox/')}  (messages the bot sent)
Try it, in another terminal:
  .venv/bin/xingban chat --url {base}/wechat
  echo "綦江的孩子康复补助怎么申请" | .venv/bin/xingban chat --url {base}/wechat --json
Console (staff / volunteers): {base}/console/""")
    for role, (name, password) in accounts.items():
        click.echo(f"  {role:9s} {name} / {password}")
    click.echo("Press Ctrl-C to stop.\n")
    run_simple(host, port, app, threaded=True, use_reloader=False)
