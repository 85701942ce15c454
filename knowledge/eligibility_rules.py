"""Load and validate the per-policy rules YAML (knowledge/rules/<region>.yaml) with line numbers in errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from knowledge.eligibility_conditions import Condition, Expr, parse_expr
from knowledge.eligibility_model import AMOUNT_FIELDS, STATUSES, AmountCase, Note, Policy, Rule, Source
from knowledge.profile import BOOLS, ENUMS, NUMBERS, ProfileError, check_value
from knowledge.yamlload import KnowledgeError, line_of, load_yaml

DEFAULT_ROOT = Path(__file__).resolve().parent / "rules"
POLICY_KEYS = {
    "region", "document", "title", "valid_from", "valid_to", "validity_source", "conditions", "rules",
    "notes", "not_eligible_notes", "shared",
}
RULE_KEYS = {"id", "title", "when", "status", "notes", "assumes", *AMOUNT_FIELDS}
CONDITION_KINDS = ("equals", "in", "min_years", "max_years", "under", "at_least")
# `since_age: 7` on years_aided counts only the years after that birthday (needs `under` or `at_least`);
# `if_not` says what would change a failed condition; `definition` reads a word of the document that has
# no number (儿童) as the threshold given, and says so; `text_not` is how the document words the condition
# a rule requires *not* to hold ("不具备义务教育入学条件" for `not condition_school_ready`).
CONDITION_EXTRAS = ("since_age", "if_not", "definition", "assumed", "text_not")


class RuleBookError(KnowledgeError):
    """Bad rules YAML; the message starts with `path:line:`."""


class _Ctx:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, node: Any, message: str) -> RuleBookError:
        line = line_of(node)
        return RuleBookError(f"{self.path}:{line}: {message}")

    def mapping(self, node: Any, where: str, parent: Any) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise self.fail(parent, f"{where} must be a mapping")
        return node

    def text(self, node: dict[str, Any], key: str, where: str) -> str:
        value = node.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{where}: '{key}' must be a non-empty string")
        return value.strip()

    def source(self, node: dict[str, Any], where: str, key: str = "source") -> Source:
        src = self.mapping(node.get(key), f"{where}: '{key}'", node)
        return Source(self.text(src, "document", where), self.text(src, "clause", where), self.text(src, "quote", where))

    def notes(self, node: Any, where: str, parent: Any, conditions: dict[str, Condition] | None = None
              ) -> tuple[Note, ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            raise self.fail(parent, f"{where} must be a list")
        out = []
        for item in node:
            item = self.mapping(item, f"{where} item", parent)
            unknown = set(item) - {"text", "source", "when"}
            if unknown:
                raise self.fail(item, f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
            when = None
            if item.get("when") is not None:
                if conditions is None:
                    raise self.fail(item, f"{where}: 'when' is only allowed on a rule's notes and assumes")
                when = _expr(self, item["when"], conditions, item, where)
            out.append(Note(self.text(item, "text", where), self.source(item, where), when))
        return tuple(out)


def load_policy(path: Path) -> Policy:
    ctx = _Ctx(path)
    try:
        data = load_yaml(path)
    except KnowledgeError as exc:
        raise RuleBookError(str(exc)) from None
    if not isinstance(data, dict):
        raise RuleBookError(f"{path}:1: top level must be a mapping")
    unknown = set(data) - POLICY_KEYS
    if unknown:
        raise ctx.fail(data, f"unknown key(s): {', '.join(sorted(unknown))}")
    region, document = ctx.text(data, "region", "policy"), ctx.text(data, "document", "policy")
    valid = {k: data.get(k) for k in ("valid_from", "valid_to")}
    for key, value in valid.items():
        if value is not None and not isinstance(value, dt.date):
            raise ctx.fail(data, f"'{key}' must be a date YYYY-MM-DD or null")
    validity_source = None
    if data.get("validity_source") is not None:
        validity_source = ctx.source(data, "policy", key="validity_source")
    elif any(valid.values()):
        raise ctx.fail(data, "'validity_source' citation is required when valid_from/valid_to is given")
    conditions_node = ctx.mapping(data.get("conditions") or {}, "'conditions'", data)
    conditions = {name: _condition(ctx, name, node, data) for name, node in conditions_node.items()}
    rules_node = data.get("rules")
    if not isinstance(rules_node, list) or not rules_node:
        raise ctx.fail(data, "'rules' must be a non-empty list")
    rules = [_rule(ctx, node, conditions, data) for node in rules_node]
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ctx.fail(data, "rule ids must be unique")
    return Policy(
        region=region, document=document, title=str(data.get("title") or document),
        valid_from=valid["valid_from"], valid_to=valid["valid_to"], validity_source=validity_source,
        conditions=conditions, rules=rules,
        notes=ctx.notes(data.get("notes"), "'notes'", data),
        not_eligible_notes=ctx.notes(data.get("not_eligible_notes"), "'not_eligible_notes'", data),
        path=path,
    )


def _condition(ctx: _Ctx, name: str, node: Any, parent: Any) -> Condition:
    node = ctx.mapping(node, f"condition {name!r}", parent)
    if not name.startswith("condition_"):
        raise ctx.fail(node, f"condition {name!r}: names must start with 'condition_'")
    unknown = set(node) - {"text", "field", "source", *CONDITION_KINDS, *CONDITION_EXTRAS}
    if unknown:
        raise ctx.fail(node, f"condition {name!r}: unknown key(s): {', '.join(sorted(unknown))}")
    fld = ctx.text(node, "field", f"condition {name!r}")
    if fld not in (*ENUMS, *BOOLS, *NUMBERS):
        raise ctx.fail(node, f"condition {name!r}: unknown profile field {fld!r}")
    params = {k: node[k] for k in CONDITION_KINDS if k in node}
    if not params:
        raise ctx.fail(node, f"condition {name!r}: needs one of {', '.join(CONDITION_KINDS)}")
    extras = {}
    for key in ("if_not", "definition", "text_not"):
        if key in node:
            extras[key] = ctx.text(node, key, f"condition {name!r}")
    for kind, value in params.items():
        values = value if kind == "in" else [value]
        if kind == "in" and not isinstance(value, list):
            raise ctx.fail(node, f"condition {name!r}: 'in' must be a list")
        numeric = kind in ("min_years", "max_years", "under", "at_least")
        if numeric != (fld in NUMBERS):
            raise ctx.fail(node, f"condition {name!r}: '{kind}' does not fit field {fld!r}")
        for v in values:
            try:
                check_value(fld, v)
            except ProfileError as exc:
                raise ctx.fail(node, f"condition {name!r}: {exc}") from None
    if "since_age" in node:
        since = node["since_age"]
        if fld not in NUMBERS or isinstance(since, bool) or not isinstance(since, int | float) or since < 0:
            raise ctx.fail(node, f"condition {name!r}: 'since_age' must be a number on a numeric field")
        if not {"under", "at_least"} & set(params):
            raise ctx.fail(node, f"condition {name!r}: 'since_age' needs 'under' or 'at_least'")
        params["since_age"] = since
    if "assumed" in node:
        if node["assumed"] is not True:
            raise ctx.fail(node, f"condition {name!r}: 'assumed' can only be true")
        params["assumed"] = True
    return Condition(name, fld, ctx.text(node, "text", f"condition {name!r}"), params,
                     ctx.source(node, f"condition {name!r}"), **extras)


def _rule(ctx: _Ctx, node: Any, conditions: dict[str, Condition], parent: Any) -> Rule:
    node = ctx.mapping(node, "rule", parent)
    rid = ctx.text(node, "id", "rule")
    where = f"rule {rid!r}"
    unknown = set(node) - RULE_KEYS
    if unknown:
        raise ctx.fail(node, f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    status = node.get("status")
    if status not in STATUSES:
        raise ctx.fail(node, f"{where}: 'status' must be one of {', '.join(STATUSES)}")
    when = _expr(ctx, node.get("when"), conditions, node, where)
    amounts: dict[str, tuple[AmountCase, ...]] = {}
    for key in AMOUNT_FIELDS:
        if node.get(key) is None:
            continue
        if status != "eligible":
            raise ctx.fail(node, f"{where}: only eligible rules may carry '{key}'")
        amounts[key] = _amount(ctx, node[key], conditions, node, f"{where} {key}")
    assumes = ctx.notes(node.get("assumes"), f"{where} assumes", node, conditions)
    if assumes and status != "eligible":
        raise ctx.fail(node, f"{where}: only eligible rules may carry 'assumes'")
    notes = ctx.notes(node.get("notes"), f"{where} notes", node, conditions)
    if status == "not_covered" and not notes:
        raise ctx.fail(node, f"{where}: a not_covered rule needs notes saying what the document leaves out")
    return Rule(rid, str(node.get("title") or rid), when, status, amounts, notes, assumes)


def _expr(ctx: _Ctx, node: Any, conditions: dict[str, Condition], parent: Any, where: str) -> Expr:
    try:
        return parse_expr(node, conditions)
    except ValueError as exc:
        raise ctx.fail(parent, f"{where}: 'when': {exc}") from None


def _amount(ctx: _Ctx, node: Any, conditions: dict[str, Condition], parent: Any,
            where: str) -> tuple[AmountCase, ...]:
    node = ctx.mapping(node, where, parent)
    raw_cases = node.get("cases") if "cases" in node else [node]
    if not isinstance(raw_cases, list) or not raw_cases:
        raise ctx.fail(node, f"{where}: 'cases' must be a non-empty list")
    cases = []
    for case in raw_cases:
        case = ctx.mapping(case, where, node)
        unknown = set(case) - {"when", "value", "text", "source", "completed_by"}
        if unknown:
            raise ctx.fail(case, f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if "value" not in case:
            raise ctx.fail(case, f"{where}: 'value' is required (null: the document gives no sure figure)")
        value = case.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ctx.fail(case, f"{where}: 'value' must be a non-negative number or null")
        when = _expr(ctx, case["when"], conditions, case, where) if case.get("when") is not None else None
        from_day = _month_after(ctx, case, where) if case.get("completed_by") is not None else None
        cases.append(AmountCase(when, value, ctx.text(case, "text", where), ctx.source(case, where), from_day))
    return tuple(cases)


def _month_after(ctx: _Ctx, case: dict[str, Any], where: str) -> dt.date:
    """`completed_by: 2024-06` (a task list's 完成时间 2024年6月): the figure is sure from 2024-07-01."""
    raw = str(case["completed_by"])
    try:
        year, month = (int(part) for part in raw.split("-"))
        if not 1 <= month <= 12:
            raise ValueError(raw)
        return dt.date(year + month // 12, month % 12 + 1, 1)
    except ValueError:
        raise ctx.fail(case, f"{where}: 'completed_by' must be a month YYYY-MM, got {raw!r}") from None


def load_policies(root: Path | None = None) -> dict[str, Policy]:
    root = Path(root) if root is not None else DEFAULT_ROOT
    if (root / "rules").is_dir() and not any(root.glob("*.yaml")):
        root = root / "rules"
    policies: dict[str, Policy] = {}
    for path in sorted(root.glob("*.yaml")):
        if path.name == "questions.yaml":
            continue
        policy = load_policy(path)
        if policy.region in policies:
            raise RuleBookError(f"{path}:1: region {policy.region!r} already defined in {policies[policy.region].path}")
        policies[policy.region] = policy
    if not policies:
        raise RuleBookError(f"{root}:1: no rules YAML found")
    return policies
