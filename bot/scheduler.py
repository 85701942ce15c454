"""The clock that ticks the outbox dispatcher. The only module that imports APScheduler.

APScheduler only says "now": what is due lives in the `reminders` table, so a missed, doubled or
overlapping tick changes nothing (jobs are coalesced, one instance at a time, and several scheduler
processes may run side by side: leases keep them apart). Jobs are referenced as "module:function".
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from bot.outbox import OutboxDispatcher

log = logging.getLogger(__name__)
TICK_JOB = "bot.scheduler:run_tick"
DEFAULT_INTERVAL = 30
_dispatchers: dict[str, OutboxDispatcher] = {}


def run_tick(name: str = "default") -> dict[str, int]:
    """One tick of the registered dispatcher `name` (the scheduled job)."""
    dispatcher = _dispatchers[name]
    with dispatcher.app.app_context():
        return dict(dispatcher.tick())


def register(app: Flask, name: str = "default", **options: Any) -> OutboxDispatcher:
    _dispatchers[name] = dispatcher = OutboxDispatcher(app, **options)
    return dispatcher


def _add_tick_job(scheduler: Any, name: str, interval: float) -> None:
    scheduler.add_job(TICK_JOB, "interval", seconds=interval, kwargs={"name": name}, id=f"outbox-{name}",
                      max_instances=1, coalesce=True, misfire_grace_time=int(interval),
                      next_run_time=datetime.now(UTC), replace_existing=True)


def start_in_process(app: Flask, interval: float = DEFAULT_INTERVAL, **options: Any) -> BackgroundScheduler:
    """Tick the outbox in a background thread of this process (the demo); call `.shutdown()` to stop."""
    register(app, "in-process", **options)
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    _add_tick_job(scheduler, "in-process", interval)
    scheduler.start()
    return scheduler


@click.command("scheduler")
@click.option("--once", is_flag=True, help="run one tick (drain what is due now) and exit")
@click.option("--interval", default=DEFAULT_INTERVAL, show_default=True, type=click.FloatRange(1, 3600))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="parallel WeChat calls per dispatcher")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--lease", "lease_seconds", default=120, show_default=True, type=click.IntRange(6, 3600),
              envvar="XINGBAN_OUTBOX_LEASE", help="seconds a claimed row stays ours; a killed dispatcher's "
              "rows are sent by another after it (keep well under WeChat's 10 min client_msg_id window)")
def scheduler_command(once: bool, interval: float, workers: int, batch_size: int, lease_seconds: int) -> None:
    """Send due class reminders and notices (blocking; run one or more next to the web workers)."""
    from bot import create_app
    from bot.config import ConfigError

    try:
        app = create_app({"XINGBAN_PRELOAD": False})
    except ConfigError as exc:
        raise click.UsageError(f"configuration: {exc}") from None
    register(app, workers=workers, batch_size=batch_size, lease_seconds=lease_seconds)
    if once:
        click.echo(json.dumps(run_tick(), sort_keys=True))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone="UTC")
    _add_tick_job(scheduler, "default", interval)
    click.echo(f"outbox dispatcher {_dispatchers['default'].owner}: ticking every {interval:g} s", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":  # pragma: no cover
    scheduler_command()
