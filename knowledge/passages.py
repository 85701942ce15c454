"""The documents' own sentences, searchable: when no curated entry answers, the sentence that does is quoted.

Curated entries cover what parents usually ask; a document also states facts nobody wrote an entry for (who
leads Zhuji's working group, Shanghai's plan for remote diagnosis, Guangxi's 送训补贴 "where conditions
allow"). Quoting the sentence verbatim, with its document number and clause, states only what the document
says, so it is safe to send where a paraphrase would need review.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from knowledge.bm25 import BM25
from knowledge.clauses import split_clauses
from knowledge.sources import SourceDoc

_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")
_MIN_CHARS = 8
_MAX_CHARS = 200  # a quote fits a phone screen with its citation
# Clause kinds that list, sign or address a document rather than state policy.
_SKIPPED_KINDS = frozenset({"attachments", "colophon"})


@dataclass(frozen=True)
class Passage:
    """One sentence of a document, where it stands, and how well it matched."""

    region: str
    document: str
    clause: str
    text: str
    score: float = 0.0
    coverage: float = 0.0


class Passages:
    """BM25 over every sentence of the regions' current documents."""

    def __init__(self, sources: dict[str, SourceDoc], tokenize: Callable[[str], list[str]]) -> None:
        self._tokenize = tokenize
        self._items: list[Passage] = []
        for region, doc in sources.items():
            for clause in split_clauses(doc.file.read_text(encoding="utf-8")):
                if clause.kind in _SKIPPED_KINDS:
                    continue
                for sentence in _SENTENCE_END.split(clause.body.replace("\n", "")):
                    sentence = sentence.strip()
                    if _MIN_CHARS <= len(sentence) <= _MAX_CHARS:
                        self._items.append(Passage(region, doc.document, clause.label, sentence))
        docs = [tokenize(p.text) for p in self._items]
        self._bm25 = BM25(docs)
        self._vocab = [set(d) for d in docs]
        self._by_region: dict[str, list[int]] = {}
        for i, item in enumerate(self._items):
            self._by_region.setdefault(item.region, []).append(i)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self._items)

    def best(self, words: tuple[str, ...], topic: tuple[str, ...], region: str) -> Passage | None:
        """The sentence of `region`'s document that best matches the question's `words`, with the share of
        its `topic` words (place and question words left out) the sentence holds."""
        best: tuple[float, int] | None = None
        for i in self._by_region.get(region, ()):
            score = self._bm25.score(words, i)
            if score > 0 and (best is None or score > best[0]):
                best = (score, i)
        if best is None:
            return None
        score, i = best
        item = self._items[i]
        return Passage(item.region, item.document, item.clause, item.text, score,
                       self._bm25.coverage(topic, self._vocab[i]))
