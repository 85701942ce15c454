"""messages: the dedup key is unique per family, not globally

A MsgId is only unique per sender: with a global key, family B's push reusing family A's MsgId was taken
for a retry and got A's stored answer (issue 13, item 12).

Revision ID: 0005
Revises: 0004 (or 0006, see below)
Create Date: 2026-12-02
"""
import re
from pathlib import Path

from alembic import op


def _follows() -> str:
    """0005 and 0006 (console hardening) were written at the same time by two people, 0006 first pointing at
    0004. Keep one line of history whichever way 0006 points: after 0006 while it follows 0004, else after
    0004. Once 0006 says `down_revision = "0005"`, this can become the plain constant "0004"."""
    for path in Path(__file__).parent.glob("0006_*.py"):
        if re.search(r'^down_revision = ["\']0004["\']', path.read_text(encoding="utf-8"), re.MULTILINE):
            return "0006"
    return "0004"


revision = "0005"
down_revision = _follows()
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_dedup_key", type_="unique")
        batch.create_unique_constraint("uq_messages_user_dedup_key", ["user_id", "dedup_key"])


def downgrade() -> None:
    # Only possible while no two families share a dedup key (the old, global uniqueness).
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_user_dedup_key", type_="unique")
        batch.create_unique_constraint("uq_messages_dedup_key", ["dedup_key"])
