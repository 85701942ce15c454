"""Data model of a policy's rules (loaded from knowledge/rules/<region>.yaml by eligibility_rules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.eligibility_conditions import Condition, Expr

AMOUNT_FIELDS = (
    "annual_cap_yuan", "monthly_cap_yuan", "transport_monthly_yuan", "transport_months_per_year", "years_limit",
)
STATUSES = ("eligible", "not_eligible")


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


@dataclass(frozen=True)
class AmountCase:
    when: Expr | None
    value: float
    text: str
    source: Source


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Expr
    status: str
    amounts: dict[str, tuple[AmountCase, ...]]
    notes: tuple[Note, ...]


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
