"""Families staff can recognise: a short label (the child's initials and class, say) kept on the family's
enrolments at a centre, so erasing the family erases the label with them. "家庭 #8" becomes "家庭 #8 · 小明 周六班"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.storage.classes import Enrolment, TrainingSession

MAX_LABEL = 40


def _centre_sessions(centre_id: int) -> SelectOfScalar[int | None]:
    return select(col(TrainingSession.id)).where(col(TrainingSession.centre_id) == centre_id)


def set_label(db: Session, user_id: int, centre_id: int, label: str) -> int:
    """Label the family on all its enrolments at this centre; returns how many rows now carry it."""
    result = db.exec(update(Enrolment).where(
        col(Enrolment.user_id) == user_id, col(Enrolment.session_id).in_(_centre_sessions(centre_id)),
    ).values(label=label.strip()[:MAX_LABEL]))
    return int(result.rowcount or 0)


def labels_for(db: Session, user_ids: Iterable[int], centre_id: int | None = None) -> dict[int, str]:
    """Each family's label (at `centre_id`, or anywhere), "" when it has none."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    stmt = select(Enrolment.user_id, Enrolment.label).where(col(Enrolment.user_id).in_(ids), col(Enrolment.label) != "")
    if centre_id is not None:
        stmt = stmt.where(col(Enrolment.session_id).in_(_centre_sessions(centre_id)))
    return dict(db.exec(stmt.order_by(col(Enrolment.id))).all())


def find_labelled(db: Session, text: str, limit: int = 50) -> list[tuple[int, str, int]]:
    """(family id, label, centre id) for labels containing `text`, one line per family and centre."""
    rows = db.exec(select(Enrolment.user_id, Enrolment.label, TrainingSession.centre_id)
                   .join(TrainingSession, col(TrainingSession.id) == col(Enrolment.session_id))
                   .where(col(Enrolment.label).contains(text.strip(), autoescape=True))
                   .distinct().order_by(col(Enrolment.user_id)).limit(limit)).all()
    return [(user_id, label, centre_id) for user_id, label, centre_id in rows]
