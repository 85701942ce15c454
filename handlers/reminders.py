"""Turn class reminders on and off; the outbox follows at once (rows created, or pending ones cancelled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import Context, Reply
from bot.wording import say
from handlers.base import IntentHandler
from handlers.ports import family

if TYPE_CHECKING:
    from intents.engine import Classification


class ReminderSwitchHandler(IntentHandler):
    intents = ("subscribe", "unsubscribe")

    def handle(self, ctx: Context, found: Classification) -> Reply:
        turn_on = found.intent == "subscribe"
        ctx.user.reminders_on = turn_on
        family(ctx).sync_reminders()
        return Reply(text=say("reminders_on" if turn_on else "reminders_off"), intent=found.intent,
                     confidence=found.confidence)
