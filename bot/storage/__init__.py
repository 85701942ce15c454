"""The database: engine and sessions (`db`), the tables (`models` for families, messages and tickets; `classes`
for the timetable and the outbox rows; `accounts` for the console), Alembic (`migrate`), and the values
shared by all workers (`shared_state`). Table and column names are older than these module names."""

# Importing any storage module runs this first, so every table is on SQLModel.metadata (foreign keys between
# the three modules resolve, and Alembic sees the whole schema) without a model module importing another.
from bot.storage import accounts, classes, models  # noqa: E402

__all__ = ["accounts", "classes", "models"]
