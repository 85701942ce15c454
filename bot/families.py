"""The family store handlers ask through (handlers/ports.py `FamilyPort`), over one message's session.

Flush order matters in two places and is decided here, not in handlers: the reminder switch is flushed before
the outbox is synced (the sync reads it back), and pending changes are flushed before an erasure deletes rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from bot.erasure import erase_user
from bot.outbox.schedule import sync_user_reminders
from bot.storage.classes import Enrolment, TrainingSession
from bot.storage.models import Centre, Message, Ticket, User

__all__ = ["Family"]

_OPEN_TICKET = select(Ticket).where(Ticket.user_id == bindparam("user_id"),
                                   Ticket.status.in_(("open", "claimed")))  # type: ignore[attr-defined]


class Family:
    """One family's rows, read and changed through the session of the message being handled."""

    def __init__(self, db: Session, user: User) -> None:
        self.db = db
        self.user = user

    def centre_with_code(self, code: str, ignore_case: bool = False) -> Centre | None:
        matches = func.lower(Centre.code) == code.lower() if ignore_case else Centre.code == code
        return self.db.exec(select(Centre).where(matches)).first()

    def centre(self, centre_id: int | None) -> Centre | None:
        return self.db.get(Centre, centre_id) if centre_id is not None else None

    def _visible(self) -> Any:
        mine = select(Enrolment.session_id).where(Enrolment.user_id == self.user.id)
        clauses = [TrainingSession.id.in_(mine)]  # type: ignore[union-attr]
        if self.user.centre_id is not None:
            clauses.append((TrainingSession.centre_id == self.user.centre_id) & (TrainingSession.public == True))  # noqa: E712
        return or_(*clauses)

    def sessions_between(self, start: datetime, end: datetime) -> list[TrainingSession]:
        stmt = select(TrainingSession).where(self._visible(), TrainingSession.starts_at >= start,
                                             col(TrainingSession.starts_at) < end).order_by(col(TrainingSession.starts_at))
        return list(self.db.exec(stmt).all())

    def next_session(self, now: datetime) -> tuple[TrainingSession | None, bool]:
        user, db = self.user, self.db
        mine = select(TrainingSession).join(Enrolment, col(Enrolment.session_id) == col(TrainingSession.id)).where(
            Enrolment.user_id == user.id, TrainingSession.status == "scheduled", TrainingSession.ends_at > now)
        found = db.exec(mine.order_by(TrainingSession.starts_at).limit(1)).first()  # type: ignore[arg-type]
        if found is not None or user.centre_id is None:
            return found, found is not None
        public = select(TrainingSession).where(TrainingSession.centre_id == user.centre_id,
                                               TrainingSession.public == True,  # noqa: E712
                                               TrainingSession.status == "scheduled", TrainingSession.ends_at > now)
        return db.exec(public.order_by(TrainingSession.starts_at).limit(1)).first(), False  # type: ignore[arg-type]

    def open_ticket(self, reason: str, intent_guess: str | None) -> Ticket:
        with self.db.no_autoflush:  # the family's pending changes are flushed once, below or at commit
            existing = self.db.exec(_OPEN_TICKET, params={"user_id": self.user.id}).first()
        if existing is not None:
            return existing
        ticket = Ticket(user_id=self.user.id or 0, reason=reason, intent_guess=intent_guess, region=self.user.region)
        self.db.add(ticket)
        self.db.flush()
        return ticket

    def last_intent(self) -> str | None:
        previous = self.db.exec(
            select(Message).where(Message.user_id == self.user.id, Message.outcome != "processing")
            .order_by(Message.id.desc())  # type: ignore[union-attr]
        ).first()
        return previous.intent if previous is not None else None

    def sync_reminders(self) -> None:
        self.db.flush()
        sync_user_reminders(self.db, self.user)

    def erase(self) -> None:
        self.db.flush()
        erase_user(self.db, self.user.openid)

    def discard_changes(self) -> None:
        self.db.rollback()
