"""The dispatcher process SIGKILLed in the middle of sending: after a restart nothing is lost, nothing doubled.

A real `xingban scheduler` process sends ~150 due reminders to the sandbox, slowed to ~30 ms per template
send. The test freezes it (SIGSTOP) until it catches it holding a lease on rows of which at least one already
reached WeChat but is not yet marked `sent`, then SIGKILLs it. A second scheduler takes over once the lease
(shortened with `--lease`) runs out. Every row must end `sent`, and the sandbox must hold exactly one delivery
per client_msg_id: the re-sends of the rows that had already landed are absorbed by WeChat's 10 min dedup.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session
from sqlmodel import select as model_select

from bot.outbox.schedule import insert_ignore, reminder_key
from bot.sandbox.server import SandboxServer
from bot.storage.classes import Enrolment, Reminder
from bot.storage.db import get_engine
from bot.storage.models import Centre, User
from bot.timetable import create_session
from bot.timeutil import utcnow
from tests.conftest import TEST_APP_ID, TEST_SECRET, TEST_TOKEN

ROOT = Path(__file__).resolve().parents[3]
FAMILIES = 150
BATCH = 10
LEASE = 8  # seconds; the dispatcher refuses to start a send with < 5 s of lease left
TEMPLATE = "message/template/send"


def seed_due_reminders(app: Flask) -> set[str]:
    """FAMILIES followed families with reminders on, enrolled in a class starting in 90 min, each with its
    2-hour reminder due a minute ago (forced due, so the test does not depend on quiet hours)."""
    now = utcnow()
    with Session(get_engine(app), expire_on_commit=False) as db:
        centre = db.exec(model_select(Centre).where(Centre.code == "qj01")).one()
        session = create_session(db, centre, "结构化游戏家长课", "parent_training", now + timedelta(minutes=90),
                                 now + timedelta(minutes=180), place="二楼活动室", what_to_bring="水杯")
        users = [User(openid=f"o-kill-{i:04d}", reminders_on=True, followed=True, centre_id=centre.id,
                      region="qijiang") for i in range(FAMILIES)]
        db.add_all(users)
        db.flush()
        db.add_all([Enrolment(user_id=u.id or 0, session_id=session.id or 0) for u in users])
        rows = [{"key": reminder_key(session.id or 0, u.id or 0, 120), "user_id": u.id, "session_id": session.id,
                 "offset_minutes": 120, "due_at": now - timedelta(minutes=1)} for u in users]
        assert insert_ignore(db, rows) == FAMILIES
        db.commit()
    return {row["key"] for row in rows}


def statuses(app: Flask) -> Counter[str]:
    with get_engine(app).connect() as conn:
        return Counter(dict(conn.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()))


def leased_pending(app: Flask) -> set[str]:
    with get_engine(app).connect() as conn:
        return set(conn.execute(select(Reminder.key).where(Reminder.status == "pending",
                                                           Reminder.lease_owner.is_not(None))).scalars())


@pytest.fixture
def scheduler(app: Flask, sandbox: SandboxServer, tmp_path: Path) -> Iterator:
    """Start `xingban scheduler` processes against the test database; all are killed at the end."""
    env = {**os.environ, "XINGBAN_MODE": "test", "DATABASE_URL": app.config["DATABASE_URL"],
           "REDIS_URL": app.config["REDIS_URL"], "WECHAT_TOKEN": TEST_TOKEN, "WECHAT_APP_ID": TEST_APP_ID,
           "WECHAT_APP_SECRET": TEST_SECRET, "WECHAT_API_BASE_URL": sandbox.url,
           "XINGBAN_INSTANCE_PATH": str(tmp_path / "instance")}
    procs: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process below
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "--interval", "1",
                                 "--batch-size", str(BATCH), "--lease", str(LEASE)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        proc.log = log  # type: ignore[attr-defined]
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.log.close()  # type: ignore[attr-defined]
    sandbox.reset()  # drop the delay fault: the sandbox is shared by the whole session


def wait_for(check, timeout: float, what: str, proc: subprocess.Popen | None = None):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"scheduler exited with {proc.returncode} while waiting for {what}")
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def kill_mid_send(app: Flask, sandbox: SandboxServer, proc: subprocess.Popen) -> set[str]:
    """Freeze the dispatcher until it holds a lease on a row WeChat already has, then SIGKILL it there.

    Returns the keys that were delivered but not marked when it died (each will be sent a second time)."""

    def caught() -> set[str] | None:
        os.kill(proc.pid, signal.SIGSTOP)
        time.sleep(0.1)  # a send already inside the sandbox finishes recording
        sent, leased = statuses(app)["sent"], leased_pending(app)
        landed = {r["client_msg_id"] for r in sandbox.sent(TEMPLATE)} & leased
        if sent >= FAMILIES // 4 and landed and sent + len(leased) < FAMILIES:
            os.kill(proc.pid, signal.SIGKILL)
            return landed
        os.kill(proc.pid, signal.SIGCONT)
        return None

    wait_for(caught, 40, "the dispatcher mid-batch", proc)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.3)  # a request it had already handed to the sandbox still lands (WeChat would deliver it too)
    return {r["client_msg_id"] for r in sandbox.sent(TEMPLATE)} & leased_pending(app)


def test_dispatcher_killed_mid_send_loses_and_doubles_nothing(app: Flask, sandbox: SandboxServer,
                                                              scheduler) -> None:  # type: ignore[no-untyped-def]
    keys = seed_due_reminders(app)
    sandbox.inject_fault(TEMPLATE, delay_ms=30, count=10 * FAMILIES)
    first = scheduler("first")
    landed = kill_mid_send(app, sandbox, first)
    at_kill = statuses(app)
    assert 0 < at_kill["sent"] < FAMILIES and at_kill["pending"] == FAMILIES - at_kill["sent"]
    assert leased_pending(app) >= landed  # the dead process's lease still holds them

    second = scheduler("second")
    wait_for(lambda: statuses(app)["sent"] == FAMILIES, 45, "every reminder sent after the restart", second)

    assert statuses(app) == Counter(sent=FAMILIES)
    records = sandbox.sent(TEMPLATE)
    per_id = Counter(r["client_msg_id"] for r in records)
    assert set(per_id) == keys  # nothing lost, nothing unknown
    assert max(per_id.values()) == 1 and len(records) == FAMILIES  # nothing doubled
    assert len({r["touser"] for r in records}) == FAMILIES
    # The rows that had landed before the kill were sent again and absorbed by client_msg_id; no other re-send.
    # (Calls WeChat refused do not count: a token left in a shared Redis by an earlier test gets 40001, a refresh
    # and one retry, which is the client doing its job.)
    stats = sandbox.stats()
    accepted = stats["calls"].get(TEMPLATE, 0) - stats["errors"].get(TEMPLATE, 0)
    assert accepted == FAMILIES + len(landed), stats
