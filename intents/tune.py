"""Choose model / decision settings by k-fold cross-validation on data/train.yaml ONLY.

    python -m intents.tune [--cache-dir DIR] [--errors]

The held-out split (data/heldout.yaml) is never read here.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

from .config import default_cache_dir
from .dataset import CUES_FILE, TRAIN_FILE, load_examples
from .decide import DecisionPolicy, decide
from .engine import IntentEngine
from .evaluation import Prediction, build_report
from .features import Featurizer
from .labels import INTENTS
from .model import NaiveBayes

GRID: dict[str, list[Any]] = {
    "alpha": [0.1, 0.2],
    "sharpness": [1.0, 1.5, 2.0, 2.5],
    "oov_bonus": [1.0, 1.5, 2.0, 2.5, 3.0],
    "bigram_weight": [1.0],
    "length_power": [0.6, 0.75, 0.9],
    "placeholder_weight": [0.0],
    "unseen": ["mean", "zero"],
}
POLICIES = [(t, m) for t in (0.5, 0.6, 0.7, 0.8) for m in (0.2, 0.3, 0.4)]


def folds(examples: list[tuple[str, str]], k: int) -> list[list[int]]:
    """Deterministic stratified folds: the i-th example of each intent goes to fold i % k."""
    out: list[list[int]] = [[] for _ in range(k)]
    seen: dict[str, int] = {}
    for idx, (_, intent) in enumerate(examples):
        n = seen.get(intent, 0)
        out[n % k].append(idx)
        seen[intent] = n + 1
    return out


def cross_validate(tokens: list[list[str]], examples: list[tuple[str, str]], model_settings: dict[str, Any],
                   feature_settings: dict[str, Any], cues: list[tuple[list[str], str]],
                   k: int = 5) -> list[list[tuple[str, float]]]:
    """Out-of-fold rankings for every train.yaml example; cue phrases are always in the training folds."""
    featurizer = Featurizer(feature_settings)
    feats = [featurizer(t) for t in tokens]
    cue_feats = [(featurizer(t), intent) for t, intent in cues]
    ranked_all: list[list[tuple[str, float]]] = [[] for _ in examples]
    for fold in folds(examples, k):
        held = set(fold)
        model = NaiveBayes(INTENTS, model_settings).fit(
            [(feats[i], examples[i][1]) for i in range(len(examples)) if i not in held] + cue_feats
        )
        for i in fold:
            ranked_all[i] = model.predict_proba(feats[i])
    return ranked_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument(
        "--errors", action="store_true", help="print misclassified training examples (best setting)"
    )
    args = parser.parse_args()
    engine = IntentEngine(args.cache_dir or default_cache_dir())
    examples = load_examples(TRAIN_FILE)
    tokens = [engine.model_tokens(text) for text, _ in examples]
    cues = [(engine.model_tokens(text), intent) for text, intent in load_examples(CUES_FILE)]
    results = []
    for alpha, sharp, oov, bw, lp, pw, unseen in itertools.product(*GRID.values()):
        model_settings = {
            "alpha": alpha,
            "sharpness": sharp,
            "oov_bonus": oov,
            "length_power": lp,
            "unseen": unseen,
        }
        feature_settings = {"bigram_weight": bw, "placeholder_weight": pw}
        ranked_all = cross_validate(tokens, examples, model_settings, feature_settings, cues)
        for t, m in POLICIES:
            policy = DecisionPolicy(t, m)
            preds = [
                Prediction(g, r[0][0], decide(r, policy))
                for (_, g), r in zip(examples, ranked_all, strict=True)
            ]
            rep = build_report("cv", preds)
            # objective: accuracy, heavily penalise false answers (above 0.5 %) and out-of-scope
            # messages that get answered (rejection below 97 %): a wrong answer costs more than a fallback
            score = (
                rep.top1 - 5 * max(rep.false_answer_rate - 0.005, 0) + 1.0 * min(rep.oos_rejection - 0.97, 0)
            )
            score += 0.1 * rep.decision_share("answer")
            results.append(
                (
                    score,
                    rep.top1,
                    rep.false_answer_rate,
                    rep.oos_rejection,
                    rep.decision_share("answer"),
                    (alpha, sharp, oov, bw, lp, pw, unseen, t, m),
                )
            )
    results.sort(key=lambda r: -r[0])
    print(
        "score  top1   false  oosrej answered  "
        "(alpha, sharpness, oov_bonus, bigram_weight, length_power, placeholder_weight, unseen, "
        "threshold, margin)"
    )
    for r in results[:15]:
        print(f"{r[0]:.3f}  {r[1]:.3f}  {r[2]:.3f}  {r[3]:.3f}  {r[4]:.3f}  {r[5]}")
    if args.errors:
        alpha, sharp, oov, bw, lp, pw, unseen, t, m = results[0][5]
        ranked_all = cross_validate(
            tokens,
            examples,
            {"alpha": alpha, "sharpness": sharp, "oov_bonus": oov, "length_power": lp, "unseen": unseen},
            {"bigram_weight": bw, "placeholder_weight": pw},
            cues,
        )
        policy = DecisionPolicy(t, m)
        for (text, gold), ranked, toks in zip(examples, ranked_all, tokens, strict=True):
            d = decide(ranked, policy)
            if ranked[0][0] != gold or d != "answer":
                print(f"{gold:>18} -> {ranked[0][0]:<18} {ranked[0][1]:.2f} {d:<8} {text}  {toks}")


if __name__ == "__main__":
    main()
