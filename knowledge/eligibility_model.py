"""Data model of a policy's rules (loaded from knowledge/rules/<region>.yaml by eligibility_rules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.eligibility_conditions import Condition, Expr, Tri

AMOUNT_FIELDS = (
    "annual_cap_yuan", "monthly_cap_yuan", "transport_monthly_yuan", "transport_months_per_year", "years_limit",
)
# not_covered: the document does not speak about this family (e.g. an adult under a plan for children).
STATUSES = ("eligible", "not_eligible", "not_covered")


@dataclass(frozen=True)
class Source:
    document: str
    clause: str
    quote: str

    def label(self) -> str:
        return f"{self.document} {self.clause}".strip()


@dataclass(frozen=True)
class Note:
    text: str
    source: Source
    # Shown when the first condition holds and none of the others is known to be false, e.g.
    # [condition_diagnosis, not condition_sunshine_card]: the diagnosis qualifies and no card is known.
    when: Expr | None = None

    def shown(self, profile: Any) -> bool:
        if self.when is None:
            return True
        first, *rest = self.when.top_items()
        return first.evaluate(profile) is True and all(item.evaluate(profile) is not False for item in rest)


@dataclass(frozen=True)
class AmountCase:
    when: Expr | None
    value: float | None  # None: the document gives no sure figure for this case (the text says why)
    text: str
    source: Source
    from_day: dt.date | None = None  # the figure holds from this day (a task list's completion month)

    def applies(self, profile: Any) -> Tri:
        if self.from_day is not None and profile.today() < self.from_day:
            return False
        return True if self.when is None else self.when.evaluate(profile)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Expr
    status: str
    amounts: dict[str, tuple[AmountCase, ...]]
    notes: tuple[Note, ...]
    # Conditions the document sets that the parent is not asked (困境儿童, a designated diagnosing body…):
    # shown first as "前提：…", so an eligible answer is conditional where the text is.
    assumes: tuple[Note, ...] = ()


@dataclass
class Policy:
    region: str
    document: str
    title: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    validity_source: Source | None
    conditions: dict[str, Condition]
    rules: list[Rule]
    notes: tuple[Note, ...] = ()
    not_eligible_notes: tuple[Note, ...] = ()
    path: Path = field(default_factory=Path)

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)
