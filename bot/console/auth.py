"""Console accounts: Argon2 passwords, a lockout counted in the database, and per-view role checks.

The lockout lives in `staff_users` (not in process memory) so it holds across gunicorn workers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import update
from sqlmodel import Session, select

from bot.accounts import ROLES, StaffUser
from bot.db import get_session
from bot.timeutil import utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))
F = TypeVar("F", bound=Callable[..., Any])


class LoginError(Exception):
    """Login refused; `locked` says whether to show the lockout message."""

    def __init__(self, locked: bool = False, known: bool = True) -> None:
        super().__init__("locked" if locked else "bad credentials")
        self.locked, self.known = locked, known


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_account(db: Session, name: str, role: str, password: str | None = None) -> tuple[StaffUser, str]:
    """A new account; returns it with its password (generated when not given). Does not commit."""
    name = name.strip()
    if role not in ROLES or not name or len(name) > 64:
        raise ValueError("role must be admin, staff or volunteer and the name 1-64 characters")
    if db.exec(select(StaffUser).where(StaffUser.name == name)).first() is not None:
        raise ValueError(f"account {name!r} already exists")
    password = password or generate_password()
    user = StaffUser(name=name, role=role, password_hash=hash_password(password))
    db.add(user)
    db.flush()
    return user, password


def set_password(db: Session, user: StaffUser, password: str) -> None:
    """New password; existing sessions of this account end (session_version). Does not commit."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    db.add(user)


def authenticate(db: Session, name: str, password: str, now: datetime | None = None) -> StaffUser:
    """The account if the password is right and it is not locked; else LoginError. Commits the counters."""
    now = now or utcnow()
    user = db.exec(select(StaffUser).where(StaffUser.name == name.strip())).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)  # same cost as a real check: no user enumeration by timing
        raise LoginError(known=user is not None)
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError(locked=True)
    if not _verify(user.password_hash, password):
        db.exec(update(StaffUser).where(StaffUser.id == user.id)  # type: ignore[call-overload]
                .values(failed_logins=StaffUser.failed_logins + 1))
        db.commit()
        db.refresh(user)
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + timedelta(minutes=LOCK_MINUTES), 0
            db.add(user)
            db.commit()
            raise LoginError(locked=True)
        raise LoginError()
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


def login_session(user: StaffUser) -> None:
    """A fresh session (no fixation): only the account id and its session version."""
    session.clear()
    session.permanent = True
    session["staff_id"], session["staff_v"] = user.id, user.session_version


def current_staff() -> StaffUser | None:
    """The logged-in account for this request, or None (also when deactivated or its password changed)."""
    if "staff" not in g:
        user = None
        staff_id = session.get("staff_id")
        if staff_id is not None:
            user = get_session().get(StaffUser, staff_id)
            if user is None or not user.active or user.session_version != session.get("staff_v"):
                user = None
        g.staff = user
    return g.staff


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
