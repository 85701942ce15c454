"""Database engine and per-request sessions (SQLite by default, PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)
SQLITE_BUSY = 5
BUSY_TIMEOUT_SECONDS = 30.0
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and a fine-grained wait for the write lock so threads and
    processes can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        _wait_for_writers_finely(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _wait_for_writers_finely(engine: Engine) -> None:
    """SQLite admits one writer at a time. Its own busy handler makes the others sleep 1, 2, 5, 10 ms...
    even when the lock frees 0.2 ms later; with two gunicorn workers that cost about 1 ms per message.
    So SQLite's handler is off (busy_timeout=0, set last in `_sqlite_pragmas`) and statements that find
    the database locked are retried here after 0.1 ms, doubling up to 2 ms, for the same 30 s in total."""

    def execute(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        retry_while_locked(lambda: cursor.execute(statement, parameters))
        return True

    def execute_no_params(cursor: Any, statement: str, _context: Any) -> bool:
        retry_while_locked(lambda: cursor.execute(statement))
        return True

    def executemany(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        retry_while_locked(lambda: cursor.executemany(statement, parameters))
        return True

    event.listen(engine, "do_execute", execute)
    event.listen(engine, "do_execute_no_params", execute_no_params)
    event.listen(engine, "do_executemany", executemany)


def retry_while_locked(run: Callable[[], T], timeout: float = BUSY_TIMEOUT_SECONDS) -> T:
    """Run `run`; while SQLite says another connection holds the write lock (SQLITE_BUSY), wait briefly
    and try again. A failed attempt changed nothing, so repeating it is safe. Gives up after `timeout`
    seconds with SQLite's own "database is locked" error."""
    delay, deadline = 0.0001, time.monotonic() + timeout
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.002)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still never corrupts; a power cut may lose only the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted or overwritten rows are zeroed in the file, not just unlinked: an erased family's text
    # must not be recoverable from the database file (see checkpoint_wal for the WAL).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=0")  # waits are retried finely by the engine (see above)
    cursor.close()


def checkpoint_wal(engine: Engine, timeout: float = 2.0) -> bool:
    """Copy SQLite's WAL into the database file and truncate it to zero bytes.

    Until then, the pages an erasure overwrote still sit in the -wal file with the old text. A reader
    in the middle of a transaction makes the checkpoint report "busy": retried briefly, then left to the
    next one (retention runs one every day). True when done; always True on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return True
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            busy, _frames, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            return True
        if time.monotonic() >= deadline:
            log.warning("WAL checkpoint still busy after %.1f s; the next one will finish it", timeout)
            return False
        time.sleep(0.01)


def checkpoint_after_commit(db: Session) -> None:
    """Run `checkpoint_wal` once this session's transaction is committed (an erasure's last step)."""
    engine = db.get_bind()
    if isinstance(engine, Engine) and engine.dialect.name == "sqlite":
        event.listen(db, "after_commit", lambda _session: checkpoint_wal(engine), once=True)


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 (and a missing folder 0700) before SQLite does it 0644: it holds
    families' messages. SQLite gives the -wal and -shm files the database file's mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # empty = a new database
    except FileExistsError:
        pass


def init_app(app: Flask) -> None:
    """Attach the engine and close the request's session at teardown."""
    create_private_sqlite_file(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return cast(Engine, (app or current_app).extensions["db_engine"])


def get_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return cast(Session, g.db_session)


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session outside a request (workers, CLI): commit on success, roll back on error."""
    session = Session(get_engine(app), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
