"""Figures a quote states (a number with its unit, or a date) that the entry's answer must say too.

A parent who asks "多少 / 几岁 / 几次 / 哪年" gets the entry's answer, not its quote: a figure the cited
clause states and the answer leaves out is a figure the parent never hears. `missing_figures` lists them;
an entry may leave one out on purpose by naming it in `omits:` (with a `#` reason on that line), e.g. the
amount for another age band that a neighbouring entry answers.

A figure is canonical `value + unit class`: full-width digits and spaces are normalised, 1.8万元 = 18000元,
周岁 = 岁, 个 ≠ 个月; a range 0—6岁 states 0岁 and 6岁; dates are 2025年6月 / 10月14日 / 2024年10月14日 and an
answer's fuller date also says its parts (2024年10月14日 says 2024年10月, 10月14日 and 2024年).
Chinese numerals count too (五年, 两次), except a lone 一 (一次性, 一年一评 are words, not figures).
"""

from __future__ import annotations

import re
import unicodedata

from knowledge.numbers import chinese_to_number

# Longest first: 万元 before 元, 周岁 before 岁, 个月 before 个.
_UNITS: tuple[tuple[str, str, float], ...] = (
    ("万元", "元", 10_000), ("千元", "元", 1000), ("元", "元", 1),
    ("周岁", "岁", 1), ("岁", "岁", 1),
    ("个月", "个月", 1), ("个", "个", 1),
    ("年", "年", 1), ("次", "次", 1), ("%", "%", 1),
    ("万人", "人", 10_000), ("人", "人", 1), ("万名", "人", 10_000), ("名", "人", 1),
    ("所", "所", 1), ("张", "张", 1), ("家", "家", 1), ("项", "项", 1), ("天", "天", 1), ("小时", "小时", 1),
    ("课时", "课时", 1),
)
_UNIT_ALT = "|".join(re.escape(u) for u, _, _ in _UNITS)
_UNIT_OF = {u: (cls, mult) for u, cls, mult in _UNITS}
_NUM = r"(?:\d+(?:\.\d+)?万?|[零〇一二两三四五六七八九十百千万]+)"
_DASH = r"\s*(?:—+|－|-|–|~|～|至|到)\s*"
# A figure: number, optional range end, optional 万 multiplier sits inside _NUM, then the unit.
_FIGURE = re.compile(rf"(?<![\d.])(?P<a>{_NUM})(?:{_DASH}(?P<b>{_NUM}))?\s*(?:以上|以下|左右|多|余)?\s*(?P<unit>{_UNIT_ALT})")
_DATE = re.compile(r"(?<![\d.])(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?")
# Words that begin with a numeral and a unit but state no figure.
_WORDS = ("一次性", "一年一", "一人一", "一个", "一项", "一所", "一家", "一名", "一人", "一次", "一年", "一天",
          "千家万户", "万人", "百人", "十年", "百年", "半年", "千元以", "多年", "两年一", "三年行动", "三次分配")


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    mult = 1.0
    if text.endswith("万") and len(text) > 1 and text[0].isdigit():
        text, mult = text[:-1], 10_000.0
    try:
        return float(text) * mult
    except ValueError:
        pass
    if text == "一" or text in ("百", "千", "万"):
        return None
    return chinese_to_number(text)


def _fmt(value: float) -> str:
    return f"{value:.6g}" if value != int(value) else str(int(value))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"〔\s*\d+\s*〕\s*\d+\s*号|\[\s*\d+\s*\]\s*\d+\s*号", " ", text)  # document numbers
    text = re.sub(r"[*×]\s*100\s*%", " ", text)  # "…人数/…人数*100%" is how a rate is computed, not a figure
    return re.sub(r"(?<=\d)\s+(?=\d)", "", text)  # PDF spacing inside a number is not a separator


def figures(text: str, *, parts: bool = False) -> dict[str, str]:
    """Canonical figure -> surface form for every figure stated in `text`.

    With `parts=True` (the answer side) a date also yields its parts, so a fuller date says a shorter one.
    """
    text = _normalise(text)
    found: dict[str, str] = {}
    masked = text
    for match in _DATE.finditer(text):
        y, m, d = match.group("y"), int(match.group("m")), match.group("d")
        if not 1 <= m <= 12 or (y is None and d is None):
            continue  # a lone "3月" is a duration written loosely or a word; 个月 is handled below
        if d is not None and not 1 <= int(d) <= 31:
            continue
        keys = [f"{y + '年' if y else ''}{m}月{d + '日' if d else ''}"]
        if parts:
            if y and d:
                keys += [f"{y}年{m}月", f"{m}月{d}日"]
            if y:
                keys.append(f"{int(y)}年")
        for key in keys:
            found.setdefault(key, match.group(0).strip())
        masked = masked[:match.start()] + " " * (match.end() - match.start()) + masked[match.end():]
    blanked = masked
    for word in _WORDS:
        blanked = blanked.replace(word, " " * len(word))
    for match in _FIGURE.finditer(blanked):
        if match.start() > 0 and blanked[match.start() - 1] == "第":
            continue
        cls, mult = _UNIT_OF[match.group("unit")]
        for group in ("a", "b"):
            raw = match.group(group)
            value = _number(raw) if raw else None
            if value is None:
                continue
            found.setdefault(f"{_fmt(value * mult)}{cls}", match.group(0).strip())
    return found


def missing_figures(quotes: list[str], answer: str, omits: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(canonical, surface) of each figure the quotes state that neither the answer says nor `omits` names."""
    said = set(figures(answer, parts=True))
    skipped = {key for item in omits for key in figures(item)}
    missing: dict[str, str] = {}
    for quote in quotes:
        for key, surface in figures(quote).items():
            if key not in said and key not in skipped:
                missing.setdefault(key, surface)
    return list(missing.items())


def stale_omits(quotes: list[str], omits: tuple[str, ...]) -> list[str]:
    """Items of `omits` that name no figure of the quotes (a typo, or the quote changed): they hide nothing."""
    stated = {key for quote in quotes for key in figures(quote)}
    return [item for item in omits if not figures(item) or not set(figures(item)) <= stated]


def states_money(text: str) -> bool:
    """The text names a sum of money (20000元, 1.8万元, 三千元): an answer to "能补多少钱"."""
    return any(key.endswith("元") for key in figures(text))
