"""Segment parents' messages with a private jieba instance plus our dictionary and synonyms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import jieba

from knowledge.numbers import chinese_to_number
from knowledge.yamlload import KnowledgeError, line_of, load_yaml

_SKIP = re.compile(r"^[\W_]+$")
# 七岁 / 十二周岁 / 五年 -> 7岁 / 12周岁 / 5年, so spoken ages and durations match the digits in entries.
_SPOKEN_NUMBER = re.compile(r"[零一二两三四五六七八九十百千万]+(?=岁|周岁|年|个月|元|块|次)")


class TokenMapper:
    """Our synonyms and stop words applied to already-segmented words (ours or a plugged-in tokenizer's)."""

    def __init__(self, data_dir: Path) -> None:
        self.synonyms = _load_synonyms(data_dir / "synonyms.yaml")
        stop_text = (data_dir / "stopwords.txt").read_text(encoding="utf-8")
        self.stop = {w.strip() for w in stop_text.split() if w.strip()}

    def __call__(self, words: Iterable[str]) -> list[str]:
        tokens: list[str] = []
        for word in words:
            word = unicodedata.normalize("NFKC", word).strip().lower()
            if not word or _SKIP.match(word):
                continue
            tokens.extend(t for t in self.synonyms.get(word, (word,)) if t not in self.stop)
        return tokens

    def wrap(self, tokenize: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
        """A plugged-in tokenizer (e.g. the intent engine's) still gets the knowledge synonyms."""
        return lambda text: self(tokenize(_SPOKEN_NUMBER.sub(_digits, text)))


class JiebaTokenizer:
    """Callable tokenizer: NFKC, lower-case, jieba search mode (HMM off), then TokenMapper.

    A private `jieba.Tokenizer` keeps our user dictionary from leaking into other packages' jieba.
    """

    def __init__(self, data_dir: Path, cache_dir: Path | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
            self._jieba.cache_file = "jieba.knowledge.cache"
        self._jieba.load_userdict(str(data_dir / "userdict.txt"))
        self._mapper = TokenMapper(data_dir)
        for word in self._mapper.synonyms:
            if len(word) > 1:
                self._jieba.add_word(word, freq=20000)

    def __call__(self, text: str) -> list[str]:
        text = _SPOKEN_NUMBER.sub(_digits, unicodedata.normalize("NFKC", text).lower())
        return self._mapper(self._jieba.lcut_for_search(text, HMM=False))


def _digits(match: re.Match[str]) -> str:
    value = chinese_to_number(match.group(0))
    return match.group(0) if value is None or match.group(0) == "一" else f"{value:g}"


def _load_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """Build surface word -> canonical tokens from `groups` (first word wins) and `split` (compounds)."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}:1: expected a mapping with groups and split")
    mapping: dict[str, tuple[str, ...]] = {}
    for group in data.get("groups") or []:
        if not isinstance(group, list) or not all(isinstance(w, str) for w in group) or len(group) < 2:
            raise KnowledgeError(f"{path}:{line_of(group)}: each group must be a list of 2+ words")
        canonical = group[0].lower()
        for word in group:
            mapping[unicodedata.normalize("NFKC", word).lower()] = (canonical,)
    split = data.get("split") or {}
    if not isinstance(split, dict):
        raise KnowledgeError(f"{path}:{line_of(split)}: split must map a word to a list of words")
    for word, parts in split.items():
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise KnowledgeError(f"{path}:{line_of(split)}: split.{word} must be a list of words")
        mapping[str(word).lower()] = tuple(mapping.get(p, (p,))[0] for p in parts)
    return mapping
