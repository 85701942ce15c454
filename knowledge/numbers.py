"""Find the numbers a text states (Arabic or Chinese numerals) so answers can be checked against quotes."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千|亿)?")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_ONE_COUNTED = re.compile(r"(年|次|岁|周岁|名|元|张|项|个月|周)")
# Words built from numeral characters that are not amounts; a lone 一 is too ambiguous to count.
_NOT_NUMBERS = ("千万", "万一", "十分", "万分", "一一", "一律", "统一", "唯一", "一些", "一下", "一起",
                "一定", "一般", "一直", "一样", "一切", "一旦", "一步", "一点", "一致", "一体", "一站式",
                "一人一案", "一人一档", "一对一", "之一", "第一", "二十大", "二中", "三中", "百分之")


def chinese_to_number(text: str) -> float | None:
    """Convert a run of Chinese numerals (三千, 两万, 十八, 3万六 style 三万六) to a number."""
    total, section, digit, last_unit = 0, 0, None, 1
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:  # 一二 etc.: read as a plain digit string
                return float("".join(str(_DIGITS[c]) for c in text)) if all(c in _DIGITS for c in text) else None
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            last_unit, digit = _UNITS[ch], None
        elif ch in _BIG:
            total = (total + section + (digit or 0)) * _BIG[ch]
            section, digit, last_unit = 0, None, _BIG[ch]
        else:
            return None
    if digit is not None:
        # 三万六 = 36000, 一千五 = 1500: a trailing digit after a unit counts in the next lower place.
        section += digit * (last_unit // 10 if last_unit >= 100 and text[-2] in "万千百亿" else 1)
    return float(total + section)


def extract_numbers(text: str) -> list[tuple[str, float]]:
    """Every number stated in `text` as (surface form, value); 3.6万 gives 36000."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[str, float]] = []
    for match in _ARABIC.finditer(text):
        value = float(match.group(1)) * (
            {"万": 10_000, "千": 1000, "亿": 100_000_000}[match.group(2)] if match.group(2) else 1)
        found.append((match.group(0).strip(), value))
    masked = _ARABIC.sub(lambda m: " " * len(m.group(0)), text)
    for word in _NOT_NUMBERS:
        masked = masked.replace(word, " " * len(word))
    for match in _CHINESE.finditer(masked):
        run = match.group(0)
        if run == "一" and not _ONE_COUNTED.match(masked, match.end()):
            continue  # 一 alone is usually a word (一起, 一所学校), not an amount
        if run in ("百", "千", "万", "亿"):
            continue
        spoken = chinese_to_number(run)
        if spoken is not None:
            found.append((run, spoken))
    return found


def stated_values(text: str) -> set[float]:
    """All values a quote supports: each number, plus the bare figure before 万/千 (3.6万 -> 3.6, 36000)."""
    values = {value for _, value in extract_numbers(text)}
    for match in _ARABIC.finditer(unicodedata.normalize("NFKC", text)):
        values.add(float(match.group(1)))
    return values
