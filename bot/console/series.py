"""Weekly classes from the console: create a series "every week until …", and change or cancel one class
or the rest of its series. Cancelling the rest tells each family once, in one notice, not once per class.
Callers commit (they own the transaction), as with bot.timetable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col

from bot.outbox.schedule import insert_ignore, notice_due
from bot.storage.classes import Reminder, SessionSeries, TrainingSession
from bot.storage.models import Centre, User
from bot.timetable import create_series, enrolled_users, reschedule, series_sessions
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI

MAX_WEEKS = 52
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class ClassDetails:
    """What a staff member types into the new-class form."""

    title: str
    kind: str
    place: str = ""
    capacity: int | None = None
    what_to_bring: str = ""
    public: bool = False


def weeks_until(first: date, until: date) -> int:
    """How many weekly classes from `first` up to and including `until`; ValueError when out of range."""
    if until < first:
        raise ValueError("the series must end on or after its first class")
    weeks = (until - first).days // 7 + 1
    if weeks > MAX_WEEKS:
        raise ValueError(f"at most {MAX_WEEKS} weeks")
    return weeks


def create_weekly(db: Session, centre: Centre, details: ClassDetails, starts: datetime, ends: datetime,
                  until: date) -> SessionSeries:
    """Every week on `starts`' weekday and clock time, from `starts` until `until` (inclusive)."""
    local_start = starts.astimezone(SHANGHAI)
    first = local_start.date()
    minutes = int((ends - starts).total_seconds() // 60)
    if minutes <= 0:
        raise ValueError("a class must end after it starts")
    return create_series(db, centre, details.title, details.kind, first.weekday(), local_start.time(),
                         weeks_until(first, until), first_date=first, duration_minutes=minutes,
                         place=details.place, capacity=details.capacity, what_to_bring=details.what_to_bring,
                         public=details.public)


def this_and_later(db: Session, session: TrainingSession) -> list[TrainingSession]:
    """`session` and the series' scheduled classes after it (just `session` when it is not in a series)."""
    series = db.get(SessionSeries, session.series_id) if session.series_id else None
    if series is None:
        return [session]
    return [s for s in series_sessions(db, series)
            if s.starts_at >= session.starts_at and s.status == "scheduled"]


def edit_details(db: Session, sessions: list[TrainingSession], title: str, place: str, capacity: int | None,
                 what_to_bring: str) -> None:
    for row in sessions:
        row.title, row.place, row.capacity, row.what_to_bring = title, place, capacity, what_to_bring
        db.add(row)
    db.flush()


def cancel_rest(db: Session, session: TrainingSession, now: datetime | None = None) -> tuple[int, int]:
    """Cancel `session` and every later class of its series. Their pending reminders and change notices stop,
    and each family booked on any of them gets one notice listing the span. Returns (classes, notices)."""
    now = now or utcnow()
    rows = this_and_later(db, session)
    if not rows:
        return 0, 0
    families: dict[int, User] = {}
    for row in rows:
        families.update({u.id or 0: u for u in enrolled_users(db, row)})
        row.status = "cancelled"
        db.add(row)
    ids = [row.id for row in rows]
    db.exec(update(Reminder).where(
        col(Reminder.session_id).in_(ids), col(Reminder.status) == "pending",
        col(Reminder.key).startswith("r:") | col(Reminder.key).startswith("m:"),
    ).values(status="cancelled", last_error="session cancelled"))
    db.flush()
    upcoming = [row for row in rows if row.ends_at > now]
    if not upcoming:
        return len(rows), 0
    first, last = upcoming[0].starts_at.astimezone(SHANGHAI), upcoming[-1].starts_at.astimezone(SHANGHAI)
    span = (f"{first:%m月%d日 %H:%M}" if len(upcoming) == 1 else
            f"{first:%m月%d日}至{last:%m月%d日}每周{WEEKDAYS[first.weekday()]} {first:%H:%M}的 {len(upcoming)} 节课")
    text = f"【课程取消】「{session.title}」{span}已取消，请不要前往。如有疑问请联系机构。"
    due = notice_due(now, upcoming[0].starts_at)
    notices = insert_ignore(db, [{"key": f"cs:{session.id}:{user_id}", "kind": "notice", "user_id": user_id,
                                  "text": text, "session_id": session.id, "due_at": due}
                                 for user_id in sorted(families)])
    return len(rows), notices


def reschedule_rest(db: Session, session: TrainingSession, new_start: datetime, new_end: datetime,
                    now: datetime | None = None) -> tuple[int, int]:
    """Move `session` to the new time and every later class of its series by the same shift (their reminders
    follow, as with one class); each family booked on any of them gets one notice. Returns (classes, notices)."""
    now = now or utcnow()
    rows = this_and_later(db, session)
    shift, length = new_start - session.starts_at, new_end - new_start
    if length <= timedelta(0):
        raise ValueError("a class must end after it starts")
    families: dict[int, User] = {}
    for row in rows:
        families.update({u.id or 0: u for u in enrolled_users(db, row)})
        starts = row.starts_at + shift
        reschedule(db, row, starts, starts + length, now)
        # one combined notice below instead of the per-class one `reschedule` queued (never sent: same transaction)
        db.exec(delete(Reminder).where(col(Reminder.key).startswith(f"m:{row.id}:{row.revision}:")))
    db.flush()
    first = rows[0].starts_at.astimezone(SHANGHAI)
    span = f" {len(rows)} 节课" if len(rows) > 1 else "这节课"
    text = (f"【课程时间调整】「{session.title}」从 {first:%m月%d日} 起的{span}改为每周{WEEKDAYS[first.weekday()]} "
            f"{first:%H:%M}–{(first + length):%H:%M}。地点：{session.place}。")
    due = notice_due(now, rows[0].starts_at)
    notices = insert_ignore(db, [{"key": f"mr:{session.id}:{session.revision}:{user_id}", "kind": "notice",
                                  "user_id": user_id, "text": text, "session_id": session.id, "due_at": due}
                                 for user_id in sorted(families)])
    return len(rows), notices
