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


def _fixes(expr: Expr, profile: Any) -> list[Reason]:
    """What would change a failed condition (its `if_not`: a certificate, a diagnosis by the designated body…),
    one line each, cited like the condition."""
    conditions = {c.name: c for c in expr.conditions()}.values()
    return [reason_from(c.if_not, c.source) for c in conditions if c.if_not and c.evaluate(profile) is not True]


def _item_reason(item: Expr, value: bool, status: str, profile: Any) -> Reason:
    inner = item.children[0] if item.op == "not" else None
    if status == "eligible" and value:
        if inner is not None:
            said = item.negated_text or f"没有“{inner.describe()}”的情况"
            return reason_from(f"符合：{said}", _first_source(item, profile))
        if item.op == "any":  # name the alternatives that actually hold
            held = [c for c in item.children if c.evaluate(profile)]
            return reason_from("符合：" + "、".join(c.describe() for c in held), _first_source(held[0], profile))
        return reason_from(f"符合：{item.describe()}", _first_source(item, profile))
    if inner is not None:  # "not X" that holds on a not-eligible rule, or fails on an eligible one
        if value:
            text = f"不符合：{inner.describe()}"
        else:  # the rule needs "not X" and X holds: name what it needs, in the document's words when given
            text = f"不符合：{item.negated_text}" if item.negated_text else f"因为{inner.describe()}，不符合条件"
        return reason_from(text, _first_source(item, profile))
    if value:
        return reason_from(item.describe(), _first_source(item, profile, True))
    return reason_from(f"不符合：{item.describe()}", _first_source(item, profile, False))


def _failure(item: Expr, value: bool, status: str, profile: Any) -> list[Reason]:
    """The failed condition with its clause, then what would change it."""
    inner = item.children[0] if item.op == "not" and value else item
    return [_item_reason(item, value, status, profile), *_fixes(inner, profile)]


def _notes(notes: Any, prefix: str = "", profile: Any = None) -> list[Reason]:
    return [reason_from(prefix + n.text, n.source) for n in notes if profile is None or n.shown(profile)]


def _cases(rule: Rule, key: str, profile: Any) -> list[Any]:
    """The amount case that applies; while a fact is unknown, every case still possible."""
    out = []
    for case in rule.amounts.get(key, ()):
        hit = case.applies(profile)
        if hit is False:
            continue
        out.append(case)
        if hit:
            break
    return out


def _amounts(rule: Rule, profile: Any, open_first: bool) -> tuple[list[Reason], list[Reason]]:
    """(amounts still open: each possible case, e.g. 困难家庭 500 元 / 其他家庭 300 元; amounts that are sure)."""
    open_: list[Reason] = []
    sure: list[Reason] = []
    for key in AMOUNT_FIELDS:
        cases = _cases(rule, key, profile)
        target = open_ if len(cases) > 1 or (cases and cases[0].applies(profile) is None) else sure
        target += [reason_from(c.text, c.source) for c in cases]
    return (open_, sure) if open_first else ([], open_ + sure)


def decided_reasons(policy: Policy, rule: Rule | None, profile: Any) -> list[Reason]:
    """Most important first (a phone shows the first few): for a refusal the failed condition, its clause
    and what would change it; for an eligible answer the conditions stated but not checked (前提), the notes
    that qualify an amount, the amounts still open, then the conditions met and the sure amounts."""
    if rule is None:
        ranked = _ranked_rules(policy, profile)
        rule, values = ranked[0]
        reasons = [r for item, v in zip(rule.when.top_items(), values, strict=True) if v is False
                   for r in _failure(item, False, rule.status, profile)]
        return reasons[:1] + _other_band(rule, values, ranked[1:]) + reasons[1:] + _notes(policy.not_eligible_notes)
    if rule.status == "not_covered":  # the document does not speak about this family: its notes say so
        return _notes(rule.notes, profile=profile)
    if rule.status != "eligible":  # a refusal names what fails ("不符合：…"), not the facts around it
        items = rule.when.top_items()
        shown = [item for item in items if item.op == "not"] or items
        reasons = [r for item in shown for r in _failure(item, True, rule.status, profile)]
        reasons += _notes(rule.notes, profile=profile)
        return reasons + (_notes(policy.not_eligible_notes) if rule.status == "not_eligible" else [])
    open_, sure = _amounts(rule, profile, open_first=True)
    met = [_item_reason(item, True, rule.status, profile) for item in rule.when.top_items()]
    return (_notes(rule.assumes, "前提：", profile) + _notes(rule.notes, profile=profile) + open_
            + _notes(policy.notes) + met + sure)


