"""Tables for classes and home visits: sessions, series, enrolments, the reminder outbox, push audits.

The outbox (`reminders`) is the single source of truth for what must reach a parent: every class reminder,
change notice and staff push is a row with a unique `key`, so nothing is created twice, and a dispatcher
leases due rows so nothing is sent twice or lost (see `bot.outbox.dispatcher`). Times are UTC; shown in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.timeutil import UTCDateTime, utcnow

KINDS = ("parent_training", "child_class", "home_visit")


class SessionSeries(SQLModel, table=True):
    """A repeating class (e.g. every Saturday 9:00 for 8 weeks); its sessions are generated up front."""

    __tablename__ = "session_series"

    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centres.id", index=True)
    title: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    weekday: int  # 0 = Monday, local (Asia/Shanghai)
    start_time: str = Field(max_length=5)  # "09:00", local
    duration_minutes: int = 90
    first_date: date
    weeks: int
    place: str = Field(default="", max_length=200)
    capacity: int | None = None
    what_to_bring: str = Field(default="", max_length=200)
    public: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrainingSession(SQLModel, table=True):
    """One class, parent lecture or home visit. `revision` counts reschedules (each one notifies once)."""

    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_sessions_centre_start", "centre_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    centre_id: int = Field(foreign_key="centres.id")
    series_id: int | None = Field(default=None, foreign_key="session_series.id", index=True)
    title: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(default="", max_length=200)
    capacity: int | None = None
    what_to_bring: str = Field(default="", max_length=200)
    public: bool = False
    status: str = Field(default="scheduled", max_length=16)  # scheduled | cancelled
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Enrolment(SQLModel, table=True):
    """A family booked on one session; a series enrolment is one row per session, with `series_id` set."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "session_id", name="uq_enrolments_user_session"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    session_id: int = Field(foreign_key="training_sessions.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="session_series.id")
    label: str = Field(default="", max_length=40)  # staff's name for the family (erased with the enrolment)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PushAudit(SQLModel, table=True):
    """Who pushed what to which class, when, to how many families, and how many got it."""

    __tablename__ = "push_audits"

    id: int | None = Field(default=None, primary_key=True)
    staff_name: str = Field(max_length=64)
    session_id: int | None = Field(default=None, foreign_key="training_sessions.id")
    series_id: int | None = Field(default=None, foreign_key="session_series.id")
    text: str = Field(max_length=2000)
    recipients: int = 0
    delivered: int = 0
    failed: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """One outbox row: a class reminder (`kind` reminder) or a notice (notice = reschedule/cancel/push).

    status: pending -> sent | skipped (class already started) | cancelled | failed (no retry helps) | dead
    (retries used up). A row is owned while `lease_until` is in the future; `claims` counts leases taken,
    `attempts` counts outcomes recorded, so `claims > attempts + 1` on a fresh lease means an earlier
    holder died mid-send (outcome unknown).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("key", name="uq_reminders_key"),
        Index("ix_reminders_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    kind: str = Field(default="reminder", max_length=16)  # reminder | notice
    user_id: int = Field(foreign_key="users.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="training_sessions.id", index=True)
    audit_id: int | None = Field(default=None, foreign_key="push_audits.id")
    offset_minutes: int | None = None
    text: str = Field(default="", max_length=2000)
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)
    revision: int = 0  # bumped when a sent reminder is re-armed after a reschedule (new client_msg_id)
    claims: int = 0
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel: str | None = Field(default=None, max_length=16)  # template | text
    last_error: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def client_msg_id(self) -> str:
        """Stable per delivery: WeChat drops a repeat of the same openid + client_msg_id within 10 min."""
        return self.key if not self.revision else f"{self.key}#{self.revision}"
