"""Erasure leaves no trace (issue 13 Medium 8) and retention blanks old text (Low 15).

A parent's messages carry a unique marker; after 删除我的信息 → 确认删除 the marker and the openid must be in
no table, and on SQLite in no byte of the database file or its WAL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import time_machine
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.console.stats import dashboard_stats
from bot.outbox.scheduler import purge_old_texts
from bot.services import get_services
from bot.storage.accounts import AuditLog, KbCandidate, TicketAnswer
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Message, Ticket, User
from bot.tickets import answer_ticket, claim_ticket
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import chat, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

MARKER = "霞蔚XQZ9731"
OPENID = "o-erase-zq81"
QUESTION = f"我家孩子{MARKER}在上海，康复救助怎么申请"


def every_value(app) -> str:
    """Every row of every table as one string."""
    engine = get_engine(app)
    parts = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(f"{table}: {tuple(row)}")
    return "\n".join(parts)


def sqlite_files(app) -> list[Path]:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        return []
    database = Path(url.removeprefix("sqlite:///"))
    return [p for p in (database, database.with_name(database.name + "-wal")) if p.exists()]


def family_with_history(app, db, accounts) -> tuple[int, int]:
    """A parent writes the marker, gets a ticket; a volunteer answers and proposes two candidates: one
    pasting the parent's words, one rewritten. Returns (ticket id, family id)."""
    sim = chat(app)
    sim.send_text(OPENID, QUESTION)
    assert "志愿者" in sim.send_text(OPENID, "转人工").text
    user = db.exec(select(User).where(User.openid == OPENID)).one()
    ticket = db.exec(select(Ticket).where(Ticket.user_id == user.id)).one()
    volunteer = login(app, accounts, "volunteer")
    page = f"/console/tickets/{ticket.id}"
    assert MARKER in volunteer.get(page).get_data(as_text=True)  # the audited look at the conversation
    post(volunteer, f"{page}/claim", page=page)
    post(volunteer, f"{page}/answer", {"text": f"您好，关于“{MARKER}”的情况，请先到区残联登记。"}, page=page)
    fields = {"answer": "请先到区残联登记。", "region": "shanghai", "intent": "apply_aid", "document": "x",
              "quote": "x"}
    post(volunteer, f"{page}/propose", {**fields, "question": QUESTION}, page=page)
    post(volunteer, f"{page}/propose", {**fields, "question": "上海的康复救助要去哪里登记？"}, page=page)
    sim.send_text("o-someone-else", "你好")  # another family's data stays
    db.expire_all()
    return ticket.id, user.id


def test_erasure_leaves_no_trace_in_tables_or_files(capp, accounts, db) -> None:
    ticket_id, user_id = family_with_history(capp, db, accounts)
    before = every_value(capp)
    assert MARKER in before and OPENID in before and f"ticket:{ticket_id}" in before
    assert f"user:{user_id}" in before
    db.close()  # an open read transaction here would hold the WAL checkpoint back
    sim = chat(capp)
    assert "确认删除" in sim.send_text(OPENID, "删除我的信息").text
    assert "已删除" in sim.send_text(OPENID, "确认删除").text

    after = every_value(capp)
    assert MARKER not in after and OPENID not in after
    assert f"ticket:{ticket_id}" not in after and f"user:{user_id}" not in after
    with session_scope(capp) as session:
        actions = [row.action for row in session.exec(select(AuditLog)).all()]
        assert {"ticket_view", "ticket_claim", "ticket_answer", "kb_propose"} <= set(actions)  # kept, anonymised
        candidates = session.exec(select(KbCandidate).order_by(KbCandidate.id)).all()
        assert [c.question for c in candidates] == ["", "上海的康复救助要去哪里登记？"]
        assert all(c.ticket_id is None for c in candidates)
        assert session.exec(select(User).where(User.openid == "o-someone-else")).one()
    for path in sqlite_files(capp):
        data = path.read_bytes()
        assert MARKER.encode("utf-8") not in data and OPENID.encode() not in data, path.name


def test_erasure_checkpoints_the_wal(capp, accounts, db) -> None:
    if not sqlite_files(capp):
        return  # PostgreSQL: nothing to checkpoint
    family_with_history(capp, db, accounts)
    db.close()
    sim = chat(capp)
    sim.send_text(OPENID, "删除我的信息")
    sim.send_text(OPENID, "确认删除")
    wal = [p for p in sqlite_files(capp) if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal)


def test_retention_blanks_old_text_and_keeps_the_counts(capp, db, sandbox) -> None:
    capp.config["XINGBAN_MESSAGE_RETENTION_DAYS"] = 30
    sim = chat(capp)
    sim.send_text("o-old", f"很久以前的问题{MARKER}")
    sim.send_text("o-old", "转人工")
    ticket = db.exec(select(Ticket)).one()
    claim_ticket(db, ticket.id, 7)
    answer_ticket(db, ticket.id, 7, f"志愿者的回答{MARKER}", get_services(capp).client)
    with time_machine.travel(utcnow() + timedelta(days=20)):
        sim.send_text("o-new", "你好")
    counts_before = dashboard_stats(db, 4, days=60, now=utcnow() + timedelta(days=31))
    db.close()
    result = purge_old_texts(capp, now=utcnow() + timedelta(days=31))
    assert result["messages_purged"] == 2 and result["answers_purged"] == 1 and result["tickets_purged"] == 1
    with session_scope(capp) as session:
        rows = session.exec(select(Message).order_by(Message.id)).all()
        assert [bool(m.text) for m in rows] == [False, False, True] and rows[0].reply_text is None
        assert rows[0].intent is not None  # what the dashboard counts stays
        assert session.exec(select(TicketAnswer)).one().text == ""
        after = dashboard_stats(session, 4, days=60, now=utcnow() + timedelta(days=31))
    for stats in (after, counts_before):  # ties among intents come in row order, which may change
        stats["top_intents"] = sorted(stats["top_intents"])
    assert after == counts_before
    assert MARKER not in every_value(capp)
    for path in sqlite_files(capp):
        assert MARKER.encode("utf-8") not in path.read_bytes(), path.name
    assert purge_old_texts(capp, now=utcnow() + timedelta(days=31))["messages_purged"] == 0


def test_retention_never_blanks_an_answer_still_waiting(capp, db, sandbox) -> None:
    capp.config["XINGBAN_MESSAGE_RETENTION_DAYS"] = 1
    sim = chat(capp)
    sim.send_text("o-wait", "转人工")
    ticket = db.exec(select(Ticket)).one()
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        claim_ticket(db, ticket.id, 7)
        answer = answer_ticket(db, ticket.id, 7, "等您回来再看", get_services(capp).client)
    assert answer.status == "pending"
    db.close()
    purge_old_texts(capp, now=utcnow() + timedelta(days=10))
    with session_scope(capp) as session:
        assert session.exec(select(TicketAnswer)).one().text == "等您回来再看"
