"""KnowledgeBase: region-aware BM25 retrieval over curated entries, producing ready-to-send answers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.bm25 import BM25
from knowledge.config import Settings, load_settings
from knowledge.entries import ALL, DEFAULT_ROOT, Entry, SourceDoc, load_entries, load_sources
from knowledge.tokenize import JiebaTokenizer

Tokenize = Callable[[str], list[str]]
_MONEY = re.compile(r"\d[\d.]*\s*万?\s*元")


@dataclass(frozen=True)
class Hit:
    """One scored entry; `citation` is the 依据 line for the region asked about."""

    entry: Entry
    score: float
    citation: str


@dataclass(frozen=True)
class Answer:
    """What to send: kind is "answer", "ask_region" or "not_covered"."""

    kind: str
    text: str
    entry_ids: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    score: float = 0.0


class KnowledgeBase:
    """Curated entries plus a BM25 index over their questions (full weight) and answers (lower weight)."""

    def __init__(self, entries: list[Entry], sources: dict[str, SourceDoc], settings: Settings,
                 tokenize: Tokenize) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self.sources = sources
        self.settings = settings
        self._tokenize = tokenize
        docs: list[list[str]] = []
        self._question_docs: list[list[int]] = []
        for entry in self.entries:
            self._question_docs.append([len(docs) + i for i in range(len(entry.questions))])
            docs.extend(tokenize(q) for q in entry.questions)
        self._answer_doc_start = len(docs)
        docs.extend(tokenize(e.answer) for e in self.entries)
        self._bm25 = BM25(docs, k1=settings.k1, b=settings.b)

    def search(self, text: str, region: str | None, intent: str | None, limit: int = 3) -> list[Hit]:
        """Best entries for `text` among those valid for `region` (None = any) and `intent` (None = any)."""
        query = self._tokenize(text)
        if not query:
            return []
        scored: list[tuple[float, int]] = []
        for i, entry in enumerate(self.entries):
            if not entry.applies_to(region) or (intent is not None and intent not in entry.intents):
                continue
            best_question = max(self._bm25.score(query, d) for d in self._question_docs[i])
            score = best_question + self.settings.answer_weight * self._bm25.score(
                query, self._answer_doc_start + i)
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [Hit(self.entries[i], score, self.citation(self.entries[i], region))
                for score, i in scored[:limit]]

    def answer(self, text: str, region: str | None, intent: str | None,
               today: dt.date | None = None) -> Answer:
        """Answer a parent: ask for the region when answers differ by region, or say honestly it's not covered."""
        s = self.settings
        region = region or self.detect_region(text)
        hits = self.search(text, region, intent, limit=10)
        if intent is not None and s.intent_fallback and (not hits or hits[0].score < s.min_score):
            hits = self.search(text, region, None, limit=10)
        if not hits or hits[0].score < s.min_score:
            return Answer("not_covered", s.messages["not_covered"], score=hits[0].score if hits else 0.0)
        top = hits[0]
        if region is None and ALL not in top.entry.regions:
            close = [h for h in hits if h.score >= s.ask_region_ratio * top.score and ALL not in h.entry.regions]
            if len({h.entry.regions for h in close}) > 1:
                regions = [r for r in self.sources if any(r in h.entry.regions for h in close)]
                names = "、".join(self.sources[r].name for r in regions)
                return Answer("ask_region", s.messages["ask_region"].format(names=names),
                              [h.entry.id for h in close], regions, top.score)
        return Answer("answer", self.render(top.entry, region, today), [top.entry.id],
                      list(top.entry.regions), top.score)

    def render(self, entry: Entry, region: str | None, today: dt.date | None = None) -> str:
        """Answer text + citation line (+ disclaimer for money/eligibility, + expiry note)."""
        s = self.settings
        parts = []
        if region is None and ALL not in entry.regions:
            names = "、".join(self.sources[r].name for r in entry.regions)
            parts.append(s.messages["region_label"].format(name=names))
        parts.append(entry.answer)
        text = "".join(parts) + "\n" + self.citation(entry, region)
        intents = set(entry.intents)
        if intents & s.disclaimer_intents or (intents & s.disclaimer_if_money_intents
                                               and _MONEY.search(unicodedata.normalize("NFKC", entry.answer))):
            text += "\n" + s.disclaimer
        valid_to = entry.valid_to
        if valid_to is not None and (today or dt.date.today()) > valid_to:
            text += "\n" + s.messages["expired"].format(date=valid_to.isoformat())
        return text

    def citation(self, entry: Entry, region: str | None) -> str:
        """依据 line naming the documents and clauses; only the asked region's document when it has one."""
        wanted = self.sources[region].document if region in self.sources else None
        sources = [c for c in entry.sources if c.document == wanted] or list(entry.sources)
        clauses: dict[str, list[str]] = {}
        for c in sources:
            if c.clause not in clauses.setdefault(c.document, []):
                clauses[c.document].append(c.clause)
        body = "；".join(f"{doc} {'、'.join(cl)}" for doc, cl in clauses.items())
        return self.settings.messages["citation_prefix"] + body

    def detect_region(self, text: str) -> str | None:
        """Region named in the message itself; settings order decides ties (綦江 is listed before 重庆)."""
        for region, aliases in self.settings.region_aliases.items():
            if region in self.sources and any(alias in text for alias in aliases):
                return region
        return None


def load_knowledge_base(root: Path | None = None, tokenize: Tokenize | None = None,
                        cache_dir: Path | None = None) -> KnowledgeBase:
    """Load sources, entries and settings from `root` (default: this package); raises KnowledgeError."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    settings = load_settings(root / "data")
    sources = load_sources(root)
    entries = load_entries(root, set(sources), set(settings.intents))
    if tokenize is None:
        tokenize = JiebaTokenizer(root / "data", Path(cache_dir) if cache_dir is not None else None)
    return KnowledgeBase(entries, sources, settings, tokenize)
