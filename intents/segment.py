"""Step 3: cut normalised text into words with a PRIVATE jieba tokenizer (never the global one).

HMM new-word discovery is off so the output is stable; the domain user dictionary (data/userdict.txt)
and every synonym variant are added so that 孤独症谱系障碍, 阳光宝宝卡 ... stay single tokens.
jieba's prefix-dictionary cache is written under ``cache_dir`` (not /tmp).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jieba

DEFAULTS: dict[str, Any] = {
    "hmm": False,  # jieba HMM for unknown words: off (deterministic, faster)
    "cache_file": "jieba.cache",  # file name of jieba's prefix-dict cache inside cache_dir
    "extra_word_freq": 20000,  # frequency given to synonym variants added at load time
}


class Segmenter:
    def __init__(
        self,
        cache_dir: Path,
        userdict: Path,
        extra_words: Iterable[str] = (),
        settings: dict[str, Any] | None = None,
    ):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)
        cache_dir = Path(cache_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(cache_dir)
        tokenizer.cache_file = self.settings["cache_file"]
        # jieba logs "Building prefix dict ..." at DEBUG on its own logger; keep our loads quiet
        # without touching the global tokenizer.
        jieba_logger = logging.getLogger("jieba")
        previous = jieba_logger.level
        jieba_logger.setLevel(logging.WARNING)
        try:
            tokenizer.initialize()
        finally:
            jieba_logger.setLevel(previous)
        tokenizer.load_userdict(str(userdict))
        freq = self.settings["extra_word_freq"]
        for word in extra_words:
            # Latin-only words (asd, hi) are left out: in jieba's dictionary they would split
            # ordinary Latin runs (asdfgh -> asd + fgh, this -> t + hi + s).
            if word and not word.isascii() and not tokenizer.FREQ.get(word):
                tokenizer.add_word(word, freq)
        self._tokenizer = tokenizer
        self._hmm = bool(self.settings["hmm"])

    def word_frequency(self, word: str) -> int:
        """Frequency of ``word`` in the (base + user) dictionary; 0 if it is not a word."""
        return self._tokenizer.FREQ.get(word, 0) or 0

    def cut(self, text: str) -> list[str]:
        return [tok for tok in self._tokenizer.lcut(text, HMM=self._hmm) if tok.strip()]
