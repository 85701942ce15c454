"""Console accounts: Argon2 passwords, server-side sessions, password rules and per-view role checks.

There is no account-wide lockout (an attacker could keep the admin locked out with it): failed logins are
slowed per (account, address) and per address by `bot.console.throttle`, before any hash is computed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, has_request_context, redirect, request, session, url_for
from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.storage.accounts import ROLES, StaffSession, StaffUser
from bot.storage.db import get_session
from bot.timeutil import utcnow

MIN_PASSWORD = 12
MIN_DISTINCT = 6
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))
F = TypeVar("F", bound=Callable[..., Any])
# Words people build passwords from; a password that is one of them plus digits or symbols is refused.
COMMON_WORDS = frozenset("""
password passw0rd passwd pass admin administrator root user login welcome letmein iloveyou love monkey
dragon sunshine princess football baseball master shadow superman batman trustno qwerty qwertz azerty
asdf zxcv abc abcd abcdef test guest secret changeme default xingban wechat weixin woaini wangwang
nihao zhongguo china beijing shanghai aini baobei mima volunteer staff console
""".split())
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "0123456789", "1qaz2wsx3edc4rfv")


class LoginError(Exception):
    """Login refused. `known` (the name is an active account) is for the audit trail only: the page
    the client gets is the same either way."""

    def __init__(self, known: bool = True) -> None:
        super().__init__("bad credentials")
        self.known = known


def password_problem(password: str, name: str = "") -> str:
    """Why `password` is too weak for a console account, in one line, or "" when it is acceptable.

    Console accounts can read families' conversations: refuse the passwords an attacker tries first
    (short, few different characters, a keyboard or alphabet run, a common word plus digits, the name)."""
    if len(password) < MIN_PASSWORD:
        return f"password must be at least {MIN_PASSWORD} characters"
    lowered = password.lower()
    name = name.strip().lower()
    name_parts = [part for part in re.split(r"[\W_]+", name) if len(part) >= 4]
    if (len(name) >= 3 and name in lowered) or lowered in name or any(part in lowered for part in name_parts):
        return "password must not contain the account name"
    if len(set(lowered)) < MIN_DISTINCT:
        return f"password must have at least {MIN_DISTINCT} different characters"
    if any(text in run * 2 for run in _RUNS for text in (lowered, lowered[::-1])):
        return "password must not be a keyboard or alphabet sequence"
    core = re.sub(r"[^a-z]", "", lowered)
    if not core or core in COMMON_WORDS or any(core in run for run in _RUNS) or _repeats(core):
        return "password is too common (a common word, sequence or only digits and symbols)"
    return ""


def _repeats(text: str) -> bool:
    """True for a repeated chunk ("abcabcabc")."""
    return any(len(text) % size == 0 and text[:size] * (len(text) // size) == text
               for size in range(1, len(text) // 2 + 1))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def generate_password(name: str = "") -> str:
    """A random password that passes `password_problem` for account `name` (a random one may spell "demo")."""
    while True:
        password = secrets.token_urlsafe(12)
        if not password_problem(password, name):
            return password


def create_account(db: Session, name: str, role: str, password: str | None = None) -> tuple[StaffUser, str]:
    """A new account; returns it with its password (generated when not given). Does not commit."""
    name = name.strip()
    if role not in ROLES or not name or len(name) > 64:
        raise ValueError("role must be admin, staff or volunteer and the name 1-64 characters")
    if db.exec(select(StaffUser).where(StaffUser.name == name)).first() is not None:
        raise ValueError(f"account {name!r} already exists")
    if password is not None and (problem := password_problem(password, name)):
        raise ValueError(problem)
    password = password or generate_password(name)
    user = StaffUser(name=name, role=role, password_hash=hash_password(password))
    db.add(user)
    db.flush()
    return user, password


def set_password(db: Session, user: StaffUser, password: str) -> None:
    """New password; existing sessions of this account end (session_version). Does not commit."""
    if problem := password_problem(password, user.name):
        raise ValueError(problem)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    db.add(user)
    db.exec(delete(StaffSession).where(col(StaffSession.staff_id) == user.id))


def authenticate(db: Session, name: str, password: str, now: datetime | None = None) -> StaffUser:
    """The account if the password is right; else LoginError. Unknown, deactivated and wrong-password
    logins cost the same (one Argon2 check, no write) so neither timing nor the page tells them apart."""
    now = now or utcnow()
    user = db.exec(select(StaffUser).where(StaffUser.name == name.strip())).first()
    known = user is not None and user.active
    if not _verify(user.password_hash if known else _DUMMY_HASH, password) or not known:  # type: ignore[union-attr]
        raise LoginError(known=known)
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.add(user)
    db.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login_session(user: StaffUser) -> None:
    """A fresh session (no fixation), recorded server-side: the cookie holds the account id, its session
    version and a random token whose hash is a `staff_sessions` row. Logout deletes the row, so a cookie
    copied before logout opens nothing afterwards. Commits."""
    db = get_session()
    now = utcnow()
    db.exec(delete(StaffSession).where(col(StaffSession.expires_at) < now))
    token = secrets.token_urlsafe(32)
    db.add(StaffSession(id=_token_id(token), staff_id=user.id or 0, created_at=now,
                        expires_at=now + current_app.permanent_session_lifetime))
    db.commit()
    session.clear()
    session.permanent = True
    session["staff_id"], session["staff_v"], session["sid"] = user.id, user.session_version, token


def end_session() -> None:
    """Logout: the server forgets this session (its row), then the cookie is cleared. Commits."""
    token = session.get("sid")
    if isinstance(token, str):
        db = get_session()
        db.exec(delete(StaffSession).where(col(StaffSession.id) == _token_id(token)))
        db.commit()
    session.clear()


def current_staff() -> StaffUser | None:
    """The logged-in account for this request, or None: also when its session was ended (logout),
    expired, the account deactivated or its password changed."""
    if "staff" not in g:
        g.staff = _session_user() if has_request_context() else None
    staff: StaffUser | None = g.staff
    return staff


def current_staff_id() -> int:
    """The logged-in account's id, in a view that `require_role` already guards (so there is one)."""
    staff = current_staff()
    if staff is None or staff.id is None:
        raise RuntimeError("no logged-in account: is the view guarded by require_role?")
    return staff.id


def _session_user() -> StaffUser | None:
    staff_id, token = session.get("staff_id"), session.get("sid")
    if staff_id is None or not isinstance(token, str):
        return None
    db = get_session()
    row = db.get(StaffSession, _token_id(token))
    if row is None or row.staff_id != staff_id or row.expires_at <= utcnow():
        return None
    user = db.get(StaffUser, staff_id)
    if user is None or not user.active or user.session_version != session.get("staff_v"):
        return None
    return user


def has_role(user: StaffUser | None, *roles: str) -> bool:
    return user is not None and (user.role == "admin" or user.role in roles)


def require_role(*roles: str) -> Callable[[F], F]:
    """Anonymous -> login page; logged in without one of `roles` (admin always passes) -> 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if not has_role(user, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]  # lets a test check every view is guarded
        return wrapper  # type: ignore[return-value]

    return decorate
