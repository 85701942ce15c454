"""The clock that ticks the outbox dispatcher and the retention purge. The only module that imports
APScheduler.

APScheduler only says "now": what is due lives in the `reminders` table, so a missed, doubled or
overlapping tick changes nothing (jobs are coalesced, one instance at a time, and several scheduler
processes may run side by side: leases keep them apart). No registry: whoever builds the app for a
scheduler process (`xingban scheduler`, the demo) builds its dispatcher and hands `outbox_jobs` to
`run_forever` or `start_in_process`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Engine, or_, select, update
from sqlmodel import col

from bot.outbox.dispatcher import OutboxDispatcher
from bot.services import get_services

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 30
RETENTION_INTERVAL = 6 * 3600  # the purge is idempotent: running it often only keeps each batch small
PURGE_BATCH = 1000


@dataclass(frozen=True)
class ScheduledJob:
    """Something to run every `seconds` (coalesced, one instance at a time); `run` returns counts."""

    id: str
    run: Callable[[], Mapping[str, int]]
    seconds: float


def outbox_dispatcher(app: Flask, **options: Any) -> OutboxDispatcher:
    """The outbox dispatcher of `app`, sending through the app's WeChat client."""
    return OutboxDispatcher(app, get_services(app).client, **options)


def outbox_jobs(dispatcher: OutboxDispatcher, interval: float = DEFAULT_INTERVAL) -> list[ScheduledJob]:
    """What a scheduler process runs: the dispatcher's tick every `interval` s, and its app's retention purge."""
    return [ScheduledJob("outbox", partial(run_tick, dispatcher), interval),
            ScheduledJob("retention", partial(run_retention, dispatcher.app), RETENTION_INTERVAL)]


def run_tick(dispatcher: OutboxDispatcher) -> dict[str, int]:
    """One tick of `dispatcher` (the scheduled job)."""
    with dispatcher.app.app_context():
        return dict(dispatcher.tick())


def run_retention(app: Flask) -> dict[str, int]:
    """The retention purge for `app` (the scheduled job)."""
    return purge_old_texts(app)


def purge_old_texts(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Blank what families wrote, what the bot replied and delivered volunteer answers once they are older
    than XINGBAN_MESSAGE_RETENTION_DAYS. Rows stay (dates, intents, outcomes), so the dashboard's counts
    do not change; answers still waiting for a family are never touched. Batches keep SQLite's single
    write lock short; on SQLite the WAL is checkpointed after, so the old text leaves the files too."""
    from bot.storage.accounts import TicketAnswer
    from bot.storage.db import checkpoint_wal, get_engine, session_scope
    from bot.storage.models import Message, Ticket
    from bot.timeutil import utcnow

    days = float(app.config.get("XINGBAN_MESSAGE_RETENTION_DAYS") or 0)
    if days <= 0:
        log.warning("XINGBAN_MESSAGE_RETENTION_DAYS=%s: message text is kept forever", days)
        return {"messages_purged": 0}
    cutoff = (now or utcnow()) - timedelta(days=days)
    old_messages = select(Message.id).where(  # type: ignore[call-overload]
        col(Message.created_at) < cutoff, or_(col(Message.text) != "", col(Message.reply_text).is_not(None))
    ).limit(PURGE_BATCH)
    purged = 0
    while True:
        with session_scope(app) as db:
            ids = list(db.scalars(old_messages).all())
            if ids:
                db.exec(update(Message).where(col(Message.id).in_(ids)).values(text="", reply_text=None))
        purged += len(ids)
        if len(ids) < PURGE_BATCH:
            break
    with session_scope(app) as db:
        answers = db.exec(update(TicketAnswer).where(
            col(TicketAnswer.created_at) < cutoff, col(TicketAnswer.status) == "delivered", col(TicketAnswer.text) != "",
        ).values(text="")).rowcount
        tickets = db.exec(update(Ticket).where(
            col(Ticket.answered_at) < cutoff, col(Ticket.status).in_(("answered", "closed")),
            Ticket.answer.is_not(None),  # type: ignore[union-attr]
        ).values(answer=None)).rowcount
    engine: Engine = get_engine(app)
    checkpoint_wal(engine)
    if purged or answers or tickets:
        log.info("retention: blanked %d messages, %d answers, %d tickets older than %g days",
                 purged, answers, tickets, days)
    return {"messages_purged": purged, "answers_purged": answers, "tickets_purged": tickets}


def _add_jobs(scheduler: Any, jobs: list[ScheduledJob]) -> None:
    for job in jobs:
        scheduler.add_job(job.run, "interval", seconds=job.seconds, id=job.id, max_instances=1, coalesce=True,
                          misfire_grace_time=int(job.seconds), next_run_time=datetime.now(UTC),
                          replace_existing=True)


def start_in_process(jobs: list[ScheduledJob]) -> BackgroundScheduler:
    """Run `jobs` in a background thread of this process (the demo); call `.shutdown()` to stop."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    _add_jobs(scheduler, jobs)
    scheduler.start()
    return scheduler


def run_forever(jobs: list[ScheduledJob]) -> None:
    """Run `jobs` in this process until interrupted (`xingban scheduler`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone="UTC")
    _add_jobs(scheduler, jobs)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
