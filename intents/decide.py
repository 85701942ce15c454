"""Step 7: decide what the bot does with a ranked intent list.

- ``answer``: the top intent is confident (``is_confident``) with a clear margin over the runner-up
  (``has_clear_margin``) and is not out_of_scope;
- ``clarify``: no clear winner, but the top two in-scope intents together are confident -> ask which;
- ``fallback``: weak or out of scope -> say so and offer a person.
The two thresholds live in data/engine.yaml (section ``decision``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .labels import OUT_OF_SCOPE

DEFAULTS: dict[str, Any] = {
    "confidence_threshold": 0.6,  # minimum probability of the top intent (or of the top two, to clarify)
    "margin": 0.3,  # minimum lead of the top intent over the runner-up to answer directly
}

ANSWER, CLARIFY, FALLBACK = "answer", "clarify", "fallback"


@dataclass(frozen=True)
class DecisionPolicy:
    confidence_threshold: float = DEFAULTS["confidence_threshold"]
    margin: float = DEFAULTS["margin"]

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> DecisionPolicy:
        from .config import merged

        return cls(**merged(DEFAULTS, settings))


def is_confident(score: float, policy: DecisionPolicy) -> bool:
    """The (combined) probability is high enough to act on."""
    return score >= policy.confidence_threshold


def has_clear_margin(top: float, runner_up: float, policy: DecisionPolicy) -> bool:
    """The best intent leads the second best by at least the configured margin."""
    return top - runner_up >= policy.margin


def decide(ranked: list[tuple[str, float]], policy: DecisionPolicy) -> str:
    if not ranked:
        return FALLBACK
    top_intent, top = ranked[0]
    second_intent, second = ranked[1] if len(ranked) > 1 else (OUT_OF_SCOPE, 0.0)
    if top_intent == OUT_OF_SCOPE:
        return FALLBACK
    if is_confident(top, policy) and has_clear_margin(top, second, policy):
        return ANSWER
    if second_intent != OUT_OF_SCOPE and is_confident(top + second, policy):
        return CLARIFY
    return FALLBACK
