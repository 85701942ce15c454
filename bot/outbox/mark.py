"""Record send outcomes for leased outbox rows, in bulk, and only where the lease is still ours.

A row whose lease was taken over (we were too slow) is left to its new holder: our outcome is dropped,
and the new holder's re-send carries the same client_msg_id. Push audits count what really landed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Session, col

from bot.storage.classes import PushAudit, Reminder
from bot.storage.models import User

if TYPE_CHECKING:
    from bot.outbox.job import Job

TERMINAL = ("sent", "failed", "dead", "skipped", "cancelled")


@dataclass(frozen=True)
class Outcome:
    """status: sent | retry | later (not tried; lease nearly gone) | failed | dead | skipped | cancelled."""

    status: str
    error: str | None = None
    channel: str | None = None
    next_attempt_at: datetime | None = None
    unfollow: bool = False


def _ours(job: Job):  # type: ignore[no-untyped-def]
    return (Reminder.id == job.id) & (Reminder.lease_owner == job.lease_owner)


def mark_outcomes(db: Session, results: list[tuple[Job, Outcome]], now: datetime) -> Counter[str]:
    """Apply outcomes; returns how many rows ended in each status (rows no longer ours are not counted)."""
    counts: Counter[str] = Counter()
    groups: dict[tuple[str, str | None, str | None, str], list[int]] = defaultdict(list)
    for job, outcome in results:
        if outcome.status in TERMINAL:
            groups[(outcome.status, outcome.channel, outcome.error, job.lease_owner)].append(job.id)
        elif outcome.status == "retry":
            hit = db.exec(update(Reminder).where(_ours(job)).values(
                next_attempt_at=outcome.next_attempt_at, attempts=Reminder.attempts + 1,
                last_error=outcome.error, lease_owner=None, lease_until=None))
            counts["retry"] += hit.rowcount
        else:  # later: hand the row back untouched, as if this lease never happened
            hit = db.exec(update(Reminder).where(_ours(job)).values(
                claims=Reminder.claims - 1, lease_owner=None, lease_until=None))
            counts["later"] += hit.rowcount
    audits: dict[int, Counter[str]] = defaultdict(Counter)
    for (status, channel, error, owner), ids in groups.items():
        stmt = (update(Reminder)
                .where(col(Reminder.id).in_(ids), col(Reminder.lease_owner) == owner)
                .values(status=status, channel=channel, last_error=error, attempts=Reminder.attempts + 1,
                        lease_owner=None, lease_until=None, **({"sent_at": now} if status == "sent" else {}))
                .returning(col(Reminder.id), col(Reminder.audit_id))
                .execution_options(synchronize_session=False))
        for _id, audit_id in db.exec(stmt).all():
            counts[status] += 1
            if audit_id is not None:
                audits[audit_id]["delivered" if status == "sent" else "failed"] += 1
    for audit_id, tally in audits.items():
        db.exec(update(PushAudit).where(col(PushAudit.id) == audit_id).values(
            delivered=PushAudit.delivered + tally["delivered"], failed=PushAudit.failed + tally["failed"]))
    _unfollow(db, {job.user_id for job, outcome in results if outcome.unfollow})
    return +counts  # drop zero entries


def _unfollow(db: Session, user_ids: set[int]) -> None:
    """WeChat says the family no longer follows us: stop everything still queued for them."""
    if not user_ids:
        return
    db.exec(update(User).where(col(User.id).in_(user_ids))
            .values(followed=False, reminders_on=False))
    db.exec(update(Reminder).where(col(Reminder.user_id).in_(user_ids), col(Reminder.status) == "pending")
            .values(status="cancelled", last_error="family unfollowed"))
