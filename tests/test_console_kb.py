"""Knowledge-base candidates: proposed from a volunteer's answer, published only when `kb check` rules pass."""

from __future__ import annotations

import yaml
from sqlmodel import select

from bot.console.kb import check_candidate, export_yaml
from bot.services import get_services
from bot.storage.accounts import KbCandidate, StaffUser
from bot.tickets import answer_ticket, claim_ticket
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

QUOTE = "经济条件困难家庭补助标准为 20000 元/人·年"
GOOD = {"question": "綦江困难家庭孤独症孩子康复补助多少钱", "answer": "綦江经济困难家庭的补助标准是每人每年20000元。",
        "region": "qijiang", "intent": "aid_amount", "document": "綦残联发〔2025〕7号", "clause": "附件",
        "quote": QUOTE}


def candidate(**changes: str) -> KbCandidate:
    return KbCandidate(**{**GOOD, **changes})


def test_rules_match_kb_check() -> None:
    assert check_candidate(candidate()) == []
    assert any("找不到原文" in p for p in check_candidate(candidate(quote="补助标准为 50000 元")))
    assert any("找不到原文" in p for p in check_candidate(candidate(quote="")))
    assert any("'30000" in p for p in check_candidate(candidate(answer="补助30000元。")))
    assert any("必须引用" in p for p in check_candidate(candidate(region="shanghai")))
    assert any("意图" in p for p in check_candidate(candidate(intent="nonsense")))


def answered_ticket(capp, db) -> int:
    """Answered by demo-volunteer: a volunteer sees only the queue and their own tickets."""
    ticket = ask_for_person(capp, db)
    volunteer_id = db.exec(select(StaffUser.id).where(StaffUser.name == "demo-volunteer")).one()
    claim_ticket(db, ticket.id, volunteer_id)
    answer_ticket(db, ticket.id, volunteer_id, GOOD["answer"], get_services(capp).client)
    return ticket.id


def test_propose_review_publish_export(capp, accounts, db) -> None:
    ticket_id = answered_ticket(capp, db)
    volunteer = login(capp, accounts, "volunteer")
    page = f"/console/tickets/{ticket_id}"
    assert "提议加入知识库" in volunteer.get(page).get_data(as_text=True)
    post(volunteer, f"{page}/propose", GOOD, page=page)
    post(volunteer, f"{page}/propose", {**GOOD, "quote": "编造的引文"}, page=page)
    good, bad = db.exec(select(KbCandidate).order_by(KbCandidate.id)).all()
    assert good.ticket_id == ticket_id and good.status == "draft"

    staff = login(capp, accounts, "staff")
    listing = staff.get("/console/kb").get_data(as_text=True)
    assert "检查通过" in listing and "找不到原文" in listing
    post(staff, f"/console/kb/{bad.id}/publish", page="/console/kb")
    post(staff, f"/console/kb/{good.id}/publish", page="/console/kb")
    post(staff, f"/console/kb/{bad.id}/reject", {"note": "引文不对"}, page="/console/kb")
    db.expire_all()
    assert (db.get(KbCandidate, good.id).status, db.get(KbCandidate, bad.id).status) == ("published", "rejected")

    entries = yaml.safe_load(export_yaml(db))
    assert entries == [yaml.safe_load(staff.get("/console/kb/export.yaml").get_data(as_text=True))[0]]
    assert entries[0]["sources"][0]["quote"] == QUOTE and entries[0]["regions"] == ["qijiang"]


def test_volunteer_cannot_publish(capp, accounts, db) -> None:
    volunteer = login(capp, accounts, "volunteer")
    db.add(candidate())
    db.commit()
    assert post(volunteer, "/console/kb/1/publish").status_code == 403
