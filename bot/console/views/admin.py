"""Admin: accounts and roles, and the audit log. A new or reset password is shown once, never stored in clear."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import delete
from sqlmodel import col, select
from werkzeug.wrappers import Response

from bot.console.audit import ACTION_LABELS, record
from bot.console.audit_view import describe
from bot.console.auth import create_account, current_staff, generate_password, require_role, set_password
from bot.console.blueprint import bp
from bot.console.throttle import get_throttle
from bot.storage.accounts import ROLES, AuditLog, StaffCentre, StaffUser
from bot.storage.db import get_session
from bot.storage.models import Centre

PAGE = 100


@bp.get("/admin/users")
@require_role("admin")
def users() -> str:
    db = get_session()
    rows = db.exec(select(StaffUser).order_by(StaffUser.role, StaffUser.name)).all()
    assigned: dict[int, set[int]] = {}
    for staff_id, centre_id in db.exec(select(StaffCentre.staff_id, StaffCentre.centre_id)).all():
        assigned.setdefault(staff_id, set()).add(centre_id)
    return render_template("console/users.html", rows=rows, roles=ROLES, roles_least_first=ROLES[::-1],
                           centres=db.exec(select(Centre).order_by(col(Centre.id))).all(), assigned=assigned)


@bp.post("/admin/users/<int:user_id>/centres")
@require_role("admin")
def user_centres(user_id: int) -> Response:
    """Which centres a staff account works for (none ticked: every centre)."""
    db = get_session()
    user = db.get(StaffUser, user_id) or abort(404)
    known = set(db.exec(select(Centre.id)).all())
    chosen = sorted({int(c) for c in request.form.getlist("centre") if c.isdigit()} & known)
    db.exec(delete(StaffCentre).where(col(StaffCentre.staff_id) == user.id))
    db.add_all([StaffCentre(staff_id=user.id or 0, centre_id=c) for c in chosen])
    record("user_centres", target=f"staff:{user.id}", detail=f"centres:{','.join(map(str, chosen)) or 'all'}", db=db)
    flash(f"已保存 {user.name} 负责的机构。" if chosen else f"{user.name} 现在可以看到全部机构。", "ok")
    return redirect(url_for("console.users", _anchor=f"staff-{user.id}"))


@bp.post("/admin/users")
@require_role("admin")
def user_create() -> Response | str:
    db = get_session()
    try:
        user, password = create_account(db, request.form.get("name", ""), request.form.get("role") or "volunteer")
    except ValueError as exc:
        db.rollback()
        flash(f"无法创建账号：{exc}", "error")
        return redirect(url_for("console.users"))
    record("user_create", target=f"staff:{user.id}", detail=f"role:{user.role}", db=db)
    return render_template("console/password_once.html", user=user, password=password)


@bp.post("/admin/users/<int:user_id>/<any(role, password, active, unlock):change>")
@require_role("admin")
def user_change(user_id: int, change: str) -> Response | str:
    db = get_session()
    user = db.get(StaffUser, user_id) or abort(404)
    me = current_staff()
    if user.id == me.id and change in ("role", "active"):  # type: ignore[union-attr]
        flash("不能修改自己的角色或停用自己。", "error")
        return redirect(url_for("console.users"))
    detail = ""
    if change == "role":
        role = request.form.get("role", "")
        if role not in ROLES:
            abort(400)
        user.role, detail = role, f"role:{role}"
        user.session_version += 1
    elif change == "active":
        user.active = not user.active
        user.session_version += 1
        detail = f"active:{user.active}"
    elif change == "unlock":
        user.failed_logins, user.locked_until = 0, None
        get_throttle().clear_account(user.name)
    db.add(user)
    if change == "password":
        password = generate_password(user.name)
        set_password(db, user, password)
        record("user_password", target=f"staff:{user.id}", db=db)
        return render_template("console/password_once.html", user=user, password=password)
    record(f"user_{change}", target=f"staff:{user.id}", detail=detail, db=db)
    flash("已保存。", "ok")
    return redirect(url_for("console.users"))


@bp.get("/admin/audit")
@require_role("admin")
def audit_log() -> str:
    action = request.args.get("action", "")
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = select(AuditLog).order_by(AuditLog.id.desc())  # type: ignore[union-attr]
    if action:
        stmt = stmt.where(AuditLog.action == action)
    rows = get_session().exec(stmt.offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return render_template("console/audit.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page,
                           action=action, labels=ACTION_LABELS, describe=describe)
