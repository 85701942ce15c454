"""Step 5a: turn synonym-mapped tokens into weighted sparse features (words + character bigrams)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "word_weight": 1.0,  # each word token
    "bigram_weight": 0.5,  # each character bigram of the joined tokens (robust to segmentation)
    "max_features": 400,  # cap per message (very long input)
}


class Featurizer:
    def __init__(self, settings: dict[str, Any] | None = None):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)

    def __call__(self, tokens: list[str]) -> dict[str, float]:
        feats: dict[str, float] = {}
        ww = self.settings["word_weight"]
        bw = self.settings["bigram_weight"]
        for tok in tokens:
            key = "w:" + tok
            feats[key] = feats.get(key, 0.0) + ww
        if bw:
            # bigrams inside each token run; spaces between tokens are dropped so 康复|救助 still gives 复救
            text = "".join(tokens)
            for a, b in zip(text, text[1:], strict=False):
                key = "b:" + a + b
                feats[key] = feats.get(key, 0.0) + bw
            if len(text) == 1:
                feats["b:" + text] = feats.get("b:" + text, 0.0) + bw
        cap = self.settings["max_features"]
        if len(feats) > cap:
            feats = dict(sorted(feats.items(), key=lambda kv: -kv[1])[:cap])
        return feats
