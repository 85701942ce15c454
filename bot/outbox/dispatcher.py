"""Deliver due outbox rows exactly once: lease, send, mark. The database is the truth, not the scheduler.

1. `claim` leases up to `batch_size` due rows in one statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
   dispatchers never wait on each other; SQLite: the UPDATE holds the write lock, so one claimer at a time).
2. `deliver` sends one row (no DB writes): a customer-service text inside the family's 48 h window, else
   a template message whose `client_msg_id` is the row's stable key.
3. `mark` records outcomes, only for rows still leased to us.

A dispatcher dying between 2 and 3 loses nothing: its lease expires and another dispatcher re-sends with
the same client_msg_id, which WeChat (and the sandbox) delivers once within 10 minutes. A re-send of a row
whose earlier outcome is unknown always uses the template channel for that reason. Residual window: a
customer-service text sent just before a crash has no dedup key, and a lease reclaimed more than 10 min
after the crash is no longer deduplicated; both need a crash inside the few milliseconds between send and
mark, and the second also needs every dispatcher down for ~8 min (lease 2 min + 30 s ticks < 10 min).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from bot.outbox.job import Job
from bot.outbox.mark import Outcome, mark_outcomes
from bot.outbox.render import load_jobs, template_data, text_for
from bot.storage.classes import Reminder
from bot.storage.db import get_engine
from bot.timeutil import utcnow
from bot.wechat.client import GIVE_UP, REFRESH, WeChatSendError
from bot.wechat.limits import CS_WINDOW, CS_WINDOW_CLOSED, UNFOLLOWED

log = logging.getLogger(__name__)


class OutboxDispatcher:
    """One claimer. Several may run at once (threads or processes); each gets its own lease token."""

    def __init__(self, app: Flask, client: Any, owner: str | None = None, lease_seconds: int | None = None,
                 batch_size: int = 100, max_attempts: int | None = None, workers: int = 1) -> None:
        """`client` sends (the app's `WeChatApiClient`, from `get_services(app).client`): the dispatcher is
        below the services, so whoever builds it hands it the client."""
        self.app, self.engine = app, get_engine(app)
        self.client = client
        self.owner = owner or f"d-{uuid.uuid4().hex[:12]}"
        config = app.config
        self.lease = timedelta(seconds=lease_seconds or config["XINGBAN_OUTBOX_LEASE"])
        self.max_attempts = max_attempts or config["XINGBAN_OUTBOX_MAX_ATTEMPTS"]
        self.batch_size, self.workers = batch_size, workers
        self.template_id = config["WECHAT_REMINDER_TEMPLATE_ID"]
        self.retry_seconds = config["XINGBAN_OUTBOX_RETRY_SECONDS"]
        self.quota_retry_seconds = config["XINGBAN_OUTBOX_QUOTA_RETRY_SECONDS"]
        self.retry_max_seconds = config["XINGBAN_OUTBOX_RETRY_MAX_SECONDS"]

    def claim(self, now: datetime | None = None) -> list[Job]:
        """Lease due rows that nobody holds (or whose holder's lease ran out) and read them back."""
        now = now or utcnow()
        token = f"{self.owner}:{uuid.uuid4().hex[:10]}"
        due = (select(Reminder.id).where(  # type: ignore[call-overload]
            Reminder.status == "pending", Reminder.next_attempt_at <= now,
            or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) < now),
        ).order_by(Reminder.next_attempt_at).limit(self.batch_size))
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            conn.execute(update(Reminder).where(Reminder.id.in_(due.scalar_subquery()))  # type: ignore[union-attr]
                         .values(lease_owner=token, lease_until=now + self.lease, claims=Reminder.claims + 1))
        with Session(self.engine) as db:
            return load_jobs(db, token)

    def deliver(self, job: Job, now: datetime | None = None) -> Outcome:
        """Send one leased row, or decide it must not go; never writes to the database."""
        now = now or utcnow()
        if verdict := self._must_not_send(job, now):
            return verdict
        if job.lease_until - now < timedelta(seconds=5):
            return Outcome("later", "lease ran out before sending")
        use_text = (job.last_message_at is not None and now - job.last_message_at < CS_WINDOW
                    and not job.unknown_outcome)
        try:
            if use_text:
                try:
                    self.client.send_text(job.openid, text_for(job))
                    return Outcome("sent", channel="text")
                except WeChatSendError as exc:
                    if exc.errcode not in CS_WINDOW_CLOSED or exc.parts_sent:
                        raise
            self.client.send_template(job.openid, self.template_id, template_data(job), job.client_msg_id)
            return Outcome("sent", channel="template")
        except WeChatSendError as exc:
            return self._on_error(job, exc, now)

    def _must_not_send(self, job: Job, now: datetime) -> Outcome | None:
        if not job.followed:
            return Outcome("cancelled", "family unfollowed")
        if job.claims > self.max_attempts + 3:
            return Outcome("dead", f"lease expired {job.claims - 1} times without an outcome")
        if job.kind != "reminder":
            return None
        if not job.reminders_on:
            return Outcome("cancelled", "reminders off")
        if job.session_status != "scheduled":
            return Outcome("cancelled", "session cancelled")
        if job.starts_at is None or job.starts_at <= now:
            return Outcome("skipped", "class already started")
        return None

    def _on_error(self, job: Job, exc: WeChatSendError, now: datetime) -> Outcome:
        """Error policy: give up (with reason), or retry with exponential backoff until `dead`."""
        reason = f"{exc.errcode}: {exc.errmsg}"[:200]
        if exc.action == GIVE_UP:
            return Outcome("failed", reason, unfollow=exc.errcode in UNFOLLOWED)
        if exc.action == REFRESH:  # the client already refreshed once; start the next try from scratch
            self.client.session.delete(self.client.access_token_key)
        if job.attempts + 1 >= self.max_attempts:
            return Outcome("dead", f"{reason} (after {job.attempts + 1} attempts)"[:200])
        base = self.quota_retry_seconds if exc.errcode == 45009 else self.retry_seconds  # daily quota: long
        delay = min(base * 2 ** job.attempts, self.retry_max_seconds)
        return Outcome("retry", reason, next_attempt_at=now + timedelta(seconds=delay))

    def mark(self, results: list[tuple[Job, Outcome]], now: datetime | None = None) -> Counter[str]:
        with Session(self.engine) as db:
            counts = mark_outcomes(db, results, now or utcnow())
            db.commit()
        return counts

    def tick(self, max_batches: int = 1000, now: datetime | None = None) -> Counter[str]:
        """Claim, send and mark until nothing is due (one scheduler tick); returns outcome counts."""
        total: Counter[str] = Counter()
        pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None
        try:
            for _ in range(max_batches):
                jobs = self.claim(now)
                if not jobs:
                    break
                outcomes = list(pool.map(self.deliver, jobs)) if pool else [self.deliver(j, now) for j in jobs]
                total += self.mark(list(zip(jobs, outcomes, strict=True)), now)
        finally:
            if pool:
                pool.shutdown()
        if total:
            log.info("outbox %s: %s", self.owner, dict(total))
        return total


def dead_letters(db: Session, include_failed: bool = True, limit: int = 200) -> list[Reminder]:
    """Rows staff must look at: retries used up (`dead`) and, by default, refused ones (`failed`)."""
    states = ("dead", "failed") if include_failed else ("dead",)
    stmt = select(Reminder).where(col(Reminder.status).in_(states)).order_by(col(Reminder.id).desc()).limit(limit)
    return list(db.exec(stmt).scalars())  # type: ignore[call-overload]
