"""Classify + retrieve per message (the answer-first hot path), median and p95 in milliseconds.

Run: python benchmarks/answer_path.py [--rounds 5]
Messages: every entry's own held-out question, asked with and without its region (never the frozen
answer set). Target (issue 18): median < 2 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from intents.engine import IntentEngine
from knowledge import load_knowledge_base
from knowledge.entries import ALL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        engine = IntentEngine(Path(cache))
        kb = load_knowledge_base(tokenize=engine.tokenize, cache_dir=Path(cache))
        cases = [(q, None if ALL in e.regions else r) for e in kb.entries for q in e.held_out
                 for r in (e.regions[0], None)]
        timings: list[float] = []
        for _ in range(args.rounds):
            for text, region in cases:
                started = time.perf_counter()
                result = engine.classify(text)
                probs = dict(result.alternatives)
                kb.answer(text, region or result.slots.get("region"), None, intent_probs=probs,
                          age=result.slots.get("age"), residency=result.slots.get("residency"))
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"messages={len(timings)} median={statistics.median(timings):.2f}ms "
          f"p95={timings[int(len(timings) * 0.95)]:.2f}ms max={timings[-1]:.2f}ms")


if __name__ == "__main__":
    main()
