"""Parent -> volunteer -> parent: claiming, the 48 h customer-service window, pending answers, feedback."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import Session, select

import bot.inbox
from bot.services import get_services
from bot.storage.accounts import TicketAnswer
from bot.storage.db import get_engine
from bot.storage.models import Ticket, User
from bot.tickets import (
    answer_ticket,
    claim_ticket,
    format_answer,
    open_tickets_with_context,
    overdue_tickets,
    take_pending_answers,
)
from bot.timeutil import utcnow
from handlers.feedback import is_unhelpful
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, chat

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

ANSWER = "您好，綦江的申请请先联系区残联，我们可以陪您一起准备。"
inbox_wired = pytest.mark.skipif("take_pending_answers" not in vars(bot.inbox),
                                 reason="bot/inbox.py does not call take_pending_answers yet (lead wires it)")


def sent_to(sandbox, openid: str) -> list[str]:
    return [r["content"] for r in sandbox.sent("message/custom/send", openid)]


def test_claim_race_has_one_winner(capp, db) -> None:
    ticket = ask_for_person(capp, db)
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def claim(staff_id: int) -> None:
        with Session(get_engine(capp)) as own:
            barrier.wait()
            results.append(claim_ticket(own, ticket.id, staff_id))

    threads = [threading.Thread(target=claim, args=(n,)) for n in (101, 102)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    db.expire_all()
    assert db.get(Ticket, ticket.id).claimed_by in (101, 102)


def test_answer_within_48h_is_a_customer_service_message(capp, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    assert claim_ticket(db, ticket.id, 7)
    answer = answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
    assert answer.status == "delivered" and answer.channel == "custom"
    assert sent_to(sandbox, "o-parent-1") == [format_answer(ticket.id, ANSWER)]
    db.expire_all()
    assert db.get(Ticket, ticket.id).status == "answered"


def test_only_the_claimer_answers_and_only_once(capp, db, sandbox) -> None:
    from bot.tickets import TicketError

    ticket = ask_for_person(capp, db)
    claim_ticket(db, ticket.id, 7)
    with pytest.raises(TicketError):
        answer_ticket(db, ticket.id, 8, ANSWER, get_services(capp).client)
    answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
    with pytest.raises(TicketError):
        answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
    assert len(sent_to(sandbox, "o-parent-1")) == 1


def test_after_48h_the_answer_waits_for_the_parent(capp, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        claim_ticket(db, ticket.id, 7)
        answer = answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
        assert answer.status == "pending"
        db.expire_all()
        assert db.get(Ticket, ticket.id).status == "waiting_parent"
        assert sent_to(sandbox, "o-parent-1") == []
        user = db.get(User, ticket.user_id)
        assert take_pending_answers(db, user) == [format_answer(ticket.id, ANSWER)]
        assert take_pending_answers(db, user) == []  # taken once
        db.commit()
        assert db.get(Ticket, ticket.id).status == "answered"


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_wechat_refusing_the_window_means_waiting(capp, db, sandbox, errcode: int) -> None:
    ticket = ask_for_person(capp, db)
    claim_ticket(db, ticket.id, 7)
    sandbox.inject_fault("message/custom/send", errcode=errcode, touser="o-parent-1")
    answer = answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
    assert answer.status == "pending" and str(errcode) in (answer.last_error or "")
    db.expire_all()
    assert db.get(Ticket, ticket.id).status == "waiting_parent"


@inbox_wired
def test_parent_writes_again_and_gets_the_waiting_answer(capp, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        claim_ticket(db, ticket.id, 7)
        answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
        reply = chat(capp).send_text("o-parent-1", "你好")
    assert ANSWER in reply.text and f"工单{ticket.id}" in reply.text
    db.expire_all()
    assert db.get(Ticket, ticket.id).status == "answered"
    assert db.exec(select(TicketAnswer)).one().channel == "reply"


def test_waiting_answer_too_long_for_a_passive_reply_goes_as_customer_service(capp, db, sandbox) -> None:
    ticket = ask_for_person(capp, db)
    long_answer = "请带孩子到区妇幼保健院复筛，" * 80  # ~1100 characters, over 2048 bytes
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        claim_ticket(db, ticket.id, 7)
        answer_ticket(db, ticket.id, 7, long_answer, get_services(capp).client)
        reply = chat(capp).send_text("o-parent-1", "你好")
        assert long_answer not in reply.text and "星伴" in reply.text
        expected = long_answer.strip("，")
        deadline = time.time() + 10
        while time.time() < deadline and expected not in "".join(sent_to(sandbox, "o-parent-1")).replace("\n", ""):
            time.sleep(0.02)  # the answer arrives in several ≤2048-byte parts
    delivered = "".join(sent_to(sandbox, "o-parent-1"))
    assert expected in delivered.replace("\n", "")
    assert len(sent_to(sandbox, "o-parent-1")) >= 2
    db.expire_all()
    assert db.exec(select(TicketAnswer)).one().channel == "custom"


def test_overdue_and_context(capp, db) -> None:
    ticket = ask_for_person(capp, db)
    assert overdue_tickets(db, 4) == []
    later = utcnow() + timedelta(hours=5)
    assert [t.id for t in overdue_tickets(db, 4, later)] == [ticket.id]
    view = open_tickets_with_context(db, 4, now=later)[0]
    assert view.overdue and [m.text for m in view.context] == ["你好", "转人工"]
    assert "志愿者" in (view.context[-1].reply_text or "")


def test_context_is_the_last_ten_messages(capp, db) -> None:
    sim = chat(capp)
    for n in range(12):
        sim.send_text("o-talkative", f"你好{n}")
    sim.send_text("o-talkative", "转人工")
    view = open_tickets_with_context(db, 4)[0]
    assert len(view.context) == 10 and view.context[-1].text == "转人工" and view.context[0].text == "你好3"


@pytest.mark.parametrize(("text", "expected"), [
    ("没用", True), ("没用啊", True), ("你的回答没帮助", True), ("答非所问！", True), ("这个回答完全没用", True),
    ("没用过康复机构可以申请吗", False), ("有用", False), ("谢谢，没问题了", False), ("", False),
])
def test_unhelpful_words(text: str, expected: bool) -> None:
    assert is_unhelpful(text) is expected


def test_unhelpful_opens_a_ticket_with_the_previous_intent(capp, db) -> None:
    sim = chat(capp)
    sim.send_text("o-unhappy", "綦江的康复补助怎么申请")
    reply = sim.send_text("o-unhappy", "没用")
    assert "抱歉" in reply.text and "志愿者" in reply.text
    ticket = db.exec(select(Ticket)).one()
    assert ticket.reason == "unhelpful" and ticket.intent_guess == "apply_aid"


def test_erasing_a_family_removes_its_answers(capp, db, sandbox) -> None:
    from bot.erasure import erase_user

    ticket = ask_for_person(capp, db)
    claim_ticket(db, ticket.id, 7)
    answer_ticket(db, ticket.id, 7, ANSWER, get_services(capp).client)
    assert erase_user(db, "o-parent-1")
    db.commit()
    assert db.exec(select(TicketAnswer)).all() == [] and db.exec(select(Ticket)).all() == []


def test_waiting_answer_reaches_the_right_family_when_ids_differ(capp, db, sandbox) -> None:
    """Family ids and answer ids drift apart in a real database: the waiting answer must still be found
    for its own family (it was not, on SQLite, when both ids were not 1) and never for another."""
    sim = chat(capp)
    for n in range(3):  # families 1-3 exist first, so the asking family's id is not 1
        sim.send_text(f"o-early-{n}", "你好")
    tickets = [ask_for_person(capp, db, openid) for openid in ("o-parent-a", "o-parent-b")]
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        for ticket in tickets:  # two answers: ids 1 and 2, families 4 and 5
            claim_ticket(db, ticket.id, 7)
            answer_ticket(db, ticket.id, 7, f"{ANSWER}（给工单{ticket.id}）", get_services(capp).client)
        ids = {(a.id, a.user_id) for a in db.exec(select(TicketAnswer))}
        assert all(answer_id != user_id for answer_id, user_id in ids)
        reply_b = sim.send_text("o-parent-b", "你好")
        reply_early = sim.send_text("o-early-0", "你好")
    assert f"给工单{tickets[1].id}" in reply_b.text and f"给工单{tickets[0].id}" not in reply_b.text
    assert ANSWER not in reply_early.text
    db.expire_all()
    statuses = {a.ticket_id: a.status for a in db.exec(select(TicketAnswer))}
    assert statuses == {tickets[0].id: "pending", tickets[1].id: "delivered"}
