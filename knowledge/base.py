"""KnowledgeBase: region-aware BM25 retrieval over curated entries, producing ready-to-send answers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from knowledge.ages import age_bands, fits_age
from knowledge.bm25 import BM25
from knowledge.config import Settings, load_settings
from knowledge.entries import ALL, Entry, load_entries
from knowledge.passages import Passages
from knowledge.regions import load_region_table
from knowledge.render import citation_body, citation_line, render_answer
from knowledge.sources import DEFAULT_ROOT, SourceDoc, load_sources
from knowledge.tokenize import JiebaTokenizer, TokenMapper
from knowledge.validity import Standing, china_today, out_of_force, standing
from knowledge.yamlload import KnowledgeError

Tokenize = Callable[[str], list[str]]
Normalize = Callable[[str], str]
_CHILD_AGE = re.compile(r"[0-9０-９零一二两三四五六七八九十.]+\s*(?:周岁|岁)(?:半|多|了)?"
                        r"(?!\s*(?:以上|以下|以内|以后|之前|之后|前|后|到|至|—|-|~|～|及))")
_AMOUNT = re.compile(r"\d[\d,.]*\s*(?:万)?元")  # an answer stating a sum of money
_CHAR_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")


class Query(NamedTuple):
    """A question as the two retrieval channels see it."""

    words: tuple[str, ...]
    chars: tuple[str, ...]
    topic: tuple[str, ...] = ()  # the words without place names: what the coverage of an entry is judged on


def char_bigrams(text: str) -> list[str]:
    """Overlapping character pairs inside each run of Chinese characters (a lone character stands alone);
    Latin letters and digits stay whole words."""
    grams: list[str] = []
    for run in _CHAR_RUN.findall(text.lower()):
        if run.isascii() or len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Hit:
    """One scored entry; `citation` is the 依据 line for the region asked about."""

    entry: Entry
    score: float
    citation: str
    coverage: float = 1.0
    matched: float = 0.0  # summed idf of the question's topic words the entry holds (see BM25.matched)


@dataclass(frozen=True)
class Answer:
    """What to send: kind is "answer", "choose", "ask_region", "expired" or "not_covered"."""

    kind: str
    text: str
    entry_ids: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    score: float = 0.0
    # kind "expired": the entry that answers rests on a document not in force on the day asked (issue 16)
    standing: Standing | None = None
    # sent as the nearest match, with an offer of a person (messages.tentative): not surely what was asked
    tentative: bool = False


class KnowledgeBase:
    """Curated entries plus a BM25 index over their questions (full weight) and answers (lower weight)."""

    def __init__(self, entries: list[Entry], sources: dict[str, SourceDoc], settings: Settings,
                 tokenize: Tokenize, normalize: Normalize | None = None, passages: Passages | None = None) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_id = {e.id: e for e in self.entries}
        self.sources = sources
        self.settings = settings
        self._tokenize = tokenize
        self._normalize = normalize or _plain
        self._last_query: tuple[str | None, Query] = (None, Query((), ()))
        texts: list[str] = []
        self._question_docs: list[list[int]] = []
        for entry in self.entries:
            self._question_docs.append([len(texts) + i for i in range(len(entry.questions))])
            texts.extend(entry.questions)
        self._answer_doc_start = len(texts)
        texts.extend(e.answer for e in self.entries)
        docs = [tokenize(t) for t in texts]
        self._bm25 = BM25(docs, k1=settings.k1, b=settings.b)
        # A second channel over character bigrams: a dialect word, a typo or a segmentation jieba gets
        # wrong still shares most of its characters with the entry's wording.
        self._chars = BM25([char_bigrams(self._normalize(t)) for t in texts], k1=settings.k1, b=settings.b)
        # Age bands an entry is about, read from its parent-style questions (0—6岁, 七岁以上, 未满7周岁…);
        # a question that gives the child's age never gets an entry whose every band excludes it. Not
        # from the answer: an answer names other bands in its notes ("7—17岁的标准已含交通费") without
        # being about them.
        self._ages = [age_bands(" ".join(e.questions)) for e in self.entries]
        self._states_age = [bool(age_bands(e.answer)) for e in self.entries]  # names an age limit or band
        self._vocab = [set().union(*(docs[d] for d in self._question_docs[i]), docs[self._answer_doc_start + i])
                       for i in range(len(self.entries))]
        self._ended: dict[tuple[dt.date, str | None], dict[int, Standing]] = {}
        self._passages = passages or Passages(sources, tokenize)

    def ended(self, day: dt.date, region: str | None) -> dict[int, Standing]:
        """Entries (by index) whose document is not in force on `day` for `region`, with that document's
        state; worked out once per day and region (issue 16: validity)."""
        key = (day, region)
        found = self._ended.get(key)
        if found is None:
            if len(self._ended) > 64:
                self._ended.clear()
            found = {i: state for i, e in enumerate(self.entries)
                     if (state := out_of_force(e, region, self.sources, day)) is not None}
            self._ended[key] = found
        return found

    def in_force(self, entry: Entry, region: str | None, today: dt.date | None = None) -> Standing | None:
        """None when `entry` may be served as current on `today` (default: China's today); else the state
        of the document it rests on."""
        return out_of_force(entry, region, self.sources, today or china_today())

    def search(self, text: str, region: str | None, intent: str | None, limit: int = 3,
               residency: str | None = None, intent_probs: dict[str, float] | None = None,
               age: float | None = None, today: dt.date | None = None, ended: bool = False,
               institution: str | None = None) -> list[Hit]:
        """Best entries for `text` among those valid for `region` (None = any), `intent` (None = any) and the
        family's `residency` (hukou / residence_permit, when the message says it).

        Only entries whose document is in force on `today` (default: China's today) are found, so an ended
        or superseded document is never served as current; `ended=True` finds only the others (to tell a
        parent that the document answering their question has expired).

        `intent_probs` (the intent model's probabilities) is one feature of a single ranking over the
        whole knowledge base: an entry's lexical score grows with the probability of its likeliest intent,
        so the model can tip a near-tie but never gates an entry out."""
        query = self._query_tokens(text)
        if not query.words:
            return []
        scored: list[tuple[float, int]] = []
        weight = self.settings.intent_weight
        # "年龄上限是几岁": an entry that names an age limit or band speaks to it (slot compatibility)
        asks_age = not self.settings.age_question_words.isdisjoint(query.words)
        stale = self.ended(today or china_today(), region)
        for i, entry in enumerate(self.entries):
            if not entry.applies_to(region) or (intent is not None and intent not in entry.intents):
                continue
            if (i in stale) != ended:
                continue
            if not entry.fits_residency(residency) or not entry.fits_institution(institution) \
                    or not fits_age(self._ages[i], age):
                continue
            score = self.entry_score(i, query)
            if asks_age and self._states_age[i]:
                score *= 1 + self.settings.age_question_weight
            if intent_probs and score > 0:
                score *= 1 + weight * max((intent_probs.get(name, 0.0) for name in entry.intents), default=0.0)
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [Hit(self.entries[i], score, self.citation(self.entries[i], region),
                    self._bm25.coverage(query.topic, self._vocab[i]), self._bm25.matched(query.topic, self._vocab[i]))
                for score, i in scored[:limit]]

    def entry_score(self, index: int, query: Query, skip_doc: int | None = None) -> float:
        """Lexical evidence for entry `index`: its best-matching question plus its answer at a lower
        weight, on words and (weighted by `char_weight`) on character bigrams. `skip_doc` leaves one
        indexed question out (leave-one-out tuning)."""
        s = self.settings
        questions = self._question_docs[index]
        if skip_doc is not None:  # tuning only: the search path never copies the list
            questions = [d for d in questions if d != skip_doc] or questions
        answer = self._answer_doc_start + index
        words = max(self._bm25.score(query.words, d) for d in questions) + \
            s.answer_weight * self._bm25.score(query.words, answer)
        if not s.char_weight or not query.chars:
            return words
        chars = max(self._chars.score(query.chars, d) for d in questions) + \
            s.answer_weight * self._chars.score(query.chars, answer)
        return words + s.char_weight * chars

    def _query_tokens(self, text: str) -> Query:
        """Words and character bigrams of a question; `answer` may search twice (with and without the
        intent), so the last question's tokens are kept (one entry, swapped atomically)."""
        last = self._last_query
        if last[0] != text:
            # The child's own age ("娃儿3岁") says who asks, not what: it is a filter (age bands), and as
            # words it would pull every entry that mentions an age. (Place names stay: they are evidence
            # for a region's own entry over a general one.)
            plain = _CHILD_AGE.sub(" ", text)
            words = tuple(self._tokenize(plain))
            # ...but a place is not the topic: "上海的学区房怎么买" shares 上海 with every Shanghai entry, and
            # that alone must not make an entry look like it answers.
            ignored = self.settings.coverage_ignores
            topic = tuple(w for w in words if not _is_place(w) and w not in ignored)
            query = Query(words, tuple(char_bigrams(self._normalize(plain))), topic)
            last = self._last_query = (text, query)
        return last[1]

    def answer(self, text: str, region: str | None, intent: str | None,
               today: dt.date | None = None, residency: str | None = None,
               intent_probs: dict[str, float] | None = None, age: float | None = None,
               institution: str | None = None, facts: Mapping[str, Any] | None = None) -> Answer:
        """Answer a parent: ask for the region when answers differ by region, offer the two likeliest
        entries when two topics tie, or say honestly it's not covered.
        `residency` (from the message: hukou / residence_permit) and `institution` (in / out of the district)
        leave out entries about the other kind;
        `age` leaves out entries whose every age band excludes the child; the family's stated `facts` pick an
        entry's band (`bands:`), so the other band's sum never reaches them."""
        s = self.settings
        region = region or self.detect_region(text)
        today = today or china_today()
        hits = self.search(text, region, intent, limit=10, residency=residency, intent_probs=intent_probs, age=age,
                           today=today, institution=institution)
        if intent is not None and s.intent_fallback and not self._covered(hits):
            hits = self.search(text, region, None, limit=10, residency=residency, intent_probs=intent_probs,
                               age=age, today=today, institution=institution)
        if hits and not self._sure(hits):
            # a near-tie: an entry scoring almost as high that does hold the question's words answers it
            near = next((h for h in hits[1:4] if self._sure([h]) and (
                h.score >= s.near_tie * hits[0].score and h.coverage >= hits[0].coverage + s.near_tie_coverage_gain
                or h.score >= s.near_tie_far * hits[0].score
                and h.coverage >= hits[0].coverage + s.near_tie_far_coverage_gain)), None)
            if near is not None:
                hits = [near, *[h for h in hits if h is not near]]
        if not self._covered(hits):
            return self._expired(text, region, today, residency, intent_probs, age, institution) or \
                self.quote(text, region, today) or \
                Answer("not_covered", s.messages["not_covered"], score=hits[0].score if hits else 0.0)
        top = hits[0]
        if region is None and ALL not in top.entry.regions:
            # A region's answer never goes to a family whose region we do not know: another region's
            # document may say something else, or nothing.
            close = [h for h in hits if h.score >= s.ask_region_ratio * top.score and ALL not in h.entry.regions]
            regions = [r for r in self.sources if any(r in h.entry.regions for h in close)]
            names = "、".join(self.sources[r].name for r in regions)
            return Answer("ask_region", s.messages["ask_region"].format(names=names),
                          [h.entry.id for h in close], regions, top.score)
        # Past this point the region is known or the best entry is general (`all` entries never compete).
        # Two different entries for the same place scoring alike: we cannot tell which was asked.
        rival = self._runner_up(hits)
        if rival is not None and top.score < s.min_margin * rival.score:
            tied = self._tie(top, rival, intent, region, today, facts)
            if tied is not None:
                return tied
        sure = self._sure(hits)
        if not sure or top.coverage < s.passage_check_below:
            # the entry holds little of the question: a sentence of the document that holds clearly more says it
            closer = self.quote(text, region, today, min_coverage=top.coverage + s.passage_over_entry)
            if closer is not None:
                return closer
        reply = self.render(top.entry.answer_for(facts), region, today)
        if not sure:
            reply = f"{reply}\n{s.messages['tentative']}"
        return Answer("answer", reply, [top.entry.id], list(top.entry.regions), top.score, tentative=not sure)

    def _expired(self, text: str, region: str | None, today: dt.date, residency: str | None,
                 intent_probs: dict[str, float] | None, age: float | None,
                 institution: str | None = None) -> Answer | None:
        """No current entry answers, but one resting on an ended (or not yet valid) document would: the
        parent is told that, not "not covered" (the caller words it and asks a volunteer)."""
        if not self.ended(today, region):
            return None
        old = self.search(text, region, None, limit=10, residency=residency, intent_probs=intent_probs, age=age,
                          today=today, ended=True, institution=institution)
        if not self._covered(old):
            return None
        top = old[0]
        standing = self.in_force(top.entry, region, today)
        return Answer("expired", "", [top.entry.id], list(top.entry.regions), top.score, standing)

    def _tie(self, top: Hit, rival: Hit, intent: str | None, region: str | None,
             today: dt.date | None, facts: Mapping[str, Any] | None = None) -> Answer | None:
        """Two entries for the asked place score alike. Different topics: offer both questions. Same topic:
        the entry whose main topic is the one asked, or whose words cover clearly more of the question, wins;
        otherwise both sub-cases are sent when they fit a phone, else offered (never guess a money band).
        None = answer `top`."""
        s = self.settings
        ids = [top.entry.id, rival.entry.id]
        if rival.coverage < s.min_coverage:
            return None
        same_topic = bool(set(rival.entry.intents) & set(top.entry.intents))
        on_topic = intent is not None and top.entry.intents[0] == intent != rival.entry.intents[0]
        if same_topic and (on_topic or top.coverage >= rival.coverage + 0.1):
            return None
        # Answer first: both answers when they fit a phone (the parent reads the fact now, not a menu);
        # a menu only when they do not.
        first, second = top.entry.answer_for(facts), rival.entry.answer_for(facts)
        both = f"{self.render(first, region, today)}\n\n{self.render(second, region, today)}"
        if len(both) <= s.combined_max_chars:
            return Answer("answer", both, ids, list(top.entry.regions), top.score)
        if same_topic and not (_AMOUNT.search(top.entry.answer) and _AMOUNT.search(rival.entry.answer)):
            # two sides of one topic: the better one is the answer, the other named; a menu only between two sums
            see_also = s.messages["see_also"].format(question=rival.entry.questions[0])
            return Answer("answer", f"{self.render(first, region, today)}\n{see_also}", [top.entry.id],
                          list(top.entry.regions), top.score)
        return Answer("choose", "", ids, list(top.entry.regions), top.score)

    def _covered(self, hits: list[Hit]) -> bool:
        """Best hit is strong enough and shares enough of the question's words, or speaks to enough of what
        a long message says (`_broad`)."""
        return self._sure(hits) or self._broad(hits)

    def _broad(self, hits: list[Hit]) -> bool:
        """A long message ("我老公住院了…娃儿哪个来管") shares a small share of its words with the entry that
        answers it, but several informative ones: enough summed idf, a fair score and some coverage. Such an
        answer is sent with an offer of a person (settings: messages.tentative)."""
        s = self.settings
        return bool(hits) and hits[0].matched >= s.min_topic_mass and hits[0].score >= s.min_score_topic_mass \
            and hits[0].coverage >= s.min_coverage_topic_mass

    def _sure(self, hits: list[Hit]) -> bool:
        """The best hit shares enough of the question's words (or a very strong match): sent as it is."""
        if self._strong(hits):
            return True
        if not hits or hits[0].coverage < self.settings.min_coverage:
            return False
        # A short question ("孩子符合条件吗") scores low however well it matches: enough when the entry
        # has every one of its words.
        full = hits[0].coverage >= 0.99 and hits[0].score >= self.settings.min_score_full_coverage
        return hits[0].score >= self.settings.min_score or full

    def _strong(self, hits: list[Hit]) -> bool:
        """A long, rambling message shares a small part of its words with any entry; a very strong match
        on the words it does share is enough."""
        s = self.settings
        return bool(hits) and hits[0].score >= s.min_score_strong and hits[0].coverage >= s.min_coverage_strong

    def _runner_up(self, hits: list[Hit]) -> Hit | None:
        top = hits[0].entry
        return next((h for h in hits[1:] if h.entry.id != top.id and _same_place(h.entry, top)), None)

    def quote(self, text: str, region: str | None, today: dt.date | None = None,
              min_coverage: float = 0.0) -> Answer | None:
        """No entry answers: the sentence of the region's document that does, verbatim and cited (kind
        "quote"), when it holds enough of the question; None otherwise. Never for what no document gives
        (settings `unsaid`), nor from a document not in force."""
        s = self.settings
        doc = self.sources.get(region or "")
        if doc is None or standing(doc, None, today or china_today()).state != "in_force":
            return None
        if next(self._unsaid_kinds(text), None) is not None:
            return None
        query = self._query_tokens(text)
        found = self._passages.best(query.words, query.topic, doc.region)
        if found is None or found.score < s.min_passage_score or \
                found.coverage < max(s.min_passage_coverage, min_coverage):
            return None
        lines = [s.messages["quote"].format(text=found.text),
                 s.messages["citation_prefix"] + citation_body([(found.document, found.clause)])]
        if "元" in found.text:
            lines.append(s.disclaimer)
        lines.append(s.messages["tentative"])
        return Answer("quote", "\n".join(lines), [], [doc.region], found.score, tentative=True)

    def unsaid(self, text: str, entry: Entry | None = None) -> str | None:
        """What `text` asks for that no document gives ("电话是好多", "要带哪些材料") and `entry` (if any) does
        not give either: the kind's label for an honest hand-over, or None."""
        gives = entry.gives if entry is not None else ()
        return next((label for kind, label in self._unsaid_kinds(text) if kind not in gives), None)

    def asks_unsaid(self, text: str) -> bool:
        """`text` asks for a kind of fact the documents rarely give (a phone number, how long a permit must be
        held): a question on that fact, not on whether the family qualifies."""
        return next(self._unsaid_kinds(text), None) is not None

    def _unsaid_kinds(self, text: str) -> Iterator[tuple[str, str]]:
        """(kind, label) of each settings `unsaid` kind the question asks for."""
        plain = self._normalize(text)  # the engine's: dialect and typos read as standard words
        for kind, (label, words) in self.settings.unsaid.items():
            if any(word in plain for word in words):
                yield kind, label

    def with_entry(self, entry: Entry) -> KnowledgeBase:
        """This index with `entry` added (or replacing the one with its id): the console tries a question
        against an entry before it is published (issue 16)."""
        entries = [e for e in self.entries if e.id != entry.id] + [entry]
        return KnowledgeBase(entries, self.sources, self.settings, self._tokenize, self._normalize, self._passages)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def render(self, entry: Entry, region: str | None, today: dt.date | None = None) -> str:
        """Answer text + citation line (+ disclaimer for money/eligibility, + expiry note)."""
        return render_answer(entry, region, self.sources, self.settings, today)

    def citation(self, entry: Entry, region: str | None) -> str:
        """依据 line for `entry`, narrowed to the asked region's document when it has one."""
        return citation_line(entry, region, self.sources, self.settings)

    def detect_region(self, text: str) -> str | None:
        """Region named in the message itself (the one region table; 綦江 wins over 重庆)."""
        region = load_region_table().find(text)
        return region if region in self.sources else None


def load_knowledge_base(root: Path | None = None, tokenize: Tokenize | None = None,
                        cache_dir: Path | None = None, normalize: Normalize | None = None) -> KnowledgeBase:
    """Load sources, entries and settings from `root` (default: this package); raises KnowledgeError.

    `tokenize` (e.g. the intent engine's) replaces our jieba segmentation; our synonyms/stop words still apply.
    """
    root = Path(root) if root is not None else DEFAULT_ROOT
    settings = load_settings(root / "data")
    sources = load_sources(root)
    entries = load_entries(root, set(sources), set(settings.intents))
    for entry in entries:
        unknown = [kind for kind in entry.gives if kind not in settings.unsaid]
        if unknown:
            raise KnowledgeError(f"{entry.path}:{entry.line}: gives: unknown kind {unknown[0]!r} "
                                 f"(settings.yaml unsaid: {', '.join(settings.unsaid)})")
    if tokenize is None:
        tokenize = JiebaTokenizer(root / "data", Path(cache_dir) if cache_dir is not None else None)
    else:
        tokenize = TokenMapper(root / "data").wrap(tokenize)
    return KnowledgeBase(entries, sources, settings, tokenize, normalize)


@lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    table = load_region_table()
    return frozenset(w + suffix for w in (*table.words(), *table.other_places) for suffix in table.place_suffixes)


def _is_place(word: str) -> bool:
    return word in _place_words()


def _same_place(a: Entry, b: Entry) -> bool:
    """Two region-specific entries for a shared region compete; an `all` entry is general background that
    stays true next to any region's own answer, so it does not block one."""
    return ALL not in a.regions and ALL not in b.regions and bool(set(a.regions) & set(b.regions))
