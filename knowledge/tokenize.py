"""Segment parents' messages with a private jieba instance plus our dictionary and synonyms."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import jieba

from knowledge.yamlload import KnowledgeError, line_of, load_yaml

_SKIP = re.compile(r"^[\W_]+$")


class JiebaTokenizer:
    """Callable tokenizer: NFKC, lower-case, jieba (HMM off), synonym mapping, stop-word removal.

    A private `jieba.Tokenizer` keeps our user dictionary from leaking into other packages' jieba.
    """

    def __init__(self, data_dir: Path, cache_dir: Path | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(cache_dir)
            self._jieba.cache_file = "jieba.knowledge.cache"
        self._jieba.load_userdict(str(data_dir / "userdict.txt"))
        self._map = _load_synonyms(data_dir / "synonyms.yaml")
        for word in self._map:
            if len(word) > 1:
                self._jieba.add_word(word, freq=20000)
        stop_path = data_dir / "stopwords.txt"
        self._stop = {w.strip() for w in stop_path.read_text(encoding="utf-8").split() if w.strip()}

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        tokens: list[str] = []
        for word in self._jieba.lcut(text, HMM=False):
            word = word.strip()
            if not word or _SKIP.match(word):
                continue
            for token in self._map.get(word, (word,)):
                if token not in self._stop:
                    tokens.append(token)
        return tokens


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
