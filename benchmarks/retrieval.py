"""Held-out retrieval benchmark: top-1 accuracy of each entry's held-out questions, plus query latency.

Run: python benchmarks/retrieval.py [--verbose]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from knowledge import load_knowledge_base
from knowledge.entries import ALL


def main(verbose: bool = False) -> None:
    """Print held-out top-1 (search and answer()) and the misses."""
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        kb = load_knowledge_base(cache_dir=Path(cache))
        loaded = time.perf_counter() - started
        total = top1 = answered = 0
        started = time.perf_counter()
        for entry in kb.entries:
            region = "qijiang" if ALL in entry.regions else entry.regions[0]
            for question in entry.held_out:
                total += 1
                hits = kb.search(question, region, None, limit=3)
                ok = bool(hits) and hits[0].entry.id == entry.id
                top1 += ok
                answer = kb.answer(question, region, None)
                answered += answer.kind == "answer" and answer.entry_ids[:1] == [entry.id]
                if verbose and not ok:
                    print(f"MISS {entry.id}: {question} -> {[(h.entry.id, round(h.score, 1)) for h in hits]}")
        per_query = (time.perf_counter() - started) / max(total, 1) / 2
    print(f"entries={len(kb.entries)} load={loaded:.2f}s per_query={per_query * 1000:.1f}ms")
    print(f"held-out search top-1: {top1}/{total} = {top1 / total:.2f}")
    print(f"held-out answer() correct (after thresholds): {answered}/{total} = {answered / total:.2f}")


if __name__ == "__main__":
    main(verbose="--verbose" in sys.argv)
