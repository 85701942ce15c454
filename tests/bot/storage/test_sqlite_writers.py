"""SQLite's single write lock: writers from other connections wait their turn (finely) and give up cleanly."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.db import make_engine, retry_while_locked


def test_a_writer_waits_for_the_lock_and_then_succeeds(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    holder.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.3, holder.commit).start()  # ... for 0.3 s
    start = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    waited = time.monotonic() - start
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [1, 2]  # nothing lost
    assert 0.25 <= waited < 0.8  # it waited for the lock, then went in (well before the 30 s timeout)
    holder.close()


def test_engine_connections_leave_waiting_to_the_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_lock_that_is_never_released_fails_with_sqlites_error(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        retry_while_locked(lambda: other.execute("INSERT INTO t VALUES (1)"), timeout=0.2)
    assert 0.2 <= time.monotonic() - start < 1.5
    calls = []
    with pytest.raises(sqlite3.OperationalError, match="no such table"):  # other errors are not retried
        retry_while_locked(lambda: calls.append(1) or other.execute("SELECT * FROM missing"), timeout=5)
    assert calls == [1]
    holder.rollback()
