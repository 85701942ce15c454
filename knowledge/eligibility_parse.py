"""Understand a parent's free-text replies ("三岁半", "低保户", "户口在上海", "不对，是7岁")."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from knowledge.regions import load_region_table

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
    if re.fullmatch(r"(没有|没|无|还没|没享受过|没有享受过|刚办|刚办的|刚刚办)", t):
        return 0.0
    m = re.search(r"(不到|不满|未满|少于)" + NUM + r"年", t)
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


_NEG = r"没有|没|无|否|不是|不算|不属于|不|未|非"
_YES = r"是|有|对|嗯|好|确定|持有|办了|享受过|具备|能|可以|yes|y|ok"
_FIELD_WORDS: dict[str, tuple[str, str]] = {  # field -> (words meaning True, words meaning False)
    "hardship": (r"低保|特困|边缘|困难|建档立卡|孤儿|事实无人抚养|贫困", ""),
    "self_care_insufficient": (r"不足|不能自理|不会自己|需要.{0,3}帮|离不开人|自理能力差", r"能自理|会自己|没问题"),
    "school_ready": (r"能上学|可以上学|能入学|可以入学|具备", ""),
    "other_province_aid": (r"享受过|领过|拿过", ""),
    "disability_certificate": (r"残疾证|残疾人证|残证", ""),
    "sunshine_card": (r"阳光宝宝卡|阳光卡", ""),
}


_UNSURE = r"不知道|不清楚|不确定|不太清楚|不懂|不记得|啥意思|什么意思|不明白"


def parse_bool(field: str, t: str) -> bool | None:
    """Field words first ("不能自理" -> True for self_care_insufficient), a negation anywhere else flips them."""
    if re.search(_UNSURE, t):
        return None
    pos, neg = _FIELD_WORDS.get(field, ("", ""))
    if pos and re.search(pos, t):
        if field in ("disability_certificate", "sunshine_card") and not re.search(_YES + "|" + _NEG, re.sub(pos, "", t)):
            return None  # just the name of the card, no yes or no
        return not re.search(_NEG, re.sub(pos, "", t))
    if neg and re.search(neg, t):
        return False
    if re.search(_NEG, t):
        return False
    if re.search(_YES, t):
        return True
    return None


def parse_diagnosis(t: str) -> str | None:
    if re.search(r"疑似|怀疑|可能|还没确诊|没确诊|未确诊|不是确诊|没有确诊|在等|等诊断|排队|评估中|不确定|不知道是不是", t):
        return "suspected"
    if re.search(_UNSURE, t):
        return None
    if re.search(r"没有|没|否|不是|^无|^不$|^未", t):
        return "none"
    if re.search(r"确诊|诊断了|已诊断|诊断为|诊断是|医院说是|孤独症|自闭症|谱系", t):
        return "diagnosed"
    if re.fullmatch(r"(是|是的|对|嗯|有|已经)", t):
        return "diagnosed"
    return None


def parse_residency(t: str) -> str | None:
    if re.search(_UNSURE, t):
        return None
    permit_neg = re.search(r"(没有|没|无|未|不是)[^，,。;；]{0,3}居住证", t)
    permit = "居住证" in t and not permit_neg
    hukou_neg = re.search(r"(没有|没|无|不是|不在|非)[^，,。;；]{0,4}(户口|户籍|本地)|外地|外省|户口不在|户籍不在", t)
    hukou = re.search(r"户口|户籍|本地|籍", t) and not hukou_neg
    if hukou:
        return "hukou"
    if permit:
        return "residence_permit"
    if hukou_neg or permit_neg or re.fullmatch(r"(都没有|都没|没有|没|无|都不是|不是)", t):
        return "none"
    return None


def parse_region(t: str) -> str | None:
    return load_region_table().find(t)


def parse_institution(t: str) -> str | None:
    if re.search(r"区外|外区|外地|主城|市里|区以外", t):
        return "out_of_district"
    if re.search(r"区内|本区|区里|綦江|本地", t):
        return "in_district"
    return None
