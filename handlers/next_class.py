"""`next_session` ("下次上课是什么时候", "这周有课吗", "周六的课取消了吗") and joining a centre by its code.

Answers come only from the database: the family's enrolled sessions, else its centre's public parent
lectures. Cancelled sessions are said as cancelled. Times are shown in Asia/Shanghai.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.dispatch import BaseHandler, Context, Reply
from bot.storage.classes import TrainingSession
from bot.storage.models import Centre, User
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI
from bot.when import DayRange, format_span, parse_when
from bot.wording import say, session_kind_label
from handlers.answer import answered_by_documents
from handlers.base import IntentHandler, clear_dialogue, dialogue
from handlers.ports import FamilyPort, family

if TYPE_CHECKING:
    from intents.engine import Classification

_CODE = re.compile(r"\s*(加入码|机构码|加入机构|加入)?[\s:：]*([A-Za-z0-9_-]{2,32})\s*")


def describe(session: TrainingSession, with_bring: bool = True) -> str:
    cancelled = say("session_cancelled_mark") if session.status == "cancelled" else ""
    lines = [say("session_title_line", cancelled=cancelled, title=session.title, kind=session_kind_label(session.kind)),
             say("session_time_line", when=format_span(session.starts_at, session.ends_at))]
    if session.place:
        lines.append(say("session_place_line", place=session.place))
    if with_bring and session.what_to_bring and not cancelled:
        lines.append(say("session_bring_line", bring=session.what_to_bring))
    return "\n".join(lines)


def _day_bounds(span: DayRange) -> tuple[datetime, datetime]:
    start = datetime.combine(span.first, time(0), SHANGHAI)
    return start, datetime.combine(span.last + timedelta(days=1), time(0), SHANGHAI)


class NextSessionHandler(IntentHandler):
    intents = ("next_session",)

    def check(self, ctx: Context) -> Classification | None:
        found = super().check(ctx)
        if found is not None and ctx.user.centre_id is None and answered_by_documents(ctx):
            return None  # "綦江送教上门一个月来几回" from a family with no centre asks the policy, not a timetable
        return found

    def handle(self, ctx: Context, found: Classification) -> Reply:
        return Reply(text=self.answer(family(ctx), ctx.user, ctx.text, utcnow()), intent="next_session",
                     confidence=found.confidence)

    def answer(self, store: FamilyPort, user: User, text: str, now: datetime) -> str:
        span = parse_when(text, now.astimezone(SHANGHAI).date())
        upcoming, enrolled = store.next_session(now)
        if upcoming is None and user.centre_id is None:
            return say("sessions_no_centre")
        tip = "" if user.reminders_on or not enrolled else "\n\n" + say("sessions_reminder_tip")
        head = ""
        if span is not None:
            listed = store.sessions_between(*_day_bounds(span))
            if listed:
                return say("sessions_in_span", label=span.label) + "\n\n".join(describe(s) for s in listed) + tip
            head = say("sessions_none_in_span", label=span.label)
        if upcoming is None:
            centre = store.centre(user.centre_id)
            return head + say("sessions_no_classes", centre=centre.name if centre else say("sessions_your_centre"))
        if enrolled:
            return say("sessions_next", head=head) + describe(upcoming) + tip
        return say("sessions_next_public", head=head, session=describe(upcoming))


class JoinCodeHandler(BaseHandler[Centre | str]):
    """"qj01" or "加入 qj01": bind the family to the centre with that join code (found: the centre, or the
    code no centre has when the parent said it is one)."""

    def check(self, ctx: Context) -> Centre | str | None:
        match = _CODE.fullmatch(ctx.text) if ctx.is_text else None
        if match is None:
            return None
        code = match.group(2)
        centre = family(ctx).centre_with_code(code, ignore_case=True)
        if centre is None:
            return code if match.group(1) else None
        return centre

    def handle(self, ctx: Context, found: Centre | str) -> Reply:
        if isinstance(found, str):
            return Reply(text=say("sessions_unknown_code", code=found), outcome="answered", intent=None)
        ctx.user.centre_id = found.id
        if not ctx.user.region:
            ctx.user.region = found.region
            if dialogue(ctx).get("await") == "region":
                clear_dialogue(ctx)
        return Reply(text=say("centre_joined", centre=found.name, address=found.address), intent=None)
