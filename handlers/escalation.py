"""Hand a question to a person: the parent asked for one, or the bot is not sure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import BaseHandler, Context, Reply
from bot.wording import say
from handlers.base import IntentHandler, clear_dialogue
from handlers.ports import family

if TYPE_CHECKING:
    from intents.engine import Classification


def escalate(ctx: Context, reason: str, intent: str | None, confidence: float | None,
             lead: str = "") -> Reply:
    """Open (or join) a ticket and tell the parent honestly who answers and roughly when."""
    ticket = family(ctx).open_ticket(reason, intent)  # a second request joins the family's open ticket
    clear_dialogue(ctx)
    key = "escalated_ticket" if lead else "escalated_human" if reason == "human" else "escalated_fallback"
    text = say(key, ticket=ticket.id, eta=say("escalation_eta"))
    return Reply(text=f"{lead}\n\n{text}" if lead else text, outcome="escalated",
                 intent=intent, confidence=confidence)


class HumanHandler(IntentHandler):
    intents = ("human",)

    def handle(self, ctx: Context, found: Classification) -> Reply:
        return escalate(ctx, "human", "human", found.confidence)


class FallbackHandler(BaseHandler["Classification"]):
    """Last resort for text: out of scope or too unsure to answer."""

    def check(self, ctx: Context) -> Classification | None:
        return ctx.classification if ctx.is_text else None

    def handle(self, ctx: Context, found: Classification) -> Reply:
        return escalate(ctx, "fallback", found.intent, found.confidence)
