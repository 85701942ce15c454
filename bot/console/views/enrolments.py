"""One class: its families (enrol several by number, or everyone in the centre, on this class or the rest of
its series) and notices pushed to them, with a preview first."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from sqlmodel import col, select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, require_role
from bot.console.blueprint import bp
from bot.console.deliveries import progress, rows_for
from bot.console.families import labels_for
from bot.console.scope import my_class
from bot.console.simulated import real_families
from bot.outbox.schedule import in_quiet_hours
from bot.storage.classes import PushAudit, SessionSeries, TrainingSession
from bot.storage.db import get_session
from bot.storage.models import Centre, User
from bot.timetable import MAX_NOTICE_CHARS, SessionFull, enrol, enrolled_users, push_notice, series_sessions
from bot.timeutil import utcnow
from bot.wording import session_kind_labels


def _page(row: TrainingSession, **extra: object) -> str:
    db = get_session()
    booked = enrolled_users(db, row)
    booked_ids = {u.id for u in booked}
    candidates = [u for u in centre_families(row.centre_id) if u.id not in booked_ids]
    series = db.get(SessionSeries, row.series_id) if row.series_id else None
    series_rows = series_sessions(db, series) if series else []
    series_index = next((i + 1 for i, s in enumerate(series_rows) if s.id == row.id), 0)
    pushes = db.exec(select(PushAudit).where(PushAudit.session_id == row.id)
                     .order_by(PushAudit.id.desc())).all()  # type: ignore[union-attr]
    now = utcnow()
    push_progress = {p.id: progress(rows_for(db, audit_id=p.id, limit=None), now) for p in pushes}
    record("enrolments_view", target=f"session:{row.id}", detail=f"families:{len(booked)}", db=db)
    return render_template("console/session.html", row=row, centre=db.get(Centre, row.centre_id), booked=booked,
                           candidates=candidates, labels=labels_for(db, [u.id or 0 for u in booked], row.centre_id),
                           candidate_labels=labels_for(db, [u.id or 0 for u in candidates]), series=series, series_rows=series_rows, series_index=series_index, pushes=pushes, push_progress=push_progress, kinds=session_kind_labels(),
                           max_notice=MAX_NOTICE_CHARS, **extra)


@bp.get("/sessions/<int:session_id>")
@require_role("staff")
def session_detail(session_id: int) -> str:
    return _page(my_class(session_id))


def centre_families(centre_id: int) -> list[User]:
    """Real families (not the simulator's) who joined this centre and still follow the account."""
    return list(get_session().exec(select(User).where(User.centre_id == centre_id, User.followed == True,  # noqa: E712
                                                      real_families(User.id)).order_by(col(User.id)).limit(500)).all())


@bp.post("/sessions/<int:session_id>/enrol")
@require_role("staff")
def session_enrol(session_id: int) -> Response:
    """Several family numbers at once ("12, 15 18"), or everyone in the centre; on this class or, for a
    weekly class, on every later class of the series too. All or nothing: a full class enrols nobody."""
    db = get_session()
    row = my_class(session_id)
    back = redirect(url_for("console.session_detail", session_id=session_id))
    numbers = [int(n) for n in re.findall(r"\d+", request.form.get("family", ""))]
    users = {n: db.get(User, n) for n in dict.fromkeys(numbers)}
    unknown = [n for n, user in users.items() if user is None]
    families = [user for user in users.values() if user is not None]
    if request.form.get("everyone"):
        families += [u for u in centre_families(row.centre_id) if u.id not in users]
    if unknown or not families:
        flash(f"没有这个家庭编号：{'、'.join(map(str, unknown))}。" if unknown else "请填写家庭编号，或勾选本机构全部家庭。",
              "error")
        return back
    series = db.get(SessionSeries, row.series_id) if row.series_id and request.form.get("whole_series") else None
    try:
        new = sum(len(enrol(db, user, series or row)) for user in families)
    except SessionFull:
        db.rollback()
        flash(f"课程已满员：名额 {row.capacity} 个，这次没有报名任何家庭。", "error")
        return back
    except ValueError:
        db.rollback()
        flash("已取消的课程不能报名。", "error")
        return back
    record("enrol", target=f"session:{session_id}", detail=" ".join(
        [f"user:{families[0].id}" if len(families) == 1 else f"families:{len(families)}", f"new:{new}"]), db=db)
    if len(families) == 1:
        flash(f"家庭 #{families[0].id} 已报名。" if new else f"家庭 #{families[0].id} 之前已报名。", "ok")
    else:
        flash(f"{len(families)} 个家庭已报名{'（含本系列以后各节）' if series else ''}。", "ok")
    return back


@bp.post("/sessions/<int:session_id>/push")
@require_role("staff")
def session_push(session_id: int) -> Response | str:
    """Preview first; 确认发送 sends only the text that was previewed. If the box was edited after the
    preview, the edited text is previewed again instead of sent. Nobody to send to: refused."""
    db = get_session()
    row = my_class(session_id)
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
