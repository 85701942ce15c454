"""Receive a push exactly once, answer within WeChat's 5-second budget, or answer later.

1. `claim` stores the message under its unique dedup key; a retry finds the row and gets the
   stored reply (or `success` while the first attempt is still working).
2. `process` runs the dispatcher in a worker thread with its own DB session.
3. If the answer is not ready within the budget, the webhook answers `success` and the worker
   delivers the reply as a customer-service message when it is done.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import Flask
from sqlalchemy import Connection, Table, bindparam, delete, exists, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select, update

from bot.dispatch import Context, Incoming, Reply
from bot.families import Family
from bot.privacy import pseudonym
from bot.services import get_services
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Message, SharedValue, User
from bot.storage.shared_state import RedisState
from bot.tickets import (
    answers_waiting_for,
    has_pending_answers,
    send_pending_answers,
    take_pending_answers,
)
from bot.timeutil import utcnow
from bot.wechat.limits import MAX_TEXT_BYTES
from bot.wechat.protocol import ProtocolError
from bot.wording import say

log = logging.getLogger(__name__)
MAX_STORED_TEXT = 2000
#: Events that are a parent's own action and open WeChat's 48 h customer-service window (and so may create
#: the family). Unsubscribe is the parent's too, but opens nothing: it only updates a family we know.
WINDOW_EVENTS = frozenset({"subscribe", "scan", "click"})
PURGE_EVERY = 256  # claims between two deletes of expired replay-memory keys
# (key, sha256 of the body, expiry in epoch seconds) of a signed push URL: see wechat_protocol.push_fingerprint
PushFingerprint = tuple[str, str, int]


# The statements every push runs, built once: building SQLAlchemy expressions costs more CPU than
# running them on SQLite, and a prebuilt statement also keeps its compiled form cached.
_users, _messages = User.__table__, Message.__table__  # type: ignore[attr-defined]
# The family's id, and whether volunteer answers wait for them (so most messages skip that query later).
# The EXISTS names the family through an aliased lookup by openid, never the bare `users.id`: SQLite
# compiles RETURNING columns unqualified, and a bare `id` inside the subquery binds to ticket_answers.id.
_SELF = _users.alias("touched_user")
_SELF_ID = select(_SELF.c.id).where(_SELF.c.openid == bindparam("b_openid")).scalar_subquery()
_TOUCH_USER = (update(_users).where(_users.c.openid == bindparam("b_openid"))
               .values(last_message_at=bindparam("now"))
               .returning(_users.c.id, answers_waiting_for(_SELF_ID).label("answers_waiting")))
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))
_USER_ID = select(_users.c.id).where(_users.c.openid == bindparam("openid"))
_MESSAGE_BY_KEY = select(_messages).where(_messages.c.user_id == bindparam("user_id"),
                                          _messages.c.dedup_key == bindparam("dedup_key"))
_shared = SharedValue.__table__  # type: ignore[attr-defined]
_PUSH_BODY = select(_shared.c.value).where(_shared.c.key == bindparam("key"))
_PURGE_PUSHES = delete(_shared).where(_shared.c.key >= "push:", _shared.c.key < bindparam("upto"))
_RECENT = select(func.count()).select_from(_messages).where(
    _messages.c.user_id == bindparam("user_id"), _messages.c.created_at > bindparam("since"))
_FLOOD_NOTICE_SENT = select(exists().where(
    _messages.c.user_id == bindparam("user_id"), _messages.c.created_at > bindparam("since"),
    _messages.c.outcome == "throttled", _messages.c.reply_text != ""))
_claims = itertools.count(1)
_RECORD_REPLY = update(_messages).where(_messages.c.id == bindparam("message_id")).values(
    intent=bindparam("r_intent"), confidence=bindparam("r_confidence"), outcome=bindparam("r_outcome"),
    reply_text=bindparam("r_text"))
_INSERT_IGNORING: dict[tuple[str, str, tuple[str, ...], str], Any] = {}


@dataclass(frozen=True)
class Claim:
    """A first delivery, stored: the message row and the family it came from."""

    message_id: int
    user_id: int
    answers_waiting: bool = False  # volunteer answers were waiting when the message came in


def load_user(db: Session, openid: str, user_id: int) -> User:
    """The family `claim` touched; if it was erased meanwhile, `touch_user` (the one race-safe creation
    path) makes it again."""
    user = db.exec(_USER_BY_ID, params={"user_id": user_id}).first()
    if user is None:
        user_id, _ = touch_user(db.connection(), openid, utcnow())
        user = db.exec(_USER_BY_ID, params={"user_id": user_id}).one()
    return user


def claim(app: Flask, incoming: Incoming, push: PushFingerprint | None = None) -> Claim | Reply | None:
    """Store the push once. Returns the new claim, or for a retry the earlier reply / None.

    SQL Core rather than the ORM: this runs on every push, before the 5-second clock has much left. The
    messages table's unique (family, dedup key) is the one guard (no separate "seen?" round trip to Redis
    first: retries are rare, and every first delivery would pay for it). `push` is the signed URL, refused
    when it was seen with another body (a replay); without Redis it is remembered in this same transaction.
    """
    now = utcnow()
    remembered = push is None or remember_push_in_redis(app, push)
    with get_engine(app).begin() as conn:
        if not remembered:
            remember_push(conn, push)  # type: ignore[arg-type]
        opens_window = incoming.kind != "event" or incoming.event in WINDOW_EVENTS
        user_id, answers_waiting = touch_user(conn, incoming.openid, now, opens_window)
        key = {"user_id": user_id, "dedup_key": incoming.dedup_key}
        message_id = insert_ignoring(conn, _messages, ("user_id", "dedup_key"), {
            **key, "kind": incoming.kind, "text": incoming.text[:MAX_STORED_TEXT],
            "outcome": "processing", "delivery": "passive", "created_at": now})
        if message_id is not None:
            return Claim(message_id, user_id, answers_waiting)
        earlier = conn.execute(_MESSAGE_BY_KEY, key).one()
    return earlier_reply(earlier)


def _refuse_replay(push: PushFingerprint) -> None:
    log.warning("webhook refused a replay: signed URL (expiry %s) seen before with a different body", push[2])
    raise ProtocolError(403, "replayed signature with a different body")


def remember_push(conn: Connection, push: PushFingerprint) -> None:
    """Remember the signed URL until its timestamp is stale (a `shared_values` row); the same URL with
    the same body is WeChat retrying, with another body a replay. Expired keys are purged now and then."""
    key, digest, expires = push
    if next(_claims) % PURGE_EVERY == 0:
        conn.execute(_PURGE_PUSHES, {"upto": f"push:{int(time.time()):011d}"})
    if insert_ignoring(conn, _shared, ("key",), {"key": key, "value": digest,
                                                     "expires_at": datetime.fromtimestamp(expires, UTC)},
                       returning="key") is None and conn.execute(_PUSH_BODY, {"key": key}).scalar() != digest:
        _refuse_replay(push)


def remember_push_in_redis(app: Flask, push: PushFingerprint) -> bool:
    """With Redis, SET NX with the window as expiry. False when there is no Redis or it is down: then the
    database remembers (a replay is refused either way)."""
    shared = get_services(app).shared
    if not isinstance(shared, RedisState):
        return False
    client = shared.redis
    key, digest, expires = push
    try:
        if client.set(f"xingban:{key}", digest, nx=True, ex=max(1, expires - int(time.time()))):
            return True
        earlier = cast(bytes | None, client.get(f"xingban:{key}"))  # no decode_responses: bytes
    except shared.errors:
        log.warning("redis unavailable for the replay memory; using the database")
        return False
    if earlier is not None and earlier.decode() != digest:
        _refuse_replay(push)
    return True


def touch_user(conn: Connection, openid: str, now: datetime, opens_window: bool = True) -> tuple[int, bool]:
    """The family's id, created on first contact, and whether volunteer answers wait for them; records
    when they last wrote (the 48 h window) when `opens_window`: only the parent's own action opens it."""
    if opens_window:
        row = conn.execute(_TOUCH_USER, {"b_openid": openid, "now": now}).first()
        if row is not None:
            return int(row.id), bool(row.answers_waiting)
    else:
        found = conn.execute(_USER_ID, {"openid": openid}).scalar()
        if found is not None:
            return int(found), False
    insert_ignoring(conn, _users, ("openid",), {
        "openid": openid, "profile": {}, "dialogue": {}, "followed": True, "reminders_on": False,
        "last_message_at": now if opens_window else None, "created_at": now})
    return int(conn.execute(_USER_ID, {"openid": openid}).scalar_one()), False


