"""Step 6: pull eligibility-profile slots (and a `when` token) out of the normalised text.

Slot names follow docs/contracts.md: region, age (float years), diagnosis ("diagnosed"|"suspected"),
residency ("hukou"|"residence_permit"), hardship, disability_certificate, sunshine_card (bools),
plus optional `when` ("today", "tomorrow", "this_week", "next_wed", "sat", ...).
Keyword tables live in data/slots.yaml; region words in the one region table, knowledge/data/regions.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from knowledge.regions import RegionTable, load_region_table

from .config import load_yaml

DEFAULTS: dict[str, Any] = {
    "min_age": 0.0,  # ages outside [min_age, max_age] are ignored (e.g. 2025岁 is not an age)
    "max_age": 30.0,
    "negation_window": 3,  # characters before a flag keyword searched for a negator (没有残疾证)
}

_WEEKDAYS = {
    "一": "mon",
    "二": "tue",
    "三": "wed",
    "四": "thu",
    "五": "fri",
    "六": "sat",
    "日": "sun",
    "天": "sun",
    "1": "mon",
    "2": "tue",
    "3": "wed",
    "4": "thu",
    "5": "fri",
    "6": "sat",
    "7": "sun",
}

# 4岁 / 3.5岁 / 1岁8个月 / 7周岁; not part of a range (7-14岁, 7到14岁) and not a threshold (未满7周岁)
_AGE_RE = re.compile(r"(?<![\d.~\-到至])(\d+(?:\.\d+)?)\s*(?:周岁|岁)(?:\s*(\d+)\s*个?月)?")
_HUKOU_WHERE = re.compile(r"^\s*(?:还|都|也)?(?:是|在|落在|落户在|属于|迁到|迁去|迁回|转到|转去|迁)")  # "户口在江西", "户籍是安徽的"
_AGE_RANGE_AFTER = re.compile(r"^\s*(?:[-~到至]|以上|以下|以内|之间)")
_AGE_THRESHOLD_BEFORE = re.compile(r"(?:未满|不满|不到|超过|满了?|大于|小于|[-~到至])\s*$")
# "满18了" / "满十八啦" (numerals after 满 are made digits by the normaliser): the child's age now.
_BARE_AGE_RE = re.compile(r"满\s*(\d{1,2})\s*(?:了|啦)")
_MONTHS_RE = re.compile(r"(?<![\d.])(\d+)\s*个月(?:大|的宝宝|的孩子)")
_SPAN_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(个月|年)(?!级|龄|纪|前|底|初)")
_WEEKDAY_RE = re.compile(r"(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])")


def _occurrences(text: str, word: str) -> list[int]:
    """Start of every occurrence of `word` in `text`."""
    found, start = [], text.find(word)
    while start != -1:
        found.append(start)
        start = text.find(word, start + len(word))
    return found


class SlotExtractor:
    def __init__(self, table: dict[str, Any], settings: dict[str, Any] | None = None,
                 regions: RegionTable | None = None):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        self.table = table
        self._regions = regions  # None: the served folder's table, read when used (a county imported live)
        self._years_aided = _years_aided_patterns(table.get("years_aided") or {})
        self._when = [(str(k), str(v)) for k, v in table.get("when", [])]
        self._when.sort(key=lambda kv: -len(kv[0]))
        ages = table.get("age") or {}
        self._now_words = tuple(ages.get("now_words") or ())
        self._later_words = tuple(ages.get("later_words") or ())
        after = "|".join(map(re.escape, ages.get("after_words") or ()))
        self._age_after = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:周岁|岁)(?:{after})") if after else None
        # "下个月就满18了，满了以后还能不能申请", "满18岁以后还管不管": the age the child turns, then after it
        self._age_turning = re.compile(rf"满\s*(\d+)\s*(?:周岁|岁)?\s*了?[，,\s]*(?:满了)?(?:{after})") \
            if after else None
        # read on every message: the tables' phrases, once
        self._flag_asked = tuple(table.get("flag_asked") or ())
        self._acknowledgements = frozenset(table.get("acknowledgements") or ())
        self._follow_up_lead_ins = tuple(sorted(table.get("follow_up_lead_ins") or (), key=len, reverse=True))
        self._flag_asked_reach = max(map(len, self._flag_asked), default=0)
        self._negation_bridges = "".join(table.get("negation_bridges") or ())
        residency = table.get("residency") or {}
        self._fact_words = tuple(residency.get("hukou") or ()) + tuple(residency.get("residence_permit") or ()) + \
            tuple(w for words in (table.get("flags") or {}).values() for w in words)

    @property
    def regions(self) -> RegionTable:
        """knowledge/data/regions.yaml of the folder the bot serves: the one region table."""
        return self._regions or load_region_table()

    @classmethod
    def from_file(cls, path: Path, settings: dict[str, Any] | None = None) -> SlotExtractor:
        return cls(load_yaml(path), settings)

    def region(self, text: str) -> str | None:
        return self.regions.find(text)

    def other_place(self, text: str) -> str | None:
        """A place outside the five documents named in the message (`extract` keeps it only when no
        covered region is named)."""
        return self.regions.other_place(text)

    def asked_other_place(self, text: str, region: str | None) -> str | None:
        """A place outside the five that the message asks about: "北京有没有补贴", or with one of ours named
        as background, "户口诸暨但在杭州上班 杭州那边的康复补贴是多少" (the place then opens a `place_asked`
        phrase). A hukou moved or held there ("户口迁到杭州") is a residency fact, not the question's place."""
        place = self.other_place(text)
        if place is None:
            return None
        asked = tuple(self.table.get("place_asked", ()))
        if region and self.compares_with_region(text, region):
            return place  # "绍兴越城区的补贴是多少，跟诸暨一样吗": ours is only what it is compared with
        for start in _occurrences(text, place):
            before, after = text[max(0, start - 6) : start], text[start + len(place) :]
            if not any(word in before for word in self.table["residency"]["hukou"]) and (
                    not region or after.startswith(asked)):
                return place
        return None

    def compares_with_region(self, text: str, region: str) -> bool:
        """The covered region is named only as a comparison ("跟诸暨一样吗", "比上海多吗")."""
        compare = tuple(self.table.get("compared_with", ()))
        spans = [i for word in self.regions.regions[region].words for i in _occurrences(text, word)]
        return bool(spans) and all(text[max(0, i - 2):i].endswith(compare) for i in spans)

    def age(self, text: str) -> float | None:
        lo, hi = self.settings["min_age"], self.settings["max_age"]
        for m in _AGE_RE.finditer(text):
            if _AGE_RANGE_AFTER.match(text[m.end() :]) or _AGE_THRESHOLD_BEFORE.search(text[: m.start()]):
                # "满" right before the age is the child's age when followed by 了 (满9岁了) or when said of
                # now (刚满18岁, 已经满7岁, 今年满6岁), not of a time to come (满7岁以后)
                before, after = text[: m.start()], text[m.end() : m.end() + 2]
                if not before.endswith("满") or not (after.startswith("了") or (
                        before[:-1].endswith(self._now_words) and not after.startswith(self._later_words))):
                    continue
            years = float(m.group(1))
            if m.group(2):
                years += int(m.group(2)) / 12
            if lo <= years <= hi:
                return round(years, 2)
        bare = _BARE_AGE_RE.search(text)  # "上个月满18了": a birthday just passed, said without 岁
        if bare and lo <= float(bare.group(1)) <= hi:
            return float(bare.group(1))
        months = _MONTHS_RE.search(text)
        if months:
            return round(int(months.group(1)) / 12, 2)
        return None

    def age_after(self, text: str) -> float | None:
        """"那满18岁以后呢": the age a question is asked for (not the child's age now), or None."""
        found = self._age_after.search(text) if self._age_after else None
        return float(found.group(1)) if found else None

    def age_turning(self, text: str) -> float | None:
        """"下个月就满18了，满了以后还能申请吗": the age a question is asked for, in any message (a bare "15岁以上"
        in a question of its own is a range it names, so only `age_after` reads that, in follow-ups)."""
        found = self._age_turning.search(text) if self._age_turning else None
        return float(found.group(1)) if found else None

    def _negated(self, text: str, start: int, end: int) -> bool:
        window = text[max(0, start - self.settings["negation_window"]) : start]
        # "没在老家领过": a negator may stand before a place word that opens the keyword's phrase
        bridged = window.rstrip(self._negation_bridges)
        if any(w.endswith(neg) for w in (window, bridged) for neg in self.table.get("flag_negators", [])):
            return True
        after = text[end : end + self.settings["negation_window"] + 2].lstrip("也都还")
        negator = next((neg for neg in self.table.get("flag_post_negators", ()) if after.startswith(neg)), None)
        # "有居住证没户口": a negator right before another fact's word denies that one, not this
        return negator is not None and not after.startswith(("没错", "没问题")) and not after[len(negator):].startswith(
            self._fact_words)

    def _flag(self, text: str, keywords: list[str]) -> bool | None:
        """True/False when the message states the fact (or denies it), None when it does not say. A keyword
        inside a question about the requirement itself ("一定要有残疾证才能申请吗") states nothing."""
        value: bool | None = None
        asked = self._flag_asked
        for kw in sorted(keywords, key=len, reverse=True):
            start = text.find(kw)
            while start != -1:
                if asked and text[max(0, start - self._flag_asked_reach) : start].endswith(asked):
                    start = text.find(kw, start + len(kw))
                    continue
                negated = self._negated(text, start, start + len(kw))
                if not negated:
                    return True
                value = False
                start = text.find(kw, start + len(kw))
        return value

    def diagnosis(self, text: str) -> str | None:
        d = self.table["diagnosis"]
        if any(k in text for k in d["negated_diagnosed"]):
            return "suspected"
        if any(k in text for k in d["diagnosed"]):
            return "diagnosed"
        if any(k in text for k in d["suspected"]):
            return "suspected"
        # "7岁，低保家庭，自闭症，能不能救助": a parent who names the condition as their child's has been
        # told it; asking "是否确诊" again is the interview parents complain about.
        if any(k in text for k in d.get("implied", ())) and not any(k in text for k in d.get("asks_about", ())):
            return "diagnosed"
        return None

    def residency(self, text: str) -> str | None:
        r = self.table["residency"]
        permit = self._flag(text, r["residence_permit"])
        if permit:
            return "residence_permit"
        elsewhere = False
        for kw in r["hukou"]:
            start = text.find(kw)
            while start != -1:
                before = text[max(0, start - 4) : start]
                after = _HUKOU_WHERE.sub("", text[start + len(kw) : start + len(kw) + 8].lstrip("也都还"), count=1)
                if self.regions.other_place(before) or self.regions.other_place(after[:4]) or after.startswith(
                        tuple(r["hukou_negators"])):
                    # "安徽户口" / "户口在江西" / "户口在老家": a hukou, but not one of ours (not 诸暨籍)
                    elsewhere = True
                elif not any(neg in before for neg in r["hukou_negators"]):
                    return "hukou"
                else:
                    elsewhere = True  # "外地户口" / "没有户口": not one of ours
                start = text.find(kw, start + len(kw))
        return "none" if elsewhere else None

    def permit_years(self, text: str) -> float | None:
        """How long the parents have held a residence permit, when the message says so ("居住证才办了8个月",
        "爸爸满2年，妈妈只办了半年"): the shortest span named, since both parents must qualify."""
        if not any(word in text for word in self.table["residency"]["residence_permit"]):
            return None
        spans = [float(n) / (12 if unit == "个月" else 1) for n, unit in _SPAN_RE.findall(text)]
        spans += [0.5] * text.count("半年")
        return round(min(spans), 2) if spans else None

    def years_aided(self, text: str) -> float | None:
        """Years of rehab aid already received, when the message says so (the 5-year limits depend on it)."""
        none, patterns = self._years_aided
        if any(phrase in text for phrase in none):
            return 0.0
        m = next((found for pattern in patterns if (found := pattern.search(text))), None)
        return float(m.group(1)) if m and "居住证" not in text[max(0, m.start() - 6):m.start()] else None

    def asks(self, text: str) -> bool:
        """True when the (normalised) message asks something; "还能申请不" / "办了没" end in a question."""
        for phrase in self.table.get("question_marker_exceptions", ()):
            text = text.replace(phrase, " ")
        if re.search(r"不[?？,，。 ]|没[?？,，。 ]|(.)[不没]\1", text + " "):  # 能报不？ 管不管 有没有
            return True
        return any(marker in text for marker in self.table.get("question_markers", ()))

    def acknowledges(self, text: str) -> bool:
        """The whole message only acknowledges the last reply ("好的知道了", "嗯嗯", "晓得了"): nothing to
        answer and nothing for a volunteer."""
        bare = re.sub(r"[\s,，。.!！~～…、]+", "", text).lower()
        return bare in self._acknowledgements

    def follows_up(self, text: str) -> bool:
        """True when the (normalised) message opens on an aspect of something named before ("到什么时候结束",
        "是给哪个年龄段的", "都有些什么服务"): read with the previous question when it is short."""
        text = text.lstrip()
        for lead_in in self._follow_up_lead_ins:
            if text.startswith(lead_in):
                text = text[len(lead_in):]
                break
        return text.startswith(tuple(self.table.get("follow_up_openers", ())))

    def when(self, text: str) -> str | None:
        m = _WEEKDAY_RE.search(text)
        if m:
            day = _WEEKDAYS[m.group(2)]
            return f"next_{day}" if m.group(1) and m.group(1).startswith("下") else day
        for word, token in self._when:
            if word in text:
                return token
        return None

    def extract(self, text: str) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        region = self.region(text)
        values = {
            "region": region,
            "other_place": self.asked_other_place(text, region),
            "age": self.age(text),
            "diagnosis": self.diagnosis(text),
            "residency": self.residency(text),
        }
        denials = self.table.get("flag_denials") or {}
        for name, keywords in self.table["flags"].items():
            # A stated denial ("家里不困难") wins: a wrong True would promise money to a family.
            denied = _said_apart(text, denials.get(name, ()), keywords)
            values[name] = False if denied else self._flag(text, keywords)
        chosen = text
        for phrase in self.table.get("choice_exceptions", ()):
            chosen = chosen.replace(phrase, " ")  # "社区里头" is not "区里头"
        for name, choices in (self.table.get("choices") or {}).items():
            values[name] = next((value for value, words in choices.items() if any(w in chosen for w in words)), None)
        values["permit_years"] = self.permit_years(text)
        values["years_aided"] = self.years_aided(text)
        values["when"] = self.when(text)
        for name, value in values.items():
            if value is not None:
                slots[name] = value
        return slots


