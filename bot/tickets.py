"""Tickets from the volunteer's side: claim one, answer it, and get the answer to the parent.

WeChat lets us send a customer-service message only within 48 h of the parent's last message. Past that
(or when WeChat says 45015/45047) the answer waits (`pending`, ticket `waiting_parent`) and goes out with
the bot's next reply to that family: `bot.inbox.process` calls `take_pending_answers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Exists, bindparam, exists, update
from sqlmodel import Session, col, select

from bot.privacy import pseudonym
from bot.storage.accounts import TicketAnswer
from bot.storage.models import Message, Ticket, User
from bot.timeutil import utcnow
from bot.wechat.client import WeChatSendError
from bot.wechat.limits import CS_WINDOW
from bot.wording import say

log = logging.getLogger(__name__)
ACTIVE = ("open", "claimed", "sending", "waiting_parent")
MAX_ANSWER_CHARS = 1500


class TicketError(ValueError):
    """The ticket is not in a state that allows this action (someone else claimed it, already answered)."""


def format_answer(ticket_id: int | None, text: str) -> str:
    """How a volunteer's answer reads in WeChat: clearly from a person, with the ticket number."""
    return say("volunteer_answer", ticket=ticket_id, text=text.strip())


def window_open(user: User, now: datetime | None = None) -> bool:
    last = user.last_message_at
    return last is not None and (now or utcnow()) - last < CS_WINDOW


def claim_ticket(db: Session, ticket_id: int, staff_id: int) -> bool:
    """One statement, so two volunteers clicking at once cannot both win. Commits."""
    result = db.exec(update(Ticket).where(col(Ticket.id) == ticket_id, col(Ticket.status) == "open")
                     .values(status="claimed", claimed_by=staff_id))
    db.commit()
    return result.rowcount == 1


def release_ticket(db: Session, ticket_id: int, staff_id: int) -> bool:
    """Give a claimed ticket back to the queue (only its holder). Commits."""
    result = db.exec(update(Ticket).where(
        col(Ticket.id) == ticket_id, col(Ticket.status) == "claimed", col(Ticket.claimed_by) == staff_id,
    ).values(status="open", claimed_by=None))
    db.commit()
    return result.rowcount == 1


def answer_ticket(db: Session, ticket_id: int, staff_id: int, text: str, client: Any,
                  now: datetime | None = None) -> TicketAnswer:
    """Store the answer and send it now if the 48 h window is open; else it waits for the parent.

    Three steps with one job each: `start_answer` stores it (one commit, before anything is sent, so a
    double submit sends once), `send_answer` talks to WeChat outside any transaction (no lock is held
    across a network call), `finish_answer` records the outcome (one commit).
    """
    now, text = now or utcnow(), text.strip()
    answer, ticket, user = start_answer(db, ticket_id, staff_id, text, now)
    delivery = send_answer(client, ticket_id, text, user, now)
    finish_answer(db, answer, ticket, delivery)
    return answer


@dataclass(frozen=True)
class Delivery:
    """What became of one answer: delivered now, or pending with the reason it could not go."""

    status: str
    last_error: str | None
    channel: str | None = None
    delivered_at: datetime | None = None


def start_answer(db: Session, ticket_id: int, staff_id: int, text: str,
                 now: datetime) -> tuple[TicketAnswer, Ticket, User | None]:
    """Move the ticket claimed -> sending in one statement and store the answer row. Commits once.

    A second submit of the same answer finds nothing left to move and raises, so it never sends again."""
    text = text.strip()
    if not text or len(text) > MAX_ANSWER_CHARS:
        raise TicketError(f"answer must be 1-{MAX_ANSWER_CHARS} characters")
    moved = db.exec(update(Ticket).where(
        col(Ticket.id) == ticket_id, col(Ticket.status) == "claimed", col(Ticket.claimed_by) == staff_id,
    ).values(status="sending", answer=text, answered_at=now))
    if moved.rowcount != 1:
        db.rollback()
        raise TicketError("ticket is not claimed by you")
    ticket = db.get_one(Ticket, ticket_id)  # the UPDATE above just matched it
    db.refresh(ticket)
    user = db.get(User, ticket.user_id)
    answer = TicketAnswer(ticket_id=ticket_id, user_id=ticket.user_id, staff_id=staff_id, text=text, created_at=now)
    db.add(answer)
    db.commit()
    return answer, ticket, user


