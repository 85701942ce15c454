"""`xingban kb import`: add a policy document to a knowledge folder without a developer.

Reads the file (knowledge/extract.py), splits it by its own numbering (knowledge/clauses.py), stores the
text next to the five under sources/ with its index entry, adds an unknown region to the one region table
(data/regions.yaml), and writes one draft entry per uncovered fact-bearing clause to drafts/<region>.yaml.
Everything is checked before the first file is written: a bad document leaves the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.check import squash
from knowledge.clauses import Clause, split_clauses
from knowledge.extract import read_document
from knowledge.regions import parse_region_table
from knowledge.yamlload import KnowledgeError

_REGION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SUFFIXES = ("壮族自治区", "自治区", "自治县", "省", "市", "区", "县")
_NEW_TABLE = "# The one region table (knowledge/regions.py), started by `xingban kb import`.\n"


@dataclass(frozen=True)
class ImportRequest:
    """What the command line gives."""

    file: Path
    region: str
    document: str
    root: Path
    name: str | None = None
    issuer: str | None = None
    title: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    replaces: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What was written."""

    source: Path
    clauses: tuple[Clause, ...]
    new_region: bool
    drafts: Path
    draft_count: int
    narrowed: tuple[Path, ...] = ()  # entries files whose `regions: [all]` now name the regions before


def import_document(req: ImportRequest) -> ImportResult:
    """Check everything, then write source, index, region table and drafts; raises KnowledgeError."""
    if not _REGION_ID.match(req.region):
        raise KnowledgeError(f"{req.file}:1: region id {req.region!r} must be lower-case latin letters "
                             f"(e.g. taoyuan); the Chinese name goes in --name")
    if not squash(req.document):
        raise KnowledgeError(f"{req.file}:1: --document must be the document number, e.g. 綦残联发〔2025〕7号")
    if req.valid_from and req.valid_to and req.valid_from > req.valid_to:
        raise KnowledgeError(f"{req.file}:1: --valid-from {req.valid_from} is after --valid-to {req.valid_to}")
    text = read_document(req.file)
    clauses = tuple(split_clauses(text))
    if not any(c.marker for c in clauses):
        raise KnowledgeError(f"{req.file}:1: no clause numbering found (一、 （一） 1. （1） 第X条 附件 or table "
                             f"rows); the bot can only cite a document by its own clauses")
    if squash(req.document) not in squash(text):
        raise KnowledgeError(f"{req.file}:1: the document number {req.document} is not printed in the text")
    index_path = req.root / "sources" / "index.yaml"
    index = _read_mapping(index_path)
    index_before = dict(index)
    table_path = req.root / "data" / "regions.yaml"
    table_text = table_path.read_text(encoding="utf-8") if table_path.exists() else ""
    table = parse_region_table(yaml.safe_load(table_text), table_path) if table_text else None
    known = table is not None and req.region in table.regions
    if not known and not req.name:
        raise KnowledgeError(f"{table_path}:1: unknown region {req.region!r}: give its Chinese name with --name "
                             f"to add it to the region table")
    name = req.name or (table.regions[req.region].name if table else req.region)
    item = _index_item(req, name, index)
    source = index_path.parent / _free_name(index_path.parent, req.region, req.document)
    item["file"] = source.name
    index[req.region] = item
    new_table = table_text if known else _add_region(table_text, req.region, name)
    parse_region_table(yaml.safe_load(new_table), table_path)  # the table stays readable
    narrowed = {} if req.region in index_before else _narrow_all(req.root, list(index_before))
    # Checks are done: write.
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    _write_index(index_path, index)
    if not known:
        table_path.parent.mkdir(parents=True, exist_ok=True)
        table_path.write_text(new_table, encoding="utf-8")
    for path, text_entries in narrowed.items():
        path.write_text(text_entries, encoding="utf-8")
    from knowledge.coverage import draft_entries  # coverage reads the folder just written

    drafts = req.root / "drafts" / f"{req.region}.yaml"
    drafts.parent.mkdir(parents=True, exist_ok=True)
    text_drafts = draft_entries(req.region, req.root)
    drafts.write_text(text_drafts, encoding="utf-8")
    count = sum(1 for line in text_drafts.splitlines() if line.startswith("- id: draft-"))
    return ImportResult(source, clauses, not known, drafts, count, tuple(narrowed))


