"""When two intents are close, offer both and let the parent pick by number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import BaseHandler, Context, Redispatch, Reply
from bot.wording import intent_label, say
from handlers.base import DialogueHandler, DialogueState, set_dialogue

if TYPE_CHECKING:
    from intents.engine import Classification

CHOICE_WORDS = {"1": 0, "2": 1, "一": 0, "二": 1, "第一个": 0, "第二个": 1}


class ClarifyHandler(BaseHandler["Classification"]):
    def check(self, ctx: Context) -> Classification | None:
        if not ctx.is_text:
            return None
        result = ctx.classification
        if result.decision == "clarify" and len(result.alternatives) >= 2:
            return result
        return None

    def handle(self, ctx: Context, found: Classification) -> Reply:
        first, second = (intent for intent, _score in found.alternatives[:2])
        set_dialogue(ctx, {"await": "clarify", "choices": [first, second], "text": ctx.text[:500]})
        return Reply(text=say("clarify", first=intent_label(first), second=intent_label(second)),
                     outcome="clarified", intent=found.intent, confidence=found.confidence)


class ClarifyChoiceHandler(DialogueHandler):
    """The parent picked 1 or 2: answer the original question under that intent."""

    name = "clarify"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | Redispatch | None:
        index = CHOICE_WORDS.get(ctx.text.strip().rstrip("。.").strip())
        if index is None:
            return None
        intent = state["choices"][index]
        set_dialogue(ctx)
        ctx.reroute(state.get("text", ""))
        ctx.force_intent(intent)
        return Redispatch()
