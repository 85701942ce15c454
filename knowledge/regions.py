"""The one region table (data/regions.yaml): which regions the documents cover and the words naming them.

Every part that needs a region reads it here, so a district added once (渝北 → 重庆) is understood by the
slot parser, the masker, the eligibility dialogue and the menus alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .yamlload import KnowledgeError, line_of, load_yaml

REGIONS_FILE = Path(__file__).parent / "data" / "regions.yaml"
_ACTIVE = [REGIONS_FILE]  # the table of the knowledge folder the bot serves (XINGBAN_KNOWLEDGE_DIR)


@dataclass(frozen=True)
class Region:
    id: str
    name: str  # 重庆綦江区: how answers and confirmations name it
    short: str  # 綦江: in lists of the five
    menu_label: str  # 重庆市（綦江以外的区县）: in numbered menus
    words: tuple[str, ...]


@dataclass(frozen=True)
class RegionTable:
    regions: dict[str, Region]
    match_order: tuple[str, ...]
    menu_order: tuple[str, ...]
    exclude: tuple[str, ...]
    other_places: tuple[str, ...]  # longest first
    place_suffixes: tuple[str, ...] = ("",)  # 浦东 is also 浦东新区: a place word with any of these names a place

    def find(self, text: str) -> str | None:
        """The region a (normalised) message names; the first in `match_order` wins (綦江 before 重庆)."""
        for word in self.exclude:
            text = text.replace(word, " ")
        return next((r for r in self.match_order if any(w in text for w in self.regions[r].words)), None)

    def other_place(self, text: str) -> str | None:
        """A place outside the documents named in the message."""
        return next((place for place in self.other_places if place in text), None)

    def words(self) -> tuple[str, ...]:
        """Every word naming a covered region, longest first (so 綦江区 is found before 綦江)."""
        return self._words

    @cached_property
    def _words(self) -> tuple[str, ...]:
        return tuple(sorted((w for r in self.match_order for w in self.regions[r].words), key=len, reverse=True))

    def name(self, region: str | None) -> str:
        found = self.regions.get(region or "")
        return found.name if found else ""

    def short_names(self) -> str:
        """綦江、重庆、上海、诸暨、广西 (menu order)."""
        return "、".join(self.regions[r].short for r in self.menu_order)


def parse_region_table(data: object, path: Path) -> RegionTable:
    """Check the table's shape; every error names the file and line."""
    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
        raise KnowledgeError(f"{path}:1: expected a mapping with `regions:`")
    regions = {}
    for rid, raw in data["regions"].items():
        if not isinstance(raw, dict) or not raw.get("words") or not raw.get("name"):
            raise KnowledgeError(f"{path}:{line_of(raw)}: region {rid!r} needs `name` and a list of `words`")
        regions[str(rid)] = Region(str(rid), str(raw["name"]), str(raw.get("short", raw["name"])),
                                   str(raw.get("menu_label", raw["name"])), tuple(str(w) for w in raw["words"]))
    for key in ("match_order", "menu_order"):
        order = data.get(key) or []
        if sorted(map(str, order)) != sorted(regions):
            raise KnowledgeError(f"{path}:{line_of(order)}: `{key}` must list each region once: {sorted(regions)}")
    places = sorted((str(p) for p in data.get("other_places") or []), key=len, reverse=True)
    suffixes = ("", *(str(w) for w in data.get("place_suffixes") or ()))
    return RegionTable(regions, tuple(map(str, data["match_order"])), tuple(map(str, data["menu_order"])),
                       tuple(str(w) for w in data.get("exclude") or []), tuple(places), suffixes)


def use_knowledge_root(root: Path | None) -> None:
    """Serve the region table of another knowledge folder (None = the package's): an imported county's
    words are then understood without code (the table is read again whenever its file changes)."""
    _ACTIVE[0] = root / "data" / "regions.yaml" if root is not None else REGIONS_FILE


def load_region_table(path: Path | None = None) -> RegionTable:
    """The table as its file is now (a region added by `xingban kb import` or the console is read at once)."""
    path = path or _ACTIVE[0]
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        changed = 0  # load_yaml says what is wrong with the path
    return _load_table(path, changed)


@lru_cache(maxsize=4)
def _load_table(path: Path, changed: int) -> RegionTable:
    return parse_region_table(load_yaml(path), path)
