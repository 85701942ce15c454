"""Webhook throughput and latency under gunicorn, against a bare Flask hello under the same server.

Usage: python benchmarks/webhook.py [--seconds 10] [--workers 2] [--clients 8]
Prints requests/s, p50 and p99 for both, and the ratio (target >= 0.5).
"""

from __future__ import annotations

import argparse
import os
import tempfile

from http_load import bot_env, measure, migrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    env = bot_env(tempfile.mkdtemp(prefix="xingban-bench-"))
    migrate(env)
    print(f"gunicorn -w {args.workers}, {args.clients} client threads, {args.seconds:.0f} s each, "
          f"{os.cpu_count()} CPUs, database {env['DATABASE_URL'].split(':')[0]}")
    hello = measure("benchmarks.hello_app:app", args.workers, env, args.seconds, args.clients)
    print(hello.line("hello"))
    bot = measure("wsgi:app", args.workers, env, args.seconds, args.clients)
    print(bot.line("webhook"))
    print(f"ratio webhook/hello = {bot.rps / hello.rps:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
