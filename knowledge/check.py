"""`kb check`: verify every quote is in its source, every number in an answer is in its quotes, no dupes."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from knowledge.config import load_settings
from knowledge.duplicates import find_duplicates
from knowledge.entries import ALL, Entry, parse_entry
from knowledge.figures import missing_figures, stale_omits
from knowledge.numbers import extract_numbers, stated_values
from knowledge.sources import SourceDoc, all_documents, lineage, load_sources
from knowledge.yamlload import KnowledgeError, line_of, load_yaml

_SPACE = re.compile(r"\s+")
# A figure a quote states and the answer does not say (knowledge/figures.py) fails `kb check`.
MISSING_FIGURE_IS_ERROR = True
_KEY = re.compile(r"^(?:- )?\s*[a-z_]+:")  # an entry's field (`omits:`, `sources:`), not a list item


def squash(text: str) -> str:
    """NFKC and no whitespace: PDF line breaks and full-width digits must not defeat quote matching."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def check_tree(root: Path) -> tuple[list[str], list[Entry]]:
    """All problems as `file:line: message` lines, plus the entries that parsed."""
    try:
        settings = load_settings(root / "data")
        sources = load_sources(root)
    except KnowledgeError as exc:
        return [str(exc)], []
    errors: list[str] = []
    texts: dict[str, str] = {}
    for doc in all_documents(sources):
        try:
            texts[squash(doc.document)] = squash(doc.file.read_text(encoding="utf-8"))
        except OSError as exc:
            errors.append(f"{root / 'sources' / 'index.yaml'}:1: cannot read {doc.file}: {exc}")
    entries = _parse_all(root, sources, set(settings.intents), errors)
    for entry in entries:
        errors.extend(check_entry(entry, settings.answer_max_bytes, sources, texts))
    errors.extend(_duplicates(entries, sources, settings.near_duplicate_ratio))
    for path in sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []:
        try:
            data = load_yaml(path)
        except KnowledgeError as exc:
            errors.append(str(exc))
            continue
        for node in _citations(data):
            errors.extend(_check_quote(f"{path}:{line_of(node)}", node["document"], node["quote"], texts))
    return errors, entries


def source_texts(sources: dict[str, SourceDoc]) -> dict[str, str]:
    """Squashed document number -> squashed text, for current and replaced documents (unreadable ones left out)."""
    texts: dict[str, str] = {}
    for doc in all_documents(sources):
        try:
            texts[squash(doc.document)] = squash(doc.file.read_text(encoding="utf-8"))
        except OSError:
            continue
    return texts


def check_entry(entry: Entry, answer_max_bytes: int, sources: dict[str, SourceDoc],
                texts: dict[str, str]) -> list[str]:
    """One entry's checks (the console runs them live on an entry being written): answer size, verbatim
    quotes, regions backed by their documents, figures said, every number of the answer in its quotes."""
    errors: list[str] = []
    where = f"{entry.path}:{entry.line}"
    size = len(entry.answer.encode("utf-8"))
    if size > answer_max_bytes:
        errors.append(f"{where}: answer of {entry.id} is {size} bytes, limit {answer_max_bytes}")
    for cite in entry.sources:
        errors.extend(_check_quote(f"{entry.path}:{cite.line}", cite.document, cite.quote, texts))
    errors.extend(_check_coverage(entry, sources))
    if MISSING_FIGURE_IS_ERROR:
        errors.extend(check_figures(entry))
    supported: set[float] = set()
    for cite in entry.sources:
        supported |= {round(v, 6) for v in stated_values(cite.quote)}
    for answer in (entry.answer, *(band[2] for band in entry.bands)):
        for surface, value in extract_numbers(answer):
            if round(value, 6) not in supported:
                errors.append(f"{where}: number {surface!r} in answer of {entry.id} is not in its quotes")
        size = len(answer.encode("utf-8"))
        if answer is not entry.answer and size > answer_max_bytes:
            errors.append(f"{where}: a band answer of {entry.id} is {size} bytes, limit {answer_max_bytes}")
    return errors