def insert_ignoring(conn: Connection, table: Table, keys: tuple[str, ...], values: dict[str, Any],
                    returning: str = "id") -> Any:
    """INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING id: the new id, or None when the keys exist."""
    cache_key = (conn.dialect.name, table.name, keys, returning)
    stmt = _INSERT_IGNORING.get(cache_key)
    if stmt is None:
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = module.insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(table.c[returning])
        _INSERT_IGNORING[cache_key] = stmt
    return conn.execute(stmt, values).scalar()


def earlier_reply(earlier: Any) -> Reply | None:
    """A retry gets the first attempt's passive reply, or `success` while it is still working."""
    if earlier.outcome != "processing" and earlier.delivery == "passive" and earlier.reply_text:
        return Reply(text=earlier.reply_text, outcome=earlier.outcome, intent=earlier.intent)
    return None


class ReplyJob:
    """Hands the reply to whoever is still waiting: the webhook, or the later CS delivery."""

    def __init__(self, app: Flask, incoming: Incoming, claimed: Claim) -> None:
        self.app = app
        self.incoming = incoming
        self.claimed = claimed
        self._lock = threading.Lock()
        self._deferred = False

    def run(self) -> Reply:
        with self.app.app_context():
            reply = process(self.app, self.incoming, self.claimed)
            with self._lock:
                deferred = self._deferred
            if deferred:
                deliver_later(self.app, self.incoming.openid, reply, self.claimed.message_id)
            return reply

    def wait(self, budget: float) -> Reply | None:
        """The reply if ready within `budget` seconds, else None and the job delivers it itself.
        A budget of 0 means: always answer `success` now and send the reply as a customer-service message."""
        executor = get_services(self.app).executor
        if budget <= 0:
            self._deferred = True
            executor.submit(self.run)
            return None
        future = executor.submit(self.run)
        try:
            return future.result(timeout=budget)
        except FutureTimeout:
            with self._lock:
                if not future.done():
                    self._deferred = True
                    return None
            return future.result()


