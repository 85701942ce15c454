"""Reviewers fix a knowledge candidate before publishing it, with the policy text beside the form to pick the
verbatim quote from; the checks run again on the edited version."""

from __future__ import annotations

from sqlmodel import select

from bot.console.kb import source_texts
from bot.storage.accounts import AuditLog, KbCandidate
from tests import test_console_support as support
from tests.test_console_support import login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

QIJIANG = next(src for src in source_texts() if src.region == "qijiang")


def draft(db, quote: str = "到区残联登记") -> KbCandidate:
    row = KbCandidate(question="康复补助怎么申请", answer="请先到区残联登记。", region="qijiang", intent="apply_aid",
                      document=QIJIANG.document, quote=quote)
    db.add(row)
    db.commit()
    return row


def fields(row: KbCandidate, **change: str) -> dict[str, str]:
    return {"question": row.question, "answer": row.answer, "region": row.region, "intent": row.intent,
            "document": row.document, "clause": row.clause, "quote": row.quote, **change}


def test_an_unpublishable_candidate_is_fixed_then_published(capp, accounts, db) -> None:
    row = draft(db, quote="这句话不在文件里")
    admin = login(capp, accounts, "admin")
    page = admin.get("/console/kb").get_data(as_text=True)
    assert "找不到原文" in page and QIJIANG.text[:30] in page  # the source text is on the page to pick from
    assert post(admin, f"/console/kb/{row.id}/publish", page="/console/kb").status_code == 302
    db.expire_all()
    assert db.get(KbCandidate, row.id).status == "draft"
    sentence = QIJIANG.text.splitlines()[3].strip()[:40]
    response = post(admin, f"/console/kb/{row.id}/edit", fields(row, quote=sentence, answer="请按文件办理。"),
                    page="/console/kb")
    assert "检查通过" in admin.get(response.location).get_data(as_text=True)
    post(admin, f"/console/kb/{row.id}/publish", page="/console/kb")
    db.expire_all()
    published = db.get(KbCandidate, row.id)
    assert (published.status, published.quote, published.answer) == ("published", sentence, "请按文件办理。")
    assert db.exec(select(AuditLog).where(AuditLog.action == "kb_edit")).one().target == f"kb:{row.id}"


def test_a_reviewed_candidate_cannot_be_edited(capp, accounts, db) -> None:
    row = draft(db)
    staff = login(capp, accounts, "staff")
    post(staff, f"/console/kb/{row.id}/reject", page="/console/kb")
    post(staff, f"/console/kb/{row.id}/edit", fields(row, answer="改过的"), page="/console/kb")
    db.expire_all()
    assert db.get(KbCandidate, row.id).answer == "请先到区残联登记。"


def test_volunteers_cannot_edit_candidates(capp, accounts, db) -> None:
    row = draft(db)
    volunteer = login(capp, accounts, "volunteer")
    assert post(volunteer, f"/console/kb/{row.id}/edit", fields(row, answer="x")).status_code == 403
