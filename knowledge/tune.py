"""Leave-one-out tuning of the retrieval weights on the entries' own questions (never an eval set).

Each indexed question is asked with itself left out of its entry's questions; the entry must still come
first for its home region. The entries' `held_out` variants are asked as they are (they are never
indexed). Out-of-scope messages from the intent training data are the negatives: the best hit must stay
under `min_score` for them. `xingban kb tune` prints the table; a person picks the row and writes it into
data/settings.yaml, so the numbers in use are always visible and reviewed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.base import KnowledgeBase
from knowledge.entries import ALL


@dataclass(frozen=True)
class TuneRow:
    """How one weight setting does on the entries' own questions."""

    char_weight: float
    answer_weight: float
    loo_top1: float
    held_out_top1: float
    positives_kept: float  # share of LOO questions whose best score clears min_score
    negatives_kept: float  # share of out-of-scope messages whose best score clears min_score (want ~0)
    min_score: float


def _home(regions: Sequence[str]) -> str | None:
    return None if ALL in regions else regions[0]


def _best(kb: KnowledgeBase, text: str, region: str | None, skip: tuple[int, int] | None = None
          ) -> tuple[int | None, float]:
    query = kb._query_tokens(text)
    best, best_score = None, 0.0
    for i, entry in enumerate(kb.entries):
        if not entry.applies_to(region):
            continue
        score = kb.entry_score(i, query, skip[1] if skip and skip[0] == i else None)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def evaluate(kb: KnowledgeBase, negatives: Iterable[str]) -> tuple[float, float, list[float], list[float]]:
    """LOO top-1, held-out top-1, and the best scores of positives and negatives."""
    loo_right = loo_total = held_right = held_total = 0
    positive_scores: list[float] = []
    for i, entry in enumerate(kb.entries):
        region = _home(entry.regions)
        for doc, question in zip(kb._question_docs[i], entry.questions, strict=True):
            if len(entry.questions) < 2:
                continue
            best, score = _best(kb, question, region, (i, doc))
            loo_total += 1
            loo_right += best == i
            positive_scores.append(score)
        for question in entry.held_out:
            best, _ = _best(kb, question, region)
            held_total += 1
            held_right += best == i
    negative_scores = [_best(kb, text, None)[1] for text in negatives]
    return (loo_right / max(loo_total, 1), held_right / max(held_total, 1), positive_scores, negative_scores)


def tune(kb: KnowledgeBase, negatives: Sequence[str], char_weights: Sequence[float],
         answer_weights: Sequence[float], negative_rate: float = 0.02) -> list[TuneRow]:
    """One row per (char_weight, answer_weight); min_score is the lowest score that keeps at most
    `negative_rate` of the negatives."""
    rows = []
    original = kb.settings
    try:
        for char_weight in char_weights:
            for answer_weight in answer_weights:
                kb.settings = dataclasses.replace(original, char_weight=char_weight, answer_weight=answer_weight)
                loo, held, pos, neg = evaluate(kb, negatives)
                ranked = sorted(neg, reverse=True)
                allowed = int(negative_rate * len(ranked))
                threshold = (ranked[allowed] + 1e-6) if ranked and allowed < len(ranked) else 0.0
                rows.append(TuneRow(char_weight, answer_weight, loo, held,
                                    sum(s >= threshold for s in pos) / max(len(pos), 1),
                                    sum(s >= threshold for s in neg) / max(len(neg), 1), threshold))
    finally:
        kb.settings = original
    return rows


def format_rows(rows: Sequence[TuneRow]) -> str:
    lines = ["char_w  answer_w  loo_top1  held_top1  min_score  positives_kept  negatives_kept"]
    lines += [f"{r.char_weight:6.2f}  {r.answer_weight:8.2f}  {r.loo_top1:8.3f}  {r.held_out_top1:9.3f}  "
              f"{r.min_score:9.2f}  {r.positives_kept:14.3f}  {r.negatives_kept:14.3f}" for r in rows]
    return "\n".join(lines)
