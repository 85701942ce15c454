"""One leased outbox row joined with its family and class: what delivery and marking work from (no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Job"]


@dataclass(frozen=True)
class Job:
    """A leased row joined with its family and class."""

    id: int
    key: str
    client_msg_id: str
    kind: str
    text: str
    offset_minutes: int | None
    audit_id: int | None
    attempts: int
    claims: int
    lease_owner: str
    lease_until: datetime
    user_id: int
    openid: str
    followed: bool
    reminders_on: bool
    last_message_at: datetime | None
    session_title: str | None
    session_status: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    what_to_bring: str

    @property
    def unknown_outcome(self) -> bool:
        """An earlier lease ended without a recorded outcome: it may have been delivered."""
        return self.claims - 1 > self.attempts
