"""Keep families pseudonymous in logs and let them erase what we store."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, delete, select

from bot.models import Message, Ticket, User


def pseudonym(openid: str) -> str:
    """A short stable tag for logs: lets us follow one family's trail without its openid."""
    return hashlib.sha256(openid.encode("utf-8")).hexdigest()[:10]


def erase_user(db: Session, openid: str) -> bool:
    """Delete everything stored about one family. Returns False when there was nothing."""
    user = db.exec(select(User).where(User.openid == openid)).first()
    if user is None:
        return False
    for table in erasable_tables():
        db.exec(delete(table).where(table.user_id == user.id))  # type: ignore[attr-defined]
    db.delete(user)
    return True


def erasable_tables() -> list[type]:
    """Tables holding rows keyed by `user_id`; features with per-family rows add theirs here."""
    from bot.accounts import TicketAnswer
    from bot.classes import Enrolment, Reminder

    return [Message, TicketAnswer, Ticket, Reminder, Enrolment]
