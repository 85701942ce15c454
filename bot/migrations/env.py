"""Alembic environment: runs against the connection `bot.storage.migrate` hands over."""

from alembic import context

from bot.storage import schema

config = context.config
target_metadata = schema.metadata()
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through `xingban db upgrade`")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
