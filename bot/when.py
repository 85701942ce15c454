"""Chinese day expressions in a parent's question ("明天", "这周", "下周三", "礼拜六") as a date range.

Small and rule-based on purpose: the words are few, the answer must be exact, and the dates are the
parent's local (Asia/Shanghai) calendar days. Anything not recognised returns None ("the next class").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.wechat.limits import SHANGHAI

WEEKDAY_NAMES = "一二三四五六日"
_DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
              "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK = r"(?:周|星期|礼拜|禮拜)"
_THIS = r"(?:这|這|本|今)(?:个|個)?"
_NEXT = r"(?:下)(?:个|個)?"
_NEXT_WEEKDAY = re.compile(_NEXT + _WEEK + r"([一二三四五六日天末1-7])")
_THIS_WEEKDAY = re.compile(_THIS + _WEEK + r"([一二三四五六日天末1-7])")
_WEEKDAY = re.compile(_WEEK + r"([一二三四五六日天末1-7])")
_NEXT_WEEK = re.compile(_NEXT + _WEEK)
_THIS_WEEK = re.compile(_THIS + _WEEK)
_RELATIVE_DAYS = (("大后天", 3), ("後天", 2), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0))


@dataclass(frozen=True)
class DayRange:
    """Local calendar days `first`..`last` inclusive, with the words to repeat back to the parent."""

    first: date
    last: date
    label: str

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def weekday_name(day: date) -> str:
    return "周" + WEEKDAY_NAMES[day.weekday()]


def format_span(starts_at: datetime, ends_at: datetime | None = None) -> str:
    """'6月7日 周六 09:00–10:30' in Asia/Shanghai, the way parents read class times."""
    start = starts_at.astimezone(SHANGHAI)
    text = f"{start.month}月{start.day}日 {weekday_name(start.date())} {start:%H:%M}"
    return text + (f"–{ends_at.astimezone(SHANGHAI):%H:%M}" if ends_at else "")

def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _single(day: date, label: str) -> DayRange:
    return DayRange(day, day, label)


def _weekend_or_day(monday: date, char: str, label: str) -> DayRange:
    """周末 is Saturday and Sunday; any other day name is one day."""
    start = monday + timedelta(days=_DAY_CHARS[char])
    return DayRange(start, start + timedelta(days=1), label) if char == "末" else _single(start, label)


def parse_when(text: str, today: date) -> DayRange | None:
    """The days a question is about, relative to `today` (local); None when it names no day."""
    for word, days in _RELATIVE_DAYS:
        if word in text:
            return _single(today + timedelta(days=days), word)
    this_monday = _monday(today)
    if match := _NEXT_WEEKDAY.search(text):
        return _weekend_or_day(this_monday + timedelta(days=7), match.group(1), match.group(0))
    if match := _THIS_WEEKDAY.search(text):
        return _weekend_or_day(this_monday, match.group(1), match.group(0))
    if match := _WEEKDAY.search(text):
        day = this_monday + timedelta(days=_DAY_CHARS[match.group(1)])
        if day < today and not (match.group(1) == "末" and day + timedelta(days=1) >= today):
            day += timedelta(days=7)  # "周三" on a Thursday means the coming Wednesday
        return _weekend_or_day(_monday(day), match.group(1), match.group(0))
    if match := _NEXT_WEEK.search(text):
        monday = this_monday + timedelta(days=7)
        return DayRange(monday, monday + timedelta(days=6), match.group(0))
    if match := _THIS_WEEK.search(text):
        return DayRange(today, this_monday + timedelta(days=6), match.group(0))
    return None
