"""Let a family erase what we store ("删除我的信息").

Erasure leaves no trace of the family: its own rows are deleted, knowledge-base candidates drawn from its
tickets lose any text that is still the parent's, audit rows keep what was done but no longer say to which
family or ticket, and on SQLite the deleted text is overwritten in the file (secure_delete) and in the WAL
(a TRUNCATE checkpoint once the erasure is committed).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from sqlalchemy import or_, update
from sqlmodel import Session, delete, select

from bot.privacy import pseudonym
from bot.storage.db import checkpoint_after_commit
from bot.storage.models import Message, Ticket, User

ERASED = "(erased)"
# A candidate field sharing this many consecutive characters with one of the parent's messages is
# still the parent's words (volunteers paste the question); a rewritten question shares less.
SHARED_RUN = 6
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def erase_user(db: Session, openid: str) -> bool:
    """Delete everything stored about one family. Returns False when there was nothing. Does not commit;
    on SQLite the WAL is checkpointed right after the caller commits."""
    user = db.exec(select(User).where(User.openid == openid)).first()
    if user is None:
        return False
    ticket_ids = list(db.exec(select(Ticket.id).where(Ticket.user_id == user.id)).all())
    texts = [text for text in db.exec(select(Message.text).where(Message.user_id == user.id)).all() if text]
    forget_in_candidates(db, [t for t in ticket_ids if t is not None], texts)
    forget_in_audit(db, user.id or 0, [t for t in ticket_ids if t is not None], openid)
    for table in erasable_tables():
        db.exec(delete(table).where(table.user_id == user.id))  # type: ignore[attr-defined]
    db.delete(user)
    db.flush()
    checkpoint_after_commit(db)
    return True


def erasable_tables() -> list[type]:
    """Tables holding rows keyed by `user_id`; features with per-family rows add theirs here."""
    from bot.storage.accounts import TicketAnswer
    from bot.storage.classes import Enrolment, Reminder

    return [Message, TicketAnswer, Ticket, Reminder, Enrolment]


def forget_in_candidates(db: Session, ticket_ids: list[int], texts: list[str]) -> int:
    """Knowledge-base candidates proposed from the family's tickets lose the question or answer that is
    still the parent's wording (a draft again, so staff write it anew before it can be published); a
    candidate anywhere that quotes a whole message of the family loses it too. Returns how many changed."""
    from bot.storage.accounts import KbCandidate

    if not texts:
        return 0
    squashed = [s for s in (_squash(text) for text in texts) if len(s) >= 4]
    clauses = [KbCandidate.ticket_id.in_(ticket_ids)] if ticket_ids else []  # type: ignore[union-attr]
    clauses += [KbCandidate.question.contains(text, autoescape=True) for text in texts if len(_squash(text)) >= 8]  # type: ignore[attr-defined]
    if not clauses or not squashed:
        return 0
    changed = 0
    for candidate in db.exec(select(KbCandidate).where(or_(*clauses))).all():
        linked = candidate.ticket_id in ticket_ids
        touched = False
        for field in ("question", "answer"):
            if _parents_words(getattr(candidate, field), squashed, linked):
                setattr(candidate, field, "")
                touched = True
        if touched:
            candidate.status = "draft"
            db.add(candidate)
            changed += 1
    return changed


def _squash(text: str) -> str:
    return _NOISE.sub("", text).lower()


def _parents_words(value: str, squashed_texts: list[str], linked: bool) -> bool:
    """Whether `value` still carries one of the family's messages: for a candidate from its own ticket,
    a run of SHARED_RUN characters (or a whole short message); elsewhere only a whole message."""
    mine = _squash(value)
    if not mine:
        return False
    for text in squashed_texts:
        if text in mine or (linked and mine in text):
            return True
        if linked:
            match = SequenceMatcher(None, mine, text, autojunk=False).find_longest_match(
                0, len(mine), 0, len(text))
            if match.size >= min(SHARED_RUN, len(text)):
                return True
    return False


def forget_in_audit(db: Session, user_id: int, ticket_ids: list[int], openid: str) -> None:
    """Audit rows keep their action, actor and time, but no longer name the family or its tickets."""
    from bot.storage.accounts import AuditLog

    table = AuditLog.__table__  # type: ignore[attr-defined]
    for kind, targets in (("ticket", [f"ticket:{t}" for t in ticket_ids]),
                          ("family", [f"family:{pseudonym(openid)}"])):
        if targets:
            db.exec(update(table).where(table.c.target.in_(targets))
                    .values(target=f"{kind}:{ERASED}", detail=""))
    details = [f"user:{user_id}"] + [f"ticket:{t}" for t in ticket_ids]
    db.exec(update(table).where(table.c.detail.in_(details)).values(detail=""))
