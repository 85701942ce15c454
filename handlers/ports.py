"""What handlers ask of the rest of the bot, so a handler reads as conversation logic only.

Handlers never hold a database session: they ask the family's store through `FamilyPort` (bot/families.py
implements it over the message's session) and change the family's own fields on `ctx.user`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, cast

from bot.dispatch import Context
from bot.storage.classes import TrainingSession
from bot.storage.models import Centre, Ticket

__all__ = ["FamilyPort", "family"]


class FamilyPort(Protocol):
    """Questions and changes about the family whose message is being handled."""

    def centre_with_code(self, code: str, ignore_case: bool = False) -> Centre | None:
        """The centre with this join code (a QR scene matches exactly; a typed code ignores case)."""
        ...

    def centre(self, centre_id: int | None) -> Centre | None: ...

    def sessions_between(self, start: datetime, end: datetime) -> list[TrainingSession]:
        """Classes the family may hear about (its enrolments, its centre's public lectures) in [start, end)."""
        ...

    def next_session(self, now: datetime) -> tuple[TrainingSession | None, bool]:
        """The next scheduled class (enrolled first, else a public lecture) and whether it is enrolled."""
        ...

    def open_ticket(self, reason: str, intent_guess: str | None) -> Ticket:
        """The family's open ticket, or a new one: one open ticket per family at a time."""
        ...

    def last_intent(self) -> str | None:
        """The intent of the family's previous answered message."""
        ...

    def sync_reminders(self) -> None:
        """Bring the outbox in line with the family's reminder switch and follow state."""
        ...

    def erase(self) -> None:
        """Erase everything stored about the family (it asked, and confirmed)."""
        ...

    def discard_changes(self) -> None:
        """Drop what this message changed so far (a handler failed)."""
        ...


def family(ctx: Context) -> FamilyPort:
    """The family store of this message (bot.dispatch cannot name this protocol: bot never imports handlers)."""
    return cast(FamilyPort, ctx.family)
