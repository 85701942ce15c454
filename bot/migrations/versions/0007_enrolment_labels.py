"""enrolments: a label staff give a family (e.g. the child's initials and class), kept with its enrolments

Stored on the enrolment rows, so erasing a family (which deletes its enrolments) erases its label too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("label")
