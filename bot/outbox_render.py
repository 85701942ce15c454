"""What a leased outbox row needs to be sent, read in one query, and the words the parent reads.

Reminder wording is rendered at send time from the session, so a rescheduled class is always announced
with its current time and place; notices carry their own text (written when the change happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.classes import Reminder, TrainingSession
from bot.models import User
from bot.when import format_span

TEMPLATE_VALUE_CHARS = 20  # WeChat shows at most 20 characters per template keyword
NOTICE_NOTES = {"c:": "课程已取消，请勿前往", "m:": "上课时间已调整，以此为准"}  # by key prefix (bot.staff)


@dataclass(frozen=True)
class Job:
    """A leased row joined with its family and class."""

    id: int
    key: str
    client_msg_id: str
    kind: str
    text: str
    offset_minutes: int | None
    audit_id: int | None
    attempts: int
    claims: int
    lease_owner: str
    lease_until: datetime
    user_id: int
    openid: str
    followed: bool
    reminders_on: bool
    last_message_at: datetime | None
    session_title: str | None
    session_status: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    what_to_bring: str

    @property
    def unknown_outcome(self) -> bool:
        """An earlier lease ended without a recorded outcome: it may have been delivered."""
        return self.claims - 1 > self.attempts


def load_jobs(db: Session, token: str) -> list[Job]:
    stmt = (select(Reminder, User, TrainingSession)
            .join(User, User.id == Reminder.user_id)  # type: ignore[arg-type]
            .outerjoin(TrainingSession, TrainingSession.id == Reminder.session_id)  # type: ignore[arg-type]
            .where(Reminder.lease_owner == token).order_by(Reminder.id))
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
    soon = "明天" if (job.offset_minutes or 0) >= 12 * 60 else "即将"
    lines = [f"【上课提醒】您报名的「{job.session_title}」{soon}开始。", f"时间：{_when(job)}"]
    if job.place:
        lines.append(f"地点：{job.place}")
    if job.what_to_bring:
        lines.append(f"请带：{job.what_to_bring}")
    lines.append("回复“取消提醒”可关闭提醒。")
    return "\n".join(lines)


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= TEMPLATE_VALUE_CHARS else value[: TEMPLATE_VALUE_CHARS - 1] + "…"


def template_data(job: Job) -> dict[str, str]:
    """Template keywords: thing1 class, time2 when, thing3 place, thing4 what to bring / the notice."""
    if job.kind == "reminder":
        return {"thing1": _short(job.session_title or "课程"), "time2": _when(job),
                "thing3": _short(job.place or "见机构通知"), "thing4": _short(job.what_to_bring or "无")}
    body = job.text.split("】", 1)[-1]
    note = NOTICE_NOTES.get(job.key[:2], body)
    return {"thing1": _short(job.session_title or "课程通知"), "time2": _when(job),
            "thing3": _short(job.place or "见机构通知"), "thing4": _short(note)}
