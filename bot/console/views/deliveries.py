"""Who was reminded: the delivery list of one push or one class (or all sent / failed), and withdrawing
a push's notices that have not gone yet."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import require_role
from bot.console.blueprint import bp
from bot.console.deliveries import LIST_LIMIT, cancel_queued, describe, progress, rows_for
from bot.console.families import labels_for
from bot.console.scope import in_my_centres, my_class
from bot.storage.classes import PushAudit, Reminder, TrainingSession
from bot.storage.db import get_session
from bot.storage.models import Centre
from bot.timeutil import utcnow

STATE_FILTERS = {"": "全部", "pending": "尚未发出", "sent": "已送达", "failed": "发送失败"}


@bp.get("/deliveries")
@require_role("staff")
def deliveries() -> str:
    db = get_session()
    push_id, session_id = request.args.get("push", type=int), request.args.get("session", type=int)
    state = request.args.get("state", "")
    state = state if state in STATE_FILTERS else ""
    push = db.get(PushAudit, push_id) if push_id else None
    if push_id and push is None:
        abort(404)
    session_id = push.session_id if push else session_id
    row = my_class(session_id) if session_id else None
    now = utcnow()
    mine = TrainingSession.centre_id.in_(select(Centre.id).where(in_my_centres(Centre.id)))  # type: ignore[attr-defined]
    where = Reminder.session_id.in_(select(TrainingSession.id).where(mine))  # type: ignore[union-attr]
    rows = rows_for(db, audit_id=push_id, session_id=None if push else session_id, state=state, where=where)
    everything = rows_for(db, audit_id=push_id, session_id=None if push else session_id, where=where, limit=None)
    return render_template("console/deliveries.html", push=push, session_row=row, state=state,
                           states=STATE_FILTERS, items=[describe(r, now) for r in rows], shown_limit=LIST_LIMIT,
                           counts=progress(everything, now), labels=labels_for(db, [r.user_id for r in rows]))


@bp.post("/pushes/<int:push_id>/cancel")
@require_role("staff")
def push_cancel(push_id: int) -> Response:
    db = get_session()
    push = db.get(PushAudit, push_id) or abort(404)
    if push.session_id is not None:
        my_class(push.session_id)
    withdrawn = cancel_queued(db, push_id)
    record("push_cancel", target=f"push:{push_id}", detail=f"withdrawn:{withdrawn}", db=db)
    flash(f"已撤回 {withdrawn} 条尚未发出的通知。" if withdrawn else "没有可撤回的通知：都已发出或正在发送。",
          "ok" if withdrawn else "warn")
    return redirect(url_for("console.deliveries", push=push_id))
