"""Greetings and thanks: short, warm, and pointing at what the bot can do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import Context, Reply
from bot.wording import say
from handlers.base import IntentHandler, remember_region

if TYPE_CHECKING:
    from intents.engine import Classification


class GreetingHandler(IntentHandler):
    intents = ("greeting",)

    def handle(self, ctx: Context, found: Classification) -> Reply:
        remember_region(ctx, found.slots)
        hint = "" if ctx.user.region else say("greeting_region_hint")
        return Reply(text=say("greeting", region_hint=hint), intent="greeting", confidence=found.confidence)


class ThanksHandler(IntentHandler):
    intents = ("thanks",)

    def handle(self, ctx: Context, found: Classification) -> Reply:
        return Reply(text=say("thanks"), intent="thanks", confidence=found.confidence)


class AcknowledgementHandler(IntentHandler):
    """"好的知道了" / "嗯嗯" after an answer: a short word back, not a question for a volunteer."""

    def check(self, ctx: Context) -> Classification | None:
        slots = ctx.services.engine.slots
        if ctx.is_text and (slots.acknowledges(ctx.text) or slots.acknowledges(ctx.classification.normalized)):
            return ctx.classification
        return None

    def handle(self, ctx: Context, found: Classification) -> Reply:
        return Reply(text=say("acknowledged"), intent="thanks", confidence=found.confidence)