def open_reasons(policy: Policy, rules: list[Rule], differing: tuple[str, ...], profile: Any) -> list[Reason]:
    """Eligible whatever the facts still unknown, which only change amounts or which clause pays: for each
    possible rule, the facts that would make it the one ("若在区外定点康复机构康复训练") and its amounts that
    differ; then the conditions every possible rule shares."""
    if len(rules) == 1:
        return decided_reasons(policy, rules[0], profile)
    def prefix(rule: Rule) -> str:
        unknown = [item for item in rule.when.top_items() if item.evaluate(profile) is None]
        return f"若{'、'.join(item.describe() for item in unknown)}：" if unknown else "其他情况："

    def lines(rule: Rule, keys: tuple[str, ...]) -> list[Reason]:
        return [reason_from(prefix(rule) + c.text, c.source) for key in keys for c in _cases(rule, key, profile)]

    first, rest = differing[:1], differing[1:]  # the main amount and its 前提 together, then the others
    reasons = [r for rule in rules for r in lines(rule, first) + _notes(rule.assumes, f"{prefix(rule)}前提是", profile)]
    reasons += [r for rule in rules for r in lines(rule, rest)]
    shared = [item for item in rules[0].when.top_items()
              if item.evaluate(profile) is True and all(item in r.when.top_items() for r in rules[1:])]
    reasons += _notes(policy.notes) + [_item_reason(item, True, "eligible", profile) for item in shared]
    return list({(r.text, r.source): r for r in reasons}.values())


def _ranked_rules(policy: Policy, profile: Any) -> list[tuple[Rule, list[Any]]]:
    """The eligible rules, nearest first: fewest failed conditions, then most satisfied ones."""
    scored = []
    for index, rule in enumerate(r for r in policy.rules if r.status == "eligible"):
        values = [item.evaluate(profile) for item in rule.when.top_items()]
        scored.append(((values.count(False), -values.count(True), index), rule, values))
    return [(rule, values) for _, rule, values in sorted(scored, key=lambda s: s[0])]


OTHER_BAND_MAX_CHARS = 60


def _other_band(nearest: Rule, nearest_values: list[Any], others: list[tuple[Rule, list[Any]]]) -> list[Reason]:
    """An 8-year-old told "the condition is under 7" wonders about the under-9 band: when another band sets
    a different threshold on a fact the nearest band tests, and fails too, name its own conditions."""
    shared = set(map(repr, nearest.when.top_items()))
    truth = _truth_by_field(zip(nearest.when.top_items(), nearest_values, strict=True))
    for rule, values in others:
        own = [(item, v) for item, v in zip(rule.when.top_items(), values, strict=True) if repr(item) not in shared]
        theirs = _truth_by_field(own)
        # another condition on a fact the nearest band also tests, and the nearest failed or it holds
        alternative = any(False in (truth[f], theirs[f]) for f in truth.keys() & theirs.keys())
        if alternative and any(v is False for _, v in own):
            failed = next(item for item, v in own if v is False)
            text = f"另一档要求“{'、'.join(_plain_condition(item) for item, _ in own)}”，孩子不满足"
            if len(text) <= OTHER_BAND_MAX_CHARS:  # a band with many conditions confuses more than it helps
                return [reason_from(text, _first_source(failed, None))]
    return []


def _truth_by_field(items: Any) -> dict[str, Any]:
    """field -> whether the (single-field) condition on it holds, for the items that test one field."""
    out: dict[str, Any] = {}
    for item, value in items:
        fields = {c.field for c in item.conditions()}
        if len(fields) == 1 and value is not None:
            out[fields.pop()] = value
    return out


def _plain_condition(item: Expr) -> str:
    """A condition as a parent reads it: "not X" becomes "没有“X”的情况"."""
    return f"没有{item.children[0].describe()}的情况" if item.op == "not" else item.describe()
