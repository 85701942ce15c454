"""Writing entries from the console's 政策文件 page (issue 16): next to the clause they cite, checked like
`kb check`, written as YAML into the knowledge folder the bot serves, every change reversible.

An entry is one list item of entries/<file>.yaml. A change replaces that item's lines only, so the comments
around it (and the `# reason` of each `omits:` figure, which is kept from the version before) survive. The
version before each change is kept in history/<entry id>.yaml; `revert` puts it back (an entry that did not
exist before is taken out again). An import draft the entry finishes is taken out of drafts/ when published.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.check import check_entry, source_texts, squash
from knowledge.config import load_settings
from knowledge.duplicates import find_duplicates
from knowledge.entries import Entry, load_entries, parse_entry
from knowledge.render import render_answer
from knowledge.sources import SourceDoc, lineage, load_sources
from knowledge.yamlload import KnowledgeError, load_yaml

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_ITEM_ID = re.compile(r"^- id:\s*['\"]?([^'\"\s#]+)")
_WRITE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Draft:
    """An entry as the console's form holds it (before it is checked and written)."""

    id: str
    region: str
    intents: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    sources: tuple[tuple[str, str, str], ...]  # (document, clause, quote)
    reviewed: dt.date
    draft_id: str = ""  # the import draft (drafts/<region>.yaml) this entry finishes

    def item(self) -> dict[str, Any]:
        return {"id": self.id, "regions": [self.region], "intents": list(self.intents),
                "questions": list(self.questions), "answer": self.answer,
                "sources": [{"document": d, "clause": c, "quote": q} for d, c, q in self.sources],
                "reviewed": self.reviewed}


@dataclass(frozen=True)
class Checked:
    """What the live check says: problems (empty = publishable) and the reply a parent would get."""

    problems: list[str]
    preview: str = ""
    warning: str = ""  # e.g. the document is not in force today: published, it is not served as current
    entry: Entry | None = None  # the entry as it would be loaded (when it parses)


@dataclass(frozen=True)
class Version:
    """One change of an entry, with the entry's text before it ("" = it did not exist)."""

    at: str
    actor: str
    action: str  # publish | revert
    file: str
    before: str


@dataclass
class Located:
    """Where an entry's item is: file and its lines [start, end)."""

    path: Path
    start: int
    end: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.lines[self.start:self.end])


def entry_files(root: Path) -> list[Path]:
    return sorted((root / "entries").glob("*.yaml"))


def _item_bounds(lines: list[str], start: int) -> int:
    """End (exclusive) of the list item starting at `start`: before the next item, trailing comments and
    blank lines left to whatever follows."""
    end = start + 1
    while end < len(lines) and not lines[end].startswith("- "):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def locate(path: Path, item_id: str) -> Located | None:
    """The item `- id: <item_id>` of a YAML list file."""
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines):
        match = _ITEM_ID.match(line)
        if match and match.group(1) == item_id:
            return Located(path, number, _item_bounds(lines, number), lines)
    return None


def find_entry(root: Path, entry_id: str) -> Located | None:
    for path in entry_files(root):
        found = locate(path, entry_id)
        if found is not None:
            return found
    return None


def raw_entry(root: Path, entry_id: str) -> dict[str, Any] | None:
    """The entry's YAML mapping as written (for the edit form)."""
    found = find_entry(root, entry_id)
    if found is None:
        return None
    data = yaml.safe_load(found.text)
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None


def _omits_lines(text: str) -> list[str]:
    """The `omits:` block of an item's text, comments (the reasons) included."""
    out: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if re.match(r"^  [a-z_]+:", line):
            inside = line.startswith("  omits:")
        if inside:
            out.append(line)
    return out


def item_text(draft: Draft, keep_from: str = "") -> str:
    """The YAML of one list item; `keep_from` = the text of the version it replaces: the fields the form does
    not edit (held_out, residency, silent, gives, validity…) keep their values, `omits:` its lines and reasons."""
    item = draft.item()
    old = yaml.safe_load(keep_from) if keep_from else None
    if isinstance(old, list) and old and isinstance(old[0], dict):
        item = {**{k: v for k, v in old[0].items() if k != "omits"}, **item}
    text = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=1000)
    return text + "".join(_omits_lines(keep_from))


def check_draft(root: Path, draft: Draft, today: dt.date | None = None) -> Checked:
    """The same checks as `kb check` on the entry as it would be written, plus the reply it would give."""
    problems: list[str] = []
    if not _ID.match(draft.id):
        problems.append(f"entry id {draft.id!r} must be lower-case latin letters, digits and hyphens")
    settings = load_settings(root / "data")
    sources = load_sources(root)
    existing = find_entry(root, draft.id)
    text = item_text(draft, existing.text if existing else "")
    with tempfile.TemporaryDirectory(prefix="xingban-entry-") as folder:
        path = Path(folder) / (existing.path.name if existing else f"{draft.region}.yaml")
        path.write_text(text, encoding="utf-8")
        try:
            data = load_yaml(path)
            entry = parse_entry(data[0], path, set(sources), set(settings.intents))
        except (KnowledgeError, IndexError, TypeError) as exc:
            return Checked([*problems, str(exc).replace(f"{path}:", "")])
        problems += [p.split(": ", 1)[-1] for p in check_entry(entry, settings.answer_max_bytes, sources,
                                                               source_texts(sources))]
    problems += _duplicate_problems(root, entry, sources, settings.near_duplicate_ratio)
    if problems:
        return Checked(problems, entry=entry)
    from knowledge.validity import china_today, out_of_force

    day = today or china_today()
    ended = out_of_force(entry, draft.region, sources, day)
    warning = "" if ended is None else f"{ended.document.document} 今天不在有效期内：发布后不会作为现行答案发送"
    return Checked([], render_answer(entry, draft.region, sources, settings, day), warning, entry)


