"""messages: the dedup key is unique per family, not globally

A MsgId is only unique per sender: with a global key, family B's push reusing family A's MsgId was taken
for a retry and got A's stored answer (issue 13, item 12).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op

revision = "0005"
down_revision = "0004"
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
