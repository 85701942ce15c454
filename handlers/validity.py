"""Issue 16: a question whose answer rests on a document not in force on the day asked.

The parent hears that the document has expired (or has not started), what replaced it when the index
says, and a volunteer is asked to check the current policy. The same reply serves an entry found by the
knowledge base, a verdict of the rules and a choice from the two-item menu (wording: replies.yaml).
"""

from __future__ import annotations

from typing import Any

from bot.dispatch import Context, Reply
from bot.wording import say
from handlers.escalation import escalate


def expired_lead(standing: Any) -> str:
    """"该文件已过期（有效期至…），现行文件是…" or "自…起施行，现在还没有生效"."""
    doc = standing.document
    if standing.state == "not_yet":
        return say("document_not_yet", document=doc.document, date=doc.valid_from)
    when = say("document_expired_on", date=standing.ended) if standing.ended else say("document_expired_replaced")
    successor = say("document_successor", document=standing.successor.document) if standing.successor else ""
    return say("document_expired", document=doc.document, ended=when, successor=successor)


def hand_over_expired(ctx: Context, standing: Any, intent: str | None, confidence: float | None) -> Reply:
    """Say the document is not in force and open a ticket for a volunteer."""
    return escalate(ctx, "not_covered", intent, confidence, lead=expired_lead(standing))
