"""In-memory state of the WeChat API sandbox: tokens, faults, follower set and the record of sends.

Kept apart from the Flask routes so the rules (token grace, stable_token rolling, client_msg_id de-duplication)
read in one place. Every public method takes the lock: the sandbox serves requests on several threads.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

GRACE_SECONDS = 300  # WeChat keeps the previous token usable for about 5 minutes
DEDUP_SECONDS = 600  # template client_msg_id window
FORCE_REFRESH_SPACING = 30  # stable_token force_refresh: at most once every 30 s

#: errmsg texts as WeChat words them (close enough for logs and tests).
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40033: "invalid charset. please check your request, if include \\uxxxx will create fail!",
    40037: "invalid template_id",
    40052: "invalid action name",
    40053: "invalid action info",
    40066: "invalid url",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43004: "require subscribe",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
    48001: "api unauthorized",
}


class SandboxError(Exception):
    """A WeChat error answer: {"errcode", "errmsg"} with an HTTP status (200 like WeChat, unless faulted)."""

    def __init__(self, errcode: int, errmsg: str | None = None, status: int = 200) -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "sandbox error")
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg}


@dataclass
class _Token:
    kind: str  # "token" | "stable"
    expires_at: float
    revoked_at: float | None = None  # superseded: valid until this instant (grace), then 40001


@dataclass
class Fault:
    api: str
    errcode: int | None
    count: int = 1
    touser: str | None = None
    delay_ms: int = 0
    http_status: int | None = None
    errmsg: str | None = None


class SandboxState:
    """Everything the sandbox remembers; `clock` is injectable so expiry can be tested without sleeping."""

    def __init__(self, app_id: str, app_secret: str, token_ttl: int = 7200,
                 clock: Callable[[], float] = time.time) -> None:
        self.app_id, self.app_secret, self.token_ttl, self.clock = app_id, app_secret, token_ttl, clock
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._tokens: dict[str, _Token] = {}
            self._current: dict[str, str] = {}  # kind -> newest token value
            self._last_force = float("-inf")
            self._faults: list[Fault] = []
            self._unfollowed: set[str] = set()
            self._records: list[dict[str, Any]] = []
            self._dedup: dict[tuple[str, str], tuple[float, int]] = {}
            self._calls: Counter[str] = Counter()
            self._errors: Counter[str] = Counter()
            self._next_msgid = 200228332
            self.menu: dict[str, Any] | None = None
            self._qrcodes: list[dict[str, Any]] = []

    # -- tokens -------------------------------------------------------------------------------------------
    def check_credentials(self, grant_type: str | None, appid: str | None, secret: str | None) -> None:
        if grant_type != "client_credential":
            raise SandboxError(40002)
        if not appid:
            raise SandboxError(41002)
        if appid != self.app_id:
            raise SandboxError(40013)
        if not secret:
            raise SandboxError(41004)
        if secret != self.app_secret:
            raise SandboxError(40125)

    def _issue(self, kind: str, revoke_previous_at: float | None) -> tuple[str, int]:
        now = self.clock()
        previous = self._tokens.get(self._current.get(kind, ""))
        if previous is not None and revoke_previous_at is not None:
            previous.revoked_at = min(previous.revoked_at or revoke_previous_at, revoke_previous_at)
        value = secrets.token_urlsafe(96)  # ~128 chars, like WeChat's 100+ char tokens
        self._tokens[value] = _Token(kind, now + self.token_ttl)
        self._current[kind] = value
        return value, self.token_ttl

    def issue_token(self) -> tuple[str, int]:
        """`token`: always a new token; the previous one keeps working for the grace period."""
        with self._lock:
            return self._issue("token", self.clock() + GRACE_SECONDS)

    def stable_token(self, force_refresh: bool) -> tuple[str, int]:
        """`stable_token`: same token while it has > 5 min left; force_refresh revokes it at once."""
        with self._lock:
            now = self.clock()
            if force_refresh:
                if now - self._last_force < FORCE_REFRESH_SPACING:
                    raise SandboxError(45011)
                self._last_force = now
                return self._issue("stable", now)
            current = self._tokens.get(self._current.get("stable", ""))
            if current and current.revoked_at is None and current.expires_at - now > GRACE_SECONDS:
                return self._current["stable"], int(current.expires_at - now)
            return self._issue("stable", None)  # roll: the old one lives to its own expiry

    def check_token(self, value: str | None) -> None:
        if not value:
            raise SandboxError(41001)
        with self._lock:
            token, now = self._tokens.get(value), self.clock()
            if token is None or (token.revoked_at is not None and now >= token.revoked_at):
                raise SandboxError(40001)
            if now >= token.expires_at:
                raise SandboxError(42001)

    def expire_tokens(self) -> None:
        """Make every token expired now (next call answers 42001) — for refresh tests and demos."""
        with self._lock:
            now = self.clock()
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    # -- faults, followers, counters ----------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> dict[str, Any]:
        with self._lock:
            self._faults.append(fault)
            return asdict(fault)

    def take_fault(self, api: str, touser: str | None) -> Fault | None:
        """Consume one use of the first fault matching this call (api, and touser if the fault names one)."""
        with self._lock:
            for fault in self._faults:
                if fault.api == api and fault.touser in (None, touser):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def set_followed(self, openid: str, followed: bool) -> None:
        with self._lock:
            (self._unfollowed.discard if followed else self._unfollowed.add)(openid)

    def is_followed(self, openid: str) -> bool:
        with self._lock:
            return openid not in self._unfollowed

    def count(self, api: str, error: bool = False) -> None:
        with self._lock:
            (self._errors if error else self._calls)[api] += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            delivered = Counter(r["api"] for r in self._records)
            return {"calls": dict(self._calls), "errors": dict(self._errors), "delivered": dict(delivered)}

    # -- deliveries ---------------------------------------------------------------------------------------
    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="milliseconds")

    def record(self, api: str, touser: str, msgtype: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            rec = {"id": len(self._records) + 1, "api": api, "touser": touser, "msgtype": msgtype,
                   **fields, "at": self._now_iso()}
            self._records.append(rec)
            return rec

    def deliver_template(self, touser: str, client_msg_id: str | None, **fields: Any) -> int:
        """Record a template message once per (touser, client_msg_id) within 10 min; return its msgid."""
        with self._lock:
            now = self.clock()
            key = (touser, client_msg_id or "")
            seen = self._dedup.get(key) if client_msg_id else None
            if seen and now - seen[0] < DEDUP_SECONDS:
                return seen[1]
            self._next_msgid += 1
            msgid = self._next_msgid
            if client_msg_id:
                self._dedup[key] = (now, msgid)
            self.record("message/template/send", touser, "template", client_msg_id=client_msg_id,
                        msgid=msgid, **fields)
            return msgid

    def add_qrcode(self, qrcode: dict[str, Any]) -> None:
        with self._lock:
            self._qrcodes.append(qrcode)

    def qrcodes(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._qrcodes)

    def sent(self, api: str | None = None, touser: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._records
                    if (api is None or r["api"] == api) and (touser is None or r["touser"] == touser)]
