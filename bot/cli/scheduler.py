"""`xingban scheduler`: the outbox dispatcher and retention purge as a long-running process."""

from __future__ import annotations

import json

import click

from bot.cli.app import make_app
from bot.outbox.scheduler import (
    DEFAULT_INTERVAL,
    outbox_dispatcher,
    outbox_jobs,
    run_forever,
    run_retention,
    run_tick,
)
from bot.storage.db import get_engine


@click.command("scheduler")
@click.option("--once", is_flag=True, help="run one tick (drain what is due now) and exit")
@click.option("--interval", default=DEFAULT_INTERVAL, show_default=True, type=click.FloatRange(1, 3600))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="parallel WeChat calls per dispatcher")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--lease", "lease_seconds", default=None, type=click.IntRange(6, 3600),
              help="seconds a claimed row stays ours (default: XINGBAN_OUTBOX_LEASE, 120); a killed dispatcher's "
              "rows are sent by another after it (keep well under WeChat's 10 min client_msg_id window)")
def scheduler_command(once: bool, interval: float, workers: int, batch_size: int, lease_seconds: int | None) -> None:
    """Send due class reminders and notices, and purge message text past its retention (blocking; run
    one or more next to the web workers)."""
    overrides = {"XINGBAN_OUTBOX_LEASE": lease_seconds} if lease_seconds else {}
    app = make_app(XINGBAN_PRELOAD=False, **overrides)
    dispatcher = outbox_dispatcher(app, workers=workers, batch_size=batch_size)
    if once:
        try:
            click.echo(json.dumps({**run_tick(dispatcher), **run_retention(app)}, sort_keys=True))
        finally:  # close the pooled connections now: `--once` may run inside a longer process (tests, cron shims)
            get_engine(app).dispose()
        return
    click.echo(f"outbox dispatcher {dispatcher.owner}: ticking every {interval:g} s", err=True)
    run_forever(outbox_jobs(dispatcher, interval))
