"""Classes by week: create (once or every week until a date), edit, reschedule, cancel (one class or the
rest of its series). Family notices go through the outbox (bot.timetable, bot.console.series)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlmodel import col, select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, has_role, require_role
from bot.console.blueprint import bp
from bot.console.scope import in_my_centres, my_class, require_centre
from bot.console.series import (
    ClassDetails,
    cancel_rest,
    create_weekly,
    edit_details,
    reschedule_rest,
    this_and_later,
)
from bot.storage.classes import KINDS, Enrolment, TrainingSession
from bot.storage.db import get_session
from bot.storage.models import Centre
from bot.timetable import cancel, create_session, reschedule, series_sessions
from bot.timeutil import utcnow
from bot.wechat.limits import SHANGHAI
from bot.wording import session_kind_labels

KIND_LABELS = session_kind_labels()


def monday_of(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else utcnow().astimezone(SHANGHAI).date()
    except ValueError:
        day = utcnow().astimezone(SHANGHAI).date()
    return day - timedelta(days=day.weekday())


def parse_span(form: dict[str, str]) -> tuple[datetime, datetime]:
    """Local date + start/end clock times from a form -> aware datetimes; ValueError when malformed."""
    day = date.fromisoformat(form.get("date", ""))
    start = datetime.combine(day, time.fromisoformat(form.get("start", "")), SHANGHAI)
    end = datetime.combine(day, time.fromisoformat(form.get("end", "")), SHANGHAI)
    if end <= start:
        raise ValueError("end before start")
    return start, end


def _capacity(raw: str | None) -> int | None:
    return int(raw) if raw and raw.strip().isdigit() and int(raw) > 0 else None


@bp.get("/sessions")
@require_role("staff", "volunteer")
def sessions() -> str:
    """The week's timetable; volunteers see it read-only (no family lists, no changes)."""
    monday = monday_of(request.args.get("week"))
    start = datetime.combine(monday, time(0), SHANGHAI)
    db = get_session()
    rows = db.exec(select(TrainingSession).where(TrainingSession.starts_at >= start,
                                                 TrainingSession.starts_at < start + timedelta(days=7),
                                                 in_my_centres(TrainingSession.centre_id))
                   .order_by(col(TrainingSession.starts_at))).all()
    counts = dict(db.exec(select(Enrolment.session_id, func.count()).where(
        col(Enrolment.session_id).in_([r.id for r in rows])).group_by(col(Enrolment.session_id))).all())
    days = [(monday + timedelta(days=i), [r for r in rows if r.starts_at.astimezone(SHANGHAI).date()
                                          == monday + timedelta(days=i)]) for i in range(7)]
    centres = {c.id: c for c in db.exec(select(Centre).where(in_my_centres(Centre.id)).order_by(col(Centre.id))).all()}
    today = utcnow().astimezone(SHANGHAI).date()
    return render_template("console/sessions.html", days=days, counts=counts, centres=centres, kinds=KIND_LABELS,
                           monday=monday, default_day=max(monday, today), default_until=max(monday, today) + timedelta(weeks=11),
                           empty_week=not rows, can_edit=has_role(current_staff(), "staff"), prev=monday - timedelta(days=7), next=monday + timedelta(days=7))


@bp.post("/sessions")
@require_role("staff")
def session_create() -> Response:
    db = get_session()
    form = request.form.to_dict()
    centre = db.get(Centre, int(form.get("centre_id") or 0))
    require_centre(centre.id if centre else None)
    weekly = form.get("repeat") == "weekly"
    try:
        starts, ends = parse_span(form)
        if centre is None or not form.get("title", "").strip() or form.get("kind") not in KINDS:
            raise ValueError("missing fields")
        details = ClassDetails(form["title"].strip()[:100], form["kind"], form.get("place", "").strip()[:200],
                               _capacity(form.get("capacity")), form.get("what_to_bring", "").strip()[:200],
                               public=bool(form.get("public")))
        if weekly:
            series = create_weekly(db, centre, details, starts, ends, date.fromisoformat(form.get("until", "")))
            rows = series_sessions(db, series)
            row = rows[0]
        else:
            row = create_session(db, centre, details.title, details.kind, starts, ends, details.place,
                                 details.capacity, details.what_to_bring, public=details.public)
    except ValueError:
        db.rollback()
        flash("请填写机构、名称、类型、日期和开始/结束时间（结束须晚于开始）；每周重复的课程还要填结束日期"
              "（不早于第一节，最多 52 周）。", "error")
        return redirect(url_for("console.sessions", week=form.get("date")))
    if weekly:
        record("series_create", target=f"session:{row.id}", detail=f"series:{row.series_id} sessions:{len(rows)}",
               db=db)
        flash(f"每周课程已创建：共 {len(rows)} 节。", "ok")
    else:
        record("session_create", target=f"session:{row.id}", db=db)
        flash("课程已创建。", "ok")
    return redirect(url_for("console.session_detail", session_id=row.id))


@bp.post("/sessions/<int:session_id>/<any(edit, reschedule, cancel):change>")
@require_role("staff")
def session_change(session_id: int, change: str) -> Response:
    db = get_session()
    row = my_class(session_id)
    form = request.form.to_dict()
    rest = form.get("scope") == "rest" and row.series_id is not None
    detail = ""
    try:
        if change == "edit":
            if not form.get("title", "").strip():
                raise ValueError("empty title")
            targets = this_and_later(db, row) if rest else [row]
            edit_details(db, targets, form["title"].strip()[:100], form.get("place", "").strip()[:200],
                         _capacity(form.get("capacity")), form.get("what_to_bring", "").strip()[:200])
            detail = f"sessions:{len(targets)}"
        elif change == "reschedule" and rest:
            classes, notices = reschedule_rest(db, row, *parse_span(form))
            detail = f"sessions:{classes} notices:{notices}"
        elif change == "reschedule":
            detail = f"notices:{reschedule(db, row, *parse_span(form))}"
        elif rest:
            classes, notices = cancel_rest(db, row)
            detail = f"sessions:{classes} notices:{notices}"
        else:
            detail = f"notices:{cancel(db, row)}"
    except ValueError:
        db.rollback()
        flash("无法保存：请检查名称、日期和时间（已取消的课程不能调整）。", "error")
        return redirect(url_for("console.session_detail", session_id=session_id))
    record(f"session_{change}", target=f"session:{session_id}", detail=detail, db=db)
    flash({"edit": "已保存（这一节及以后各节）。" if rest else "已保存。",
           "reschedule": "已调整这一节及以后各节的时间，每个已报名的家庭只会收到一条通知。" if rest
           else "已调整时间，已报名的家庭会收到一次通知。",
           "cancel": "已取消这一节及以后各节，每个已报名的家庭只会收到一条取消通知。" if rest
           else "已取消课程，已报名的家庭会收到一次通知。"}[change], "ok")
    return redirect(url_for("console.session_detail", session_id=session_id))
