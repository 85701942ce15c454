"""Families staff can recognise: a short label (the child's initials and class, say) kept on the family's
enrolments at a centre, so erasing the family erases the label with them. "家庭 #8" becomes "家庭 #8 · 小明 周六班"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, select

from bot.storage.classes import Enrolment, TrainingSession

MAX_LABEL = 40


def _centre_sessions(centre_id: int):  # type: ignore[no-untyped-def]
    return select(TrainingSession.id).where(TrainingSession.centre_id == centre_id)


def set_label(db: Session, user_id: int, centre_id: int, label: str) -> int:
    """Label the family on all its enrolments at this centre; returns how many rows now carry it."""
    result = db.exec(update(Enrolment).where(  # type: ignore[call-overload]
        Enrolment.user_id == user_id, Enrolment.session_id.in_(_centre_sessions(centre_id)),  # type: ignore[attr-defined]
    ).values(label=label.strip()[:MAX_LABEL]))
    return int(result.rowcount or 0)


def labels_for(db: Session, user_ids: Iterable[int], centre_id: int | None = None) -> dict[int, str]:
    """Each family's label (at `centre_id`, or anywhere), "" when it has none."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    stmt = select(Enrolment.user_id, Enrolment.label).where(
        Enrolment.user_id.in_(ids), Enrolment.label != "")  # type: ignore[attr-defined]
    if centre_id is not None:
        stmt = stmt.where(Enrolment.session_id.in_(_centre_sessions(centre_id)))  # type: ignore[attr-defined]
    return dict(db.exec(stmt.order_by(Enrolment.id)).all())


def find_labelled(db: Session, text: str, limit: int = 50) -> list[tuple[int, str, int]]:
    """(family id, label, centre id) for labels containing `text`, one line per family and centre."""
    rows = db.exec(select(Enrolment.user_id, Enrolment.label, TrainingSession.centre_id)
                   .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
                   .where(Enrolment.label.contains(text.strip(), autoescape=True))  # type: ignore[attr-defined]
                   .distinct().order_by(Enrolment.user_id).limit(limit)).all()
    return [(user_id, label, centre_id) for user_id, label, centre_id in rows]
