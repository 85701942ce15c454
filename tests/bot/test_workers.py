"""Several gunicorn workers behind one database: a message is processed once, and the service
survives a database restart without being restarted itself."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.sandbox.simulator import WeChatSimulator, http_transport, text_xml
from tests.conftest import TEST_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_url(tmp_path: Path, cache_dir: Path) -> Iterator[tuple[str, str]]:
    db_url = os.environ.get("XINGBAN_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'workers.db'}"
    env = {**os.environ, "XINGBAN_MODE": "test", "WECHAT_TOKEN": TEST_TOKEN, "DATABASE_URL": db_url,
           "XINGBAN_INSTANCE_PATH": str(tmp_path / "instance"), "XINGBAN_CACHE_DIR": str(cache_dir)}
    if db_url.startswith("postgresql"):
        engine = create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()  # close the pooled connection now, not when the collector finds it
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--preload",
                             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/wechat"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield url, db_url
    proc.terminate()
    proc.wait(timeout=30)


def count_rows(db_url: str, dedup_key: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM messages WHERE dedup_key = :k"), {"k": dedup_key}).scalar()
    engine.dispose()
    return int(found or 0)


def post_twice_at_once(url: str, xml: str) -> list:
    """Two connections release the same push at the same instant, as WeChat's retry can."""
    replies: list = []
    barrier = threading.Barrier(2)

    def post() -> None:
        sim = WeChatSimulator(http_transport(url), TEST_TOKEN)
        barrier.wait()
        replies.append(sim.post(xml))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def test_same_msgid_to_two_workers_at_once_is_processed_once(gunicorn_url: tuple[str, str]) -> None:
    url, db_url = gunicorn_url
    for n in range(15):
        msg_id = 7_000_000 + n
        replies = post_twice_at_once(url, text_xml(f"o-race-{n}", "上海的孩子康复救助怎么申请", msg_id=msg_id))
        assert all(r.status == 200 for r in replies)
        answered = [r for r in replies if r.text]
        assert answered and all("沪府发〔2025〕1号" in r.text for r in answered)
        assert all(r.text == answered[0].text or r.body == "success" for r in replies)
        assert count_rows(db_url, f"m:{msg_id}") == 1


@pytest.mark.skipif(not os.environ.get("XINGBAN_TEST_PG_RESTART"), reason="needs a PostgreSQL it may restart")
def test_database_restart_under_traffic_fails_cleanly_and_recovers(gunicorn_url: tuple[str, str]) -> None:
    url, _ = gunicorn_url
    sim = WeChatSimulator(http_transport(url, timeout=15), TEST_TOKEN)
    assert sim.send_text("o-pg", "你好").status == 200
    statuses: list[int] = []
    stop = threading.Event()

    def traffic() -> None:
        n = 0
        while not stop.is_set():
            statuses.append(sim.send_text(f"o-pg-{n % 5}", "去哪里复筛").status)
            n += 1

    thread = threading.Thread(target=traffic)
    thread.start()
    subprocess.run(os.environ["XINGBAN_TEST_PG_RESTART"], shell=True, check=True, capture_output=True)
    time.sleep(1.0)
    stop.set()
    thread.join()
    assert set(statuses) <= {200, 503}, statuses  # failures are clean: WeChat retries them
    after = [sim.send_text("o-pg-after", "你好").status for _ in range(3)]
    assert after == [200, 200, 200]
