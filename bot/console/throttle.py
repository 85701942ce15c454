"""Progressive login throttling, per (account, address) and per address, shared by every worker.

Why not an account-wide lockout: an attacker who knows the admin's name could keep the admin locked out
forever. Counting per (account, address) slows the attacker without touching the real admin, who logs
in from another address; counting per address stops one address from trying many names (each try costs
an Argon2 hash, 64 MiB of memory). A refused attempt is answered before any hash is computed.

Every attempt is counted *before* the password is checked (one atomic step), so a burst of parallel
attempts cannot slip past the limit; a successful login forgives its own attempt. After `free`
attempts each further one makes the next wait twice as long (`base`, 2×`base`, … up to `cap`); the
count starts again after `quiet` seconds without attempts. Unknown account names are counted exactly
like real ones, so the throttle reveals nothing about which accounts exist.

Storage: Redis when REDIS_URL is set (falling back to the database when Redis is unreachable), else the
`throttle_counters` table. Flask-Limiter was not used: it is not installable in this project's
offline package index, and this needs two counters, not a general rate-limit language.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from flask import Flask, Request, current_app
from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.storage.accounts import ThrottleCounter
from bot.storage.db import get_engine
from bot.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    free: int  # attempts answered before any wait
    base: float  # seconds of the first wait
    cap: float  # the longest wait
    quiet: float  # seconds without attempts after which the count starts again

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th attempt (counted before its password was checked)."""
        if attempts < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(attempts - self.free, 30)))


ACCOUNT_ADDRESS = Policy(free=5, base=60, cap=15 * 60, quiet=3600)
ADDRESS = Policy(free=20, base=60, cap=3600, quiet=3600)


class Store(Protocol):
    def attempt(self, key: str, policy: Policy, now: datetime) -> float: ...

    def forgive(self, key: str, reset: bool) -> None: ...

    def clear_prefix(self, prefix: str) -> None: ...


class DatabaseStore:
    """Counters in `throttle_counters`: four short statements in one transaction per attempt."""

    _table = ThrottleCounter.__table__  # type: ignore[attr-defined]
    _c = _table.c
    _RESET_EXPIRED = (update(_table).where(_c.key == bindparam("k"), _c.expires_at <= bindparam("now"))
                      .values(attempts=0, blocked_until=None))
    _COUNT = (update(_table).where(_c.key == bindparam("k"))
              .where((_c.blocked_until.is_(None)) | (_c.blocked_until <= bindparam("now")))
              .values(attempts=_c.attempts + 1).returning(_c.attempts))
    _SET_BLOCK = (update(_table).where(_c.key == bindparam("k"))
                  .values(blocked_until=bindparam("until"), expires_at=bindparam("expires")))
    _BLOCKED_UNTIL = select(_c.blocked_until).where(_c.key == bindparam("k"))

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def attempt(self, key: str, policy: Policy, now: datetime) -> float:
        with self.engine.begin() as conn:
            self._ensure_row(conn, key, now + timedelta(seconds=policy.quiet))
            conn.execute(self._RESET_EXPIRED, {"k": key, "now": now})
            attempts = conn.execute(self._COUNT, {"k": key, "now": now}).scalar()
            if attempts is None:  # blocked: not counted, so waiting it out is enough
                until = conn.execute(self._BLOCKED_UNTIL, {"k": key}).scalar_one()
                return max(float((until - now).total_seconds()), 1.0)
            delay = policy.delay(attempts)
            until = now + timedelta(seconds=delay) if delay else None
            conn.execute(self._SET_BLOCK, {"k": key, "until": until,
                                           "expires": (until or now) + timedelta(seconds=policy.quiet)})
        return 0.0

    def _ensure_row(self, conn: Connection, key: str, expires: datetime) -> None:
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(module.insert(self._table).on_conflict_do_nothing(index_elements=["key"]),
                     {"key": key, "attempts": 0, "blocked_until": None, "expires_at": expires})

    def forgive(self, key: str, reset: bool) -> None:
        with self.engine.begin() as conn:
            if reset:
                conn.execute(delete(self._table).where(self._c.key == key))
            else:
                conn.execute(update(self._table).where(self._c.key == key, self._c.attempts > 0)
                             .values(attempts=self._c.attempts - 1, blocked_until=None))

    def clear_prefix(self, prefix: str) -> None:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.engine.begin() as conn:
            conn.execute(delete(self._table).where(self._c.key.like(escaped + "%", escape="\\")))


