"""The clock that ticks the outbox dispatcher and the retention purge. The only module that imports
APScheduler.

APScheduler only says "now": what is due lives in the `reminders` table, so a missed, doubled or
overlapping tick changes nothing (jobs are coalesced, one instance at a time, and several scheduler
processes may run side by side: leases keep them apart). Jobs are referenced as "module:function".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Engine, or_, select, update
from sqlmodel import col

from bot.outbox.dispatcher import OutboxDispatcher
from bot.services import get_services

log = logging.getLogger(__name__)
TICK_JOB = "bot.outbox.scheduler:run_tick"
RETENTION_JOB = "bot.outbox.scheduler:run_retention"
DEFAULT_INTERVAL = 30
RETENTION_INTERVAL = 6 * 3600  # the purge is idempotent: running it often only keeps each batch small
PURGE_BATCH = 1000
_dispatchers: dict[str, OutboxDispatcher] = {}


def run_tick(name: str = "default") -> dict[str, int]:
    """One tick of the registered dispatcher `name` (the scheduled job)."""
    dispatcher = _dispatchers[name]
    with dispatcher.app.app_context():
        return dict(dispatcher.tick())


def run_retention(name: str = "default") -> dict[str, int]:
    """The retention purge for the app of dispatcher `name` (the scheduled job)."""
    return purge_old_texts(_dispatchers[name].app)


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


def register(app: Flask, name: str = "default", **options: Any) -> OutboxDispatcher:
    _dispatchers[name] = dispatcher = OutboxDispatcher(app, get_services(app).client, **options)
    return dispatcher


def _add_tick_job(scheduler: Any, name: str, interval: float) -> None:
    scheduler.add_job(TICK_JOB, "interval", seconds=interval, kwargs={"name": name}, id=f"outbox-{name}",
                      max_instances=1, coalesce=True, misfire_grace_time=int(interval),
                      next_run_time=datetime.now(UTC), replace_existing=True)
    scheduler.add_job(RETENTION_JOB, "interval", seconds=RETENTION_INTERVAL, kwargs={"name": name},
                      id=f"retention-{name}", max_instances=1, coalesce=True, misfire_grace_time=RETENTION_INTERVAL,
                      next_run_time=datetime.now(UTC), replace_existing=True)


def start_in_process(app: Flask, interval: float = DEFAULT_INTERVAL, **options: Any) -> BackgroundScheduler:
    """Tick the outbox in a background thread of this process (the demo); call `.shutdown()` to stop."""
    register(app, "in-process", **options)
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    _add_tick_job(scheduler, "in-process", interval)
    scheduler.start()
    return scheduler


def run_forever(interval: float, name: str = "default") -> None:
    """Tick the registered dispatcher `name` in this process until interrupted (`xingban scheduler`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone="UTC")
    _add_tick_job(scheduler, name, interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
