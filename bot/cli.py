"""The `xingban` command line: serve, sandbox, database, demo, chat, and the NLU/knowledge tools."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from bot.config import ConfigError


def make_app(**overrides: Any) -> Flask:
    """Create the app, turning a configuration error into one clear line and exit status 2."""
    from bot import create_app

    try:
        return create_app(overrides or None)
    except ConfigError as exc:
        raise click.UsageError(f"configuration: {exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """XingBan (星伴): WeChat assistant for families of children with autism."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the webhook with gunicorn (the app and NLU load once, before forking)."""
    from bot.gunicorn_app import run_gunicorn

    app = make_app()
    run_gunicorn(app, f"{host}:{port}", workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8900, show_default=True, type=click.IntRange(0, 65535))
def sandbox(host: str, port: int) -> None:
    """Run the local fake WeChat API (tokens, customer-service, template, menu, QR)."""
    from bot.sandbox import run_sandbox

    app_id = os.environ.get("WECHAT_APP_ID")
    secret = os.environ.get("WECHAT_APP_SECRET")
    kwargs = {"app_id": app_id, "app_secret": secret} if app_id and secret else {}
    run_sandbox(host, port, **kwargs)


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from bot.migrate import upgrade

    app = make_app(XINGBAN_PRELOAD=False)
    upgrade(app, revision)
    click.echo(f"database at {revision}: {app.config['DATABASE_URL'].split('@')[-1]}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(host: str, port: int) -> None:
    """SQLite + demo data + local WeChat sandbox + the bot, all in one process."""
    from bot.demo_runner import run_demo

    run_demo(host, port)


@main.command()
@click.option("--user", "openid", default="demo-parent-0001", show_default=True, help="sender openid")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@click.option("--url", default=None, help="post to a running server instead of an in-process bot")
@click.option("--aes", is_flag=True, help="encrypt pushes (safe mode) in-process")
def chat(openid: str, as_json: bool, url: str | None, aes: bool) -> None:
    """Talk to the bot through the signed webhook. Reads lines from stdin when it is not a TTY."""
    from bot.chat import input_lines, run_chat
    from bot.demo_runner import demo_simulator, remote_simulator

    interactive = sys.stdin.isatty() and not as_json
    if url:
        sim, app = remote_simulator(url), None
    else:
        sim, app = demo_simulator(aes=aes)
    run_chat(sim, app, openid, input_lines(interactive), as_json, interactive)


def _register_tool_commands() -> None:
    """Commands owned by the NLU and knowledge packages, exposed under `xingban`."""
    from bot.console.cli import export_candidates_command, user_group
    from bot.scheduler import scheduler_command
    from bot.wechat_admin import wechat_group
    from intents.cli import classify_command, eval_command
    from knowledge.cli import kb_group
    from knowledge.eligibility_cli import eligibility_command

    kb_group.add_command(export_candidates_command)
    eval_group.add_command(eval_command, name="intents")
    for command in (kb_group, eval_group, classify_command, eligibility_command, wechat_group,
                    scheduler_command, user_group):
        main.add_command(command)


@click.group("eval", invoke_without_command=True)
@click.pass_context
def eval_group(ctx: click.Context) -> None:
    """Held-out evaluations: `intents` (the default) or `answers` (whole replies through the webhook)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(eval_group.commands["intents"])


@eval_group.command("answers")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Question set (default: the frozen knowledge/eval/answers_heldout.yaml).")
@click.option("--show", is_flag=True, help="also list each item not judged right (not for the frozen set)")
def eval_answers_command(set_path: Path | None, show: bool) -> None:
    """Send each parent question through the signed webhook and count right / wrong / handed over /
    menu or question / other, overall and per region. Never tune on the default set."""
    from bot.answer_eval import DEFAULT_SET, load_items, run_on_fresh_app

    if show and (set_path is None or set_path.resolve() == DEFAULT_SET.resolve()):
        raise click.UsageError("--show is for development sets: the frozen set is read in aggregate only")
    try:
        items = load_items(set_path or DEFAULT_SET)
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from None
    report = run_on_fresh_app(items)
    click.echo(report.format())
    if show:
        click.echo(report.misses())


@eval_group.command("retrieval")
@click.option("--char-weights", default="0,0.25,0.5,1", show_default=True, help="comma-separated values to try")
@click.option("--answer-weights", default="0.25,0.5", show_default=True, help="comma-separated values to try")
def eval_retrieval_command(char_weights: str, answer_weights: str) -> None:
    """Leave-one-out on the entries' own questions (never an eval set) for each weight pair, with the
    production tokenizer; the negatives are the intent training set's out-of-scope messages. Pick a row and
    write it into knowledge/data/settings.yaml."""
    import tempfile

    from bot.services import load_kb
    from intents.dataset import TRAIN_FILE, load_examples
    from knowledge.tune import format_rows, tune

    try:
        chars = [float(v) for v in char_weights.split(",")]
        answers = [float(v) for v in answer_weights.split(",")]
    except ValueError:
        raise click.BadParameter("weights must be comma-separated numbers") from None
    kb = load_kb(tempfile.mkdtemp(prefix="xingban-tune-"))
    negatives = [text for text, intent in load_examples(TRAIN_FILE) if intent == "out_of_scope"]
    click.echo(format_rows(tune(kb, negatives, chars, answers)))


_register_tool_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
