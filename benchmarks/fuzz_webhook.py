"""Fuzz the `/wechat` webhook with signed, mostly-valid pushes bent in every field; count 5xx answers.

Usage: python benchmarks/fuzz_webhook.py [--cases 10000] [--seed N]
A 5xx makes WeChat retry the push three times, so a malformed push must be a 400 (or 403 when the
signature is wrong). Uses the same generator as tests/bot/test_webhook_hardening.py (which runs a few hundred
cases in CI) against an in-process test-mode app with its own database and a local WeChat sandbox.
Prints the status counts, the number of 5xx (must be 0) and the total; exits 1 on any 5xx.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from bot.sandbox.server import SandboxServer  # noqa: E402
from tests.bot.test_webhook_hardening import post_fuzzed, pushes  # noqa: E402
from tests.conftest import build_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    statuses: Counter[int] = Counter()
    tmp = Path(tempfile.mkdtemp(prefix="xingban-fuzz-"))
    with SandboxServer() as sandbox:
        app = build_app(tmp, sandbox, tmp / "cache")

        @settings(max_examples=args.cases, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=pushes())
        def fuzz(case: tuple[dict[str, str], bytes]) -> None:
            statuses[post_fuzzed(app, case)] += 1

        if args.seed is not None:
            fuzz = seed(args.seed)(fuzz)
        started = time.perf_counter()
        fuzz()
        elapsed = time.perf_counter() - started
        app.extensions["db_engine"].dispose()
    total = sum(statuses.values())
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print("statuses: " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())))
    print(f"5xx responses: {server_errors} of {total} cases ({elapsed:.0f} s)")
    sys.exit(1 if server_errors else 0)


if __name__ == "__main__":
    main()
