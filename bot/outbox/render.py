"""What a leased outbox row needs to be sent, read in one query, and the words the parent reads.

Reminder wording is rendered at send time from the session, so a rescheduled class is always announced
with its current time and place; notices carry their own text (written when the change happened).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from bot.outbox.job import Job
from bot.storage.classes import Reminder, TrainingSession
from bot.storage.models import User
from bot.when import format_span
from bot.wording import say

TEMPLATE_VALUE_CHARS = 20  # WeChat shows at most 20 characters per template keyword
NOTICE_NOTES = {"c:": "notice_note_cancelled", "m:": "notice_note_moved"}  # wording key by row-key prefix (bot.timetable)


def load_jobs(db: Session, token: str) -> list[Job]:
    stmt = (select(Reminder, User, TrainingSession)
            .join(User, User.id == Reminder.user_id)  # type: ignore[arg-type]
            .outerjoin(TrainingSession, TrainingSession.id == Reminder.session_id)  # type: ignore[arg-type]
            .where(col(Reminder.lease_owner) == token).order_by(col(Reminder.id)))
    jobs = []
    for row, user, session in db.exec(stmt).all():  # type: ignore[call-overload]
        jobs.append(Job(
            id=row.id, key=row.key, client_msg_id=row.client_msg_id, kind=row.kind, text=row.text,
            offset_minutes=row.offset_minutes, audit_id=row.audit_id, attempts=row.attempts, claims=row.claims,
            lease_owner=token, lease_until=row.lease_until, user_id=user.id, openid=user.openid,
            followed=user.followed, reminders_on=user.reminders_on, last_message_at=user.last_message_at,
            session_title=session.title if session else None, session_status=session.status if session else None,
            starts_at=session.starts_at if session else None, ends_at=session.ends_at if session else None,
            place=session.place if session else "", what_to_bring=session.what_to_bring if session else ""))
    return jobs


def _when(job: Job) -> str:
    return format_span(job.starts_at, job.ends_at) if job.starts_at else ""


def text_for(job: Job) -> str:
    """The customer-service text version (full wording)."""
    if job.kind != "reminder":
        return job.text
    soon = say("reminder_soon_tomorrow" if (job.offset_minutes or 0) >= 12 * 60 else "reminder_soon_now")
    lines = [say("reminder_head", title=job.session_title, soon=soon), say("session_time_line", when=_when(job))]
    if job.place:
        lines.append(say("session_place_line", place=job.place))
    if job.what_to_bring:
        lines.append(say("session_bring_line", bring=job.what_to_bring))
    lines.append(say("reminder_off_hint"))
    return "\n".join(lines)


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= TEMPLATE_VALUE_CHARS else value[: TEMPLATE_VALUE_CHARS - 1] + "…"


def template_data(job: Job) -> dict[str, str]:
    """Template keywords: thing1 class, time2 when, thing3 place, thing4 what to bring / the notice."""
    if job.kind == "reminder":
        return {"thing1": _short(job.session_title or say("reminder_template_class")), "time2": _when(job),
                "thing3": _short(job.place or say("reminder_template_place")),
                "thing4": _short(job.what_to_bring or say("reminder_template_bring"))}
    body = job.text.split("】", 1)[-1]
    note = say(NOTICE_NOTES[job.key[:2]]) if job.key[:2] in NOTICE_NOTES else body
    return {"thing1": _short(job.session_title or say("reminder_template_notice")), "time2": _when(job),
            "thing3": _short(job.place or say("reminder_template_place")), "thing4": _short(note)}