def _narrow_all(root: Path, regions: list[str]) -> dict[Path, str]:
    """`regions: [all]` means every document says it; the new one has not been read for it, so those
    entries now name the regions whose documents they quote (kb check would refuse them otherwise)."""
    pattern = re.compile(r"^(\s*-?\s*regions:\s*)\[\s*all\s*\]\s*$", re.MULTILINE)
    changed: dict[Path, str] = {}
    for path in sorted((root / "entries").glob("*.yaml")) if regions else []:
        text = path.read_text(encoding="utf-8")
        new = pattern.sub(lambda m: f"{m.group(1)}[{', '.join(regions)}]", text)
        if new != text:
            changed[path] = new
    return changed


def _index_item(req: ImportRequest, name: str, index: dict[str, Any]) -> dict[str, Any]:
    """The new index entry; the region's current document moves under `replaces:` when --replaces names it."""
    current = index.get(req.region)
    if current is not None and squash(str(current.get("document", ""))) == squash(req.document):
        raise KnowledgeError(f"{req.file}:1: {req.document} is already the document of {req.region}")
    if current is not None and req.replaces is None:
        raise KnowledgeError(f"{req.file}:1: {req.region} already has {current.get('document')}; pass "
                             f"--replaces {current.get('document')} when this document supersedes it")
    if req.replaces is not None and (current is None or squash(req.replaces) != squash(str(current["document"]))):
        has = current.get("document") if current else "no document"
        raise KnowledgeError(f"{req.file}:1: --replaces {req.replaces}: {req.region} has {has}")
    item: dict[str, Any] = {"document": req.document.strip(), "issuer": req.issuer, "region": name, "name": name,
                            "title": req.title, "valid_from": req.valid_from, "valid_to": req.valid_to}
    if current is not None:
        item["replaces"] = current
    return item


def _free_name(folder: Path, region: str, document: str) -> str:
    """<region>.txt, or <region>-<year and number>.txt when a replaced document keeps that name."""
    plain = f"{region}.txt"
    if not (folder / plain).exists():
        return plain
    digits = "-".join(re.findall(r"\d+", squash(document))) or "new"
    return f"{region}-{digits}.txt"


def _read_mapping(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}:1: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise KnowledgeError(f"{path}:1: expected a mapping of region -> document")
    return data or {}


def _write_index(path: Path, index: dict[str, Any]) -> None:
    """Rewrite index.yaml keeping its leading comment block."""
    header = ""
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = "".join(line for line in _leading_comments(lines))
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(index, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")


def _leading_comments(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if not line.startswith("#"):
            break
        out.append(line)
    return out


def short_name(name: str) -> str:
    """桃源县 -> 桃源: the name without its administrative suffix, when two characters remain."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _add_region(table_text: str, region: str, name: str) -> str:
    """The region table with a new region: first in match_order (a county is more specific than the
    province around it), last in the menu. Comments of the existing table are kept."""
    short = short_name(name)
    words = ", ".join(dict.fromkeys((name, short)))
    block = f"  {region}:\n    name: {name}\n    short: {short}\n    menu_label: {name}\n    words: [{words}]\n"
    if not table_text:
        return (f"{_NEW_TABLE}match_order: [{region}]\nmenu_order: [{region}]\n\nregions:\n{block}")
    out, done = [], set()
    for line in table_text.splitlines(keepends=True):
        m = re.match(r"^(match_order|menu_order):\s*\[(.*)\]\s*$", line)
        if m:
            items = [i.strip() for i in m.group(2).split(",") if i.strip()]
            items = [region, *items] if m.group(1) == "match_order" else [*items, region]
            line = f"{m.group(1)}: [{', '.join(items)}]\n"
            done.add(m.group(1))
        out.append(line)
        if line.rstrip() == "regions:":
            out.append(block)
            done.add("regions")
    if done != {"match_order", "menu_order", "regions"}:
        raise KnowledgeError("data/regions.yaml:1: cannot add a region: expected one-line `match_order: [...]`, "
                             "`menu_order: [...]` and a `regions:` mapping")
    return "".join(out)
