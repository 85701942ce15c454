"""Age bands an entry speaks about, read from its own words, so an age the parent gave can rule it out."""

from __future__ import annotations

import re
import unicodedata

_CN = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
       "十": 10, "十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15, "十六": 16, "十七": 17, "十八": 18}
_NUM = r"(\d{1,2}|十[一二三四五六七八]?|[零一二两三四五六七八九])"
_RANGE = re.compile(_NUM + r"\s*(?:岁|周岁)?\s*(?:—|–|-|~|～|到|至)\s*" + _NUM + r"\s*(?:周岁|岁)")
_AT_LEAST = re.compile(_NUM + r"\s*(?:周岁|岁)(?:及)?以上")
_BELOW = re.compile(r"(?:未满|不满|不到)\s*" + _NUM + r"\s*(?:周岁|岁)|" + _NUM + r"\s*(?:周岁|岁)(?:以下|以内)")
Band = tuple[float, float]


def _value(token: str) -> int:
    return int(token) if token.isdigit() else _CN[token]


def age_bands(text: str) -> list[Band]:
    """Every age range the text names: 0—6岁 -> (0, 6.99); 七岁以上 -> (7, 99); 未满7周岁 -> (0, 6.99)."""
    text = unicodedata.normalize("NFKC", text)
    bands: list[Band] = []
    for m in _RANGE.finditer(text):
        lo, hi = _value(m.group(1)), _value(m.group(2))
        if lo <= hi:
            bands.append((float(lo), hi + 0.99))
    for m in _AT_LEAST.finditer(text):
        bands.append((float(_value(m.group(1))), 99.0))
    for m in _BELOW.finditer(text):
        limit = _value(m.group(1) or m.group(2))
        bands.append((0.0, limit - 0.01 if m.group(1) else limit + 0.99))
    return bands


def fits_age(bands: list[Band], age: float | None) -> bool:
    """True unless the age is known and every band the entry names excludes it."""
    if age is None or not bands:
        return True
    return any(lo <= age <= hi for lo, hi in bands)
