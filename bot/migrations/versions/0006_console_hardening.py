"""console hardening: server-side console sessions, login throttle counters, never-reused ticket numbers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.timeutil

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.timeutil.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_sessions_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "throttle_counters",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("blocked_until", bot.timeutil.UTCDateTime(), nullable=True),
        sa.Column("expires_at", bot.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_counters_expires_at"), ["expires_at"], unique=False)

    counters = op.create_table(
        "id_counters",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Start after the highest ticket number ever handed out that is still visible.
    highest = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM tickets")).scalar() or 0
    op.bulk_insert(counters, [{"name": "tickets", "value": int(highest)}])
    # The account-wide lockout is gone (an attacker could keep the admin out): clear any left-over lock.
    op.execute(sa.text("UPDATE staff_users SET locked_until = NULL, failed_logins = 0"))


def downgrade() -> None:
    op.drop_table("id_counters")
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_counters_expires_at"))
    op.drop_table("throttle_counters")
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_staff_sessions_staff_id"))
    op.drop_table("staff_sessions")
