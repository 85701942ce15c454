"""The ticket queue as volunteers search it: tabs by state, text, region, "my tickets", overdue, paging.

The simulator's practice tickets are never in the real tabs; they have their own tab (模拟器练习).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from bot.console.simulated import real_families, simulated_user_ids
from bot.storage.models import Message, Ticket, User
from bot.tickets import ACTIVE, visible_clause

PAGE_SIZE = 30
# The child's age as the family told the bot (profile "age", in years): bands volunteers think in.
AGES = {"0-3": ("0–3 岁", 0.0, 4.0), "4-6": ("4–6 岁", 4.0, 7.0), "7-": ("7 岁及以上", 7.0, 99.0)}
TABS = {"active": ("全部未完成", ACTIVE), "open": ("待认领", ("open",)), "claimed": ("处理中", ("claimed", "sending")),
        "waiting": ("等待家长", ("waiting_parent",)), "answered": ("已回复", ("answered", "closed")),
        "simulated": ("模拟器练习", ACTIVE + ("answered", "closed"))}


@dataclass(frozen=True)
class TicketFilters:
    """What the list shows; built from the query string, and turned back into one for links."""

    tab: str = "active"
    text: str = ""
    region: str = ""
    age: str = ""
    mine: bool = False
    claimed_by: int | None = None
    overdue: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> TicketFilters:
        tab = args.get("status", "active")
        page = args.get("page", "1")
        return cls(tab=tab if tab in TABS else "active", text=args.get("q", "").strip()[:50],
                   region=args.get("region", "")[:16], age=args.get("age", "") if args.get("age") in AGES else "",
                   mine=args.get("mine") == "1",
                   claimed_by=int(args["by"]) if args.get("by", "").isdigit() else None,
                   overdue=args.get("overdue") == "1", page=max(int(page), 1) if page.isdigit() else 1)

    def query(self, **change: Any) -> dict[str, Any]:
        """Query-string values for a link to this list with `change` applied (empty values left out)."""
        filters = replace(self, **change)
        values = {"status": filters.tab, "q": filters.text, "region": filters.region, "age": filters.age,
                  "mine": "1" if filters.mine else "", "by": filters.claimed_by or "", "overdue": "1" if filters.overdue else "",
                  "page": filters.page if filters.page > 1 else ""}
        return {key: value for key, value in values.items() if value}

    @property
    def narrowed(self) -> bool:
        return bool(self.text or self.region or self.age or self.mine or self.claimed_by or self.overdue)


def find_tickets(db: Session, filters: TicketFilters, staff_id: int, volunteer_scope: int | None,
                 overdue_hours: float, now: datetime) -> tuple[list[Ticket], bool]:
    """One page of tickets (and whether there is a next page). `volunteer_scope` is a volunteer's id:
    they see the unclaimed queue and their own tickets only."""
    stmt = select(Ticket).where(Ticket.status.in_(TABS[filters.tab][1]))  # type: ignore[attr-defined]
    if filters.tab == "simulated":
        stmt = stmt.where(Ticket.user_id.in_(simulated_user_ids()))  # type: ignore[attr-defined]
    else:
        stmt = stmt.where(real_families(Ticket.user_id))
    if volunteer_scope is not None:
        stmt = stmt.where(visible_clause(volunteer_scope))
    if filters.mine:
        stmt = stmt.where(Ticket.claimed_by == staff_id)
    if filters.claimed_by is not None:
        stmt = stmt.where(Ticket.claimed_by == filters.claimed_by)
    if filters.region:
        stmt = stmt.where(Ticket.region == filters.region)
    if filters.age:
        _label, low, high = AGES[filters.age]
        age = col(User.profile)["age"].as_float()
        stmt = stmt.where(col(Ticket.user_id).in_(select(col(User.id)).where(age >= low, age < high)))
    if filters.overdue:
        stmt = stmt.where(Ticket.status == "open", Ticket.created_at < now - timedelta(hours=overdue_hours))
    if filters.text:
        stmt = stmt.where(_matches(filters.text))
    if filters.tab in ("answered", "simulated"):
        stmt = stmt.order_by(col(Ticket.id).desc())
    else:
        stmt = stmt.order_by(col(Ticket.created_at), col(Ticket.id))
    rows = list(db.exec(stmt.offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _matches(text: str) -> Any:
    """A ticket number ("12", "#12"), or words in the family's messages or the volunteer's answer."""
    number = text.lstrip("#")
    said = exists().where(col(Message.user_id) == col(Ticket.user_id), col(Message.text).contains(text, autoescape=True))
    clauses = [said, col(Ticket.answer).contains(text, autoescape=True)]
    if number.isdigit():
        clauses.append(col(Ticket.id) == int(number))
    return or_(*clauses)
