"""Named conditions and their three-valued combination (True / False / None = unknown)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Tri = bool | None  # None: depends on a fact the parent has not told us yet


@dataclass(frozen=True)
class Condition:
    """One named test on one profile field, e.g. condition_age_0_6 (age in completed years 0..6)."""

    name: str
    field: str
    text: str
    params: dict[str, Any]
    source: Any  # eligibility_rules.Source
    if_not: str = ""  # what would change it, shown when the condition fails ("满 1 年后可以申请")
    definition: str = ""  # a word the document uses without a number, read as this threshold
    text_not: str = ""  # the document's wording when a rule needs the condition not to hold

    @property
    def fields(self) -> tuple[str, ...]:
        """Profile fields the condition reads: `since_age` also needs the child's age."""
        return (self.field, "age") if "since_age" in self.params else (self.field,)

    def unknown_fields(self, profile: Any) -> list[str]:
        return [f for f in self.fields if profile.get(f) is None] if self.evaluate(profile) is None else []

    def evaluate(self, profile: Any) -> Tri:
        if "since_age" in self.params:
            return self._since_age(profile)
        value = profile.get(self.field)
        if value is None:
            # `assumed`: a condition the bot never asks (the rule states it as 前提): it holds until the parent
            # says otherwise ("医院评估说不具备康复指征"), then it decides like any other.
            return True if self.params.get("assumed") else None
        return self._test(value)

    def _since_age(self, profile: Any) -> Tri:
        """Years of `field` (years aided) that fell at or after `since_age`: the 5-year limit written on the
        7—17 tier counts only years after the 7th birthday, which can be no more than age − 7 (aid assumed
        continuous). Decided from the age alone when age − 7 already settles the threshold."""
        years, age = profile.get(self.field), profile.get("age")
        bound = None if age is None else max(0.0, age - self.params["since_age"])
        if years is not None and bound is not None:
            return self._test(min(years, bound))
        known = years if bound is None else bound  # an upper bound of the counted years
        if known is None:
            return None
        if "under" in self.params and known < self.params["under"]:
            return True
        if "at_least" in self.params and known < self.params["at_least"]:
            return False
        return None

    def _test(self, value: Any) -> bool:
        p = self.params
        ok = True
        if "equals" in p:
            ok = ok and value == p["equals"]
        if "in" in p:
            ok = ok and value in p["in"]
        if "min_years" in p:  # "7—17 岁": completed years, so 17.9 is still 17
            ok = ok and math.floor(value) >= p["min_years"]
        if "max_years" in p:
            ok = ok and math.floor(value) <= p["max_years"]
        if "under" in p:  # "未满7周岁"
            ok = ok and value < p["under"]
        if "at_least" in p:  # "满 5 年", "连续满1年以上"
            ok = ok and value >= p["at_least"]
        return bool(ok)

    def probe_values(self) -> list[Any]:
        """Values of the field on either side of every threshold (for choosing the next question)."""
        p = self.params
        out: list[Any] = []
        if "min_years" in p:
            out += [p["min_years"] - 1, p["min_years"]]
        if "max_years" in p:
            out += [p["max_years"], p["max_years"] + 1]
        for key in ("under", "at_least"):
            if key in p:
                out += [p[key] - 0.5, p[key]]
        return [v for v in out if v >= 0]


def tri_and(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def tri_or(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


@dataclass(frozen=True)
class Expr:
    """`cond` (a named condition), `not`, `all` or `any` over children."""

    op: str
    condition: Condition | None = None
    children: tuple[Expr, ...] = ()

    def evaluate(self, profile: Any) -> Tri:
        if self.op == "cond":
            assert self.condition is not None
            return self.condition.evaluate(profile)
        if self.op == "not":
            v = self.children[0].evaluate(profile)
            return None if v is None else not v
        values = (c.evaluate(profile) for c in self.children)
        return tri_and(values) if self.op == "all" else tri_or(values)

    def conditions(self) -> Iterator[Condition]:
        if self.condition is not None:
            yield self.condition
        for child in self.children:
            yield from child.conditions()

    def unknown_fields(self, profile: Any) -> list[str]:
        """Fields of the conditions that still decide this expression (skips decided branches)."""
        if self.evaluate(profile) is not None:
            return []
        if self.op == "cond":
            assert self.condition is not None
            return self.condition.unknown_fields(profile)
        out: list[str] = []
        for child in self.children:
            out += child.unknown_fields(profile)
        return out

    def describe(self) -> str:
        if self.op == "cond":
            assert self.condition is not None
            return self.condition.text
        if self.op == "not":
            return self.negated_text or f"不属于“{self.children[0].describe()}”"
        return ("或" if self.op == "any" else "、").join(c.describe() for c in self.children)

    @property
    def negated_text(self) -> str:
        """For `not <condition>`: the document's own wording of it ("不具备义务教育入学条件"), if the rules give it."""
        inner = self.children[0] if self.op == "not" and self.children else None
        return inner.condition.text_not if inner is not None and inner.op == "cond" and inner.condition else ""

    def sources(self) -> list[Any]:
        return [c.source for c in self.conditions()]

    def top_items(self) -> tuple[Expr, ...]:
        return self.children if self.op == "all" else (self,)


def parse_expr(node: Any, conditions: dict[str, Condition]) -> Expr:
    """`[a, "not b", {any: [c, d]}]` -> all(a, not b, any(c, d))."""
    if isinstance(node, list):
        if not node:
            raise ValueError("empty condition list")
        return Expr("all", children=tuple(parse_expr(n, conditions) for n in node))
    if isinstance(node, str):
        name = node.strip()
        if name.startswith("not "):
            return Expr("not", children=(parse_expr(name[4:], conditions),))
        if name not in conditions:
            raise ValueError(f"unknown condition {name!r}")
        return Expr("cond", condition=conditions[name])
    if isinstance(node, dict) and len(node) == 1:
        (op, items), = node.items()
        if op in ("any", "all") and isinstance(items, list) and items:
            return Expr(op, children=tuple(parse_expr(n, conditions) for n in items))
    raise ValueError(f"expected a condition name, 'not <name>', or {{any|all: [...]}}; got {node!r}")
