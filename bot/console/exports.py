"""CSV exports for staff (tickets, enrolments) and admins (the audit log): the same minimum the pages show,
never a message's text or an openid. Each download is itself audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from bot.console.audit import ACTION_LABELS
from bot.console.audit_view import describe
from bot.console.blueprint import REASON_LABELS, STATUS_LABELS, intent_label, region_label
from bot.console.scope import in_my_centres
from bot.console.simulated import real_families
from bot.storage.accounts import AuditLog, StaffUser
from bot.storage.classes import Enrolment, TrainingSession
from bot.storage.models import Centre, Ticket
from bot.wechat.limits import SHANGHAI

LIMIT = 20000


def _time(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def to_csv(header: list[str], rows: Iterable[list[object]]) -> str:
    """UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it without garbling."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def ticket_rows(db: Session) -> Iterator[list[object]]:
    names = dict(db.exec(select(StaffUser.id, StaffUser.name)).all())
    tickets = db.exec(select(Ticket).where(real_families(Ticket.user_id)).order_by(col(Ticket.id)).limit(LIMIT)).all()
    for t in tickets:
        yield [t.id, STATUS_LABELS.get(t.status, "其他"), REASON_LABELS.get(t.reason, "其他"), region_label(t.region),
               intent_label(t.intent_guess), t.user_id, names.get(t.claimed_by, ""), _time(t.created_at),
               _time(t.answered_at)]


TICKET_HEADER = ["工单号", "状态", "原因", "地区", "问题类型（猜测）", "家庭编号", "认领人", "创建时间", "回复时间"]


def enrolment_rows(db: Session) -> Iterator[list[object]]:
    centres = dict(db.exec(select(Centre.id, Centre.name)).all())
    rows = db.exec(select(Enrolment, TrainingSession).join(TrainingSession, col(TrainingSession.id) == col(Enrolment.session_id))
                   .where(real_families(Enrolment.user_id), in_my_centres(TrainingSession.centre_id))
                   .order_by(col(TrainingSession.starts_at), col(Enrolment.user_id)).limit(LIMIT)).all()
    for enrolment, session in rows:
        yield [session.id, session.title, centres.get(session.centre_id, ""), _time(session.starts_at),
               "已取消" if session.status == "cancelled" else "正常", enrolment.user_id, _time(enrolment.created_at)]


ENROLMENT_HEADER = ["课程编号", "课程", "机构", "上课时间", "课程状态", "家庭编号", "报名时间"]


def audit_rows(db: Session) -> Iterator[list[object]]:
    for row in db.exec(select(AuditLog).order_by(AuditLog.id.desc()).limit(LIMIT)).all():  # type: ignore[union-attr]
        yield [_time(row.created_at), row.actor_name, ACTION_LABELS.get(row.action, "其他操作"),
               " · ".join(p.label for p in describe(row.target)), " · ".join(p.label for p in describe(row.detail)),
               row.ip]


AUDIT_HEADER = ["时间", "账号", "操作", "对象", "详情", "IP"]
