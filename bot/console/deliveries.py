"""Who was reminded: each outbox row (a class reminder or a notice) in words staff understand, and the
counts behind a push's progress. Read-only, except `cancel_queued`, which withdraws what has not gone yet.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot.console.simulated import real_families
from bot.outbox.schedule import in_quiet_hours
from bot.storage.classes import Reminder
from bot.timeutil import utcnow

STATES = {"queued": "排队中", "held": "静默时段暂缓", "scheduled": "定时发送", "sent": "已送达",
          "failed": "发送失败", "skipped": "未发送", "cancelled": "已撤回"}
# The outbox's reasons (bot.outbox) in Chinese; a WeChat error keeps its code for whoever asks WeChat.
REASONS = {"family unfollowed": "家庭已取消关注公众号", "reminders off": "家长关闭了上课提醒",
           "session cancelled": "课程已取消", "class already started": "课程已开始，不再提醒",
           "superseded by a newer change": "课程又有新的调整，以最新通知为准",
           "withdrawn by staff": "工作人员撤回了这条通知",
           "rescheduled; reminder time passed": "课程改期后提醒时间已过"}
LIST_LIMIT = 500  # rows shown in a delivery list; the progress counts use every row
_WECHAT = re.compile(r"^(\d+):")


@dataclass(frozen=True)
class Delivery:
    """One row as the delivery list shows it."""

    row: Reminder
    state: str
    when: datetime | None
    reason: str

    @property
    def label(self) -> str:
        return STATES[self.state]


def reason_label(error: str | None) -> str:
    if not error:
        return ""
    for known, label in REASONS.items():
        if error.startswith(known):
            return label
    if error.startswith("lease expired"):
        return "发送进程多次中断，结果不明"
    code = _WECHAT.match(error)
    return f"微信拒绝了这条消息（错误码 {code.group(1)}）" if code else "其他原因"


def describe(row: Reminder, now: datetime | None = None) -> Delivery:
    """The row's state: queued now, held by quiet hours (21:00-08:00) until …, scheduled, sent, failed …"""
    now = now or utcnow()
    if row.status == "pending":
        if row.next_attempt_at <= now:
            return Delivery(row, "queued", None, reason_label(row.last_error) if row.attempts else "")
        held = row.kind == "notice" and in_quiet_hours(row.created_at)
        return Delivery(row, "held" if held else "scheduled", row.next_attempt_at, reason_label(row.last_error))
    if row.status == "sent":
        return Delivery(row, "sent", row.sent_at, "")
    if row.status in ("failed", "dead"):
        return Delivery(row, "failed", None, reason_label(row.last_error))
    return Delivery(row, "skipped" if row.status == "skipped" else "cancelled", None, reason_label(row.last_error))


def progress(rows: list[Reminder], now: datetime | None = None) -> dict[str, int]:
    """How many rows are in each state (every state present, zero or not), plus `total`."""
    counts = Counter(describe(row, now).state for row in rows)
    return {**{state: counts[state] for state in STATES}, "total": len(rows)}


def cancel_queued(db: Session, audit_id: int, now: datetime | None = None) -> int:
    """Withdraw a push's rows that have not gone and that no dispatcher holds right now; returns how many.
    One UPDATE, so a dispatcher leasing at the same moment either gets a row first or never sees it."""
    now = now or utcnow()
    result = db.exec(update(Reminder).where(
        col(Reminder.audit_id) == audit_id, col(Reminder.status) == "pending",
        or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) < now),
    ).values(status="cancelled", last_error="withdrawn by staff"))
    return int(result.rowcount or 0)


def rows_for(db: Session, audit_id: int | None = None, session_id: int | None = None,
             state: str = "", limit: int | None = LIST_LIMIT, where: Any = None) -> list[Reminder]:
    """Outbox rows of one push, or one class (its reminders and notices), or everything in one state;
    `where` narrows further (the account's centres)."""
    stmt = select(Reminder) if where is None else select(Reminder).where(where)
    if audit_id is None and session_id is None:
        stmt = stmt.where(real_families(Reminder.user_id))  # the dashboard's figures leave the simulator out
    if audit_id is not None:
        stmt = stmt.where(Reminder.audit_id == audit_id)
    if session_id is not None:
        stmt = stmt.where(Reminder.session_id == session_id)
    if state == "sent":
        stmt = stmt.where(Reminder.status == "sent")
    elif state == "failed":
        stmt = stmt.where(Reminder.status.in_(("failed", "dead")))  # type: ignore[attr-defined]
    elif state == "pending":
        stmt = stmt.where(Reminder.status == "pending")
    return list(db.exec(stmt.order_by(Reminder.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
