"""Centre-scoped staff: a staff account assigned to centres sees and changes only those centres' classes,
families, pushes and exports. Admins, and staff not yet assigned to any centre, see every centre."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import true
from sqlmodel import select

from bot.console.auth import current_staff
from bot.storage.accounts import StaffCentre
from bot.storage.classes import TrainingSession
from bot.storage.db import get_session


def my_centres() -> set[int] | None:
    """The centre ids the logged-in account may see, or None for all of them."""
    staff = current_staff()
    if staff is None or staff.role == "admin":
        return None
    ids = set(get_session().exec(select(StaffCentre.centre_id).where(StaffCentre.staff_id == staff.id)).all())
    return ids or None


def in_my_centres(column: Any) -> Any:
    """SQL: `column` (a centre id) is one of mine (always true when I see all)."""
    ids = my_centres()
    return true() if ids is None else column.in_(ids)


def require_centre(centre_id: int | None) -> None:
    """403 unless the account may see this centre."""
    ids = my_centres()
    if ids is not None and centre_id not in ids:
        abort(403)


def my_class(session_id: int) -> TrainingSession:
    """The class, 404 when missing, 403 when it belongs to a centre the account does not work for."""
    row = get_session().get(TrainingSession, session_id) or abort(404)
    require_centre(row.centre_id)
    return row
