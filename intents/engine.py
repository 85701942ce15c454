"""The intent engine: raw message -> intent, confidence, decision, alternatives and slots.

Pipeline (one module per step): normalize -> typos -> segment -> synonyms -> mask -> features -> model
-> decide, with slots read from the normalised text. ``mask`` (slot words -> <region>/<age>/<diagnosis>,
generic words dropped) feeds the model only, in training and at inference; ``tokenize`` is unmasked.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import DATA_DIR, default_cache_dir, load_engine_config
from .dataset import training_examples
from .decide import FALLBACK, DecisionPolicy, decide
from .features import Featurizer
from .labels import INTENTS, OUT_OF_SCOPE
from .mask import SlotMasker
from .model import NaiveBayes
from .normalize import Normalizer
from .segment import Segmenter
from .slots import SlotExtractor
from .synonyms import SynonymMap
from .typos import HomophoneCorrector

USERDICT_FILE = DATA_DIR / "userdict.txt"
SYNONYMS_FILE = DATA_DIR / "synonyms.yaml"
SLOTS_FILE = DATA_DIR / "slots.yaml"
MASKING_FILE = DATA_DIR / "masking.yaml"

ALTERNATIVES = 3  # how many (intent, score) pairs a Classification carries


@dataclass
class Classification:
    text: str
    normalized: str
    intent: str
    confidence: float
    decision: str
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["alternatives"] = [[intent, score] for intent, score in self.alternatives]
        return d


class IntentEngine:
    def __init__(
        self,
        cache_dir: Path,
        config: dict[str, Any] | None = None,
        train_examples: list[tuple[str, str]] | None = None,
    ):
        started = time.perf_counter()
        config = load_engine_config() if config is None else config
        self.config = config
        self.normalizer = Normalizer(config.get("normalize"))
        self._last_normalized: tuple[str | None, str] = (None, "")
        self.synonyms = SynonymMap.from_file(SYNONYMS_FILE)
        self.segmenter = Segmenter(cache_dir, USERDICT_FILE, self.synonyms.words, config.get("segment"))
        with open(USERDICT_FILE, encoding="utf-8") as fh:
            user_words = [line.split()[0] for line in fh if line.strip() and not line.startswith("#")]
        self.corrector = HomophoneCorrector(
            user_words + self.synonyms.words, self.segmenter.word_frequency, config.get("typos")
        )
        self.masker = SlotMasker.from_file(MASKING_FILE, config.get("masking"))
        self.featurizer = Featurizer(config.get("features"))
        self.slots = SlotExtractor.from_file(SLOTS_FILE, config.get("slots"))
        self.policy = DecisionPolicy.from_settings(config.get("decision"))
        examples = training_examples() if train_examples is None else train_examples
        self.model = NaiveBayes(INTENTS, config.get("model")).fit(
            (self.features(text), intent) for text, intent in examples
        )
        self.load_seconds = time.perf_counter() - started

    # -- pipeline pieces -------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """Normalised and typo-corrected text (what slots are read from).

        One message is normalised by the classifier and again by knowledge retrieval: the last result is
        kept (one entry, swapped atomically, so threads cannot see a half-written pair)."""
        last = self._last_normalized
        if last[0] == text:
            return last[1]
        normalized = self.corrector.correct(self.normalizer(text))
        self._last_normalized = (text, normalized)
        return normalized

    def _tokens(self, normalized: str) -> list[str]:
        return self.synonyms.map(self.segmenter.cut(normalized))

    def tokenize(self, text: str) -> list[str]:
        """Normalised, segmented, synonym-mapped tokens (shared with knowledge retrieval)."""
        return self._tokens(self.normalize(text))

    def _model_tokens(self, normalized: str) -> list[str]:
        return self.masker.mask(normalized, self._tokens)

    def model_tokens(self, text: str) -> list[str]:
        """What the intent model sees: ``tokenize`` with slot words masked (see mask.py)."""
        return self._model_tokens(self.normalize(text))

    def features(self, text: str) -> dict[str, float]:
        return self.featurizer(self.model_tokens(text))

    # -- classification --------------------------------------------------------------------------
    def classify(self, text: str) -> Classification:
        text = text if isinstance(text, str) else str(text or "")
        normalized = self.normalize(text)
        tokens = self._model_tokens(normalized)
        ranked = self.model.predict_proba(self.featurizer(tokens)) if tokens else []
        if not ranked or not any(ch.isalnum() for ch in normalized):
            return Classification(
                text,
                normalized,
                OUT_OF_SCOPE,
                1.0 if not normalized else 0.0,
                FALLBACK,
                [(OUT_OF_SCOPE, 1.0)],
                {},
            )
        decision = decide(ranked, self.policy)
        intent, confidence = ranked[0]
        alternatives = [(name, round(score, 4)) for name, score in ranked[:ALTERNATIVES]]
        return Classification(
            text=text,
            normalized=normalized,
            intent=intent,
            confidence=round(confidence, 4),
            decision=decision,
            alternatives=alternatives,
            slots=self.slots.extract(normalized),
        )


def load_engine(cache_dir: Path | None = None) -> IntentEngine:
    """Build an engine: jieba, the data files and the trained model (seconds). Each call builds a new one;
    the caller keeps it (the bot: `bot/services.py`, once per process)."""
    return IntentEngine(Path(cache_dir) if cache_dir is not None else default_cache_dir())
