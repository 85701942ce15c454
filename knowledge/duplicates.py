"""Duplicate detection for `kb check`: same id, same question text, or near-identical answers."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher

from knowledge.entries import Entry

_NOISE = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Compare texts without punctuation, spaces, case or width differences."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def find_duplicates(entries: list[Entry], ratio: float) -> list[str]:
    """`file:line: message` for every duplicate, pointing back at the first occurrence."""
    errors: list[str] = []
    seen_ids: dict[str, Entry] = {}
    seen_questions: dict[str, Entry] = {}
    for entry in entries:
        where = f"{entry.path}:{entry.line}"
        if entry.id in seen_ids:
            first = seen_ids[entry.id]
            errors.append(f"{where}: duplicate id {entry.id} (first at {first.path}:{first.line})")
        seen_ids.setdefault(entry.id, entry)
        counts = Counter(_key(q) for q in entry.questions + entry.held_out)
        for key in counts:
            other = seen_questions.get(key)
            if other is not None or counts[key] > 1:
                other = other or entry
                errors.append(f"{where}: duplicate question {key!r} (also in {other.id} at {other.path}:{other.line})")
            seen_questions.setdefault(key, entry)
    answers = [(_key(e.answer), e) for e in entries]
    for i, (a, entry) in enumerate(answers):
        for b, other in answers[:i]:
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio:
                errors.append(f"{entry.path}:{entry.line}: answer of {entry.id} duplicates {other.id} "
                              f"({other.path}:{other.line})")
    return errors