def process(app: Flask, incoming: Incoming, claimed: Claim) -> Reply:
    """Answer a claimed message: the reply and its record in one transaction, then the log line, then
    the volunteer answers that could not ride along (they go out once the transaction is committed)."""
    with session_scope(app) as db:
        user = load_user(db, incoming.openid, claimed.user_id)
        reply = reply_to(app, db, incoming, claimed, user)
        still_waiting = claimed.answers_waiting and deliver_waiting_answers(db, user, incoming, reply)
        record_reply(db, claimed, reply)
    log_reply(incoming, claimed, reply)
    if still_waiting:
        send_waiting_answers_later(app, incoming.openid)
    return reply


def reply_to(app: Flask, db: Session, incoming: Incoming, claimed: Claim, user: User) -> Reply:
    """The bot's reply: the flood notice past the family's rate, else what the handlers say."""
    services = get_services(app)
    return (throttle(db, incoming, claimed, int(app.config["XINGBAN_FAMILY_RATE"]))
            or services.dispatcher.dispatch(Context(incoming, user, Family(db, user), services)))


def record_reply(db: Session, claimed: Claim, reply: Reply) -> None:
    """Store what was answered on the claimed message row (inside the caller's transaction)."""
    stored = reply.text or (reply.articles[0]["title"] if reply.articles else "")
    # The ORM's bookkeeping runs before its UPDATE: flushing first keeps SQLite's single write lock
    # (taken by the first write) for just the two short statements and the commit.
    db.flush()
    db.connection().execute(_RECORD_REPLY, {
        "message_id": claimed.message_id, "r_intent": reply.intent, "r_confidence": reply.confidence,
        "r_outcome": reply.outcome, "r_text": stored})


def log_reply(incoming: Incoming, claimed: Claim, reply: Reply) -> None:
    if log.isEnabledFor(logging.INFO):  # the pseudonym is a keyed hash: only compute it when it is logged
        log.info("message %s user=%s intent=%s outcome=%s", claimed.message_id, pseudonym(incoming.openid),
                 reply.intent, reply.outcome)


def send_waiting_answers_later(app: Flask, openid: str) -> None:
    """Volunteer answers too long for the passive reply go out as customer-service messages, in the background."""
    services = get_services(app)
    services.executor.submit(send_pending_answers, app, openid, services.client)


def throttle(db: Session, incoming: Incoming, claimed: Claim, per_minute: int) -> Reply | None:
    """Beyond `per_minute` messages from one family, answer once politely and then `success`, opening no
    ticket: the messages stay stored (nothing is lost), only the bot's work is skipped. 0 = no limit."""
    if per_minute <= 0 or incoming.kind == "event":
        return None
    conn, since = db.connection(), utcnow() - timedelta(minutes=1)
    params = {"user_id": claimed.user_id, "since": since}
    if conn.execute(_RECENT, params).scalar_one() <= per_minute:
        return None
    told = conn.execute(_FLOOD_NOTICE_SENT, params).scalar()
    log.info("message %s throttled (over %s a minute)", claimed.message_id, per_minute)
    return Reply(text="" if told else say("flood"), outcome="throttled")


def deliver_waiting_answers(db: Session, user: User, incoming: Incoming, reply: Reply) -> bool:
    """Volunteer answers that waited for the 48 h window ride along this reply when they fit.

    Returns True when some are still waiting (too long for a passive reply): the caller sends them
    as customer-service messages once this transaction is committed."""
    if (incoming.kind == "event" and incoming.event == "unsubscribe") or reply.articles or user.id is None:
        return False
    if not has_pending_answers(db, user):  # the claim saw some, but a message alongside may have taken them
        return False
    budget = MAX_TEXT_BYTES - len(reply.text.encode("utf-8"))
    pending = take_pending_answers(db, user, budget_bytes=budget)
    if pending:
        reply.text = "\n\n".join([*pending, reply.text] if reply.text else pending)
    return has_pending_answers(db, user)


def deliver_later(app: Flask, openid: str, reply: Reply, message_id: int) -> None:
    """Send a slow answer as a customer-service message; record whether it went out."""
    from bot.wechat.client import WeChatSendError

    status = "deferred"
    text = reply.text or "\n".join(a.get("title", "") + " " + a.get("url", "") for a in reply.articles)
    if text:
        try:
            get_services(app).client.send_text(openid, text)
        except WeChatSendError as exc:
            status = "failed"
            log.warning("deferred reply %s not delivered: errcode=%s", message_id, exc.errcode)
    with session_scope(app) as db:
        row = db.get(Message, message_id)
        if row is not None:
            row.delivery = status
