"""Step 4: map token variants to one canonical form (data/synonyms.yaml: canonical -> variants)."""

from __future__ import annotations

from pathlib import Path

from .config import load_yaml


class SynonymMap:
    def __init__(self, table: dict[str, list[str]]):
        self._canonical: dict[str, str] = {}
        for canonical, variants in table.items():
            canonical = str(canonical)
            self._canonical.setdefault(canonical, canonical)
            for variant in variants or ():
                variant = str(variant)
                if variant in self._canonical and self._canonical[variant] != canonical:
                    raise ValueError(
                        f"synonym {variant!r} maps to both {self._canonical[variant]!r} and {canonical!r}"
                    )
                self._canonical[variant] = canonical

    @classmethod
    def from_file(cls, path: Path) -> SynonymMap:
        return cls(load_yaml(path) or {})

    @property
    def words(self) -> list[str]:
        """All canonical forms and variants (for the segmenter's dictionary)."""
        return sorted(self._canonical)

    @property
    def canonical_words(self) -> list[str]:
        return sorted(set(self._canonical.values()))

    def map(self, tokens: list[str]) -> list[str]:
        get = self._canonical.get
        return [get(tok, tok) for tok in tokens]