def check_figures(entry: Entry) -> list[str]:
    """Figures the entry's quotes state that its answer neither says nor lists (with a reason) in `omits`."""
    problems: list[str] = []
    for cite in entry.sources:
        for _, surface in missing_figures([cite.quote], entry.answer, entry.omits):
            problems.append(f'{entry.path}:{cite.line}: entry {entry.id} quotes "{surface}" but the answer does '
                            f"not say it (add it to the answer, or to `omits:` with a # reason)")
    where = f"{entry.path}:{entry.line}"
    for item in stale_omits([c.quote for c in entry.sources], entry.omits):
        problems.append(f'{where}: entry {entry.id} omits "{item}", which none of its quotes states')
    for item in entry.omits:
        if not _has_reason(entry, item):
            problems.append(f'{where}: entry {entry.id} omits "{item}" without a # reason on its line')
    return problems


def _has_reason(entry: Entry, item: str) -> bool:
    """The YAML line naming an omitted figure (or the line above it) carries a `#` comment."""
    try:
        lines = entry.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    inside = False  # within the entry's `omits:` block
    for number in range(max(entry.line - 1, 0), len(lines)):
        line = lines[number]
        if number >= entry.line and line.startswith("- "):
            break
        head = line.split("#", 1)
        if _KEY.match(head[0]):
            inside = head[0].strip().startswith("omits:")
        if inside and item in head[0] and (len(head) > 1 or lines[number - 1].strip().startswith("#")):
            return True
    return False


def _parse_all(root: Path, sources: dict[str, SourceDoc], intents: set[str], errors: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted((root / "entries").glob("*.yaml")):
        try:
            data = load_yaml(path)
        except KnowledgeError as exc:
            errors.append(str(exc))
            continue
        if not isinstance(data, list):
            errors.append(f"{path}:{line_of(data)}: expected a list of entries")
            continue
        for item in data:
            try:
                entries.append(parse_entry(item, path, set(sources), intents))
            except KnowledgeError as exc:
                errors.append(str(exc))
    return entries


def _check_quote(where: str, document: Any, quote: Any, texts: dict[str, str]) -> list[str]:
    if not isinstance(document, str) or not isinstance(quote, str) or not quote.strip():
        return [f"{where}: citation needs string document and non-empty quote"]
    text = texts.get(squash(document))
    if text is None:
        return [f"{where}: unknown document {document!r}"]
    if squash(quote) not in text:
        return [f"{where}: quote not found in {document}: {quote[:40]!r}"]
    return []


def _check_coverage(entry: Entry, sources: dict[str, SourceDoc]) -> list[str]:
    """Each region an entry claims must be backed by a quote from that region's document."""
    where = f"{entry.path}:{entry.line}"
    cited = {squash(c.document) for c in entry.sources}
    claimed = list(sources) if ALL in entry.regions else list(entry.regions)
    # An entry written for the document a region's current one replaced still belongs to that region.
    documents = {r: {squash(d.document) for d in lineage(sources[r])} for r in claimed}
    errors = [f"{where}: {entry.id} claims {r} but quotes nothing from {sources[r].document}"
              for r in claimed if not documents[r] & cited]
    allowed = set().union(*documents.values())
    errors += [f"{entry.path}:{c.line}: {entry.id} quotes {c.document}, which is not one of its regions"
               for c in entry.sources if squash(c.document) not in allowed]
    return errors


def _duplicates(entries: list[Entry], sources: dict[str, SourceDoc], ratio: float) -> list[str]:
    """Duplicates among current entries and among those resting only on replaced documents: the entry
    for a new document asks the old one's questions on purpose (each is served only in its own period)."""
    current = {squash(d.document) for d in sources.values()}
    live = [e for e in entries if any(squash(c.document) in current for c in e.sources)]
    retired = [e for e in entries if e not in live]
    live_ids = {e.id for e in live}
    return find_duplicates(live, ratio) + find_duplicates(retired, ratio) + [
        f"{e.path}:{e.line}: duplicate id {e.id}" for e in retired if e.id in live_ids]


def _citations(node: Any) -> list[dict[str, Any]]:
    """Every mapping anywhere in a rules file that has both `document` and `quote`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "document" in node and "quote" in node:
            found.append(node)
        for value in node.values():
            found.extend(_citations(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_citations(value))
    return found


def summary(entries: list[Entry]) -> str:
    """One line: totals per region and per intent."""
    regions = Counter(r for e in entries for r in e.regions)
    intents = Counter(i for e in entries for i in e.intents)
    fmt = ", ".join
    return (f"{len(entries)} entries ok; regions: {fmt(f'{k}={v}' for k, v in sorted(regions.items()))}; "
            f"intents: {fmt(f'{k}={v}' for k, v in sorted(intents.items()))}")
