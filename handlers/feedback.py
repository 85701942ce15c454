"""The parent says the answer did not help: hand the question to a volunteer instead of guessing again."""

from __future__ import annotations

import re
from typing import Literal

from bot.dispatch import BaseHandler, Context, Reply
from bot.wording import say
from handlers.escalation import escalate
from handlers.ports import family

#: The whole (short) message must be a complaint: "没用过康复机构" must not match.
UNHELPFUL = re.compile(
    r"^(?:你|你的|这|这个|这些|刚才|刚刚|上面)?的?(?:回答|回复|答案|说的)?(?:完全|根本|好像|还是|也|都|真)?"
    r"(?:没用|没有用|没啥用|没什么用|没帮助|没有帮助|没帮上忙|没有帮上忙|没帮到我|没有帮到我|答非所问|"
    r"不是我要问的|不是我问的|牛头不对马嘴|文不对题)"
    r"[啊呀的吧呢哦了嘛啦。.！!，,~～…\s]*$"
)
MAX_CHARS = 16


def is_unhelpful(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= MAX_CHARS and UNHELPFUL.match(text) is not None


class UnhelpfulHandler(BaseHandler[Literal[True]]):
    """Matches "没用" / "没帮助" / "答非所问" and similar; the ticket's intent guess is the previous question's."""

    def check(self, ctx: Context) -> Literal[True] | None:
        return True if ctx.is_text and is_unhelpful(ctx.text) else None

    def handle(self, ctx: Context, found: Literal[True]) -> Reply:
        intent = family(ctx).last_intent()
        reply = escalate(ctx, "unhelpful", intent, None, lead=say("unhelpful_lead"))
        reply.intent = None  # the complaint itself has no intent; the ticket keeps the guess
        return reply