# One atomic step in Redis. Times come from our clock (ARGV), so they agree with the database store's
# and a controlled clock in the tests; Redis's own expiry only collects old keys.
_ATTEMPT_LUA = """
local now, free, base, cap, quiet = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'n', 'until', 'exp')
local n, blocked, exp = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
if exp <= now then n = 0; blocked = 0 end
if blocked > now then return tostring(blocked - now) end
n = n + 1
local delay = 0
if n >= free then delay = math.min(cap, base * 2 ^ math.min(n - free, 30)) end
if delay > 0 then blocked = now + delay else blocked = 0 end
exp = math.max(now, blocked) + quiet
redis.call('HSET', KEYS[1], 'n', n, 'until', blocked, 'exp', exp)
redis.call('EXPIRE', KEYS[1], math.ceil(cap + quiet) + 60)
return '0'
"""
_FORGIVE_LUA = """
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n > 0 then redis.call('HSET', KEYS[1], 'n', n - 1, 'until', 0) end
return 0
"""


class RedisStore:
    """Counters in Redis hashes; the database store takes over while Redis is unreachable."""

    def __init__(self, url: str, fallback: DatabaseStore, prefix: str = "xingban:throttle:") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.errors = redis.RedisError
        self.fallback, self.prefix = fallback, prefix
        self._attempt = self.redis.register_script(_ATTEMPT_LUA)
        self._forgive = self.redis.register_script(_FORGIVE_LUA)

    def attempt(self, key: str, policy: Policy, now: datetime) -> float:
        try:
            wait = self._attempt(keys=[self.prefix + key], args=[
                now.timestamp(), policy.free, policy.base, policy.cap, policy.quiet])
            return float(wait)
        except self.errors:
            log.warning("redis unavailable for the login throttle; counting in the database")
            return self.fallback.attempt(key, policy, now)

    def forgive(self, key: str, reset: bool) -> None:
        self.fallback.forgive(key, reset)
        try:
            if reset:
                self.redis.delete(self.prefix + key)
            else:
                self._forgive(keys=[self.prefix + key])
        except self.errors:
            pass

    def clear_prefix(self, prefix: str) -> None:
        self.fallback.clear_prefix(prefix)
        try:
            keys = list(self.redis.scan_iter(match=self.prefix + _glob_escape(prefix) + "*", count=500))
            if keys:
                self.redis.delete(*keys)
        except self.errors:
            pass


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


class LoginThrottle:
    """The two counters a login attempt goes through."""

    def __init__(self, store: Store, account_policy: Policy = ACCOUNT_ADDRESS,
                 address_policy: Policy = ADDRESS) -> None:
        self.store, self.account_policy, self.address_policy = store, account_policy, address_policy

    def attempt(self, name: str, address: str, now: datetime | None = None) -> float:
        """0 when this attempt may check a password (it is counted), else the seconds to wait."""
        now = now or utcnow()
        wait = self.store.attempt(_address_key(address), self.address_policy, now)
        if wait:
            return wait
        wait = self.store.attempt(_account_key(name, address), self.account_policy, now)
        if wait:
            self.store.forgive(_address_key(address), reset=False)  # not checked, so not held against it
        return wait

    def succeeded(self, name: str, address: str) -> None:
        """The right password: this (account, address) starts afresh and the address is forgiven."""
        self.store.forgive(_account_key(name, address), reset=True)
        self.store.forgive(_address_key(address), reset=False)

    def clear_account(self, name: str) -> None:
        """An admin unlocks an account: every address's count for it is dropped."""
        self.store.clear_prefix(_account_key(name, ""))


def _account_key(name: str, address: str) -> str:
    return f"acct:{hashlib.sha256(name.strip().encode('utf-8')).hexdigest()[:24]}|{address}"


def _address_key(address: str) -> str:
    return f"addr:{address}"


def client_address(request: Request) -> str:
    """The client's address. Behind our nginx (gunicorn listens on loopback only) the real one is the
    last X-Forwarded-For entry, the one nginx appended; a client cannot set it, since a header that
    reaches us from a non-loopback peer is ignored. IPv6 clients are counted per /64, what one host gets."""
    remote = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and _is_loopback(remote):
        remote = forwarded.split(",")[-1].strip()
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return remote[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def get_throttle(app: Flask | None = None) -> LoginThrottle:
    """The app's throttle, built on first use (Redis when configured, else the database)."""
    app = app or current_app
    throttle: Any = app.extensions.get("xingban_login_throttle")
    if throttle is None:
        database = DatabaseStore(get_engine(app))
        url = app.config.get("REDIS_URL")
        throttle = LoginThrottle(RedisStore(url, database) if url else database)
        app.extensions["xingban_login_throttle"] = throttle
    return cast(LoginThrottle, throttle)
