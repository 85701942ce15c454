"""Tables for the staff console: accounts, the audit trail, volunteer answers and knowledge-base candidates.

Kept apart from bot/storage/models.py because none of it is about a family except `TicketAnswer`, which carries
`user_id` so erasing a family removes its answers too (and cascades from its ticket).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from bot.timeutil import UTCDateTime, utcnow

ROLES = ("admin", "staff", "volunteer")
ROLE_LABELS = {"admin": "管理员", "staff": "机构工作人员", "volunteer": "志愿者"}


class StaffUser(SQLModel, table=True):
    """A console account. Failed logins are counted here so the lockout holds across workers."""

    __tablename__ = "staff_users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    role: str = Field(max_length=16)  # admin | staff | volunteer
    password_hash: str = Field(max_length=255)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    session_version: int = 0  # bumped on password reset / deactivation: old session cookies stop working
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffCentre(SQLModel, table=True):
    """A staff account works for this centre: it sees only its centres' classes, families and pushes.
    A staff account with no rows here is not limited (as before centres could be assigned); admins see all."""

    __tablename__ = "staff_centres"

    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"),
                                           primary_key=True))
    centre_id: int = Field(sa_column=Column(Integer, ForeignKey("centres.id", ondelete="CASCADE"),
                                            primary_key=True))


class StaffSession(SQLModel, table=True):
    """One console login. The cookie carries a random token; only its hash is stored, so a leaked
    database cannot be replayed as a cookie. Deleting the row (logout) ends the session server-side."""

    __tablename__ = "staff_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 hex of the cookie's token
    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ThrottleCounter(SQLModel, table=True):
    """Login attempts per key ("acct:<hash>|<address>", "addr:<address>") when there is no Redis."""

    __tablename__ = "throttle_counters"

    key: str = Field(primary_key=True, max_length=200)
    attempts: int = 0
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class AuditLog(SQLModel, table=True):
    """Who did what to which record, and who looked at a family's conversation. Ids only, never text."""

    __tablename__ = "audit_logs"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, index=True)  # no FK: the trail outlives accounts
    actor_name: str = Field(default="", max_length=64)
    action: str = Field(max_length=48, index=True)
    target: str = Field(default="", max_length=64)  # e.g. "ticket:12", "session:3"
    detail: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class TicketAnswer(SQLModel, table=True):
    """A volunteer's answer. status: sending -> delivered (customer-service message or with the next reply)
    | pending (the 48 h window is closed: it goes out with the bot's next reply to this family)."""

    __tablename__ = "ticket_answers"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"),
                                            nullable=False, index=True))
    user_id: int = Field(foreign_key="users.id", index=True)
    staff_id: int | None = None
    text: str = Field(max_length=2000)
    status: str = Field(default="sending", max_length=16)
    channel: str | None = Field(default=None, max_length=16)  # custom | reply
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class KbCandidate(SQLModel, table=True):
    """A proposed knowledge-base entry. Published candidates stay in the database until exported."""

    __tablename__ = "kb_candidates"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True))
    question: str = Field(max_length=500)
    answer: str = Field(max_length=2000)
    region: str = Field(max_length=16)
    intent: str = Field(max_length=32)
    document: str = Field(max_length=64)
    clause: str = Field(default="", max_length=100)
    quote: str = Field(max_length=1000)
    status: str = Field(default="draft", max_length=16, index=True)  # draft | published | rejected
    proposed_by: int | None = None
    reviewed_by: int | None = None
    review_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
