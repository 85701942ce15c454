"""The app as a command builds it: one clear line and exit status 2 on a configuration error.

Commands build the app themselves (not through Flask's ScriptInfo) because they need different
overrides: serving preloads the NLU, database and account commands do not, demo commands use the demo app.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from bot.config import ConfigError

__all__ = ["make_app"]


def make_app(**overrides: Any) -> Flask:
    """Create the app, turning a configuration error into one clear line and exit status 2."""
    from bot import create_app

    try:
        return create_app(overrides or None)
    except ConfigError as exc:
        raise click.UsageError(f"configuration: {exc}") from None
