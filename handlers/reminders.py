"""Turn class reminders on and off."""

from __future__ import annotations

from typing import Any

from bot.dispatch import Context, Reply
from handlers.base import IntentHandler
from handlers.texts import say


class ReminderSwitchHandler(IntentHandler):
    intents = ("subscribe", "unsubscribe")

    def handle(self, ctx: Context, found: Any) -> Reply:
        turn_on = found.intent == "subscribe"
        ctx.user.reminders_on = turn_on
        return Reply(text=say("reminders_on" if turn_on else "reminders_off"), intent=found.intent,
                     confidence=found.confidence)
