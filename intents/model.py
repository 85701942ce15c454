"""Step 5b: a multinomial naive Bayes intent scorer, trained in pure Python at load time (< 50 ms).

Scores are length-normalised and turned into probabilities with a softmax (a temperature on the
log-likelihoods): logit = sharpness * sum_loglik / weight ** length_power. ``length_power`` = 1 is the
per-feature mean (long messages are no more confident than short ones), 0 is plain naive Bayes
(overconfident on long messages); both are chosen by cross-validation on train.yaml (intents/tune.py). Features never seen in
training are evidence for ``out_of_scope``: the in-domain vocabulary is small and closed, chit-chat
is open-ended.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

DEFAULTS: dict[str, Any] = {
    "alpha": 0.2,  # additive (Laplace/Lidstone) smoothing per feature
    "uniform_prior": True,  # ignore class frequencies (the training set is not a traffic sample)
    "sharpness": 6.0,  # softmax inverse temperature on the per-feature mean log-likelihood
    "oov_bonus": 2.5,  # log-likelihood ratio credited to out_of_scope per unit of unseen feature weight
    "oov_class": "out_of_scope",
    "length_power": 1.0,  # temperature grows with (total feature weight) ** length_power
    # Unseen features: "mean" = each class's mean known log-likelihood is extrapolated to them (one known
    # word then speaks for the whole message); "zero" = they are neutral for every in-scope class.
    "unseen": "mean",
}


class NaiveBayes:
    def __init__(self, labels: Sequence[str], settings: dict[str, Any] | None = None):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        self.labels = tuple(labels)
        self._loglik: dict[str, list[float]] = {}
        self._prior = [0.0] * len(self.labels)
        self._oov_index = (
            self.labels.index(self.settings["oov_class"])
            if self.settings["oov_class"] in self.labels
            else None
        )

    def fit(self, examples: Iterable[tuple[dict[str, float], str]]) -> NaiveBayes:
        index = {label: i for i, label in enumerate(self.labels)}
        counts: dict[str, list[float]] = {}
        totals = [0.0] * len(self.labels)
        docs = [0] * len(self.labels)
        for feats, label in examples:
            c = index[label]
            docs[c] += 1
            for f, w in feats.items():
                row = counts.get(f)
                if row is None:
                    row = counts[f] = [0.0] * len(self.labels)
                row[c] += w
                totals[c] += w
        alpha = self.settings["alpha"]
        vocab = len(counts)
        denom = [math.log(t + alpha * vocab) for t in totals]
        self._loglik = {
            f: [math.log(row[c] + alpha) - denom[c] for c in range(len(self.labels))]
            for f, row in counts.items()
        }
        n_docs = sum(docs) or 1
        if self.settings["uniform_prior"]:
            self._prior = [0.0] * len(self.labels)
        else:
            self._prior = [math.log((d + 1) / (n_docs + len(self.labels))) for d in docs]
        return self

    @property
    def vocabulary(self) -> set[str]:
        return set(self._loglik)

    def predict_proba(self, feats: dict[str, float]) -> list[tuple[str, float]]:
        """(label, probability) for every label, best first. No features -> all mass on out_of_scope."""
        n = len(self.labels)
        scores = [0.0] * n
        weight = 0.0
        oov = 0.0
        loglik = self._loglik
        for f, w in feats.items():
            row = loglik.get(f)
            weight += w
            if row is None:
                oov += w
                continue
            for c in range(n):
                scores[c] += w * row[c]
        if weight == 0.0:
            ranked = [(label, 1.0 if i == self._oov_index else 0.0) for i, label in enumerate(self.labels)]
            return sorted(ranked, key=lambda kv: -kv[1])
        known = weight - oov
        if self.settings["unseen"] == "zero":
            pass
        elif known:
            # give unseen features the mean known log-likelihood of each class (neutral), then credit OOS
            scale = weight / known
            scores = [s * scale for s in scores]
        else:
            scores = [0.0] * n
        if self._oov_index is not None and oov:
            scores[self._oov_index] += oov * self.settings["oov_bonus"]
        k = self.settings["sharpness"] / weight ** self.settings["length_power"]
        logits = [self._prior[c] + k * scores[c] for c in range(n)]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        ranked = [(self.labels[c], exps[c] / total) for c in range(n)]
        ranked.sort(key=lambda kv: -kv[1])
        return ranked
