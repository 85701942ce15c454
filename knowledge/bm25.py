"""Okapi BM25 over short token lists; small enough to own instead of adding a dependency."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


class BM25:
    """Index a fixed list of documents (token lists) and score queries against them."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.freqs = [Counter(doc) for doc in docs]
        self.lengths = [len(doc) for doc in docs]
        self.avg_len = (sum(self.lengths) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for freq in self.freqs:
            df.update(freq.keys())
        n = len(docs)
        # BM25+ style floor: idf never negative, so very common words add nothing rather than subtract.
        self.idf = {term: math.log(1 + (n - count + 0.5) / (count + 0.5)) for term, count in df.items()}
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)  # a word no document uses is maximally specific
        self.norms = [self.k1 * (1 - self.b + self.b * length / self.avg_len) if self.avg_len else self.k1
                      for length in self.lengths]

    def score(self, query: Sequence[str], index: int) -> float:
        """BM25 score of document `index` for the query tokens (repeats in the query count once)."""
        freq, norm = self.freqs[index], self.norms[index]
        total = 0.0
        for term in set(query):
            tf = freq.get(term, 0)
            if tf:
                total += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        return total

    def coverage(self, query: Sequence[str], vocabulary: set[str]) -> float:
        """Share (idf-weighted) of the query's words that `vocabulary` contains; low = off-topic question."""
        total = self.weight(query)
        return self.matched(query, vocabulary) / total if total else 0.0

    def weight(self, query: Sequence[str]) -> float:
        """Summed idf of the query's distinct words: how much a question says."""
        return sum(self.idf.get(t, self.unseen_idf) for t in set(query))

    def matched(self, query: Sequence[str], vocabulary: set[str]) -> float:
        """Summed idf of the query's distinct words that `vocabulary` contains: how much of what was said an
        entry speaks to, whatever else the message rambles about."""
        return sum(self.idf.get(t, self.unseen_idf) for t in set(query) if t in vocabulary)

    def scores(self, query: Sequence[str], indices: Sequence[int] | None = None) -> dict[int, float]:
        """Scores for the given documents (all when None)."""
        wanted = range(len(self.freqs)) if indices is None else indices
        return {i: self.score(query, i) for i in wanted}
