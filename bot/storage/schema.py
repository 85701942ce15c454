"""The whole schema: the one list of table modules, and the metadata that holds all of their tables.

A table module never imports another (foreign keys name tables as strings), so the tables only meet here.
Whatever needs every table at once takes them from this module: `create_app` (a session's flush orders
inserts by foreign keys that cross table modules) and the Alembic environment (it compares the whole schema).
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData, Table
from sqlmodel import SQLModel

from bot.storage import accounts, classes, models

TABLE_MODULES: tuple[ModuleType, ...] = (models, classes, accounts)


def metadata() -> MetaData:
    """Every table of the modules above (they put themselves on SQLModel's metadata when defined)."""
    return SQLModel.metadata


def sorted_tables() -> list[Table]:
    """Every table, referenced before referencing: resolves each foreign key, so a table module missing
    from TABLE_MODULES fails here, at start, rather than at the first flush that needs the table."""
    return metadata().sorted_tables
