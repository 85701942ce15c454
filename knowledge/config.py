"""Settings from data/settings.yaml (thresholds, fixed texts), so tuning never touches code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.yamlload import KnowledgeError, line_of, load_yaml


@dataclass(frozen=True)
class Settings:
    """Everything the knowledge base reads from settings.yaml."""

    intents: tuple[str, ...]
    k1: float
    b: float
    answer_weight: float
    min_score: float
    min_coverage: float
    min_score_full_coverage: float
    min_score_strong: float
    min_coverage_strong: float
    min_topic_mass: float
    min_passage_score: float
    min_passage_coverage: float
    passage_over_entry: float
    passage_check_below: float
    min_score_topic_mass: float
    min_coverage_topic_mass: float
    out_of_scope_veto: float
    coverage_ignores: frozenset[str]
    min_margin: float
    ask_region_ratio: float
    near_tie: float
    near_tie_coverage_gain: float
    near_tie_far: float
    near_tie_far_coverage_gain: float
    follow_up_own_score: float
    age_question_weight: float
    age_question_words: frozenset[str]
    intent_fallback: bool
    intent_weight: float
    char_weight: float
    answer_max_bytes: int
    combined_max_chars: int
    near_duplicate_ratio: float
    disclaimer: str
    disclaimer_intents: frozenset[str]
    disclaimer_if_money_intents: frozenset[str]
    messages: dict[str, str]
    verdict_cues: tuple[str, ...] = ()
    verdict_amount_words: tuple[str, ...] = ()
    count_units: tuple[str, ...] = ()
    other_benefits: tuple[str, ...] = ()  # a verdict question on one of these is not about the rehab aid
    rehab_aid_words: tuple[str, ...] = ()  # "多少年" / "多少次" ask a count, not a sum of money
    verdict_patterns: tuple[re.Pattern[str], ...] = ()
    unsaid: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # kind -> (label, words)
    yes_openers: tuple[str, ...] = ()


def _get(data: Any, path: Path, *keys: str) -> Any:
    node = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise KnowledgeError(f"{path}:{line_of(node)}: missing setting {'.'.join(keys)}")
        node = node[key]
    return node


def _number(data: Any, path: Path, *keys: str) -> float:
    value = _get(data, path, *keys)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(f"{path}:{line_of(data)}: setting {'.'.join(keys)} must be a number")
    return float(value)


def _patterns(data: Any, path: Path, key: str) -> tuple[re.Pattern[str], ...]:
    """Regular expressions from a list setting; a bad one fails at load with the file and line."""
    compiled = []
    for pattern in data.get(key) or ():
        try:
            compiled.append(re.compile(str(pattern)))
        except re.error as exc:
            raise KnowledgeError(f"{path}:{line_of(data)}: {key}: bad pattern {pattern!r}: {exc}") from exc
    return tuple(compiled)


def _unsaid(data: Any, path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """unsaid: {kind: {label, words}} — kinds of facts the documents never give."""
    kinds = data.get("unsaid") or {}
    if not isinstance(kinds, dict):
        raise KnowledgeError(f"{path}:{line_of(data)}: unsaid must map kinds to a label and words")
    out = {}
    for kind, node in kinds.items():
        if not isinstance(node, dict) or not isinstance(node.get("label"), str) or not node.get("words"):
            raise KnowledgeError(f"{path}:{line_of(node, line_of(kinds))}: unsaid.{kind} needs a label and words")
        out[str(kind)] = (node["label"], tuple(str(w) for w in node["words"]))
    return out


def load_settings(data_dir: Path) -> Settings:
    """Read and type-check data/settings.yaml."""
    path = data_dir / "settings.yaml"
    data = load_yaml(path)
    messages = _get(data, path, "messages")
    required = ("citation_prefix", "region_label", "ask_region", "not_covered", "expired", "tentative", "quote")
    if not isinstance(messages, dict) or any(not isinstance(messages.get(k), str) for k in required):
        raise KnowledgeError(f"{path}:{line_of(messages)}: messages needs string keys {', '.join(required)}")
    return Settings(
        intents=tuple(_get(data, path, "intents")),
        k1=_number(data, path, "retrieval", "k1"),
        b=_number(data, path, "retrieval", "b"),
        answer_weight=_number(data, path, "retrieval", "answer_weight"),
        min_score=_number(data, path, "retrieval", "min_score"),
        min_coverage=_number(data, path, "retrieval", "min_coverage"),
        min_score_full_coverage=_number(data, path, "retrieval", "min_score_full_coverage"),
        min_score_strong=_number(data, path, "retrieval", "min_score_strong"),
        min_coverage_strong=_number(data, path, "retrieval", "min_coverage_strong"),
        min_topic_mass=_number(data, path, "retrieval", "min_topic_mass"),
        min_passage_score=_number(data, path, "retrieval", "min_passage_score"),
        min_passage_coverage=_number(data, path, "retrieval", "min_passage_coverage"),
        passage_over_entry=_number(data, path, "retrieval", "passage_over_entry"),
        passage_check_below=_number(data, path, "retrieval", "passage_check_below"),
        min_score_topic_mass=_number(data, path, "retrieval", "min_score_topic_mass"),
        min_coverage_topic_mass=_number(data, path, "retrieval", "min_coverage_topic_mass"),
        out_of_scope_veto=_number(data, path, "retrieval", "out_of_scope_veto"),
        coverage_ignores=frozenset(str(w) for w in (data.get("retrieval") or {}).get("coverage_ignores") or ()),
        min_margin=_number(data, path, "retrieval", "min_margin"),
        ask_region_ratio=_number(data, path, "retrieval", "ask_region_ratio"),
        near_tie=_number(data, path, "retrieval", "near_tie"),
        near_tie_coverage_gain=_number(data, path, "retrieval", "near_tie_coverage_gain"),
        near_tie_far=_number(data, path, "retrieval", "near_tie_far"),
        near_tie_far_coverage_gain=_number(data, path, "retrieval", "near_tie_far_coverage_gain"),
        follow_up_own_score=_number(data, path, "retrieval", "follow_up_own_score"),
        age_question_weight=_number(data, path, "retrieval", "age_question_weight"),
        age_question_words=frozenset(str(w) for w in (data.get("retrieval") or {}).get("age_question_words") or ()),
        intent_fallback=bool(_get(data, path, "retrieval", "intent_fallback")),
        intent_weight=_number(data, path, "retrieval", "intent_weight"),
        char_weight=_number(data, path, "retrieval", "char_weight"),
        answer_max_bytes=int(_number(data, path, "limits", "answer_max_bytes")),
        combined_max_chars=int(_number(data, path, "limits", "combined_max_chars")),
        near_duplicate_ratio=_number(data, path, "limits", "near_duplicate_ratio"),
        disclaimer=str(_get(data, path, "disclaimer")),
        disclaimer_intents=frozenset(_get(data, path, "disclaimer_intents")),
        disclaimer_if_money_intents=frozenset(_get(data, path, "disclaimer_if_money_intents")),
        messages={k: str(v) for k, v in messages.items()},
        yes_openers=tuple(str(w) for w in data.get("yes_openers") or ()),
        verdict_cues=tuple(str(c) for c in data.get("verdict_cues") or ()),
        verdict_amount_words=tuple(str(w) for w in data.get("verdict_amount_words") or ()),
        count_units=tuple(str(w) for w in data.get("count_units") or ()),
        other_benefits=tuple(str(w) for w in data.get("other_benefits") or ()),
        rehab_aid_words=tuple(str(w) for w in data.get("rehab_aid_words") or ()),
        verdict_patterns=_patterns(data, path, "verdict_patterns"),
        unsaid=_unsaid(data, path),
    )
