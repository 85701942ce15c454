"""`next_session` ("下次上课是什么时候", "这周有课吗", "周六的课取消了吗") and joining a centre by its code.

Answers come only from the database: the family's enrolled sessions, else its centre's public parent
lectures. Cancelled sessions are said as cancelled. Times are shown in Asia/Shanghai.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from bot.classes import Enrolment, TrainingSession
from bot.dispatch import BaseHandler, Context, Reply
from bot.models import Centre, User
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI
from bot.when import DayRange, format_span, parse_when
from bot.wording import say
from handlers.answer import answered_by_documents
from handlers.base import IntentHandler, clear_dialogue

KIND_LABELS = {"parent_training": "家长培训", "child_class": "儿童课程", "home_visit": "送康/送教上门"}
NO_CENTRE = ("我这里还没有您的课程记录：您还没有加入康复机构，也没有报名课程。\n"
             "请扫描机构提供的二维码，或直接发送机构给您的加入码（例如“加入 qj01”）。加入后就能查询课程、开启上课提醒。")
NO_CLASSES = "暂时没有查到您报名的课程，「{centre}」近期也没有公开的家长讲座。报名请联系机构工作人员。"
REMINDER_TIP = "回复“订阅提醒”，课前24小时和2小时会提醒您。"
UNKNOWN_CODE = "没有找到加入码“{code}”对应的康复机构，请核对后再发，或扫描机构的二维码。"
_CODE = re.compile(r"\s*(加入码|机构码|加入机构|加入)?[\s:：]*([A-Za-z0-9_-]{2,32})\s*")


def describe(session: TrainingSession, with_bring: bool = True) -> str:
    cancelled = "【已取消】" if session.status == "cancelled" else ""
    lines = [f"{cancelled}「{session.title}」（{KIND_LABELS.get(session.kind, '课程')}）",
             f"时间：{format_span(session.starts_at, session.ends_at)}"]
    if session.place:
        lines.append(f"地点：{session.place}")
    if with_bring and session.what_to_bring and not cancelled:
        lines.append(f"请带：{session.what_to_bring}")
    return "\n".join(lines)


def _visible(user: User) -> Any:
    """Sessions the family may hear about: its enrolments, and its centre's public lectures."""
    mine = select(Enrolment.session_id).where(Enrolment.user_id == user.id)
    clauses = [TrainingSession.id.in_(mine)]  # type: ignore[union-attr]
    if user.centre_id is not None:
        clauses.append((TrainingSession.centre_id == user.centre_id) & (TrainingSession.public == True))  # noqa: E712
    return or_(*clauses)


def sessions_between(db: Session, user: User, start: datetime, end: datetime) -> list[TrainingSession]:
    stmt = select(TrainingSession).where(_visible(user), TrainingSession.starts_at >= start,
                                         TrainingSession.starts_at < end).order_by(TrainingSession.starts_at)
    return list(db.exec(stmt).all())


def next_sessions(db: Session, user: User, now: datetime) -> tuple[TrainingSession | None, bool]:
    """The next scheduled session (enrolled first, else a public lecture) and whether it is enrolled."""
    mine = select(TrainingSession).join(Enrolment, Enrolment.session_id == TrainingSession.id).where(
        Enrolment.user_id == user.id, TrainingSession.status == "scheduled", TrainingSession.ends_at > now)
    found = db.exec(mine.order_by(TrainingSession.starts_at).limit(1)).first()  # type: ignore[arg-type]
    if found is not None or user.centre_id is None:
        return found, found is not None
    public = select(TrainingSession).where(TrainingSession.centre_id == user.centre_id,
                                           TrainingSession.public == True,  # noqa: E712
                                           TrainingSession.status == "scheduled", TrainingSession.ends_at > now)
    return db.exec(public.order_by(TrainingSession.starts_at).limit(1)).first(), False  # type: ignore[arg-type]


def _day_bounds(span: DayRange) -> tuple[datetime, datetime]:
    start = datetime.combine(span.first, time(0), SHANGHAI)
    return start, datetime.combine(span.last + timedelta(days=1), time(0), SHANGHAI)


class NextSessionHandler(IntentHandler):
    intents = ("next_session",)

    def check(self, ctx: Context) -> Any | None:
        found = super().check(ctx)
        if found is not None and ctx.user.centre_id is None and answered_by_documents(ctx):
            return None  # "綦江送教上门一个月来几回" from a family with no centre asks the policy, not a timetable
        return found

    def handle(self, ctx: Context, found: Any) -> Reply:
        return Reply(text=self.answer(ctx.db, ctx.user, ctx.text, utcnow()), intent="next_session",
                     confidence=found.confidence)

    def answer(self, db: Session, user: User, text: str, now: datetime) -> str:
        span = parse_when(text, now.astimezone(SHANGHAI).date())
        upcoming, enrolled = next_sessions(db, user, now)
        if upcoming is None and user.centre_id is None:
            return NO_CENTRE
        tip = "" if user.reminders_on or not enrolled else "\n\n" + REMINDER_TIP
        head = ""
        if span is not None:
            listed = sessions_between(db, user, *_day_bounds(span))
            if listed:
                return f"{span.label}的安排：\n\n" + "\n\n".join(describe(s) for s in listed) + tip
            head = f"{span.label}没有您的课程安排。"
        if upcoming is None:
            centre = db.get(Centre, user.centre_id)
            return head + NO_CLASSES.format(centre=centre.name if centre else "您的机构")
        if enrolled:
            return f"{head}您的下一次课程：\n" + describe(upcoming) + tip
        return f"{head}您还没有报名课程。机构最近的公开家长讲座：\n{describe(upcoming)}\n报名请联系机构工作人员。"


class JoinCodeHandler(BaseHandler):
    """"qj01" or "加入 qj01": bind the family to the centre with that join code."""

    def check(self, ctx: Context) -> Any | None:
        match = _CODE.fullmatch(ctx.text) if ctx.is_text else None
        if match is None:
            return None
        code = match.group(2)
        centre = ctx.db.exec(select(Centre).where(func.lower(Centre.code) == code.lower())).first()
        if centre is None:
            return code if match.group(1) else None
        return centre

    def handle(self, ctx: Context, found: Any) -> Reply:
        if isinstance(found, str):
            return Reply(text=UNKNOWN_CODE.format(code=found), outcome="answered", intent=None)
        ctx.user.centre_id = found.id
        if not ctx.user.region:
            ctx.user.region = found.region
            if (ctx.user.dialogue or {}).get("await") == "region":
                clear_dialogue(ctx)
        return Reply(text=say("centre_joined", centre=found.name, address=found.address), intent=None)
