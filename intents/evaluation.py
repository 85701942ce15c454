"""Held-out evaluation of the engine next to a simple baseline (character-bigram BM25 nearest neighbour)."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .decide import ANSWER, FALLBACK
from .labels import INTENTS, OUT_OF_SCOPE


@dataclass
class Prediction:
    gold: str
    intent: str
    decision: str


@dataclass
class Report:
    name: str
    predictions: list[Prediction]
    per_intent: dict[str, tuple[float, float, int]] = field(
        default_factory=dict
    )  # precision, recall, support

    @property
    def n(self) -> int:
        return len(self.predictions)

    @property
    def top1(self) -> float:
        return sum(p.intent == p.gold for p in self.predictions) / max(self.n, 1)

    @property
    def false_answer_rate(self) -> float:
        return sum(p.decision == ANSWER and p.intent != p.gold for p in self.predictions) / max(self.n, 1)

    @property
    def oos_rejection(self) -> float:
        oos = [p for p in self.predictions if p.gold == OUT_OF_SCOPE]
        rejected = sum(p.decision == FALLBACK or p.intent == OUT_OF_SCOPE for p in oos)
        return rejected / max(len(oos), 1)

    def decision_share(self, decision: str, in_scope: bool = True) -> float:
        rows = [p for p in self.predictions if (p.gold != OUT_OF_SCOPE) == in_scope]
        return sum(p.decision == decision for p in rows) / max(len(rows), 1)

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((p.gold, p.intent) for p in self.predictions)


def build_report(name: str, predictions: list[Prediction]) -> Report:
    report = Report(name, predictions)
    for intent in INTENTS:
        tp = sum(p.gold == intent and p.intent == intent for p in predictions)
        predicted = sum(p.intent == intent for p in predictions)
        support = sum(p.gold == intent for p in predictions)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        report.per_intent[intent] = (precision, recall, support)
    return report


def evaluate(
    classify: Callable[[str], tuple[str, str]], examples: Sequence[tuple[str, str]], name: str
) -> Report:
    """``classify(text) -> (intent, decision)`` over (text, gold) examples."""
    preds = []
    for text, gold in examples:
        intent, decision = classify(text)
        preds.append(Prediction(gold, intent, decision))
    return build_report(name, preds)


class BM25Baseline:
    """Nearest training example by BM25 over character bigrams of the NFKC-lower-cased raw text."""

    def __init__(self, examples: Sequence[tuple[str, str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.docs = [(self._terms(text), intent) for text, intent in examples]
        self.avgdl = sum(sum(t.values()) for t, _ in self.docs) / max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for terms, _ in self.docs:
            df.update(terms.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    @staticmethod
    def _terms(text: str) -> Counter[str]:
        s = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())
        grams = [s[i : i + 2] for i in range(len(s) - 1)] or ([s] if s else [])
        return Counter(grams)

    def classify(self, text: str) -> tuple[str, str]:
        query = self._terms(text)
        best, best_intent = 0.0, OUT_OF_SCOPE
        for terms, intent in self.docs:
            dl = sum(terms.values())
            score = 0.0
            for t in query:
                tf = terms.get(t)
                if tf:
                    score += (
                        self.idf[t]
                        * tf
                        * (self.k1 + 1)
                        / (tf + self.k1 * (1 - self.b + self.b * dl / self.avgdl))
                    )
            if score > best:
                best, best_intent = score, intent
        if best == 0.0 or best_intent == OUT_OF_SCOPE:
            return OUT_OF_SCOPE, FALLBACK
        return best_intent, ANSWER


SHORT = {
    "apply_aid": "appl",
    "eligibility": "elig",
    "aid_amount": "amnt",
    "next_session": "next",
    "rescreen": "scrn",
    "institution": "inst",
    "education": "educ",
    "living_assistance": "livg",
    "family_support": "fami",
    "subscribe": "sub",
    "unsubscribe": "unsb",
    "human": "hum",
    "greeting": "greet",
    "thanks": "thx",
    "delete_data": "del",
    "out_of_scope": "oos",
}


def format_report(engine: Report, baseline: Report) -> str:
    lines = [f"Held-out evaluation: {engine.n} messages", ""]
    lines.append(f"{'intent':<18}{'prec':>7}{'recall':>8}{'n':>5}   {'baseline prec':>13}{'recall':>8}")
    for intent in INTENTS:
        p, r, n = engine.per_intent[intent]
        bp, br, _ = baseline.per_intent[intent]
        lines.append(f"{intent:<18}{p:>7.2f}{r:>8.2f}{n:>5}   {bp:>13.2f}{br:>8.2f}")
    lines.append("")
    lines.append(f"Confusion ({engine.name}; rows = gold, columns = predicted)")
    conf = engine.confusion()
    lines.append(" " * 6 + "".join(f"{SHORT[i]:>6}" for i in INTENTS))
    for gold in INTENTS:
        cells = "".join(f"{(conf.get((gold, pred), 0) or '.'):>6}" for pred in INTENTS)
        lines.append(f"{SHORT[gold]:<6}{cells}")
    lines.append("")
    lines.append(f"{'metric':<34}{engine.name:>10}{baseline.name:>12}")
    rows = [
        ("top-1 accuracy", engine.top1, baseline.top1),
        ("false-answer rate", engine.false_answer_rate, baseline.false_answer_rate),
        ("out-of-scope rejection", engine.oos_rejection, baseline.oos_rejection),
        ("in-scope answered", engine.decision_share("answer"), baseline.decision_share("answer")),
        ("in-scope clarify", engine.decision_share("clarify"), baseline.decision_share("clarify")),
        ("in-scope fallback", engine.decision_share("fallback"), baseline.decision_share("fallback")),
    ]
    for label, a, b in rows:
        lines.append(f"{label:<34}{a:>10.1%}{b:>12.1%}")
    return "\n".join(lines)


def format_summary(sections: Sequence[tuple[str, Report, Report]]) -> str:
    """One table: the headline metrics of engine and baseline for every held-out file and their union."""
    lines = ["Summary (engine / baseline)"]
    header = f"{'metric':<26}" + "".join(f"{name + f' (n={rep.n})':>32}" for name, rep, _ in sections)
    lines.append(header)
    rows: list[tuple[str, Callable[[Report], float]]] = [
        ("top-1 accuracy", lambda r: r.top1),
        ("false-answer rate", lambda r: r.false_answer_rate),
        ("out-of-scope rejection", lambda r: r.oos_rejection),
        ("in-scope answered", lambda r: r.decision_share("answer")),
    ]
    for label, metric in rows:
        cells = "".join(f"{f'{metric(rep):.1%} / {metric(base):.1%}':>32}" for _, rep, base in sections)
        lines.append(f"{label:<26}{cells}")
    return "\n".join(lines)
