"""Typed knowledge entries, validated when loaded so bad data fails at start-up."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from knowledge.sources import parse_date, required_date
from knowledge.yamlload import KnowledgeError, LineDict, line_of, load_yaml

ALL = "all"
# An entry about one kind of family only (the policies treat local hukou and residence permits apart).
RESIDENCIES = ("hukou", "residence_permit")
INSTITUTIONS = ("in_district", "out_of_district")
# Facts a parent states that pick one band of an entry's answer (`bands:`).
BAND_FACTS = ("hardship", "institution", "residency")
# YAML folding joins lines with a space; between Chinese characters that space is noise.
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


@dataclass(frozen=True)
class Citation:
    """A verbatim quote backing an answer."""

    document: str
    clause: str
    quote: str
    line: int = 0


@dataclass(frozen=True)
class Entry:
    """One curated question/answer pair with its citations."""

    id: str
    regions: tuple[str, ...]
    intents: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    sources: tuple[Citation, ...]
    reviewed: dt.date
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    held_out: tuple[str, ...] = ()
    residency: str | None = None  # hukou | residence_permit: the entry is only about those families
    institution: str | None = None  # in_district | out_of_district: only about children training there
    # The documents do not state what the entry's questions ask (an amount, a list, a procedure): the entry
    # says so and what they do say, and the question also goes to a volunteer who can find out.
    silent: bool = False
    # Figures (元, 岁, 次, dates…) the entry's quotes state and its answer leaves out on purpose, each with a
    # `#` reason in the YAML (e.g. the amount for another age band, answered by another entry). `kb check`.
    omits: tuple[str, ...] = ()
    # Kinds of fact (settings.yaml `unsaid`) this entry does give, e.g. [contact] for the 12355 hotline.
    gives: tuple[str, ...] = ()
    # The answer for a family that said which band it is in: (fact, value, answer), e.g. (hardship, False,
    # "…其他家庭每人每月最多300元…"): the other band's sum never reaches them (`answer_for`).
    bands: tuple[tuple[str, bool | str, str], ...] = ()
    path: Path = field(default=Path("."), compare=False)
    line: int = field(default=0, compare=False)

    def answer_for(self, facts: Mapping[str, Any] | None) -> Entry:
        """This entry with the answer of the band the family's stated facts pick (itself when none does)."""
        for fact, value, answer in self.bands:
            if facts and fact in facts and facts[fact] == value:
                return replace(self, answer=answer)
        return self

    def applies_to(self, region: str | None) -> bool:
        """True when the entry may be used for `region` (None = region unknown)."""
        return region is None or ALL in self.regions or region in self.regions

    def fits_residency(self, residency: str | None) -> bool:
        """False when the parent said which kind of family they are and this entry is about the other kind."""
        return residency is None or self.residency is None or residency == self.residency

    def fits_institution(self, institution: str | None) -> bool:
        """False when the parent said where the child trains and this entry is about the other kind of place
        ("区外机构 一年补好多" never gets the in-district band)."""
        return institution is None or self.institution is None or institution == self.institution


