"""Schema changes go through Alembic; the demo and tests start from migrations too."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from bot.storage.db import get_engine

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # bot/migrations: Alembic's scripts


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the app's database to `revision`."""
    config = alembic_config()
    with get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def revision(app: Flask, message: str) -> None:
    """Autogenerate a migration from the models (developer tool)."""
    config = alembic_config()
    with get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
