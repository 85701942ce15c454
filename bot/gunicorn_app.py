"""Run an already-built app under gunicorn, so heavy start-up work happens once before forking."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _PreloadedApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(app: Flask, bind: str, workers: int) -> None:
    def fresh_connections(_server: Any, _worker: Any) -> None:
        """A forked worker must not reuse the parent's pooled database connections."""
        app.extensions["db_engine"].dispose(close=False)

    # The webhook answers within ~4 s; a 30 s worker timeout leaves room for deferred replies.
    options = {"bind": bind, "workers": workers, "timeout": 30, "preload_app": True,
               "post_fork": fresh_connections}
    _PreloadedApplication(app, options).run()
