"""What centre staff do to classes: create sessions and series, enrol families, move or cancel a class,
push a notice. No web UI here; the console calls these. Callers commit (they own the transaction).

Every message to families goes through the outbox with a deterministic key, so repeating an action
(a double click, a retried request) never tells a family twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.outbox.schedule import insert_ignore, notice_due, reminder_due, schedule_enrolment
from bot.storage.classes import KINDS, Enrolment, PushAudit, Reminder, SessionSeries, TrainingSession
from bot.storage.models import Centre, User
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI
from bot.when import format_span
from bot.wording import say

MAX_NOTICE_CHARS = 500


class SessionFull(ValueError):
    """The class has reached its capacity."""


def create_session(db: Session, centre: Centre, title: str, kind: str, starts_at: datetime, ends_at: datetime,
                   place: str = "", capacity: int | None = None, what_to_bring: str = "", public: bool = False,
                   series: SessionSeries | None = None) -> TrainingSession:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if ends_at <= starts_at:
        raise ValueError("a session must end after it starts")
    session = TrainingSession(centre_id=centre.id or 0, series_id=series.id if series else None, title=title,
                              kind=kind, starts_at=starts_at, ends_at=ends_at, place=place or centre.address,
                              capacity=capacity, what_to_bring=what_to_bring, public=public)
    db.add(session)
    db.flush()
    return session


def create_series(db: Session, centre: Centre, title: str, kind: str, weekday: int, start: str | time,
                  weeks: int, first_date: date | None = None, duration_minutes: int = 90, place: str = "",
                  capacity: int | None = None, what_to_bring: str = "", public: bool = False) -> SessionSeries:
    """Every `weekday` (0 = Monday) at `start` local time for `weeks` weeks, from `first_date` or the next one."""
    clock = start if isinstance(start, time) else time.fromisoformat(start)
    today = utcnow().astimezone(SHANGHAI).date()
    first = first_date or today + timedelta(days=(weekday - today.weekday()) % 7)
    if first.weekday() != weekday or weeks < 1:
        raise ValueError("first_date must fall on weekday, and weeks must be at least 1")
    series = SessionSeries(centre_id=centre.id or 0, title=title, kind=kind, weekday=weekday,
                           start_time=clock.strftime("%H:%M"), duration_minutes=duration_minutes,
                           first_date=first, weeks=weeks, place=place, capacity=capacity,
                           what_to_bring=what_to_bring, public=public)
    db.add(series)
    db.flush()
    for week in range(weeks):
        starts = datetime.combine(first + timedelta(weeks=week), clock, SHANGHAI).astimezone(utcnow().tzinfo)
        create_session(db, centre, title, kind, starts, starts + timedelta(minutes=duration_minutes), place,
                       capacity, what_to_bring, public, series)
    return series


def series_sessions(db: Session, series: SessionSeries, after: datetime | None = None) -> list[TrainingSession]:
    stmt = select(TrainingSession).where(TrainingSession.series_id == series.id)
    if after is not None:
        stmt = stmt.where(TrainingSession.starts_at > after)
    return list(db.exec(stmt.order_by(TrainingSession.starts_at)).all())  # type: ignore[arg-type]


def enrol(db: Session, user: User, target: TrainingSession | SessionSeries,
          now: datetime | None = None) -> list[Enrolment]:
    """Book a family on a session, or on every future session of a series; creates its reminders."""
    now = now or utcnow()
    series = target if isinstance(target, SessionSeries) else None
    sessions = series_sessions(db, target, now) if isinstance(target, SessionSeries) else [target]
    created = []
    for session in sessions:
        if session.status != "scheduled":
            if series:
                continue
            raise ValueError("cannot enrol in a cancelled session")
        exists = db.exec(select(Enrolment).where(Enrolment.user_id == user.id,
                                                 Enrolment.session_id == session.id)).first()
        if exists is None:
            taken = db.exec(select(func.count()).select_from(Enrolment)
                            .where(Enrolment.session_id == session.id)).one()
            if session.capacity is not None and taken >= session.capacity:
                raise SessionFull(f"session {session.id} is full ({session.capacity})")
            exists = Enrolment(user_id=user.id or 0, session_id=session.id or 0, series_id=session.series_id)
            db.add(exists)
            created.append(exists)
        schedule_enrolment(db, user, session, now)
    if user.centre_id is None and sessions:
        user.centre_id = sessions[0].centre_id
    db.flush()
    return created


def enrolled_users(db: Session, target: TrainingSession | SessionSeries) -> list[User]:
    """Families booked on a session, or on any session of a series, who still follow the account."""
    booked = select(Enrolment.user_id)
    if isinstance(target, SessionSeries):
        booked = booked.join(TrainingSession, col(TrainingSession.id) == col(Enrolment.session_id)).where(
            TrainingSession.series_id == target.id)
    else:
        booked = booked.where(Enrolment.session_id == target.id)
    stmt = select(User).where(col(User.id).in_(booked), col(User.followed) == True).order_by(col(User.id)) # noqa: E712
    return list(db.exec(stmt).all())


def _notify(db: Session, session: TrainingSession | None, users: list[User], key: str, text: str,
            now: datetime, audit_id: int | None = None) -> int:
    due = notice_due(now, session.starts_at if session else None)
    rows = [{"key": key.format(user=u.id), "kind": "notice", "user_id": u.id, "text": text[:2000],
             "session_id": session.id if session else None, "audit_id": audit_id, "due_at": due} for u in users]
    return insert_ignore(db, rows)


def _cancel_pending(db: Session, session: TrainingSession, reason: str, key_prefix: str = "r:") -> None:
    db.exec(update(Reminder).where(
        col(Reminder.session_id) == session.id, col(Reminder.status) == "pending", col(Reminder.key).startswith(key_prefix),
    ).values(status="cancelled", last_error=reason))


def reschedule(db: Session, session: TrainingSession, new_start: datetime, new_end: datetime,
               now: datetime | None = None) -> int:
    """Move a class: its reminders follow it, and each enrolled family is told once; returns notices made."""
    now = now or utcnow()
    if session.status != "scheduled" or new_end <= new_start:
        raise ValueError("only a scheduled session can move, and it must end after it starts")
    old = format_span(session.starts_at, session.ends_at)
    session.starts_at, session.ends_at, session.revision = new_start, new_end, session.revision + 1
    rows = db.exec(select(Reminder).where(Reminder.session_id == session.id, Reminder.kind == "reminder",
                                          Reminder.status.in_(("pending", "sent", "skipped")))).all()  # type: ignore[attr-defined]
    for row in rows:
        due = reminder_due(new_start, row.offset_minutes or 0)
        if due < now:
            if row.status == "pending":
                row.status, row.last_error = "skipped", "rescheduled; reminder time passed"
            continue
        if row.status != "pending":  # already went for the old time: re-arm with a fresh client_msg_id
            row.revision, row.status, row.claims, row.sent_at, row.channel = row.revision + 1, "pending", 0, None, None
        row.due_at = row.next_attempt_at = due
        row.attempts, row.last_error = 0, None
    db.flush()
    users = enrolled_users(db, session)
    for user in users:
        schedule_enrolment(db, user, session, now)
    _cancel_pending(db, session, "superseded by a newer change", key_prefix=f"m:{session.id}:")
    text = say("notice_moved", title=session.title, when=format_span(new_start, new_end), old=old, place=session.place)
    return _notify(db, session, users, f"m:{session.id}:{session.revision}:{{user}}", text, now)


def cancel(db: Session, session: TrainingSession, now: datetime | None = None) -> int:
    """Cancel a class: pending reminders stop and each enrolled family is told once (repeat calls: no-op)."""
    now = now or utcnow()
    if session.status == "cancelled":
        return 0
    session.status = "cancelled"
    _cancel_pending(db, session, "session cancelled")
    _cancel_pending(db, session, "session cancelled", key_prefix=f"m:{session.id}:")
    db.flush()
    if session.ends_at <= now:
        return 0
    text = say("notice_cancelled", title=session.title, when=format_span(session.starts_at, session.ends_at))
    return _notify(db, session, enrolled_users(db, session), f"c:{session.id}:{{user}}", text, now)


def push_notice(db: Session, staff_name: str, target: TrainingSession | SessionSeries, text: str,
                now: datetime | None = None) -> PushAudit:
    """Send a class notice to everyone enrolled, through the outbox, with an audit record of the push."""
    now = now or utcnow()
    text = text.strip()[:MAX_NOTICE_CHARS]
    if not text:
        raise ValueError("empty notice")
    is_series = isinstance(target, SessionSeries)
    upcoming = series_sessions(db, target, now)[:1] if isinstance(target, SessionSeries) else [target]
    audit = PushAudit(staff_name=staff_name[:64], text=text, created_at=now,
                      session_id=None if is_series else target.id, series_id=target.id if is_series else None)
    db.add(audit)
    db.flush()
    session = upcoming[0] if upcoming else None
    title = target.title
    audit.recipients = _notify(db, session, enrolled_users(db, target), f"p:{audit.id}:{{user}}",
                               say("notice_pushed", title=title, text=text), now, audit.id)
    db.flush()
    return audit
