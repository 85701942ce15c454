"""Family labels: set one on a class page, find families by it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import require_role
from bot.console.blueprint import bp
from bot.console.families import find_labelled, set_label
from bot.console.scope import in_my_centres, my_class
from bot.storage.db import get_session
from bot.storage.models import Centre


@bp.get("/families")
@require_role("staff")
def families() -> str:
    db = get_session()
    text = request.args.get("q", "").strip()[:40]
    centres = {c.id: c.name for c in db.exec(select(Centre).where(in_my_centres(Centre.id))).all()}
    rows = [r for r in find_labelled(db, text) if r[2] in centres] if text else []
    return render_template("console/families.html", q=text, rows=rows,
                           centres=centres)


@bp.post("/sessions/<int:session_id>/families/<int:user_id>/label")
@require_role("staff")
def family_label(session_id: int, user_id: int) -> Response:
    db = get_session()
    row = my_class(session_id)
    if not set_label(db, user_id, row.centre_id, request.form.get("label", "")):
        abort(404)  # not enrolled at this centre: nothing to label
    record("family_label", target=f"user:{user_id}", detail=f"session:{session_id}", db=db)
    flash(f"已保存家庭 #{user_id} 的标签。", "ok")
    return redirect(url_for("console.session_detail", session_id=session_id, _anchor="families"))
