"""The staff and volunteer web console at `/console`: tickets, classes, notices, knowledge candidates, audit.

`init_app(app)` is the only entry point; create_app calls it after the webhook is registered.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

__all__ = ["init_app"]


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Only the console has logins. Every other path (the webhook above all, on every push) gets a null
    session: no cookie to verify, none to set."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith("/console"):
            return None  # Flask then uses a null session that refuses writes
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Register the blueprint with CSRF scoped to it and hardened session cookies."""
    import bot.storage.accounts  # noqa: F401  - maps the console tables
    from bot.console import views  # noqa: F401  - attaches the routes to `bp`
    from bot.console.blueprint import bp, csrf

    local = app.config.get("XINGBAN_MODE") in ("demo", "test")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not local,
        SESSION_COOKIE_NAME="xingban_console",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the console's before_request only; /wechat stays exempt
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (12 h) session
    )
    app.session_interface = ConsoleSessionInterface()
    csrf.init_app(app)
    app.register_blueprint(bp)
