"""XingBan's Flask application: `create_app` wires configuration, storage, NLU and the webhook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: defaults, then environment, then `config` overrides (tests, demo)."""
    from bot import console, webhook
    from bot.config import instance_path_from_environment, load_from_environment
    from bot.services import Services
    from bot.storage import db, schema
    from handlers import build_dispatcher

    instance = instance_path or instance_path_from_environment()
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None,
                instance_relative_config=True)
    app.config.update(load_from_environment(config, Path(app.instance_path)))
    app.config["SECRET_KEY"] = app.config["XINGBAN_SECRET_KEY"]
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)  # holds the database and secrets
    schema.sorted_tables()  # every table known before a session flushes rows whose keys cross table modules
    db.init_app(app)
    app.extensions["xingban"] = Services(app, build_dispatcher())
    webhook.init_app(app)
    console.init_app(app)
    if app.config["XINGBAN_PRELOAD"]:
        app.extensions["xingban"].preload()
    return app
