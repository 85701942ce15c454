"""Knowledge-base candidates: a volunteer proposes one from an answer; staff edit, check and publish or reject."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response as WResponse

from bot.console.audit import record
from bot.console.auth import current_staff, current_staff_id, require_role
from bot.console.blueprint import bp
from bot.console.kb import check_candidate, export_yaml, intent_choices, region_choices, source_texts
from bot.console.views.tickets import visible_ticket
from bot.storage.accounts import KbCandidate
from bot.storage.db import get_session
from bot.timeutil import utcnow

FIELDS = {"question": 500, "answer": 2000, "region": 16, "intent": 32, "document": 64, "clause": 100,
          "quote": 1000}


@bp.post("/tickets/<int:ticket_id>/propose")
@require_role("volunteer", "staff")
def kb_propose(ticket_id: int) -> WResponse:
    db = get_session()
    visible_ticket(ticket_id)
    candidate = KbCandidate(ticket_id=ticket_id, proposed_by=current_staff_id(), question="", answer="", region="",
                            intent="", document="", quote="")
    for name, limit in FIELDS.items():
        setattr(candidate, name, request.form.get(name, "").strip()[:limit])
    db.add(candidate)
    db.flush()
    record("kb_propose", target=f"kb:{candidate.id}", detail=f"ticket:{ticket_id}", db=db)
    problems = check_candidate(candidate)
    flash("已提交知识库候选，等待工作人员审核。" + (f"（注意：{problems[0]}）" if problems else ""),
          "warn" if problems else "ok")
    return redirect(url_for("console.ticket_detail", ticket_id=ticket_id))


@bp.get("/kb")
@require_role("staff")
def kb_candidates() -> str:
    status = request.args.get("status", "draft")
    rows = get_session().exec(select(KbCandidate).where(KbCandidate.status == status)
                              .order_by(KbCandidate.id.desc()).limit(200)).all()  # type: ignore[union-attr]
    return render_template("console/kb.html", rows=[(row, check_candidate(row)) for row in rows], current=status,
                           sources=source_texts(), regions=region_choices(), intents=intent_choices())


@bp.post("/kb/<int:candidate_id>/edit")
@require_role("staff")
def kb_edit(candidate_id: int) -> WResponse:
    """Fix a draft before publishing (wording, region, the verbatim quote); checked again on the page."""
    db = get_session()
    candidate = db.get(KbCandidate, candidate_id) or abort(404)
    if candidate.status != "draft":
        flash("这条候选已经审核过，不能再修改。", "error")
        return redirect(url_for("console.kb_candidates"))
    for name, limit in FIELDS.items():
        setattr(candidate, name, request.form.get(name, "").strip()[:limit])
    db.add(candidate)
    record("kb_edit", target=f"kb:{candidate_id}", db=db)
    problems = check_candidate(candidate)
    flash("已保存。" + (f"还不能发布：{problems[0]}" if problems else "检查通过，可以发布。"), "warn" if problems else "ok")
    return redirect(url_for("console.kb_candidates", _anchor=f"kb-{candidate_id}"))


@bp.post("/kb/<int:candidate_id>/<any(publish, reject):decision>")
@require_role("staff")
def kb_review(candidate_id: int, decision: str) -> WResponse:
    db = get_session()
    candidate = db.get(KbCandidate, candidate_id) or abort(404)
    if candidate.status != "draft":
        flash("这条候选已经审核过。", "error")
        return redirect(url_for("console.kb_candidates"))
    if decision == "publish":
        problems = check_candidate(candidate)
        if problems:
            flash("不能发布：" + "；".join(problems), "error")
            return redirect(url_for("console.kb_candidates"))
    candidate.status = "published" if decision == "publish" else "rejected"
    candidate.reviewed_by, candidate.reviewed_at = current_staff().id, utcnow()  # type: ignore[union-attr]
    candidate.review_note = request.form.get("note", "").strip()[:500]
    db.add(candidate)
    record(f"kb_{decision}", target=f"kb:{candidate_id}", db=db)
    flash("已发布（可导出为知识条目）。" if decision == "publish" else "已驳回。", "ok")
    return redirect(url_for("console.kb_candidates"))


@bp.get("/kb/export.yaml")
@require_role("staff")
def kb_export() -> Response:
    record("kb_export", target="kb:published")
    return Response(export_yaml(get_session()), mimetype="text/yaml",
                    headers={"Content-Disposition": "attachment; filename=candidates.yaml"})
