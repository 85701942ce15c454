"""Step 1: normalise one raw message into plain simplified Chinese.

NFKC (full-width letters/digits/spaces -> ASCII), traditional -> simplified (OpenCC t2s), emoji and
punctuation -> spaces, filler words removed, Chinese numerals before a unit -> digits
(三岁半 -> 3.5岁, 七岁 -> 7岁, 一岁八个月 -> 1岁8个月, 两万 -> 20000).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Messages longer than this (after NFKC) keep their head and tail: voice run-ons tell the story
    # first and ask the question last.
    "max_chars": 300,
    "head_chars": 180,
    "tail_chars": 120,
    # Convert traditional characters to simplified.
    "traditional_to_simplified": True,
    # Removed wherever they occur (never part of a content word).
    "fillers": [
        "就是说",
        "那什么",
        "怎么说呢",
        "那个",
        "这个这个",
        "请问",
        "嗯",
        "呃",
        "唔",
        "emmm",
        "emm",
        "em",
    ],
    # Removed only when they stand alone between pauses (额 is also part of 金额/额度).
    "boundary_fillers": ["额", "啊", "哦", "噢", "哎", "诶", "然后", "就是", "那么", "那", "这个"],
    # Removed only at the very start of the message.
    "leading_fillers": ["然后", "就是", "那么", "我想问一下", "想问一下", "问一下", "麻烦问一下"],
    # Spoken and dialect forms -> the written words the knowledge base uses: [regex, replacement], in order.
    "dialect": [],
    # Sentence-final particles dropped before a pause or the end (哦 嘛 噻 ...).
    "final_particles": [],
    # Units after which a Chinese numeral is rewritten as digits.
    "numeral_units": [
        "周岁",
        "岁",
        "个半月",
        "个月",
        "月",
        "年",
        "元",
        "块",
        "次",
        "天",
        "周",
        "个星期",
        "名",
    ],
}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万"


def chinese_to_number(text: str) -> int | None:
    """Parse a Chinese numeral such as 七, 十二, 二十五, 三百, 两万, 三万六 (=36000); None if not a numeral."""
    if not text or any(ch not in _NUMERAL_CHARS for ch in text):
        return None
    total = 0
    if "万" in text:
        high, _, low = text.partition("万")
        if "万" in low:
            return None
        high_value = chinese_to_number(high) if high else 1
        if high_value is None:
            return None
        if len(low) == 1 and low in _CN_DIGITS:  # 三万六 = 36000, 一万八 = 18000
            return high_value * 10000 + _CN_DIGITS[low] * 1000
        low_value = chinese_to_number(low) if low else 0
        if low_value is None:
            return None
        return high_value * 10000 + low_value
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:  # two digits in a row (四五) is a range, not a number
                return None
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_SMALL_UNITS[ch]
            section += (digit if digit is not None else 1) * unit
            digit = None
    if digit is not None:
        if section and text[-2] in "百千" and len(text) >= 2 and text[-2] != "十":
            # 三百五 = 350, 两千五 = 2500
            section += digit * _CN_SMALL_UNITS[text[-2]] // 10
        else:
            section += digit
    total += section
    return total


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Normalizer:
    """Callable that turns a raw message into normalised simplified text."""

    def __init__(self, settings: dict[str, Any] | None = None):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        fillers = sorted(self.settings["fillers"], key=len, reverse=True)
        self._filler_re = re.compile("|".join(map(re.escape, fillers))) if fillers else None
        boundary = sorted(self.settings["boundary_fillers"], key=len, reverse=True)
        self._boundary_re = (
            re.compile(r"(^|\s)(?:" + "|".join(map(re.escape, boundary)) + r")+(?=\s|$)")
            if boundary
            else None
        )
        leading = sorted(self.settings["leading_fillers"], key=len, reverse=True)
        self._leading_re = (
            re.compile(r"^\s*(?:" + "|".join(map(re.escape, leading)) + r")+") if leading else None
        )
        units = sorted(self.settings["numeral_units"], key=len, reverse=True)
        unit_alt = "|".join(map(re.escape, units))
        # A numeral run (Chinese or Arabic) followed by a unit; 半 after 岁 adds a half.
        self._numeral_re = re.compile(rf"([{_NUMERAL_CHARS}]+|\d+(?:\.\d+)?)({unit_alt})(半)?")
        # "七到十七岁", "三至六岁": the first end of a range has no unit of its own
        self._range_start_re = re.compile(rf"(?<![{_NUMERAL_CHARS}\d])([{_NUMERAL_CHARS}]+)(?=[到至~～—-]\d+(?:{unit_alt}))")
        # "下个月就满十八了": an age reached, its unit left out
        self._reached_re = re.compile(rf"(?<=满)([{_NUMERAL_CHARS}]+)(?![{_NUMERAL_CHARS}])")
        self._bare_big_re = re.compile(
            rf"[一二两三四五六七八九十]+[万千][一二三四五六七八九]?(?![{_NUMERAL_CHARS}])"
        )
        self._dialect = [(re.compile(str(pattern)), str(repl)) for pattern, repl in self.settings["dialect"]]
        particles = sorted(self.settings["final_particles"], key=len, reverse=True)
        self._particle_re = (
            re.compile(r"(?<!干)(?:" + "|".join(map(re.escape, particles)) + r")+(?=\s|$)") if particles else None
        )
        self._junk_re = re.compile(r"[^\w\s.\-~+%]")
        self._space_re = re.compile(r"\s+")

    @cached_property
    def _converter(self) -> Any:
        from opencc import OpenCC

        return OpenCC("t2s")

    @cached_property
    def _traditional_chars(self) -> frozenset[str]:
        """Characters that t2s would change; a message without any of them skips OpenCC (fast path)."""
        import opencc

        chars: set[str] = set()
        dict_dir = Path(opencc.__file__).resolve().parent / "dictionary"
        for name in ("TSCharacters.txt", "TSPhrases.txt"):
            with open(dict_dir / name, encoding="utf-8") as fh:
                for line in fh:
                    source, _, target = line.rstrip("\n").partition("\t")
                    targets = target.split(" ")
                    if source and source not in targets:
                        if len(source) == 1:
                            chars.add(source)
                        else:
                            chars.update(s for s, t in zip(source, targets[0], strict=False) if s != t)
        return frozenset(chars)

    def truncate(self, text: str) -> str:
        limit = self.settings["max_chars"]
        if len(text) <= limit:
            return text
        return text[: self.settings["head_chars"]] + " " + text[-self.settings["tail_chars"] :]

    def to_simplified(self, text: str) -> str:
        if not self.settings["traditional_to_simplified"]:
            return text
        trad = self._traditional_chars
        if not any(ch in trad for ch in text):
            return text
        return str(self._converter.convert(text))

    def plain_words(self, text: str) -> str:
        """Dialect and spoken forms as written Chinese (娃儿 -> 孩子, 好多钱 -> 多少钱, 咋个 -> 怎么)."""
        for pattern, repl in self._dialect:
            text = pattern.sub(repl, text)
        if self._particle_re is not None:
            text = self._particle_re.sub(" ", text)
        return text

    def remove_fillers(self, text: str) -> str:
        if self._filler_re is not None:
            text = self._filler_re.sub(" ", text)
        if self._boundary_re is not None:
            text = self._boundary_re.sub(r"\1", text)
        if self._leading_re is not None:
            text = self._leading_re.sub("", text)
        return text

    def convert_numerals(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            num, unit, half = m.group(1), m.group(2), m.group(3)
            if num[0].isdigit():
                value: float | None = float(num)
            else:
                value = chinese_to_number(num)
            if value is None:
                return m.group(0)
            if half and unit in ("岁", "周岁"):
                return _format_number(value + 0.5) + unit
            return _format_number(value) + unit + (half or "")

        text = self._numeral_re.sub(repl, text)

        def start(m: re.Match[str]) -> str:
            value = chinese_to_number(m.group(1))
            return m.group(0) if value is None else _format_number(value)

        text = self._range_start_re.sub(start, text)
        text = self._reached_re.sub(start, text)

        def bare(m: re.Match[str]) -> str:
            value = chinese_to_number(m.group(0))
            return m.group(0) if value is None else _format_number(value)

        return self._bare_big_re.sub(bare, text)

    def __call__(self, raw: str) -> str:
        text = unicodedata.normalize("NFKC", raw or "")
        text = self.truncate(text)
        text = self.to_simplified(text).lower()
        text = self._junk_re.sub(" ", text)
        text = self.plain_words(text)
        text = self.remove_fillers(text)
        text = self.convert_numerals(text)
        return self._space_re.sub(" ", text).strip()
