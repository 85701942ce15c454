"""A writable copy of the shipped knowledge folder, for tests that import documents or publish entries."""

from __future__ import annotations

import shutil
from pathlib import Path

import knowledge

PACKAGE = Path(knowledge.__file__).resolve().parent
PARTS = ("data", "sources", "entries", "rules")


def copy_shipped_knowledge(root: Path) -> Path:
    """Copy data, sources, entries and rules to `root` (created) and return it."""
    for part in PARTS:
        shutil.copytree(PACKAGE / part, root / part)
    return root
