"""Tables. Store the minimum about a family: no names, no phone numbers, no child identity.

`profile` keeps only eligibility answers the parent consented to save; `dialogue` is the short-lived
conversation state. Deleting a family removes its messages, tickets and enrolments too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Table,
    UniqueConstraint,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlmodel import Field, SQLModel

from bot.timeutil import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A family, known only by its WeChat openid."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(index=True, unique=True, max_length=64)
    region: str | None = Field(default=None, max_length=16)
    centre_id: int | None = Field(default=None, foreign_key="centres.id")
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    profile: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dialogue: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    followed: bool = True
    reminders_on: bool = False
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Centre(SQLModel, table=True):
    """A rehabilitation centre; families join it by QR scene or join code."""

    __tablename__ = "centres"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=100)
    region: str = Field(max_length=16)
    address: str = Field(default="", max_length=200)


class Message(SQLModel, table=True):
    """One inbound WeChat push; (family, `dedup_key`) makes each MsgId (or CreateTime) processed once.

    The family is part of the key: a MsgId is only unique per sender, and another family's push reusing
    it must not get this family's stored answer."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("user_id", "dedup_key", name="uq_messages_user_dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=100)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)
    text: str = Field(default="", max_length=4000)
    intent: str | None = Field(default=None, max_length=32)
    confidence: float | None = None
    outcome: str = Field(default="processing", max_length=16)
    reply_text: str | None = None
    delivery: str = Field(default="passive", max_length=16)  # passive | deferred | failed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Ticket(SQLModel, table=True):
    """A question handed to a person: the parent asked for one, or the bot could not answer."""

    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    reason: str = Field(max_length=32)  # human | fallback | not_covered | unhelpful
    intent_guess: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=16)
    status: str = Field(default="open", max_length=16)  # open | claimed | answered | closed
    claimed_by: int | None = None
    answer: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SharedValue(SQLModel, table=True):
    """Small values every worker must agree on (the WeChat access token) when there is no Redis."""

    __tablename__ = "shared_values"

    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(max_length=4000)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdCounter(SQLModel, table=True):
    """Numbers that must never be handed out twice, even after the rows that used them are erased
    (ticket numbers are told to parents). SQLite reuses the highest rowid once it is deleted."""

    __tablename__ = "id_counters"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


_counters = IdCounter.__table__  # type: ignore[attr-defined]
_NEXT_NUMBER = (update(_counters).where(_counters.c.name == bindparam("counter"))
                .values(value=_counters.c.value + 1).returning(_counters.c.value))


def next_number(conn: Connection, name: str, table: Table) -> int:
    """The next number of counter `name`, in one statement (two writers never get the same one)."""
    value = conn.execute(_NEXT_NUMBER, {"counter": name}).scalar()
    if value is None:  # no counter row yet: continue after the table's highest id
        value = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar() or 0) + 1
        conn.execute(insert(_counters).values(name=name, value=value))
    return int(value)


@event.listens_for(Ticket, "before_insert")
def _number_ticket(_mapper: object, conn: Connection, ticket: Ticket) -> None:
    """Ticket numbers come from the counter, so a number a parent was told is never given again."""
    if ticket.id is None:
        ticket.id = next_number(conn, "tickets", Ticket.__table__)  # type: ignore[attr-defined]
