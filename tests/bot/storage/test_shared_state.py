"""State shared by worker processes: one token refresh at a time, the token, and surviving Redis outages."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import select

from bot.sandbox.server import SandboxServer
from bot.sandbox.simulator import WeChatSimulator, flask_transport, text_xml
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.storage.shared_state import DatabaseState, RedisState
from bot.wechat.client import WeChatApiClient
from tests.conftest import TEST_APP_ID, TEST_SECRET, TEST_TOKEN, build_app, free_port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI installs it)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def race_token_fetch(state: DatabaseState | RedisState, sandbox: SandboxServer, workers: int = 6) -> list[str]:
    """Each thread plays a worker process with its own client; all need a token at the same moment."""
    tokens: list[str] = []
    barrier = threading.Barrier(workers)

    def worker() -> None:
        client = WeChatApiClient(TEST_APP_ID, TEST_SECRET, sandbox.url, session=state.token_storage(),
                                 shared_lock=lambda: state.lock("wechat-token"))
        barrier.wait()
        tokens.append(client.access_token)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tokens


def token_fetches(sandbox: SandboxServer) -> int:
    return sandbox.calls("stable_token") + sandbox.calls("token")


def test_database_state_lets_one_worker_refresh_the_token(app: Flask, sandbox: SandboxServer) -> None:
    tokens = race_token_fetch(DatabaseState(app), sandbox)
    assert len(set(tokens)) == 1 and len(tokens) == 6
    assert token_fetches(sandbox) == 1


def test_redis_state_lets_one_worker_refresh_the_token(app: Flask, sandbox: SandboxServer, redis_url: str) -> None:
    state = RedisState(app, redis_url)
    state.redis.flushdb()
    tokens = race_token_fetch(state, sandbox)
    assert len(set(tokens)) == 1 and token_fetches(sandbox) == 1


@pytest.mark.parametrize("redis_alive", [True, False])
def test_webhook_with_redis_answers_each_message_once(tmp_path: Path, sandbox: SandboxServer, cache_dir: Path,
                                                      redis_url: str, redis_alive: bool) -> None:
    """With Redis up, or down (a dead port), a retried message is stored once and answered the same."""
    url = redis_url if redis_alive else f"redis://127.0.0.1:{free_port()}/0"
    sandbox.reset()
    app = build_app(tmp_path, sandbox, cache_dir, REDIS_URL=url)
    sim = WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)
    xml = text_xml("o-redis", "上海的孩子康复救助怎么申请", msg_id=424242 + int(redis_alive))
    first, second = sim.post(xml), sim.post(xml)
    assert first.status == second.status == 200
    assert "沪府发〔2025〕1号" in first.text and second.text == first.text
    with session_scope(app) as db:
        assert len(db.exec(select(Message)).all()) == 1
    app.extensions["db_engine"].dispose()
