"""The policy documents (sources/index.yaml): number, issuer, file and validity per region."""

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


def load_sources(root: Path = DEFAULT_ROOT) -> dict[str, SourceDoc]:
    """Read sources/index.yaml into region -> SourceDoc."""
    path = root / "sources" / "index.yaml"
    data = load_yaml(path)
    if not isinstance(data, dict) or not data:
        raise KnowledgeError(f"{path}:1: expected a mapping of region -> document")
    docs: dict[str, SourceDoc] = {}
    for region, item in data.items():
        where = f"{path}:{line_of(item)}"
        if not isinstance(item, dict):
            raise KnowledgeError(f"{where}: {region} must be a mapping")
        for key in ("document", "name", "issuer", "file"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise KnowledgeError(f"{where}: {region}.{key} must be a non-empty string")
        docs[region] = SourceDoc(
            region=region, document=item["document"].strip(), name=item["name"], issuer=item["issuer"],
            file=path.parent / item["file"], valid_from=parse_date(item.get("valid_from"), where, "valid_from"),
            valid_to=parse_date(item.get("valid_to"), where, "valid_to"),
        )
    return docs


