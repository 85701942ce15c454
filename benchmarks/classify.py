"""Per-message classify latency and memory of the loaded intent engine.

    python benchmarks/classify.py [--cache-dir DIR] [--rounds N]

Prints load time, median / p99 classify time over both held-out files + training messages (plus a few
10 000-character inputs), and the engine's memory (tracemalloc peak during load, RSS delta).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from bot.config import cache_dir_from_environment
    from intents.config import default_cache_dir
    from intents.dataset import HELDOUT_FILES, TRAIN_FILE, load_examples
    from intents.engine import IntentEngine

    cache_dir = args.cache_dir or Path(cache_dir_from_environment() or default_cache_dir())
    IntentEngine(cache_dir)  # warm jieba's on-disk cache so the loads below are steady-state loads
    gc.collect()
    started = time.perf_counter()
    IntentEngine(cache_dir)
    load_s = time.perf_counter() - started
    gc.collect()

    rss_before = rss_kib()
    tracemalloc.start()
    engine = IntentEngine(cache_dir)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    rss_after = rss_kib()

    messages = [t for path in HELDOUT_FILES for t, _ in load_examples(path)]
    messages += [t for t, _ in load_examples(TRAIN_FILE)]
    for text in messages:  # warm per-character pinyin caches
        engine.classify(text)

    def timed() -> list[float]:
        out = []
        for _ in range(args.rounds):
            for text in messages:
                t0 = time.perf_counter()
                engine.classify(text)
                out.append(time.perf_counter() - t0)
        return sorted(out)

    def p99(xs: list[float]) -> float:
        return xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000

    times = timed()
    median_ms, p99_ms = statistics.median(times) * 1000, p99(times)
    # The loaded jieba dictionary is ~350k objects; cyclic-GC passes over it cause the p99 spikes.
    # A server can gc.freeze() after loading (e.g. gunicorn preload); measured separately here.
    gc.collect()
    gc.freeze()
    frozen = timed()
    gc.unfreeze()
    long_text = "我家孩子三岁半确诊了孤独症我们在綦江想问康复救助怎么申请" * 360  # ~10 000 chars
    t0 = time.perf_counter()
    for _ in range(20):
        engine.classify(long_text[:10000])
    long_ms = (time.perf_counter() - t0) / 20 * 1000

    print(f"messages timed        {len(times)} ({len(messages)} distinct x {args.rounds} rounds)")
    print(f"engine load           {load_s * 1000:.0f} ms (jieba cache warm; training itself is < 0.1 s)")
    print(f"classify median       {median_ms:.3f} ms")
    print(f"classify p99          {p99_ms:.3f} ms")
    print(f"after gc.freeze()     median {statistics.median(frozen) * 1000:.3f} ms, p99 {p99(frozen):.3f} ms")
    print(f"classify 10k chars    {long_ms:.3f} ms")
    print(
        f"memory (tracemalloc)  {current / 2**20:.1f} MiB retained, {peak / 2**20:.1f} MiB peak during load"
    )
    print(f"memory (RSS delta)    {(rss_after - rss_before) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
