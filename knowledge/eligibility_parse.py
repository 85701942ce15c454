"""Understand a parent's free-text replies ("三岁半", "低保户", "户口在上海", "不对，是7岁")."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.regions import load_region_table
from knowledge.yamlload import KnowledgeError, line_of, load_yaml

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)"
_CHOICE = re.compile(r"^\s*(?:第)?([1-9])\s*(?:[.、．号个]|$)")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    return re.sub(r"\s+", "", text)


def cn_number(token: str) -> float | None:
    """'7' -> 7, '3.5' -> 3.5, '三' -> 3, '十二' -> 12, '二十' -> 20; None if not a number."""
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    if not token or any(ch not in _CN_DIGITS and ch != "十" for ch in token):
        return None
    if "十" in token:
        left, _, right = token.partition("十")
        if "十" in right or len(left) > 1 or len(right) > 1:
            return None
        return float((_CN_DIGITS[left] if left else 1) * 10 + (_CN_DIGITS[right] if right else 0))
    if len(token) == 1:
        return float(_CN_DIGITS[token])
    return None


def _choice(t: str, choices: list[Any] | None) -> Any:
    if not choices:
        return None
    m = _CHOICE.match(t)
    if m and len(t) <= 3 and 1 <= int(m.group(1)) <= len(choices):
        return choices[int(m.group(1)) - 1]
    return None


def parse_age(t: str) -> float | None:
    years = months = None
    m = re.search(NUM + r"(?:周岁|岁)(半)?", t)
    if m:
        years = cn_number(m.group(1))
        if years is not None and m.group(2):
            years += 0.5
    m = re.search(NUM + r"个?半?月", t)
    if m and "岁" not in t[m.end():]:
        months = cn_number(m.group(1))
    if years is None and months is None:
        m = re.fullmatch(NUM + r"(半)?", t)
        if not m:
            return None
        years = cn_number(m.group(1))
        if years is not None and m.group(2):
            years += 0.5
    total = (years or 0.0) + (months or 0.0) / 12
    if years is None and months is None:
        return None
    return round(total, 2) if 0 <= total <= 30 else None


def parse_years(t: str) -> float | None:
    """'2年' -> 2, '一年半' -> 1.5, '不到一年' -> 0.5 (decides "满1年" correctly), '没有' -> 0."""
    words = reply_words()
    if re.fullmatch(f"({words.years_none})", t):
        return 0.0
    m = re.search(f"({words.years_under})" + NUM + r"年", t)
    if m:
        n = cn_number(m.group(2))
        return None if n is None else max(0.0, n - 0.5)
    m = re.search(NUM + r"年(半)?", t) or re.fullmatch(NUM + r"(半)?", t)
    if not m:
        return None
    n = cn_number(m.group(1))
    if n is None:
        return None
    return n + (0.5 if m.group(2) else 0.0)


REPLIES_PATH = Path(__file__).resolve().parent / "data" / "interview_replies.yaml"


def _alternation(words: list[str]) -> str:
    return "|".join(str(w) for w in words)


@dataclass(frozen=True)
class ReplyWords:
    """knowledge/data/interview_replies.yaml as regular-expression alternations, read once."""

    unsure: str
    negation: str
    affirmation: str
    fields: dict[str, tuple[str, str, bool]]  # field -> (yes words, no words, bare name is unknown)
    years_none: str
    years_under: str
    suspected: str
    not_diagnosed: str
    diagnosed: str
    diagnosed_whole: str
    permit: str
    permit_negated: str
    hukou: str
    hukou_negated: str
    residency_none_whole: str
    out_of_district: str
    in_district: str


@functools.cache
def reply_words() -> ReplyWords:
    raw = load_yaml(REPLIES_PATH)
    try:
        res, dia = raw["residency"], raw["diagnosis"]
        return ReplyWords(
            unsure=_alternation(raw["unsure"]), negation=_alternation(raw["negation"]),
            affirmation=_alternation(raw["affirmation"]),
            fields={name: (_alternation(f.get("true_words", [])), _alternation(f.get("false_words", [])),
                           bool(f.get("name_only_unknown", False))) for name, f in raw["fields"].items()},
            years_none=_alternation(raw["years"]["none_whole_reply"]),
            years_under=_alternation(raw["years"]["under"]),
            suspected=_alternation(dia["suspected"]), not_diagnosed=_alternation(dia["none"]),
            diagnosed=_alternation(dia["diagnosed"]), diagnosed_whole=_alternation(dia["diagnosed_whole_reply"]),
            permit=_alternation(res["permit"]),
            permit_negated=f"({_alternation(res['permit_negators'])})[^，,。;；]{{0,3}}({_alternation(res['permit'])})",
            hukou=_alternation(res["hukou"]),
            hukou_negated=(f"({_alternation(res['hukou_negators'])})[^，,。;；]{{0,4}}({_alternation(res['hukou_negated'])})"
                           f"|{_alternation(res['hukou_absent'])}"),
            residency_none_whole=_alternation(res["none_whole_reply"]),
            out_of_district=_alternation(raw["institution"]["out_of_district"]),
            in_district=_alternation(raw["institution"]["in_district"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"{REPLIES_PATH}:{line_of(raw)}: missing or malformed section: {exc}") from exc


def parse_bool(field: str, t: str) -> bool | None:
    """Field words first ("不能自理" -> True for self_care_insufficient), a negation anywhere else flips them."""
    words = reply_words()
    if re.search(words.unsure, t):
        return None
    pos, neg, name_only_unknown = words.fields.get(field, ("", "", False))
    if pos and re.search(pos, t):
        rest = re.sub(pos, "", t)
        if name_only_unknown and not re.search(words.affirmation + "|" + words.negation, rest):
            return None  # just the name of the card, no yes or no
        return not re.search(words.negation, rest)
    if neg and re.search(neg, t):
        return False
    if re.search(words.negation, t):
        return False
    if re.search(words.affirmation, t):
        return True
    return None


def parse_diagnosis(t: str) -> str | None:
    words = reply_words()
    if re.search(words.suspected, t):
        return "suspected"
    if re.search(words.unsure, t):
        return None
    if re.search(words.not_diagnosed, t):
        return "none"
    if re.search(words.diagnosed, t):
        return "diagnosed"
    if re.fullmatch(f"({words.diagnosed_whole})", t):
        return "diagnosed"
    return None


def parse_residency(t: str) -> str | None:
    words = reply_words()
    if re.search(words.unsure, t):
        return None
    permit_neg = re.search(words.permit_negated, t)
    permit = re.search(words.permit, t) and not permit_neg
    hukou_neg = re.search(words.hukou_negated, t)
    hukou = re.search(words.hukou, t) and not hukou_neg
    if hukou:
        return "hukou"
    if permit:
        return "residence_permit"
    if hukou_neg or permit_neg or re.fullmatch(f"({words.residency_none_whole})", t):
        return "none"
    return None


def parse_region(t: str) -> str | None:
    return load_region_table().find(t)


def parse_institution(t: str) -> str | None:
    words = reply_words()
    if re.search(words.out_of_district, t):
        return "out_of_district"
    if re.search(words.in_district, t):
        return "in_district"
    return None
