"""Hand a question to a person: the parent asked for one, or the bot is not sure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select

from bot.dispatch import BaseHandler, Context, Reply
from bot.storage.models import Ticket
from bot.wording import say
from handlers.base import IntentHandler, clear_dialogue

_OPEN_TICKET = select(Ticket).where(Ticket.user_id == bindparam("user_id"),
                                   Ticket.status.in_(("open", "claimed")))  # type: ignore[attr-defined]


def open_ticket(ctx: Context, reason: str, intent_guess: str | None = None) -> Ticket:
    """One open ticket per family at a time: a second request joins the first."""
    with ctx.db.no_autoflush:  # the family's pending changes are flushed once, below or at commit
        existing = ctx.db.exec(_OPEN_TICKET, params={"user_id": ctx.user.id}).first()
    if existing is not None:
        return existing
    ticket = Ticket(user_id=ctx.user.id or 0, reason=reason, intent_guess=intent_guess, region=ctx.user.region)
    ctx.db.add(ticket)
    ctx.db.flush()
    return ticket


def escalate(ctx: Context, reason: str, intent: str | None, confidence: float | None,
             lead: str = "") -> Reply:
    """Open (or join) a ticket and tell the parent honestly who answers and roughly when."""
    ticket = open_ticket(ctx, reason, intent)
    clear_dialogue(ctx)
    key = "escalated_ticket" if lead else "escalated_human" if reason == "human" else "escalated_fallback"
    text = say(key, ticket=ticket.id, eta=say("escalation_eta"))
    return Reply(text=f"{lead}\n\n{text}" if lead else text, outcome="escalated",
                 intent=intent, confidence=confidence)


class HumanHandler(IntentHandler):
    intents = ("human",)

    def handle(self, ctx: Context, found: Any) -> Reply:
        return escalate(ctx, "human", "human", found.confidence)


class FallbackHandler(BaseHandler):
    """Last resort for text: out of scope or too unsure to answer."""

    def check(self, ctx: Context) -> Any | None:
        return ctx.classification if ctx.is_text else None

    def handle(self, ctx: Context, found: Any) -> Reply:
        return escalate(ctx, "fallback", found.intent, found.confidence)
