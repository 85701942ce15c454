"""Tickets: the queue (searchable, paged), one ticket with the family's conversation, claim, answer, release.

Volunteers answer them; staff and admins can help when volunteers are short."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, current_staff_id, require_role
from bot.console.blueprint import bp
from bot.console.simulated import is_simulated
from bot.console.ticket_list import AGES, TABS, TicketFilters, find_tickets
from bot.services import get_services
from bot.storage.accounts import StaffUser
from bot.storage.db import get_session
from bot.storage.models import Message, Ticket, User
from bot.tickets import (
    TicketError,
    answer_ticket,
    claim_ticket,
    release_ticket,
    ticket_visible,
    view_ticket,
)
from bot.timeutil import utcnow


def _hours() -> float:
    return float(current_app.config["XINGBAN_TICKET_OVERDUE_HOURS"])


def volunteer_scope() -> int | None:
    """A volunteer's id (they see the queue and their own tickets), None for staff and admins (all)."""
    staff = current_staff()
    return staff.id if staff is not None and staff.role == "volunteer" else None


def visible_ticket(ticket_id: int) -> Ticket:
    """The ticket, 404 when missing, 403 when it is another volunteer's."""
    ticket = get_session().get(Ticket, ticket_id) or abort(404)
    if not ticket_visible(ticket, volunteer_scope()):
        abort(403)
    return ticket


@bp.get("/tickets")
@require_role("volunteer", "staff")
def tickets() -> str:
    from bot.console.kb import region_choices

    db = get_session()
    filters = TicketFilters.from_args(request.args)
    now = utcnow()
    rows, more = find_tickets(db, filters, current_staff_id(), volunteer_scope(), _hours(), now)
    users = {u.id: u for u in db.exec(select(User).where(User.id.in_([t.user_id for t in rows]))).all()}  # type: ignore[union-attr]
    return render_template("console/tickets.html", views=[view_ticket(db, t, _hours(), now) for t in rows],
                           filters=filters, more=more, tabs=TABS, regions=region_choices(), ages=AGES,
                           helpers=helpers(),
                           child_age={t.id: child_age(users.get(t.user_id)) for t in rows})


def helpers() -> list[StaffUser]:
    """Accounts that can claim tickets, for the "claimed by" filter (staff and admins only: a volunteer
    sees the queue and their own tickets, so the filter would tell them nothing)."""
    if volunteer_scope() is not None:
        return []
    return list(get_session().exec(select(StaffUser).where(StaffUser.active == True)  # noqa: E712
                                   .order_by(StaffUser.name)).all())


def child_age(user: User | None) -> str:
    """"孩子 5 岁" when the family told the bot the child's age, else ""."""
    age = (user.profile or {}).get("age") if user else None
    return f"孩子 {age:g} 岁" if isinstance(age, int | float) and not isinstance(age, bool) else ""


def trigger_message(messages: list[Message], ticket: Ticket) -> int | None:
    """The id of the family's message that handed the question to a person (their last one before the ticket)."""
    before = [m.id for m in messages if m.created_at <= ticket.created_at and m.id is not None]
    return max(before) if before else None


@bp.get("/tickets/<int:ticket_id>")
@require_role("volunteer", "staff")
def ticket_detail(ticket_id: int) -> str:
    db = get_session()
    ticket = visible_ticket(ticket_id)
    record("ticket_view", target=f"ticket:{ticket_id}", detail=f"user:{ticket.user_id}")
    from bot.console.kb import intent_choices, region_choices, source_choices, source_texts

    view = view_ticket(db, ticket, _hours())
    return render_template("console/ticket.html", view=view, trigger=trigger_message(view.context, ticket),
                           simulated=is_simulated(db.get(User, ticket.user_id)), documents=source_choices(),
                           sources=source_texts(),
                           regions=region_choices(), intents=intent_choices())


@bp.post("/tickets/<int:ticket_id>/claim")
@require_role("volunteer", "staff")
def ticket_claim(ticket_id: int) -> Response:
    if claim_ticket(get_session(), ticket_id, current_staff_id()):
        record("ticket_claim", target=f"ticket:{ticket_id}")
        flash("已认领，请回复家长。", "ok")
    else:
        flash("这个工单已被其他志愿者认领或已处理。", "error")
    return redirect(url_for("console.ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/release")
@require_role("volunteer", "staff")
def ticket_release(ticket_id: int) -> Response:
    if release_ticket(get_session(), ticket_id, current_staff_id()):
        record("ticket_release", target=f"ticket:{ticket_id}")
        flash("已放回待认领队列。", "ok")
    return redirect(url_for("console.tickets"))


@bp.post("/tickets/<int:ticket_id>/answer")
@require_role("volunteer", "staff")
def ticket_answer(ticket_id: int) -> Response:
    db = get_session()
    try:
        answer = answer_ticket(db, ticket_id, current_staff_id(), request.form.get("text", ""),
                               get_services().client)
    except TicketError:
        flash("无法回复：工单不是由您认领，或回复内容为空/过长。", "error")
        return redirect(url_for("console.ticket_detail", ticket_id=ticket_id))
    record("ticket_answer", target=f"ticket:{ticket_id}", detail=f"answer:{answer.id} status:{answer.status}")
    if answer.status == "delivered":
        flash("回复已通过公众号客服消息发给家长。", "ok")
    else:
        flash("家长超过48小时没有留言，暂时无法发送；家长下次发消息时，回复会自动随机器人的回答一起送达。", "warn")
    return redirect(url_for("console.ticket_detail", ticket_id=ticket_id))
