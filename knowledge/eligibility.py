"""Eligibility engine: evaluates a family's profile against the policy rules in knowledge/rules/*.yaml.

Rules of one policy form a decision list: the first rule whose conditions hold gives the outcome, and when
none can hold the child is not eligible. Conditions are three-valued. The status answers "does the child
qualify": while an unknown fact could still change that, the result is `need_info`, listing the missing facts
with the most decisive question first; when every possible outcome is eligible and the unknown facts only
change an amount (綦江's transport subsidy for a 0—6 child), the result is `eligible`, the amounts that are
not yet sure stay null with each possible case among the reasons, and the facts are listed in `missing`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from knowledge.eligibility_conditions import Tri
from knowledge.eligibility_dialogue import DISCLAIMER, question_text
from knowledge.eligibility_model import AMOUNT_FIELDS, Policy, Rule
from knowledge.eligibility_reasons import Reason, decided_reasons, open_reasons, reason_from
from knowledge.eligibility_rules import RuleBookError, load_policies
from knowledge.profile import BOOLS, ENUMS, FIELD_ORDER, Profile, ProfileError
from knowledge.regions import load_region_table

if TYPE_CHECKING:
    from knowledge.sources import SourceDoc
    from knowledge.validity import Standing

__all__ = ["EligibilityResult", "RuleBook", "RuleBookError", "ProfileError", "load_rulebook", "DISCLAIMER"]

_UNKNOWN = object()


@dataclass
class EligibilityResult:
    status: str  # eligible | not_eligible | need_info | not_covered
    policy: str | None = None
    region: str | None = None
    rule: str | None = None
    amounts: dict[str, float | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    next_question: str | None = None
    reasons: list[Reason] = field(default_factory=list)
    disclaimer: str = DISCLAIMER
    # not_covered because the policy's document is not in force on the day asked (issue 16): its state,
    # and the document that replaced it when known
    standing: Standing | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "policy": self.policy, "region": self.region, "rule": self.rule}
        for key in AMOUNT_FIELDS:
            value = self.amounts.get(key)
            out[key] = int(value) if isinstance(value, float) and value.is_integer() else value
        out.update(missing=list(self.missing), next_question=self.next_question,
                   reasons=[r.to_dict() for r in self.reasons], disclaimer=self.disclaimer)
        return out


@dataclass(frozen=True)
class _Candidate:
    rule: Rule | None  # None: no rule applies -> not eligible
    amounts: dict[str, Any]  # value, None (document gives none) or _UNKNOWN
    unknown: tuple[str, ...]  # fields that decide whether this candidate applies / its amounts

    @property
    def key(self) -> tuple[Any, ...] | None:
        if any(v is _UNKNOWN for v in self.amounts.values()):
            return None
        status = self.rule.status if self.rule else "not_eligible"
        return (status, *(self.amounts.get(k) for k in AMOUNT_FIELDS))


class RuleBook:
    def __init__(self, policies: dict[str, Policy], cache_size: int = 4096,
                 sources: dict[str, SourceDoc] | None = None):
        self.policies = policies
        # The documents index (sources/index.yaml) the bot serves: a policy whose document it lists is in
        # force by the index's dates and `replaces:` chain, like the entries; without it, by the rules' dates.
        self.sources = sources or {}
        # Every message of an eligibility dialogue evaluates the profile (and ranks the missing facts by
        # trying each answer), and families share the same few profiles: remember recent results.
        self._evaluate_cached = lru_cache(maxsize=cache_size)(self._evaluate)

    def evaluate(self, profile: dict[str, Any] | Profile) -> EligibilityResult:
        result = self._evaluate_cached(_dated(profile))
        return dataclasses.replace(result, amounts=dict(result.amounts), missing=list(result.missing),
                                   reasons=list(result.reasons))

    def _evaluate(self, p: Profile) -> EligibilityResult:
        if p.region is None:
            return EligibilityResult("need_info", missing=["region"], next_question=question_text("region"))
        policy = self.policies.get(p.region)
        if policy is None:
            return EligibilityResult("not_covered", region=p.region, reasons=[Reason(
                f"暂未收录“{p.region}”的政策，目前支持：{load_region_table().short_names()}", "")])
        standing = self._standing(policy, p.today())
        if standing is not None or not policy.covers(p.today()):
            return self._outside_validity(policy, p, standing)
        cands = _candidates(policy, p)
        keys = {c.key for c in cands}
        if len(keys) == 1 and None not in keys:
            chosen = cands[-1]
            return EligibilityResult(
                chosen.rule.status if chosen.rule else "not_eligible", policy.document, policy.region,
                chosen.rule.id if chosen.rule else None, dict(chosen.amounts),
                reasons=decided_reasons(policy, chosen.rule, p))
        missing = _order_missing(policy, p, cands)
        # Up to two unknown facts are probed: each value of the first, the second left to the probe's own
        # evaluation (which probes it in turn), so "区内还是区外" and "已救助几年" unknown together still
        # give the bands when every combination qualifies.
        probes = self._probes(policy, p, missing[0]) if len(missing) <= _MAX_PROBED else []
        if probes and all(r.status == "eligible" for r in probes):
            # Eligible whatever the unknown facts are ("no rule" was only a logical possibility): the
            # answer is the amount, or the bands ("若…：20000 元；若…：10000 元"), not a question.
            if len({repr(sorted(r.amounts.items())) for r in probes}) == 1:
                return dataclasses.replace(probes[0], missing=missing,
                                           reasons=_reasons_whatever(policy, missing[0], probes))
            chosen_ids = {r.rule for r in probes}
            cands = [c for c in cands if c.rule is not None and c.rule.id in chosen_ids]
        common = _common_amounts(cands)
        eligible = [c.rule for c in cands if c.rule is not None and c.rule.status == "eligible"]
        if len(eligible) == len(cands):
            rules = list({rule.id: rule for rule in eligible}.values())
            differing = tuple(k for k in AMOUNT_FIELDS if k not in common)
            return EligibilityResult(
                "eligible", policy.document, policy.region, rules[0].id if len(rules) == 1 else None,
                {k: common.get(k) for k in AMOUNT_FIELDS}, missing,
                reasons=open_reasons(policy, rules, differing, p))
        reasons: list[Reason] = []
        first = cands[0].rule
        for key, value in common.items():
            if value is not None and first is not None:
                reasons += [reason_from(case.text, case.source) for case in first.amounts[key]
                            if case.value == value][:1]
        return EligibilityResult("need_info", policy.document, policy.region, None,
                                 {k: v for k, v in common.items() if v is not None}, missing,
                                 question_text(missing[0]), reasons)

    def if_condition(self, profile: dict[str, Any] | Profile) -> tuple[EligibilityResult, str] | None:
        """"上海户口 有阳光宝宝卡 能申请吗" without the age: eligible if the one unknown fact meets the policy's
        only condition on it (or not eligible whatever it is, when meeting it would still fail another).
        Returns (that result, that condition's text), or None when the unknown fact does more than pass or
        fail one condition (then the bands or a question are the answer)."""
        p = _dated(profile)
        result = self._evaluate_cached(p)
        policy = self.policies.get(p.region or "")
        if policy is None or result.status != "need_info" or len(result.missing) != 1:
            return None
        name = result.missing[0]
        conditions = [c for c in policy.conditions.values() if c.field == name]
        probes = self._probes(policy, p, name)
        passed = [r for r in probes if r.status == "eligible"]
        # Meeting the condition would still fail another one ("户口不在广西", age unknown): the "no" holds for
        # every value that meets it; the values that fail it are outside the policy altogether.
        failed = [r for r in probes if r.status == "not_eligible"]
        if not passed and failed and all(r.status in ("not_eligible", "not_covered") for r in probes):
            passed = failed
        elif any(r.status not in ("eligible", "not_eligible") for r in probes):
            return None
        if len(conditions) != 1 or not passed or len({repr(sorted(r.amounts.items())) for r in passed}) != 1 \
                or len({r.status for r in passed}) != 1:
            return None
        return dataclasses.replace(passed[0], missing=[name], reasons=_reasons_whatever(policy, name, passed)), \
            conditions[0].text

    def _probes(self, policy: Policy, p: Profile, name: str) -> list[EligibilityResult]:
        """The result for each value the one unknown fact may take (either side of every threshold)."""
        return [self._evaluate_cached(dataclasses.replace(p, **{name: value})) for value in _domain(policy, name)]

    def _standing(self, policy: Policy, day: Any) -> Standing | None:
        """The state of the policy's document on `day` when the index lists it and it is not in force."""
        if not self.sources:
            return None
        from knowledge.check import squash
        from knowledge.validity import standings

        state = standings(self.sources, day).get(squash(policy.document))
        return state if state is not None and state.state != "in_force" else None

    def _outside_validity(self, policy: Policy, p: Profile, standing: Standing | None = None) -> EligibilityResult:
        span = f"{policy.valid_from or '（未写明）'} 至 {policy.valid_to or '（未写明）'}"
        text = f"《{policy.document}》的有效期为 {span}，查询日期 {p.today()} 不在有效期内"
        return EligibilityResult("not_covered", policy.document, policy.region,
                                 reasons=[reason_from(text, policy.validity_source)], standing=standing)


_MAX_PROBED = 2


def _dated(profile: dict[str, Any] | Profile) -> Profile:
    """The profile with the day it is asked on: "today" is part of the question, so the cache must not
    outlive the day."""
    p = Profile.from_dict(profile)
    return p if p.as_of is not None else dataclasses.replace(p, as_of=p.today())


def _reasons_whatever(policy: Policy, name: str, probes: list[EligibilityResult]) -> list[Reason]:
    """One probe's reasons without the conditions on the unknown fact (the parent did not say them), plus the
    provisos only other probes carry (a 前提 that holds for some values)."""
    unsaid = {f"符合：{c.text}" for c in policy.conditions.values() if c.field == name}
    reasons = [r for r in probes[0].reasons if r.text not in unsaid]
    extra = [r for res in probes[1:] for r in res.reasons if not r.text.startswith("符合：")]
    return list({(r.text, r.source): r for r in reasons + extra}.values())


def _candidates(policy: Policy, p: Profile) -> list[_Candidate]:
    out: list[_Candidate] = []
    for rule in policy.rules:
        value: Tri = rule.when.evaluate(p)
        if value is False:
            continue
        amounts, unknown = _amounts(rule, p)
        out.append(_Candidate(rule, amounts, tuple(rule.when.unknown_fields(p)) + unknown))
        if value is True:
            return out
    out.append(_Candidate(None, {}, ()))
    return out


def _amounts(rule: Rule, p: Profile) -> tuple[dict[str, Any], tuple[str, ...]]:
    amounts: dict[str, Any] = {}
    unknown: list[str] = []
    for key in AMOUNT_FIELDS:
        amounts[key] = None
        for case in rule.amounts.get(key, ()):
            hit = case.applies(p)
            if hit is None:
                amounts[key] = _UNKNOWN
                unknown += case.when.unknown_fields(p) if case.when is not None else []
                break
            if hit:
                amounts[key] = case.value
                break
    return amounts, tuple(unknown)


def _common_amounts(cands: list[_Candidate]) -> dict[str, Any]:
    """Amounts every candidate agrees on (None included: "the document gives none"); unsure ones left out."""
    common = {}
    for key in AMOUNT_FIELDS:
        values = {repr(c.amounts.get(key)) for c in cands}
        value = cands[0].amounts.get(key)
        if len(values) == 1 and value is not _UNKNOWN:
            common[key] = value
    return common


def _missing_fields(cands: list[_Candidate]) -> list[str]:
    return list(dict.fromkeys(f for c in cands for f in c.unknown))


def _domain(policy: Policy, name: str) -> list[Any]:
    if name in BOOLS:
        return [True, False]
    if name in ENUMS:
        return list(ENUMS[name])
    probes = {v for c in policy.conditions.values() if c.field == name for v in c.probe_values()}
    return sorted(probes) or [0.0]


def _order_missing(policy: Policy, p: Profile, cands: list[_Candidate]) -> list[str]:
    """Most decisive first: fewest questions left on average once answered, then the answer that splits the
    candidate rules into most branches, then fewest possible outcomes left, then the field named in most
    undecided conditions, then the everyday order of FIELD_ORDER."""
    fields = _missing_fields(cands)
    mentions = [f for c in cands for f in c.unknown]

    def score(name: str) -> tuple[Any, ...]:
        outcomes, left, branches = [], [], set()
        for value in _domain(policy, name):
            after = _candidates(policy, dataclasses.replace(p, **{name: value}))
            keys = [c.key if c.key is not None else id(c) for c in after]
            outcomes.append(len(set(keys)))
            left.append(len(_missing_fields(after)))
            branches.add(tuple(c.rule.id if c.rule else None for c in after))
        order = FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER)
        return (mean(left), -len(branches), mean(outcomes), -mentions.count(name), order)

    return sorted(fields, key=score)


def load_rulebook(root: Path | None = None, sources: dict[str, SourceDoc] | None = None) -> RuleBook:
    """Load every policy YAML under `root` (default: knowledge/rules); bad YAML raises RuleBookError.
    `sources` (the documents index) decides which policies are in force on a day."""
    return RuleBook(load_policies(root), sources=sources)
