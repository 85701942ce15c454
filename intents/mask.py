"""Step 4b: mask slot words in the intent model's tokens (training and inference alike).

Who is asking (region, child's age, "our kid", an earlier diagnosis) is not evidence for what is
asked: "綦江的孩子去哪里复筛" should score like "去哪里复筛". Ages (5岁, 3.5岁, 1岁8个月, 0到6岁,
18个月大) are replaced on the normalised text by ``<age>``, region names (knowledge/data/regions.yaml) by
``<region>``, past diagnoses (确诊了, 去年确诊的) by ``<diagnosis>``; generic words (孩子, 我们, 的, 了 ...)
are dropped. Placeholders are ordinary features with their own weight (``features.placeholder_weight``).
Word lists live in data/masking.yaml. ``IntentEngine.tokenize`` (shared with retrieval) is not masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from knowledge.regions import load_region_table

from .config import load_yaml

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "ages": True,  # 5岁 / 0到6岁 / 18个月大 -> <age>
    "regions": True,  # 綦江, 重庆市, 沪 ... -> <region>
    "generic": True,  # drop 孩子, 我们, 的, 了 ...
    "diagnosis": True,  # 确诊了 / 已经确诊 -> <diagnosis>
}

REGION, AGE, DIAGNOSIS = "<region>", "<age>", "<diagnosis>"
PLACEHOLDERS = frozenset({REGION, AGE, DIAGNOSIS})

_NUM = r"\d+(?:\.\d+)?"
_AGE_RE = re.compile(
    rf"(?:{_NUM}\s*(?:周岁|岁)?\s*(?:到|至|-|~)\s*)?{_NUM}\s*(?:周岁|岁)(?:\s*\d+\s*个?月)?半?(?:多|左右)?"
    rf"|\d+\s*个?月大"
)


def is_placeholder(token: str) -> bool:
    return token in PLACEHOLDERS


class SlotMasker:
    def __init__(
        self, table: dict[str, Any], region_keywords: Iterable[str], settings: dict[str, Any] | None = None
    ):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        self.regions = frozenset(region_keywords)
        self.suffixes = frozenset(table.get("region_suffixes", []))
        self.glue_before = frozenset(table.get("region_glue_before", []))
        self.glue_after = frozenset(table.get("region_glue_after", []))
        self.generic = frozenset(table.get("generic", []))
        self.diag_words = frozenset(table.get("diagnosis_words", []))
        self.diag_before = frozenset(table.get("diagnosis_before", []))
        self.diag_after = frozenset(table.get("diagnosis_after", []))
        # 綦江区 / 重庆市 / 广西壮族自治区 cut as one token by jieba
        suffixes = sorted(self.suffixes, key=len, reverse=True)
        self._region_token = (
            re.compile(
                "^(?:" + "|".join(map(re.escape, sorted(self.regions, key=len, reverse=True))) + ")"
                "(?:" + "|".join(map(re.escape, suffixes)) + ")?$"
            )
            if self.regions
            else None
        )

    @classmethod
    def from_file(
        cls, masking_file: Path, settings: dict[str, Any] | None = None
    ) -> SlotMasker:
        table = load_yaml(masking_file) or {}
        return cls(table, load_region_table().words(), settings)

    def _is_region(self, token: str) -> bool:
        return token in self.regions or bool(self._region_token and self._region_token.match(token))

    def mask(self, text: str, cut: Callable[[str], list[str]]) -> list[str]:
        """Tokens of ``text`` (cut by ``cut``: segment + synonyms) with slot words masked."""
        s = self.settings
        if not s["enabled"]:
            return cut(text)
        tokens: list[str] = []
        if s["ages"]:
            pos = 0
            for m in _AGE_RE.finditer(text):
                tokens.extend(cut(text[pos : m.start()]))
                tokens.append(AGE)
                pos = m.end()
            tokens.extend(cut(text[pos:]))
        else:
            tokens = cut(text)
        if s["regions"]:
            tokens = self._mask_regions(tokens)
        if s["diagnosis"]:
            tokens = self._mask_diagnosis(tokens)
        if s["generic"]:
            tokens = [t for t in tokens if t not in self.generic]
        return tokens

    def _mask_regions(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            if self._is_region(tok):
                while out and out[-1] in self.glue_before:
                    out.pop()
                if not out or out[-1] != REGION:
                    out.append(REGION)
                i += 1
                while i < n and (tokens[i] in self.suffixes or tokens[i] in self.glue_after):
                    i += 1
                continue
            out.append(tok)
            i += 1
        return out

    def _mask_diagnosis(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        for i, tok in enumerate(tokens):
            if tok in self.diag_words and (
                (i + 1 < len(tokens) and tokens[i + 1] in self.diag_after)
                or (i > 0 and tokens[i - 1] in self.diag_before)
            ):
                out.append(DIAGNOSIS)
            else:
                out.append(tok)
        return out