def send_answer(client: Any, ticket_id: int, text: str, user: User | None, now: datetime) -> Delivery:
    """Send the answer as a customer-service message if the family's 48 h window is open. Never writes to
    the database and never raises: a refusal or a failure leaves the answer pending for the parent's next
    message (a ticket is never left stuck in "sending")."""
    if user is None or not window_open(user, now):
        return Delivery("pending", "48小时窗口已关闭")
    try:
        client.send_text(user.openid, format_answer(ticket_id, text))
        return Delivery("delivered", None, "custom", now)
    except WeChatSendError as exc:
        log.warning("ticket %s answer not delivered to %s: errcode=%s", ticket_id,
                    pseudonym(user.openid), exc.errcode)
        return Delivery("pending", f"errcode={exc.errcode} {exc.action}"[:200])
    except Exception as exc:  # noqa: BLE001 - never leave the ticket stuck in "sending"
        log.warning("ticket %s answer not delivered: %s", ticket_id, type(exc).__name__)
        return Delivery("pending", type(exc).__name__[:200])


def finish_answer(db: Session, answer: TicketAnswer, ticket: Ticket, delivery: Delivery) -> None:
    """Record the outcome: the ticket is answered, or waits for the parent with its answer pending. Commits once."""
    answer.status, answer.last_error = delivery.status, delivery.last_error
    if delivery.status == "delivered":
        answer.channel, answer.delivered_at = delivery.channel, delivery.delivered_at
    ticket.status = "answered" if delivery.status == "delivered" else "waiting_parent"
    db.add_all([answer, ticket])
    db.commit()


def take_pending_answers(db: Session, user: User, now: datetime | None = None, budget_bytes: int | None = None,
                         channel: str = "reply") -> list[str]:
    """The waiting answers for this family, ready to prepend to the bot's reply; marks them delivered.

    Each row is taken with a conditional UPDATE, so two messages arriving together cannot both take it.
    With `budget_bytes`, only answers that fit are taken; the rest stay pending.
    Does not commit: the caller's transaction stores the reply and the delivery together.
    """
    return [text for _answer_id, _ticket_id, text in _take(db, user, now or utcnow(), budget_bytes, channel)]


def _take(db: Session, user: User, now: datetime, budget_bytes: int | None,
          channel: str) -> list[tuple[int, int, str]]:
    rows = db.exec(select(TicketAnswer).where(TicketAnswer.user_id == user.id, TicketAnswer.status == "pending")
                   .order_by(TicketAnswer.id)).all()  # type: ignore[arg-type]
    taken_rows: list[tuple[int, int, str]] = []
    used = 0
    for row in rows:
        text = format_answer(row.ticket_id, row.text)
        if budget_bytes is not None and used + len(text.encode("utf-8")) + 2 > budget_bytes:
            continue
        taken = db.exec(update(TicketAnswer).where(
            col(TicketAnswer.id) == row.id, col(TicketAnswer.status) == "pending",
        ).values(status="delivered", channel=channel, delivered_at=now, last_error=None))
        if taken.rowcount != 1:
            continue
        db.exec(update(Ticket).where(col(Ticket.id) == row.ticket_id, col(Ticket.status) == "waiting_parent")
                .values(status="answered"))
        taken_rows.append((row.id or 0, row.ticket_id, text))
        used += len(text.encode("utf-8")) + 2
    return taken_rows


def answers_waiting_for(user_id: Any) -> Exists:
    """SQL: volunteer answers are waiting for this family (a column or a bind parameter)."""
    answers = TicketAnswer.__table__  # type: ignore[attr-defined]
    return exists().where(answers.c.user_id == user_id, answers.c.status == "pending")


_ANSWERS_WAITING = select(answers_waiting_for(bindparam("user_id")))