def _years_aided_patterns(table: dict[str, Any]) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    """(phrases meaning none yet, the patterns "练满5年" / "3年康复"), compiled once from data/slots.yaml."""
    verbs = "|".join(map(re.escape, table.get("verbs", ())))
    nouns = "|".join(map(re.escape, table.get("nouns", ())))
    patterns = []
    if verbs:
        patterns.append(re.compile(rf"(?:{verbs})(?:了|过)?(?:已经)?(?:满了?|了)?(\d+(?:\.\d+)?)年(?!级|龄|纪|前|底|初)"))
    if nouns:
        patterns.append(re.compile(rf"(\d+(?:\.\d+)?)年(?:了|的)?(?:{nouns})"))
    return tuple(str(p) for p in table.get("none", ())), tuple(patterns)


def _said_apart(text: str, phrases: list[str], keywords: list[str]) -> bool:
    """True when a phrase occurs outside every keyword occurrence ("能自理" inside "不能自理" does not count)."""
    if not any(phrase in text for phrase in phrases):
        return False  # the usual case: no denial at all, so no keyword scan on every message
    covered = {i for kw in keywords for m in re.finditer(re.escape(kw), text) for i in range(m.start(), m.end())}
    return any(not set(range(m.start(), m.end())) <= covered
               for phrase in phrases for m in re.finditer(re.escape(phrase), text))
