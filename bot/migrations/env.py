"""Alembic environment: runs against the connection `bot.storage.migrate` hands over."""

from alembic import context
from sqlmodel import SQLModel

import bot.storage  # noqa: F401  - registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through `xingban db upgrade`")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