def has_pending_answers(db: Session, user: User) -> bool:
    """Plain SQL Core on the session's connection (no ORM round trip)."""
    return bool(db.connection().execute(_ANSWERS_WAITING, {"user_id": user.id}).scalar())


def send_pending_answers(app: Any, openid: str, client: Any) -> int:
    """Answers too long to ride along a passive reply go out as customer-service messages (the parent
    just wrote, so the 48 h window is open). Taken and committed first, sent outside any transaction,
    and put back to pending if WeChat refuses them."""
    from bot.storage.db import session_scope

    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == openid)).first()
        taken = _take(db, user, utcnow(), None, "custom") if user is not None else []
    if not taken:
        return 0
    try:
        client.send_text(openid, "\n\n".join(text for _a, _t, text in taken))
        return len(taken)
    except WeChatSendError as exc:
        log.warning("waiting answers not delivered to %s: errcode=%s", pseudonym(openid), exc.errcode)
        with session_scope(app) as db:
            for answer_id, ticket_id, _text in taken:
                db.exec(update(TicketAnswer).where(col(TicketAnswer.id) == answer_id)
                        .values(status="pending", channel=None, delivered_at=None,
                                last_error=f"errcode={exc.errcode}"[:200]))
                db.exec(update(Ticket).where(col(Ticket.id) == ticket_id)
                        .values(status="waiting_parent"))
        return 0


def overdue_tickets(db: Session, hours: float, now: datetime | None = None) -> list[Ticket]:
    """Open (unclaimed) tickets older than `hours`, oldest first."""
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    stmt = select(Ticket).where(col(Ticket.status) == "open", col(Ticket.created_at) < cutoff).order_by(col(Ticket.created_at))
    return list(db.exec(stmt).all())


@dataclass
class TicketView:
    """A ticket as the volunteer sees it: the family's recent conversation and whether it is late."""

    ticket: Ticket
    context: list[Message]
    overdue: bool
    window_open: bool
    answers: list[TicketAnswer]


def ticket_context(db: Session, user_id: int, limit: int = 10) -> list[Message]:
    """The family's last `limit` messages, oldest first (text in, the bot's reply out)."""
    rows = db.exec(select(Message).where(Message.user_id == user_id)
                   .order_by(Message.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    return list(reversed(rows))


def view_ticket(db: Session, ticket: Ticket, hours: float, now: datetime | None = None) -> TicketView:
    now = now or utcnow()
    user = db.get(User, ticket.user_id)
    answers = db.exec(select(TicketAnswer).where(TicketAnswer.ticket_id == ticket.id)
                      .order_by(TicketAnswer.id)).all()  # type: ignore[arg-type]
    late = ticket.status == "open" and now - ticket.created_at > timedelta(hours=hours)
    return TicketView(ticket, ticket_context(db, ticket.user_id), late,
                      user is not None and window_open(user, now), list(answers))


def open_tickets_with_context(db: Session, hours: float, statuses: tuple[str, ...] = ACTIVE,
                              now: datetime | None = None, limit: int = 100,
                              visible_to: int | None = None) -> list[TicketView]:
    """Active tickets, oldest first, each with the family's last 10 messages. With `visible_to` (a
    volunteer's id) only the unclaimed queue and that volunteer's own tickets."""
    stmt = (select(Ticket).where(Ticket.status.in_(statuses))  # type: ignore[attr-defined]
            .order_by(col(Ticket.created_at)).limit(limit))
    if visible_to is not None:
        stmt = stmt.where(visible_clause(visible_to))
    return [view_ticket(db, ticket, hours, now) for ticket in db.exec(stmt).all()]


def visible_clause(staff_id: int) -> Any:
    """SQL: the tickets a volunteer may read: the unclaimed queue and those they claimed themselves.
    A family's conversation is shown only to the person who took it on (staff and admins see all)."""
    return (Ticket.status == "open") | (Ticket.claimed_by == staff_id)


def ticket_visible(ticket: Ticket, staff_id: int | None) -> bool:
    """`visible_clause` for one loaded ticket (`staff_id` None = staff or admin: everything)."""
    return staff_id is None or ticket.status == "open" or ticket.claimed_by == staff_id
