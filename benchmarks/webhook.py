"""Webhook throughput and latency under gunicorn, against a bare Flask hello under the same server.

Usage: python benchmarks/webhook.py [--seconds 10] [--workers 2] [--clients 8]
Prints requests/s, p50 and p99 for both, and the ratio (target >= 0.5).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.simulator import WeChatSimulator, http_transport, text_xml  # noqa: E402

TOKEN = "benchtoken0001"
QUESTIONS = ["綦江孤独症孩子康复补助怎么申请", "上海户籍孩子能报销康复费吗", "你好", "去哪里复筛",
             "诸暨的孩子一个月补助多少钱", "谢谢你"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--preload", "--log-level", "warning", target], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/wechat"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def drive(url: str, seconds: float, clients: int) -> tuple[float, list[float], int]:
    """Post signed text messages from `clients` threads for `seconds`; returns rps, latencies, errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        sim = WeChatSimulator(http_transport(url), TOKEN)
        i = 0
        while time.perf_counter() < stop_at:
            xml = text_xml(f"bench-{n}-{i % 50}", QUESTIONS[i % len(QUESTIONS)])
            t0 = time.perf_counter()
            reply = sim.post(xml)
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if reply.status != 200:
                    errors[0] += 1
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - start), latencies, errors[0]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="xingban-bench-")
    env = {**os.environ, "XINGBAN_MODE": "test", "WECHAT_TOKEN": TOKEN, "XINGBAN_INSTANCE_PATH": tmp,
           "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.db")}
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    results = {}
    for name, target in (("hello", "benchmarks.hello_app:app"), ("webhook", "wsgi:app")):
        proc, url = start_gunicorn(target, args.workers, env)
        try:
            drive(url, 1.0, args.clients)  # warm-up
            rps, lat, errors = drive(url, args.seconds, args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        results[name] = rps
        print(f"{name:8s} {rps:8.1f} req/s  p50 {pct(lat, 50):6.2f} ms  p99 {pct(lat, 99):6.2f} ms  "
              f"errors {errors}  (gunicorn -w {args.workers}, {args.clients} client threads, {args.seconds:.0f} s)")
    print(f"ratio webhook/hello = {results['webhook'] / results['hello']:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
