"""Log in and out. Failed logins are slowed per (account, address) and per address (bot.console.throttle);
a refused attempt gets 429 before any password hash is computed."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import LoginError, authenticate, current_staff, end_session, login_session
from bot.console.blueprint import bp
from bot.console.throttle import client_address, get_throttle
from bot.storage.db import get_session


def _safe_next(target: str | None) -> str:
    """Only a plain path inside the console, else the dashboard: never an open redirect, and never a
    header-breaking value (CR/LF or any control character in `next` used to give a 500)."""
    fallback = url_for("console.dashboard")
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch.isspace() or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or target.startswith("//"):
        return fallback
    return target


def _page(status: int, name: str = "", error: str = "", minutes: int = 0) -> tuple[str, int]:
    return render_template("console/login.html", error=error, name=name, minutes=minutes,
                           next=request.form.get("next", "")), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("console/login.html", next=request.args.get("next", ""))
    name = request.form.get("name", "").strip()[:64]
    address = client_address(request)
    throttle = get_throttle()
    wait = throttle.attempt(name, address)
    if wait:
        # Not audited: a flood of refusals would only fill the audit log; the failures before it are.
        minutes = max(1, math.ceil(wait / 60))
        page, status = _page(429, name, "throttled", minutes)
        return page, status, {"Retry-After": str(math.ceil(wait))}
    db = get_session()
    try:
        user = authenticate(db, name, request.form.get("password", ""))
    except LoginError as exc:
        # an unknown name may be a mistyped password: it is not stored
        record("login_failed", target=f"name:{name}" if exc.known else "name:(unknown)",
               actor_name=name if exc.known else "")
        return _page(401, name, "credentials")
    throttle.succeeded(name, address)
    login_session(user)
    record("login", target=f"staff:{user.id}", actor=user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    user = current_staff()
    if user is not None:
        record("logout", target=f"staff:{user.id}", actor=user)
    end_session()
    return redirect(url_for("console.login"))
