"""Log in and out. Five wrong passwords lock the account for 15 minutes (counted in the database)."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import LOCK_MINUTES, LoginError, authenticate, current_staff, login_session
from bot.console.blueprint import bp
from bot.db import get_session


def _safe_next(target: str | None) -> str:
    """Only paths inside the console: never an open redirect."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("console/login.html", next=request.args.get("next", ""))
    name = request.form.get("name", "").strip()[:64]
    db = get_session()
    try:
        user = authenticate(db, name, request.form.get("password", ""))
    except LoginError as exc:
        action = "login_locked" if exc.locked else "login_failed"
        # an unknown name may be a mistyped password: it is not stored
        record(action, target=f"name:{name}" if exc.known else "name:(unknown)", actor_name=name if exc.known else "")
        message = (f"登录失败次数过多，账号已锁定 {LOCK_MINUTES} 分钟。" if exc.locked
                   else "用户名或密码不正确。")
        return render_template("console/login.html", error=message, name=name,
                               next=request.form.get("next", "")), 401
    login_session(user)
    record("login", target=f"staff:{user.id}", actor=user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    user = current_staff()
    if user is not None:
        record("logout", target=f"staff:{user.id}", actor=user)
    session.clear()
    return redirect(url_for("console.login"))
