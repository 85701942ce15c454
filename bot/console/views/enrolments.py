"""One class: its families (enrol by family number) and notices pushed to them, with a preview first."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, require_role
from bot.console.blueprint import bp
from bot.console.deliveries import progress, rows_for
from bot.console.views.sessions import KIND_LABELS
from bot.outbox.schedule import in_quiet_hours
from bot.privacy import pseudonym
from bot.storage.classes import PushAudit, TrainingSession
from bot.storage.db import get_session
from bot.storage.models import Centre, User
from bot.timetable import MAX_NOTICE_CHARS, SessionFull, enrol, enrolled_users, push_notice
from bot.timeutil import utcnow


def _page(row: TrainingSession, **extra: object) -> str:
    db = get_session()
    booked = enrolled_users(db, row)
    booked_ids = {u.id for u in booked}
    candidates = [u for u in db.exec(select(User).where(User.centre_id == row.centre_id, User.followed == True)  # noqa: E712
                                     .order_by(User.id).limit(200)).all() if u.id not in booked_ids]
    pushes = db.exec(select(PushAudit).where(PushAudit.session_id == row.id)
                     .order_by(PushAudit.id.desc())).all()  # type: ignore[union-attr]
    now = utcnow()
    push_progress = {p.id: progress(rows_for(db, audit_id=p.id), now) for p in pushes}
    record("enrolments_view", target=f"session:{row.id}", detail=f"families:{len(booked)}", db=db)
    return render_template("console/session.html", row=row, centre=db.get(Centre, row.centre_id), booked=booked,
                           candidates=candidates, pushes=pushes, push_progress=push_progress, kinds=KIND_LABELS, tag=lambda u: pseudonym(u.openid),
                           max_notice=MAX_NOTICE_CHARS, **extra)


@bp.get("/sessions/<int:session_id>")
@require_role("staff")
def session_detail(session_id: int) -> str:
    return _page(get_session().get(TrainingSession, session_id) or abort(404))


@bp.post("/sessions/<int:session_id>/enrol")
@require_role("staff")
def session_enrol(session_id: int) -> Response:
    db = get_session()
    row = db.get(TrainingSession, session_id) or abort(404)
    raw = request.form.get("family", "").strip().lstrip("#")
    user = db.get(User, int(raw)) if raw.isdigit() else None
    if user is None:
        flash("没有这个家庭编号。", "error")
        return redirect(url_for("console.session_detail", session_id=session_id))
    try:
        created = enrol(db, user, row)
    except SessionFull:
        db.rollback()
        flash("课程已满员。", "error")
        return redirect(url_for("console.session_detail", session_id=session_id))
    except ValueError:
        db.rollback()
        flash("已取消的课程不能报名。", "error")
        return redirect(url_for("console.session_detail", session_id=session_id))
    record("enrol", target=f"session:{session_id}", detail=f"user:{user.id} new:{len(created)}", db=db)
    flash(f"家庭 #{user.id} 已报名。" if created else f"家庭 #{user.id} 之前已报名。", "ok")
    return redirect(url_for("console.session_detail", session_id=session_id))


@bp.post("/sessions/<int:session_id>/push")
@require_role("staff")
def session_push(session_id: int) -> Response | str:
    """Preview first; 确认发送 sends only the text that was previewed. If the box was edited after the
    preview, the edited text is previewed again instead of sent. Nobody to send to: refused."""
    db = get_session()
    row = db.get(TrainingSession, session_id) or abort(404)
    text = request.form.get("text", "").strip()[:MAX_NOTICE_CHARS]
    if not text:
        flash("通知内容不能为空。", "error")
        return redirect(url_for("console.session_detail", session_id=session_id))
    recipients = len(enrolled_users(db, row))
    confirmed = request.form.get("confirm") == "1"
    if confirmed and request.form.get("previewed", "").strip() != text:
        flash("通知内容在预览后改过了：请看一下新的预览，再确认发送。", "warn")
        confirmed = False
    if recipients == 0:
        flash("这节课还没有已报名且仍关注公众号的家庭，通知不会发给任何人。请先在上方报名家庭。", "error")
        confirmed = False
    if not confirmed:
        return _page(row, preview=f"【课程通知·{row.title}】{text}", notice_text=text, recipients=recipients)
    audit = push_notice(db, current_staff().name, row, text)  # type: ignore[union-attr]
    record("push_notice", target=f"push:{audit.id}", detail=f"session:{session_id} recipients:{audit.recipients}",
           db=db)
    held = "现在是静默时段（21:00–08:00），通知将在早上 8 点后发出。" if in_quiet_hours(utcnow()) else ""
    flash(f"通知已排入发送队列：{audit.recipients} 个家庭。{held}", "ok")
    return redirect(url_for("console.session_detail", session_id=session_id))
