"""The chat simulator is practice: its tickets are marked 模拟 and stay out of the volunteer queue and
out of the dashboard's figures, while a real family's ticket next to them is counted as usual."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from bot.storage.models import Ticket, User
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


def practice_ticket(capp, accounts, db) -> Ticket:
    staff = login(capp, accounts, "staff")
    post(staff, "/console/simulator", {"family": "try1", "text": "转人工"}, page="/console/simulator")
    user = db.exec(select(User).where(User.openid == "sim-try1")).one()
    return db.exec(select(Ticket).where(Ticket.user_id == user.id)).one()


def dashboard_figures(client) -> dict:
    page = client.get("/console/dashboard").get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/json" id="dash-data">(.*?)</script>', page, re.S).group(1))


def test_practice_tickets_stay_out_of_the_volunteer_queue(capp, accounts, db) -> None:
    practice = practice_ticket(capp, accounts, db)
    real = ask_for_person(capp, db)
    volunteer = login(capp, accounts, "volunteer")
    for tab in ("active", "open"):
        queue = volunteer.get(f"/console/tickets?status={tab}").get_data(as_text=True)
        assert f"工单 #{real.id}<" in queue and f"工单 #{practice.id}<" not in queue
    practice_tab = volunteer.get("/console/tickets?status=simulated").get_data(as_text=True)
    assert f"工单 #{practice.id}<" in practice_tab and "模拟" in practice_tab and f"工单 #{real.id}<" not in practice_tab
    detail = volunteer.get(f"/console/tickets/{practice.id}").get_data(as_text=True)
    assert "练习工单，不是真实家庭" in detail


def test_practice_traffic_is_not_in_the_dashboard_figures(capp, accounts, db) -> None:
    practice_ticket(capp, accounts, db)
    staff = login(capp, accounts, "staff")
    figures = dashboard_figures(staff)
    assert (figures["tickets_open"], figures["messages_total"]) == (0, 0)
    assert "还没有家长消息" in staff.get("/console/dashboard").get_data(as_text=True)  # says what to do next
    ask_for_person(capp, db)  # a real family: two messages, one ticket
    figures = dashboard_figures(staff)
    assert (figures["tickets_open"], figures["messages_total"]) == (1, 2)
