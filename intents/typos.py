"""Step 2: repair homophone typos (voice input, pinyin IMEs): 就助 -> 救助, 负筛 -> 复筛, 康附 -> 康复.

Domain words are indexed by their toneless pinyin (with the usual southern-Mandarin confusions folded:
zh/z, ch/c, sh/s, n/l, -ing/-in, -eng/-en). A window of the message whose pinyin equals a domain
word's is replaced by that word, unless the window is itself an ordinary word (记不住 is not 记补助)
or a guard below says no.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from pypinyin import Style, pinyin

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    # Fold these initials / finals together before comparing (dialect and IME confusions).
    "fuzzy_initials": {"zh": "z", "ch": "c", "sh": "s", "n": "l"},
    "fuzzy_finals": {"ing": "in", "eng": "en"},
    # A window that is a dictionary word at least this frequent is left alone (不住, 体型, 成就 ...).
    "common_word_min_freq": 50,
    # Share of characters the window must already have in common with the domain word.
    "min_shared_ratio": 0.5,
    # Domain words shorter / longer than this are not used as correction targets.
    "min_word_len": 2,
    "max_word_len": 6,
    # At most this many pinyin readings combinations are tried per window (polyphonic characters).
    "max_combinations": 8,
}

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


class HomophoneCorrector:
    def __init__(
        self,
        domain_words: Iterable[str],
        word_frequency: Callable[[str], int],
        settings: dict[str, Any] | None = None,
    ):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        self._freq = word_frequency
        self._initials = sorted(self.settings["fuzzy_initials"].items(), key=lambda kv: -len(kv[0]))
        self._finals = sorted(self.settings["fuzzy_finals"].items(), key=lambda kv: -len(kv[0]))
        lo, hi = self.settings["min_word_len"], self.settings["max_word_len"]
        self.words = {w for w in domain_words if lo <= len(w) <= hi and _HAN.match(w)}
        # key (tuple of folded syllables) -> domain words; first syllable -> window lengths to try
        self._index: dict[tuple[str, ...], list[str]] = {}
        self._lengths_by_first: dict[str, set[int]] = {}
        for word in sorted(self.words):
            for key in self._keys(word):
                self._index.setdefault(key, []).append(word)
                self._lengths_by_first.setdefault(key[0], set()).add(len(word))
        self._readings = lru_cache(maxsize=8192)(self._char_readings)

    def _fold(self, syllable: str) -> str:
        for src, dst in self._initials:
            if syllable.startswith(src):
                syllable = dst + syllable[len(src) :]
                break
        for src, dst in self._finals:
            if syllable.endswith(src):
                syllable = syllable[: -len(src)] + dst
                break
        return syllable

    def _char_readings(self, ch: str) -> tuple[str, ...]:
        if not ("\u4e00" <= ch <= "\u9fff"):
            return ()
        readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
        return tuple(dict.fromkeys(self._fold(r) for r in readings if r))

    def _keys(self, text: str) -> list[tuple[str, ...]]:
        per_char = [self._char_readings(ch) for ch in text]
        if not all(per_char):
            return []
        return list(itertools.islice(itertools.product(*per_char), self.settings["max_combinations"]))

    def _is_common_word(self, text: str) -> bool:
        return bool(self._freq(text) >= self.settings["common_word_min_freq"])

    def correct(self, text: str) -> str:
        if not self.settings["enabled"] or not text:
            return text
        readings = [self._readings(ch) for ch in text]
        out: list[str] = []
        i, n = 0, len(text)
        ratio = self.settings["min_shared_ratio"]
        limit = self.settings["max_combinations"]
        while i < n:
            replaced = False
            if readings[i]:
                lengths: set[int] = set()
                for r in readings[i]:
                    lengths |= self._lengths_by_first.get(r, set())
                for length in sorted(lengths, reverse=True):
                    window = text[i : i + length]
                    if len(window) < length or window in self.words:
                        continue
                    window_readings = readings[i : i + length]
                    if not all(window_readings) or self._is_common_word(window):
                        continue
                    best = None
                    for key in itertools.islice(itertools.product(*window_readings), limit):
                        for word in self._index.get(key, ()):
                            shared = sum(a == b for a, b in zip(word, window, strict=True))
                            if shared and shared >= ratio * length and (best is None or shared > best[0]):
                                best = (shared, word)
                    if best is None:
                        continue
                    # the window must not be the tail / head of an ordinary word (成就助力 keeps 就助)
                    if i > 0 and self._is_common_word(text[i - 1 : i + 1]):
                        continue
                    if i + length < n and self._is_common_word(text[i + length - 1 : i + length + 1]):
                        continue
                    out.append(best[1])
                    i += length
                    replaced = True
                    break
            if not replaced:
                out.append(text[i])
                i += 1
        return "".join(out)