def _str_list(value: Any, where: str, key: str, minimum: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: {key} must be a list of non-empty strings")
    if len(value) < minimum:
        raise KnowledgeError(f"{where}: {key} needs at least {minimum} item(s), has {len(value)}")
    return tuple(v.strip() for v in value)


def parse_entry(item: Any, path: Path, regions: set[str], intents: set[str]) -> Entry:
    """Validate one YAML mapping into an Entry; raises KnowledgeError at the entry's line."""
    where = f"{path}:{line_of(item)}"
    if not isinstance(item, LineDict):
        raise KnowledgeError(f"{where}: each entry must be a mapping")
    allowed = {"id", "regions", "intents", "questions", "answer", "sources", "reviewed",
               "valid_from", "valid_to", "held_out", "residency", "institution", "silent", "omits", "gives", "bands"}
    if item.get("draft") is True:  # drafts/ written by `kb import`: never served unfinished
        raise KnowledgeError(f"{where}: {item.get('id')} is a draft: write its answer and questions, set "
                             f"`reviewed`, then remove `draft: true`")
    for key in sorted(set(item) - allowed, key=str):
        raise KnowledgeError(f"{where}: unknown field {key!r}")
    for key in ("id", "regions", "intents", "questions", "answer", "sources", "reviewed"):
        if key not in item:
            raise KnowledgeError(f"{where}: missing field {key!r}")
    if not isinstance(item["id"], str) or not item["id"].strip():
        raise KnowledgeError(f"{where}: id must be a non-empty string")
    if not isinstance(item["answer"], str) or not item["answer"].strip():
        raise KnowledgeError(f"{where}: answer must be a non-empty string")
    entry_regions = _str_list(item["regions"], where, "regions", 1)
    for region in entry_regions:
        if region != ALL and region not in regions:
            raise KnowledgeError(f"{where}: unknown region {region!r}")
    if ALL in entry_regions and len(entry_regions) > 1:
        raise KnowledgeError(f"{where}: region 'all' cannot be combined with other regions")
    entry_intents = _str_list(item["intents"], where, "intents", 1)
    for intent in entry_intents:
        if intent not in intents:
            raise KnowledgeError(f"{where}: unknown intent {intent!r}")
    residency = item.get("residency")
    if residency is not None and residency not in RESIDENCIES:
        raise KnowledgeError(f"{where}: residency must be one of {', '.join(RESIDENCIES)}, got {residency!r}")
    institution = item.get("institution")
    if institution is not None and institution not in INSTITUTIONS:
        raise KnowledgeError(f"{where}: institution must be one of {', '.join(INSTITUTIONS)}, got {institution!r}")
    if not isinstance(item.get("silent", False), bool):
        raise KnowledgeError(f"{where}: silent must be true or false")
    sources = item["sources"]
    if not isinstance(sources, list) or not sources:
        raise KnowledgeError(f"{where}: sources must be a non-empty list")
    citations = []
    for src in sources:
        swhere = f"{path}:{line_of(src, line_of(item))}"
        if not isinstance(src, dict):
            raise KnowledgeError(f"{swhere}: each source must be a mapping with document, clause, quote")
        for key in ("document", "clause", "quote"):
            if not isinstance(src.get(key), str) or not src[key].strip():
                raise KnowledgeError(f"{swhere}: source {key} must be a non-empty string")
        citations.append(Citation(src["document"].strip(), src["clause"].strip(), src["quote"],
                                  line_of(src, line_of(item))))
    return Entry(
        id=item["id"].strip(), regions=entry_regions, intents=entry_intents,
        questions=_str_list(item["questions"], where, "questions", 3),
        answer=_CJK_GAP.sub("", item["answer"].strip()),
        sources=tuple(citations), reviewed=required_date(item["reviewed"], where, "reviewed"),
        valid_from=parse_date(item.get("valid_from"), where, "valid_from"),
        valid_to=parse_date(item.get("valid_to"), where, "valid_to"),
        held_out=_str_list(item.get("held_out", []), where, "held_out", 0), residency=residency, institution=institution,
        silent=bool(item.get("silent", False)), omits=_str_list(item.get("omits", []), where, "omits", 0),
        gives=_str_list(item.get("gives", []), where, "gives", 0), bands=_bands(item.get("bands"), where),
        path=path, line=line_of(item),
    )


def _bands(value: Any, where: str) -> tuple[tuple[str, bool | str, str], ...]:
    """bands: {fact: {value: answer}} — e.g. {hardship: {true: …500元…, false: …300元…}}."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, dict) and v for v in value.values()):
        raise KnowledgeError(f"{where}: bands must map a fact to {{value: answer}}")
    out = []
    for fact, answers in value.items():
        if fact not in BAND_FACTS:
            raise KnowledgeError(f"{where}: bands: unknown fact {fact!r} (one of {', '.join(BAND_FACTS)})")
        for band, answer in answers.items():
            if not isinstance(band, bool | str) or not isinstance(answer, str) or not answer.strip():
                raise KnowledgeError(f"{where}: bands.{fact}: each value needs a non-empty answer")
            out.append((str(fact), band, _CJK_GAP.sub("", answer.strip())))
    return tuple(out)


def load_entries(root: Path, regions: set[str], intents: set[str]) -> list[Entry]:
    """Load every entries/*.yaml file (a list of entries each) in name order."""
    entries: list[Entry] = []
    files = sorted((root / "entries").glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{root / 'entries'}:1: no entry files found")
    for path in files:
        data = load_yaml(path)
        if data is None:
            continue
        if not isinstance(data, list):
            raise KnowledgeError(f"{path}:{line_of(data)}: expected a list of entries")
        entries.extend(parse_entry(item, path, regions, intents) for item in data)
    return entries
