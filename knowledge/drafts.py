"""Draft entries (drafts/*.yaml, written by `kb import`) waiting for a person to write their answer.

Drafts live outside entries/ so the loader never reads them; one pasted into entries/ unfinished is
refused there (`draft: true` is not an entry field).
"""

from __future__ import annotations

from pathlib import Path

from knowledge.yamlload import KnowledgeError, load_yaml


def drafts_waiting(root: Path) -> dict[Path, int]:
    """drafts file -> number of items still marked `draft: true`."""
    found: dict[Path, int] = {}
    for path in sorted((root / "drafts").glob("*.yaml")) if (root / "drafts").is_dir() else []:
        try:
            data = load_yaml(path)
        except KnowledgeError:
            data = None
        count = sum(1 for item in data or [] if isinstance(item, dict) and item.get("draft") is True) \
            if isinstance(data, list) else 0
        if count:
            found[path] = count
    return found