@dataclass(frozen=True)
class Trial:
    """A parent's question tried against the index with the entry in it: what the bot would send."""

    question: str
    reaches: bool  # the entry being written answers it
    kind: str  # answer | choose | ask_region | expired | not_covered
    text: str  # the reply, or the entry ids offered
    other: str = ""  # the entry that answers instead


def try_questions(kb: Any, entry: Entry, region: str, questions: list[str]) -> list[Trial]:
    """Each question ranked over the knowledge base with `entry` in it (as if published)."""
    trial = kb.with_entry(entry)
    found = []
    for question in questions:
        answer = trial.answer(question, region, None)
        ids = list(answer.entry_ids)
        found.append(Trial(question, entry.id in ids, answer.kind, answer.text,
                           next((i for i in ids if i != entry.id), "")))
    return found


def _duplicate_problems(root: Path, entry: Entry, sources: dict[str, SourceDoc], ratio: float) -> list[str]:
    """The entry against every other entry (itself excluded when it is an edit)."""
    try:
        others = [e for e in load_entries(root, set(sources), set(load_settings(root / "data").intents))
                  if e.id != entry.id]
    except KnowledgeError:
        others = []
    current = {squash(d.document) for d in sources.values()}
    if any(squash(c.document) not in current for c in entry.sources):
        return []  # an entry of a replaced document asks the old questions on purpose
    mine = f"{entry.path}:"
    return [p.split(": ", 1)[-1] for p in find_duplicates([*others, entry], ratio) if p.startswith(mine)]


def publish(root: Path, draft: Draft, actor: str) -> Version:
    """Check, then write the entry into the knowledge folder (new: entries/<region>.yaml) and remember the
    version before; raises KnowledgeError with the problems when a check fails."""
    checked = check_draft(root, draft)
    if checked.problems:
        raise KnowledgeError("；".join(checked.problems))
    with _WRITE_LOCK:
        existing = find_entry(root, draft.id)
        if existing is not None:
            before = existing.text
            lines = existing.lines
            lines[existing.start:existing.end] = [item_text(draft, before)]
            target = existing.path
        else:
            before = ""
            target = root / "entries" / f"{draft.region}.yaml"
            lines = target.read_text(encoding="utf-8").splitlines(keepends=True) if target.exists() else []
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(item_text(draft))
        _write(target, "".join(lines))
        version = Version(_now(), actor, "publish", str(target.relative_to(root)), before)
        _remember(root, draft.id, version)
        if draft.draft_id:
            finish_import_draft(root, draft.region, draft.draft_id)
    return version


def revert(root: Path, entry_id: str, actor: str) -> Version:
    """Put back the version before the entry's last change (remove it when it did not exist then)."""
    if not _ID.match(entry_id):
        raise KnowledgeError(f"{entry_id!r} is not an entry id")
    with _WRITE_LOCK:
        versions = history(root, entry_id)
        if not versions:
            raise KnowledgeError(f"{entry_id}: no earlier version to go back to")
        last = versions.pop()
        existing = find_entry(root, entry_id)
        target = existing.path if existing else root / last.file
        if existing is not None:
            lines = existing.lines
            lines[existing.start:existing.end] = [last.before] if last.before else []
        else:
            lines = target.read_text(encoding="utf-8").splitlines(keepends=True) if target.exists() else []
            lines.append(last.before)
        _write(target, "".join(lines))
        _write_history(root, entry_id, versions)
    return Version(_now(), actor, "revert", last.file, last.before)


def history(root: Path, entry_id: str) -> list[Version]:
    if not _ID.match(entry_id):
        return []
    path = _history_path(root, entry_id)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return [Version(**item) for item in data or []]


def finish_import_draft(root: Path, region: str, draft_id: str) -> None:
    """The import draft an entry finished leaves drafts/<region>.yaml (with its heading comment)."""
    path = root / "drafts" / f"{region}.yaml"
    found = locate(path, draft_id)
    if found is None:
        return
    lines, start = found.lines, found.start
    while start > 0 and lines[start - 1].lstrip().startswith("#") and not lines[start - 1].startswith("# Drafts") \
            and not lines[start - 1].startswith("# Write"):
        start -= 1
    del lines[start:found.end]
    _write(path, "".join(lines))


def import_drafts(root: Path, region: str) -> dict[str, dict[str, Any]]:
    """Clause label -> the import draft waiting for it (drafts/<region>.yaml)."""
    path = root / "drafts" / f"{region}.yaml"
    try:
        data = load_yaml(path) if path.exists() else None
    except KnowledgeError:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and item.get("draft") is True and item.get("sources"):
            found.setdefault(str(item["sources"][0].get("clause", "")), dict(item))
    return found


def region_documents(sources: dict[str, SourceDoc], region: str) -> list[str]:
    """The documents an entry of `region` may cite: its current one first, then those it replaced."""
    return [d.document for d in lineage(sources[region])] if region in sources else []


def _history_path(root: Path, entry_id: str) -> Path:
    return root / "history" / f"{entry_id}.yaml"


def _remember(root: Path, entry_id: str, version: Version) -> None:
    _write_history(root, entry_id, [*history(root, entry_id), version])


def _write_history(root: Path, entry_id: str, versions: list[Version]) -> None:
    data = [vars(v) for v in versions]
    _write(_history_path(root, entry_id), yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000))


def _write(path: Path, text: str) -> None:
    """Whole file at once (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
