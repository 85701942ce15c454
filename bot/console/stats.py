"""Numbers for the dashboard. Aggregates only: no family can be picked out of them.

The chat simulator's practice families are left out of every figure (see bot.console.simulated)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, inspect
from sqlmodel import Session, col, select

from bot.console.simulated import real_families
from bot.storage.models import Message, Ticket
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI

OUTCOMES = ("answered", "clarified", "escalated")
OUTCOME_LABELS = {"answered": "直接回答", "clarified": "追问澄清", "escalated": "转志愿者"}


def dashboard_stats(db: Session, overdue_hours: float, days: int = 14, now: datetime | None = None) -> dict[str, Any]:
    """Messages per local day, outcome shares, top intents, ticket counts and reminder delivery."""
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), SHANGHAI)
    rows = db.exec(select(Message.created_at, Message.outcome, Message.intent)
                   .where(Message.created_at >= since, real_families(Message.user_id))).all()
    per_day: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    for created_at, outcome, intent in rows:
        per_day[created_at.astimezone(SHANGHAI).date().isoformat()] += 1
        if outcome in OUTCOMES:
            outcomes[outcome] += 1
        if intent:
            intents[intent] += 1
    labels = [(first_day + timedelta(days=i)).isoformat() for i in range(days)]
    tickets = dict(db.exec(select(Ticket.status, func.count()).where(real_families(Ticket.user_id))
                           .group_by(Ticket.status)).all())
    from bot.wording import intent_label

    shares = [outcomes[o] for o in OUTCOMES]
    total = sum(shares) or 1
    return {
        "days": [label[5:] for label in labels],
        "messages_per_day": [per_day[label] for label in labels],
        "messages_total": len(rows),
        "outcome_labels": [f"{OUTCOME_LABELS[o]} {n}（{round(100 * n / total)}%）" for o, n in zip(OUTCOMES, shares, strict=True)],
        "outcomes": shares,
        "top_intents": [[intent_label(i), n] for i, n in intents.most_common(8)],
        "tickets_open": tickets.get("open", 0),
        "tickets_claimed": tickets.get("claimed", 0) + tickets.get("sending", 0),
        "tickets_waiting": tickets.get("waiting_parent", 0),
        "tickets_overdue": len(overdue_real_tickets(db, overdue_hours, now)),
        "reminders": reminder_counts(db, since),
    }


def overdue_real_tickets(db: Session, hours: float, now: datetime | None = None) -> list[Ticket]:
    """Unclaimed tickets of real families older than `hours`, oldest first."""
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    return list(db.exec(select(Ticket).where(Ticket.status == "open", Ticket.created_at < cutoff,
                                             real_families(Ticket.user_id)).order_by(col(Ticket.created_at))).all())


def reminder_counts(db: Session, since: datetime) -> dict[str, int]:
    """Sent / failed outbox rows since `since`; zeros while the classes feature is not installed."""
    if not inspect(db.get_bind()).has_table("reminders"):
        return {"sent": 0, "failed": 0, "pending": 0}
    from bot.storage.classes import Reminder

    counts = dict(db.exec(select(Reminder.status, func.count())
                          .where(Reminder.created_at >= since, real_families(Reminder.user_id))
                          .group_by(Reminder.status)).all())
    return {"sent": counts.get("sent", 0), "failed": counts.get("failed", 0) + counts.get("dead", 0),
            "pending": counts.get("pending", 0)}
