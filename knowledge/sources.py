"""The policy documents (sources/index.yaml): number, issuer, file and validity per region.

A region has one current document; the one it replaced (`replaces:`, a mapping with its own number, file
and dates) stays readable so old citations still check and a parent can be told what replaced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.yamlload import KnowledgeError, line_of, load_yaml

DEFAULT_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SourceDoc:
    """One policy document from sources/index.yaml."""

    region: str
    document: str
    name: str
    issuer: str
    file: Path
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    replaces: SourceDoc | None = None  # the earlier document this one supersedes, same region


def parse_date(value: Any, where: str, key: str, required: bool = False) -> dt.date | None:
    """YAML gives dates as date objects or ISO strings; anything else is a data error."""
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise KnowledgeError(f"{where}: {key} must be a date like 2025-05-01, got {value!r}")


def required_date(value: Any, where: str, key: str) -> dt.date:
    """parse_date for a field that must be there (it raises rather than return None)."""
    found = parse_date(value, where, key, required=True)
    if found is None:  # unreachable: parse_date raises for a missing required date
        raise KnowledgeError(f"{where}: {key} is required")
    return found


def load_sources(root: Path = DEFAULT_ROOT) -> dict[str, SourceDoc]:
    """Read sources/index.yaml into region -> SourceDoc."""
    path = root / "sources" / "index.yaml"
    data = load_yaml(path)
    if not isinstance(data, dict) or not data:
        raise KnowledgeError(f"{path}:1: expected a mapping of region -> document")
    docs: dict[str, SourceDoc] = {}
    for region, item in data.items():
        docs[str(region)] = _parse_doc(str(region), item, path, f"{path}:{line_of(item)}", {})
    return docs


def _parse_doc(region: str, item: Any, path: Path, where: str, inherited: dict[str, str]) -> SourceDoc:
    """One index item; a `replaces:` item inherits name and issuer from the document replacing it."""
    if not isinstance(item, dict):
        raise KnowledgeError(f"{where}: {region} must be a mapping")
    item = {**inherited, **{k: v for k, v in item.items() if v is not None}}
    for key in ("document", "name", "file"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise KnowledgeError(f"{where}: {region}.{key} must be a non-empty string")
    issuer = item.get("issuer") or ""  # an imported document may not have it recorded
    previous = item.get("replaces")
    replaces = None
    if previous is not None:
        pwhere = f"{path}:{line_of(previous, line_of(item))}"
        replaces = _parse_doc(region, previous, path, pwhere, {"name": item["name"], "issuer": issuer})
    return SourceDoc(
        region=region, document=item["document"].strip(), name=item["name"], issuer=str(issuer),
        file=path.parent / item["file"], valid_from=parse_date(item.get("valid_from"), where, "valid_from"),
        valid_to=parse_date(item.get("valid_to"), where, "valid_to"), replaces=replaces,
    )


def lineage(doc: SourceDoc) -> list[SourceDoc]:
    """The document and every one it replaced, newest first."""
    found = [doc]
    while found[-1].replaces is not None:
        found.append(found[-1].replaces)
    return found


def all_documents(sources: dict[str, SourceDoc]) -> list[SourceDoc]:
    """Current and replaced documents of every region."""
    return [doc for current in sources.values() for doc in lineage(current)]
