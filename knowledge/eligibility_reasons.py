"""Human-readable reasons (with citations) for an eligibility decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.eligibility_conditions import Expr
from knowledge.eligibility_model import AMOUNT_FIELDS, Policy, Rule


@dataclass(frozen=True)
class Reason:
    text: str
    source: str  # e.g. "綦残联发〔2025〕7号 附件 任务清单 第3项"
    quote: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "source": self.source, "quote": self.quote}


def reason_from(text: str, source: Any) -> Reason:
    if source is None:
        return Reason(text, "")
    return Reason(text, source.label(), source.quote)


def _first_source(item: Expr, profile: Any, want: bool | None = None) -> Any:
    conds = list(item.conditions())
    for cond in conds:
        if want is None or cond.evaluate(profile) is want:
            return cond.source
    return conds[0].source


def _item_reason(item: Expr, value: bool, status: str, profile: Any) -> Reason:
    inner = item.children[0] if item.op == "not" else None
    if status == "eligible" and value:
        if inner is not None:
            return reason_from(f"符合：没有“{inner.describe()}”的情况", _first_source(item, profile))
        if item.op == "any":  # name the alternatives that actually hold
            held = [c for c in item.children if c.evaluate(profile)]
            return reason_from("符合：" + "、".join(c.describe() for c in held), _first_source(held[0], profile))
        return reason_from(f"符合：{item.describe()}", _first_source(item, profile))
    if inner is not None:  # "not X" that holds on a not-eligible rule, or fails on an eligible one
        text = f"不符合：{inner.describe()}" if value else f"因为{inner.describe()}，不符合条件"
        return reason_from(text, _first_source(item, profile))
    if value:
        return reason_from(item.describe(), _first_source(item, profile, True))
    return reason_from(f"不符合：{item.describe()}", _first_source(item, profile, False))


def decided_reasons(policy: Policy, rule: Rule | None, profile: Any) -> list[Reason]:
    if rule is None:
        rule, values = _closest_rule(policy, profile)
        reasons = [_item_reason(item, False, rule.status, profile)
                   for item, v in zip(rule.when.top_items(), values, strict=True) if v is False]
        return reasons + [reason_from(n.text, n.source) for n in policy.not_eligible_notes]
    reasons = [_item_reason(item, True, rule.status, profile) for item in rule.when.top_items()]
    for key in AMOUNT_FIELDS:
        for case in rule.amounts.get(key, ()):
            if case.when is None or case.when.evaluate(profile):
                reasons.append(reason_from(case.text, case.source))
                break
    reasons += [reason_from(n.text, n.source) for n in rule.notes]
    extra = policy.notes if rule.status == "eligible" else policy.not_eligible_notes
    return reasons + [reason_from(n.text, n.source) for n in extra]


def _closest_rule(policy: Policy, profile: Any) -> tuple[Rule, list]:
    """The eligible rule that came nearest: fewest failed conditions, then most satisfied ones."""
    best = None
    for index, rule in enumerate(r for r in policy.rules if r.status == "eligible"):
        values = [item.evaluate(profile) for item in rule.when.top_items()]
        score = (values.count(False), -values.count(True), index)
        if best is None or score < best[0]:
            best = (score, rule, values)
    return best[1], best[2]
