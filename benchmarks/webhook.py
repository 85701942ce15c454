"""Webhook throughput and latency under gunicorn, against a bare Flask hello under the same server.

Usage: python benchmarks/webhook.py [--seconds 6] [--rounds 3] [--workers 2] [--clients 8]
Both servers run side by side and are measured alternately, `--rounds` times. Prints requests/s, p50, p95
and p99 of each run, the ratio per round, and the median ratio (target >= 0.5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from http_load import bot_env, compare, migrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=3, help="hello/webhook pairs, measured alternately")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    if args.seconds <= 0 or args.rounds < 1 or args.workers < 1 or args.clients < 1:
        parser.error("--seconds must be > 0 and --rounds, --workers, --clients at least 1")
    env = bot_env(tempfile.mkdtemp(prefix="xingban-bench-"))
    migrate(env)
    print(f"gunicorn -w {args.workers}, {args.clients} client threads, {args.rounds} rounds of {args.seconds:g} s, "
          f"{os.cpu_count()} CPUs, database {env['DATABASE_URL'].split(':')[0]}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    ratios = []
    for n, (hello, bot) in enumerate(compare(args.workers, env, args.seconds, args.clients, args.rounds), 1):
        ratios.append(bot.rps / hello.rps)
        print(f"round {n}: " + hello.line("hello"))
        print(f"round {n}: " + bot.line("webhook"))
        print(f"round {n}: ratio webhook/hello = {ratios[-1]:.2f}", flush=True)
    print(f"median ratio webhook/hello = {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}; target >= 0.5)")


if __name__ == "__main__":
    main()
