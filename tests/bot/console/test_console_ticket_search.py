"""Finding a ticket: words the family used, region, the child's age, "my tickets", overdue, and paging past
the first page; the message that handed the question to a person is marked on the ticket."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlmodel import select

from bot.storage.models import Ticket, User
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, chat, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


def listed(client, query: str) -> set[int]:
    page = client.get(f"/console/tickets?{query}").get_data(as_text=True)
    return {int(n) for n in re.findall(r"<b>工单 #(\d+)</b>", page)}


def family_ticket(capp, db, openid: str, words: str, region: str | None = None, age: float | None = None) -> Ticket:
    chat(capp).send_text(openid, words)
    ticket = ask_for_person(capp, db, openid)
    user = db.get(User, ticket.user_id)
    user.profile = {**(user.profile or {}), **({"age": age} if age is not None else {})}
    ticket.region = region
    db.add_all([user, ticket])
    db.commit()
    return ticket


def test_search_by_words_region_age_and_mine(capp, accounts, db) -> None:
    speech = family_ticket(capp, db, "o-a", "孩子不说话怎么训练", "qijiang", age=3)
    school = family_ticket(capp, db, "o-b", "上学的事情想问问", "shanghai", age=8)
    volunteer = login(capp, accounts, "volunteer")
    assert listed(volunteer, "q=不说话") == {speech.id}
    assert listed(volunteer, f"q=%23{school.id}") == {school.id}
    assert listed(volunteer, "region=shanghai") == {school.id}
    assert listed(volunteer, "age=0-3") == {speech.id} and listed(volunteer, "age=7-") == {school.id}
    assert "孩子 3 岁" in volunteer.get("/console/tickets").get_data(as_text=True)
    page = f"/console/tickets/{school.id}"
    post(volunteer, f"{page}/claim", page=page)
    assert listed(volunteer, "status=active&mine=1") == {school.id}
    assert listed(volunteer, "q=%25") == set()  # a % is a character to find, not a wildcard


def test_overdue_filter_and_paging_beyond_the_first_page(capp, accounts, db) -> None:
    first = ask_for_person(capp, db, "o-first")
    for _ in range(31):
        db.add(Ticket(user_id=first.user_id, reason="fallback"))
    db.commit()
    volunteer = login(capp, accounts, "volunteer")
    page_one, page_two = listed(volunteer, "status=open"), listed(volunteer, "status=open&page=2")
    assert len(page_one) == 30 and len(page_two) == 2 and not page_one & page_two
    assert "下一页" in volunteer.get("/console/tickets?status=open").get_data(as_text=True)
    assert listed(volunteer, "status=open&overdue=1") == set()
    with time_machine.travel(utcnow() + timedelta(hours=5)):
        assert len(listed(volunteer, "status=open&overdue=1&page=2")) == 2


def test_the_message_that_asked_for_a_person_is_marked(capp, accounts, db) -> None:
    ticket = ask_for_person(capp, db)
    page = login(capp, accounts, "volunteer").get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    marked = re.search(r'<div class="bubble me trigger" id="trigger">(.*?)</div>', page, re.S)
    assert marked and "转人工的消息" in marked.group(1) and marked.group(1).endswith("转人工")
    assert db.exec(select(Ticket)).one().id == ticket.id


def test_staff_filter_by_who_claimed(capp, accounts, db) -> None:
    from bot.storage.accounts import StaffUser

    first, second = ask_for_person(capp, db, "o-1"), ask_for_person(capp, db, "o-2")
    volunteer = login(capp, accounts, "volunteer")
    post(volunteer, f"/console/tickets/{first.id}/claim", page=f"/console/tickets/{first.id}")
    staff = login(capp, accounts, "staff")
    post(staff, f"/console/tickets/{second.id}/claim", page=f"/console/tickets/{second.id}")
    helper = db.exec(select(StaffUser).where(StaffUser.name == "demo-volunteer")).one()
    assert listed(staff, f"status=claimed&by={helper.id}") == {first.id}
    assert listed(staff, "status=claimed") == {first.id, second.id}
    assert 'name="by"' not in volunteer.get("/console/tickets").get_data(as_text=True)
