"""Shared pieces of the HTTP benchmarks: gunicorn on a free loopback port and a bounded signed-message load."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sandbox.simulator import WeChatSimulator, http_transport, text_xml  # noqa: E402

TOKEN = "benchtoken0001"
QUESTIONS = ["綦江孤独症孩子康复补助怎么申请", "上海户籍孩子能报销康复费吗", "你好", "去哪里复筛",
             "诸暨的孩子一个月补助多少钱", "谢谢你"]


@dataclass
class LoadResult:
    rps: float
    latencies: list[float]
    errors: int
    passive: int | None = None  # webhook runs: answers that came back as passive XML (not `success`)

    def pct(self, q: int) -> float:
        """The q-th percentile latency in milliseconds."""
        if len(self.latencies) < 3:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000

    def line(self, name: str) -> str:
        passive = "" if self.passive is None else f"  passive replies {self.passive / max(len(self.latencies), 1):.0%}"
        return (f"{name:10s} {self.rps:8.1f} req/s  p50 {self.pct(50):7.2f} ms  p95 {self.pct(95):7.2f} ms  "
                f"p99 {self.pct(99):7.2f} ms  errors {self.errors}{passive}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(tmp: str) -> dict[str, str]:
    """Environment for a benchmark bot: test mode, its own instance folder, DATABASE_URL/REDIS_URL passed on."""
    return {**os.environ, "XINGBAN_MODE": "test", "WECHAT_TOKEN": TOKEN, "XINGBAN_INSTANCE_PATH": tmp,
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.db"),
            # loopback only: a reply that misses the budget goes to a sandbox (or nowhere), never to WeChat
            "WECHAT_API_BASE_URL": os.environ.get("WECHAT_API_BASE_URL", "http://127.0.0.1:9/cgi-bin/")}


def start_gunicorn(target: str, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--preload", "--log-level", "warning", target], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/wechat"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def drive(url: str, seconds: float, clients: int, prefix: str = "bench",
          stop: threading.Event | None = None, expect_xml: bool = False) -> LoadResult:
    """Post signed text messages from `clients` threads for `seconds` (bounded in time, loopback only),
    or until `stop` is set, whichever comes first. The client signs and sends but does not parse the
    answer, so it costs the same for the hello and the webhook; `expect_xml` counts passive replies."""
    latencies: list[float] = []
    counts = {"errors": 0, "passive": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    stop = stop or threading.Event()

    def worker(n: int) -> None:
        post = http_transport(url)
        sim = WeChatSimulator(post, TOKEN)
        i = 0
        while time.perf_counter() < stop_at and not stop.is_set():
            body = text_xml(f"{prefix}-{n}-{i % 50}", QUESTIONS[i % len(QUESTIONS)]).encode("utf-8")
            t0 = time.perf_counter()
            try:
                status, raw = post(sim.signed_query(), body)
            except requests.RequestException:
                status, raw = 0, b""
            with lock:
                latencies.append(time.perf_counter() - t0)
                counts["errors"] += status != 200
                counts["passive"] += raw.startswith(b"<xml>")
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(len(latencies) / (time.perf_counter() - start), latencies, counts["errors"],
                      counts["passive"] if expect_xml else None)


HELLO_TARGET, BOT_TARGET = "benchmarks.hello_app:app", "wsgi:app"


@contextmanager
def serving(target: str, workers: int, env: dict[str, str]) -> Iterator[str]:
    """gunicorn serving `target` for the duration of the block; yields the webhook URL."""
    proc, url = start_gunicorn(target, workers, env)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def compare(workers: int, env: dict[str, str], seconds: float, clients: int,
            rounds: int) -> list[tuple[LoadResult, LoadResult]]:
    """(hello, webhook) per round, both servers up at once and measured alternately, so that a noisy
    neighbour on a shared machine slows both sides of a round rather than one side of the ratio."""
    with serving(HELLO_TARGET, workers, env) as hello_url, serving(BOT_TARGET, workers, env) as bot_url:
        drive(hello_url, 1.0, clients, prefix="warmup")
        drive(bot_url, 1.0, clients, prefix="warmup")
        return [(drive(hello_url, seconds, clients),
                 drive(bot_url, seconds, clients, prefix=f"r{n}", expect_xml=True)) for n in range(rounds)]


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
