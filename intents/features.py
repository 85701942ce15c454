"""Step 5a: turn masked, synonym-mapped tokens into weighted sparse features (words + character bigrams).

Slot placeholders (<region>, <age>, <diagnosis>; see mask.py) are word features with their own weight
and break the character-bigram runs, so "<region>去哪里复筛" has the same bigrams as "去哪里复筛".
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "word_weight": 1.0,  # each word token
    "bigram_weight": 0.5,  # each character bigram of the joined tokens (robust to segmentation)
    "placeholder_weight": 0.0,  # each slot placeholder (<region>, <age>, <diagnosis>); 0 = ignored
    "max_features": 400,  # cap per message (very long input)
}


class Featurizer:
    def __init__(self, settings: dict[str, Any] | None = None):
        from .config import merged

        self.settings = merged(DEFAULTS, settings)

    def __call__(self, tokens: list[str]) -> dict[str, float]:
        from .mask import is_placeholder

        feats: dict[str, float] = {}
        ww = self.settings["word_weight"]
        bw = self.settings["bigram_weight"]
        pw = self.settings["placeholder_weight"]
        runs: list[str] = []
        run: list[str] = []
        for tok in tokens:
            if is_placeholder(tok):
                if pw:
                    key = "w:" + tok
                    feats[key] = feats.get(key, 0.0) + pw
                if run:
                    runs.append("".join(run))
                    run = []
                continue
            key = "w:" + tok
            feats[key] = feats.get(key, 0.0) + ww
            run.append(tok)
        if run:
            runs.append("".join(run))
        if bw:
            # bigrams inside each run of tokens; spaces between tokens are dropped so 康复|救助 still gives 复救
            for text in runs:
                for a, b in zip(text, text[1:], strict=False):
                    key = "b:" + a + b
                    feats[key] = feats.get(key, 0.0) + bw
                if len(text) == 1:
                    feats["b:" + text] = feats.get("b:" + text, 0.0) + bw
        cap = self.settings["max_features"]
        if len(feats) > cap:
            feats = dict(sorted(feats.items(), key=lambda kv: -kv[1])[:cap])
        return feats
