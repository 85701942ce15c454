"""Creating outbox rows: when a reminder is due (quiet hours), and insert-or-ignore on its unique key.

Quiet hours are 21:00-08:00 Asia/Shanghai. A reminder falling inside moves to 08:00, unless the class
starts before 08:00 that morning; then it goes at 20:59 the evening before. Keys are deterministic, so
calling any function here twice never creates a second row (the unique constraint is the guard).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from bot.storage.classes import Enrolment, Reminder, TrainingSession
from bot.storage.models import User
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI

OFFSETS_MINUTES = (24 * 60, 2 * 60)
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
LAST_ALLOWED = time(20, 59)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def in_quiet_hours(moment: datetime) -> bool:
    clock = local(moment).time()
    return clock >= QUIET_START or clock < QUIET_END


def reminder_due(starts_at: datetime, offset_minutes: int) -> datetime:
    """When the reminder `offset_minutes` before `starts_at` may go, respecting quiet hours (UTC)."""
    due = starts_at - timedelta(minutes=offset_minutes)
    if not in_quiet_hours(due):
        return due
    here = local(due)
    morning_day = here.date() if here.time() < QUIET_END else here.date() + timedelta(days=1)
    morning = datetime.combine(morning_day, QUIET_END, SHANGHAI)
    if morning < starts_at:
        return morning.astimezone(starts_at.tzinfo)
    evening = datetime.combine(morning_day - timedelta(days=1), LAST_ALLOWED, SHANGHAI)
    return evening.astimezone(starts_at.tzinfo)


def notice_due(now: datetime, starts_at: datetime | None) -> datetime:
    """A change notice goes now, or at 08:00 if it is night, unless the class starts before then."""
    if not in_quiet_hours(now):
        return now
    here = local(now)
    morning_day = here.date() if here.time() < QUIET_END else here.date() + timedelta(days=1)
    morning = datetime.combine(morning_day, QUIET_END, SHANGHAI).astimezone(now.tzinfo)
    return morning if starts_at is None or morning < starts_at else now


def reminder_key(session_id: int, user_id: int, offset_minutes: int) -> str:
    return f"r:{session_id}:{user_id}:{offset_minutes}"


def insert_ignore(db: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert outbox rows, silently skipping keys that exist; returns how many were new."""
    values = list(rows)
    if not values:
        return 0
    dialect = db.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    now = utcnow()
    for row in values:
        row.setdefault("next_attempt_at", row["due_at"])
        row.setdefault("created_at", now)
        for column, default in (("kind", "reminder"), ("text", ""), ("status", "pending"), ("revision", 0),
                                ("claims", 0), ("attempts", 0)):
            row.setdefault(column, default)
    # One statement compiled once, run as executemany: SQLAlchemy batches it ("insertmanyvalues") under
    # PostgreSQL's 65 535-parameter limit, and RETURNING still tells us which keys were new.
    stmt = module.insert(Reminder).on_conflict_do_nothing(index_elements=["key"]).returning(Reminder.id)
    return len(db.connection().execute(stmt, values).all())


def wants_reminders(user: User) -> bool:
    return bool(user.reminders_on and user.followed)


def reminder_rows(user: User, session: TrainingSession, now: datetime) -> list[dict[str, Any]]:
    """The reminder rows one enrolment should have (none for past, cancelled or opted-out)."""
    if not wants_reminders(user) or session.status != "scheduled" or session.starts_at <= now:
        return []
    rows = []
    for offset in OFFSETS_MINUTES:
        due = reminder_due(session.starts_at, offset)
        if due >= now:
            rows.append({"key": reminder_key(session.id or 0, user.id or 0, offset), "user_id": user.id,
                         "session_id": session.id, "offset_minutes": offset, "due_at": due})
    return rows


def schedule_enrolment(db: Session, user: User, session: TrainingSession, now: datetime | None = None) -> int:
    return insert_ignore(db, reminder_rows(user, session, now or utcnow()))


def sync_user_reminders(db: Session, user: User, now: datetime | None = None) -> int:
    """Make the outbox match `user.reminders_on`: create/re-arm rows when on, cancel pending ones when off."""
    now = now or utcnow()
    if not wants_reminders(user):
        result = db.exec(update(Reminder).where(
            col(Reminder.user_id) == user.id, col(Reminder.kind) == "reminder", col(Reminder.status) == "pending",
        ).values(status="cancelled", last_error="reminders off"))
        return -(result.rowcount or 0)
    sessions = db.exec(select(TrainingSession).join(Enrolment, col(Enrolment.session_id) == col(TrainingSession.id)).where(
        Enrolment.user_id == user.id, TrainingSession.status == "scheduled", TrainingSession.starts_at > now)).all()
    rows = [row for session in sessions for row in reminder_rows(user, session, now)]
    created = insert_ignore(db, rows)
    for row in rows:  # rows cancelled by an earlier "off" come back
        db.exec(update(Reminder).where(
            col(Reminder.key) == row["key"], col(Reminder.status) == "cancelled",
        ).values(status="pending", due_at=row["due_at"], next_attempt_at=row["due_at"], attempts=0,
                 last_error=None, lease_owner=None, lease_until=None))
    return created
