"""State every worker process must share: one token refresh at a time, and the token.

With `REDIS_URL`, Redis does it (a Redis lock, wechatpy's RedisStorage). Without it the database does: a row
in `shared_values` holds the token, and the lock is a PostgreSQL advisory lock (or, for the single-host SQLite
default, a file lock). "Seen this MsgId?" is not shared state: the messages table's unique key decides it
(see bot.inbox.claim), so Redis trouble can never make us answer twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlmodel import Session
from wechatpy.session import SessionStorage

from bot.storage.db import get_engine
from bot.storage.models import SharedValue
from bot.timeutil import utcnow

log = logging.getLogger(__name__)


class DatabaseState:
    """The default: correct across workers with nothing but the database."""

    def __init__(self, app: Flask) -> None:
        self.engine = get_engine(app)
        self.lock_dir = Path(app.instance_path) / "locks"

    @contextmanager
    def lock(self, name: str, timeout: float = 10) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
                # SET takes no bind parameters; set_config does.
                conn.execute(text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{int(timeout * 1000)}ms"})
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
            return
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_dir / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def token_storage(self) -> SessionStorage:
        return DatabaseStorage(self.engine)


class DatabaseStorage(SessionStorage):  # type: ignore[misc]
    """wechatpy session storage in the `shared_values` table."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def get(self, key: str, default: Any = None) -> Any:
        with Session(self.engine) as db:
            row = db.get(SharedValue, key)
            if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
                return default
            return json.loads(row.value)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        expires = utcnow() + timedelta(seconds=ttl) if ttl else None
        with Session(self.engine) as db:
            row = db.get(SharedValue, key) or SharedValue(key=key, value="")
            row.value, row.expires_at = json.dumps(value), expires
            db.add(row)
            db.commit()

    def delete(self, key: str) -> None:
        with Session(self.engine) as db:
            row = db.get(SharedValue, key)
            if row is not None:
                db.delete(row)
                db.commit()


class RedisState:
    """Redis-backed shared state, falling back to the database when Redis is unreachable."""

    def __init__(self, app: Flask, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.fallback = DatabaseState(app)
        self.errors = redis.RedisError

    @contextmanager
    def lock(self, name: str, timeout: float = 10) -> Iterator[None]:
        try:
            lock = self.redis.lock(f"xingban:lock:{name}", timeout=timeout, blocking_timeout=timeout)
            acquired = lock.acquire()
        except self.errors:
            log.warning("redis unavailable for locking; using the database lock")
            with self.fallback.lock(name, timeout):
                yield
            return
        try:
            yield
        finally:
            if acquired:
                try:
                    lock.release()
                except self.errors:
                    pass

    def token_storage(self) -> SessionStorage:
        from wechatpy.session.redisstorage import RedisStorage

        return FallbackStorage(RedisStorage(self.redis, prefix="xingban"), self.fallback.token_storage(),
                               self.errors)


class FallbackStorage(SessionStorage):  # type: ignore[misc]
    """Reads and writes Redis; when Redis fails, the database copy keeps the token usable."""

    def __init__(self, primary: SessionStorage, fallback: SessionStorage, errors: type[Exception]) -> None:
        self.primary, self.fallback, self.errors = primary, fallback, errors

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self.primary.get(key, default)
        except self.errors:
            return self.fallback.get(key, default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self.fallback.set(key, value, ttl)
        try:
            self.primary.set(key, value, ttl)
        except self.errors:
            log.warning("redis unavailable; token kept in the database only")

    def delete(self, key: str) -> None:
        self.fallback.delete(key)
        try:
            self.primary.delete(key)
        except self.errors:
            pass


def make_shared_state(app: Flask) -> DatabaseState | RedisState:
    url = app.config.get("REDIS_URL")
    return RedisState(app, url) if url else DatabaseState(app)
