"""Tickets through the console: list, detail (audited), claim, answer, delivery, dashboard numbers, simulator."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlmodel import select

from bot.storage.accounts import AuditLog, StaffUser
from bot.storage.models import Ticket
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

ANSWER = "您好，我是志愿者小李。康复补助请先到区残联登记。"


def staff_id(db, name: str) -> int:
    return db.exec(select(StaffUser).where(StaffUser.name == name)).one().id


def test_volunteer_claims_and_answers_and_parent_gets_it(capp, accounts, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    client = login(capp, accounts, "volunteer")
    listing = client.get("/console/tickets").get_data(as_text=True)
    assert f"工单 #{ticket.id}" in listing and "已为您转接" not in listing  # conversation only on the audited page
    page = f"/console/tickets/{ticket.id}"
    detail = client.get(page).get_data(as_text=True)
    assert "已为您转接" in detail and "家长要求转人工" in detail and "开放" in detail
    assert post(client, f"{page}/claim", page=page).status_code == 302
    response = post(client, f"{page}/answer", {"text": ANSWER}, page=page)
    assert response.status_code == 302
    assert "已通过公众号客服消息发给家长" in client.get(page).get_data(as_text=True)
    sent = sandbox.sent("message/custom/send", "o-parent-1")
    assert [r["content"] for r in sent] == [f"【志愿者回复·工单{ticket.id}】\n{ANSWER}"]
    actions = [row.action for row in db.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions.count("ticket_view") >= 2 and "ticket_claim" in actions and "ticket_answer" in actions
    view = db.exec(select(AuditLog).where(AuditLog.action == "ticket_view")).first()
    assert view.actor_name == "demo-volunteer" and view.target == f"ticket:{ticket.id}"
    assert ANSWER not in " ".join(r.detail for r in db.exec(select(AuditLog)).all())


def test_second_volunteer_cannot_take_a_claimed_ticket(capp, accounts, db) -> None:
    ticket = ask_for_person(capp, db)
    first = login(capp, accounts, "volunteer")
    second = login(capp, accounts, "admin")  # admin may act as a volunteer
    page = f"/console/tickets/{ticket.id}"
    post(first, f"{page}/claim", page=page)
    post(second, f"{page}/claim", page=page)
    assert "已被其他志愿者认领" in second.get(page).get_data(as_text=True)
    post(second, f"{page}/answer", {"text": "抢答"}, page=page)
    db.expire_all()
    assert db.get(Ticket, ticket.id).claimed_by == staff_id(db, "demo-volunteer")
    assert db.get(Ticket, ticket.id).answer is None


def test_after_48h_ticket_shows_waiting_parent(capp, accounts, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        client = login(capp, accounts, "volunteer")
        page = f"/console/tickets/{ticket.id}"
        assert "已关闭" in client.get(page).get_data(as_text=True)
        post(client, f"{page}/claim", page=page)
        post(client, f"{page}/answer", {"text": ANSWER}, page=page)
        text = client.get(page).get_data(as_text=True)
        waiting = client.get("/console/tickets?status=waiting").get_data(as_text=True)
    assert "暂时无法送达" in text and "等待家长再次留言" in text
    assert sandbox.sent("message/custom/send", "o-parent-1") == []
    assert f"工单 #{ticket.id}" in waiting


def test_dashboard_counts_open_and_overdue(capp, accounts, db) -> None:
    ask_for_person(capp, db)
    client = login(capp, accounts, "volunteer")
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert '"tickets_open": 1' in page and '"tickets_overdue": 0' in page and "chart.umd.min.js" in page
    with time_machine.travel(utcnow() + timedelta(hours=5)):
        late = client.get("/console/dashboard").get_data(as_text=True)
    assert '"tickets_overdue": 1' in late and "超时未认领的工单" in late
    assert '"messages_total": 2' in page


def test_chart_js_is_vendored_with_its_license(capp) -> None:
    response = capp.test_client().get("/console/static/vendor/chart.umd.min.js")
    assert response.status_code == 200 and b"Released under the MIT License" in response.data[:300]
    response.close()


def test_simulator_page_talks_to_the_bot_and_opens_a_ticket(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    response = post(client, "/console/simulator", {"family": "try1", "text": "转人工"}, page="/console/simulator")
    assert response.status_code == 302
    page = client.get("/console/simulator?family=try1").get_data(as_text=True)
    assert "转人工" in page and "已为您转接志愿者" in page
    assert db.exec(select(Ticket)).one().reason == "human"
    assert db.exec(select(AuditLog).where(AuditLog.action == "simulator_send")).first() is not None


def test_simulator_never_uses_a_real_openid(capp, accounts, db) -> None:
    from bot.storage.models import User

    client = login(capp, accounts, "staff")
    post(client, "/console/simulator", {"family": "o-parent-1", "text": "你好"}, page="/console/simulator")
    assert [u.openid for u in db.exec(select(User)).all()] == ["sim-o-parent-1"]
