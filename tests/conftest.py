"""Shared fixtures: a migrated app on a throwaway database, the local WeChat sandbox, a simulator.

Set XINGBAN_TEST_DATABASE_URL (e.g. postgresql+psycopg://...) to run the same tests on PostgreSQL
(each test starts from an empty schema) and XINGBAN_TEST_REDIS_URL to share state through Redis.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot import create_app
from bot.demo.seed import seed_demo
from bot.sandbox.server import SandboxServer
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from bot.storage.migrate import upgrade

TEST_APP_ID = "wxtest0000000001"
TEST_SECRET = "testsecret0000000000000000000001"
TEST_TOKEN = "xingbantesttoken"
TEST_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
# Test folders that mirror a package: any warning fails their tests (the rest of the suite still ignores
# DeprecationWarning until it moves into the mirrored tree too).
STRICT_WARNINGS = ("bot", "handlers", "intents", "knowledge")
KNOWN_WARNINGS = (  # each with its owner, to drop once fixed there
    r"ignore:unclosed file <_io.BufferedReader name='[^']*userdict.txt'>:ResourceWarning",  # intents/segment.py
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and item.path.relative_to(here).parts[0] in STRICT_WARNINGS:
            item.add_marker(pytest.mark.filterwarnings("error", *KNOWN_WARNINGS))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(app_id=TEST_APP_ID, app_secret=TEST_SECRET)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _default_sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def default_sandbox(_default_sandbox_server: SandboxServer) -> SandboxServer:
    """A sandbox with its default AppID/secret, emptied before each test."""
    _default_sandbox_server.reset()
    return _default_sandbox_server


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    return os.environ.get("XINGBAN_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def build_app(tmp_path: Path, sandbox: SandboxServer, cache_dir: Path, **overrides: object) -> Flask:
    config = {
        "XINGBAN_MODE": "test",
        "DATABASE_URL": database_url(tmp_path),
        "WECHAT_TOKEN": TEST_TOKEN,
        "WECHAT_APP_ID": TEST_APP_ID,
        "WECHAT_APP_SECRET": TEST_SECRET,
        "WECHAT_API_BASE_URL": sandbox.url,
        "XINGBAN_CACHE_DIR": str(cache_dir),
        "REDIS_URL": os.environ.get("XINGBAN_TEST_REDIS_URL", ""),
        **overrides,
    }
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    reset_database(app)
    reset_redis(app)
    upgrade(app)
    seed_demo(app)
    return app


def reset_database(app: Flask) -> None:
    """PostgreSQL runs share one database: start each test from an empty schema."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return
    from sqlalchemy import text

    from bot.storage.db import get_engine

    with get_engine(app).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def reset_redis(app: Flask) -> None:
    """The sandbox issues new tokens each test; a token cached in Redis by an earlier test is stale."""
    if app.config.get("REDIS_URL"):
        import redis

        try:
            redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
        except redis.RedisError:
            pass  # tests that point at a dead Redis on purpose


@pytest.fixture
def app(tmp_path: Path, sandbox: SandboxServer, cache_dir: Path) -> Iterator[Flask]:
    sandbox.reset()
    application = build_app(tmp_path, sandbox, cache_dir)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def aes_app(tmp_path: Path, sandbox: SandboxServer, cache_dir: Path) -> Iterator[Flask]:
    sandbox.reset()
    application = build_app(tmp_path, sandbox, cache_dir, WECHAT_ENCODING_AES_KEY=TEST_AES_KEY)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def sim(app: Flask) -> WeChatSimulator:
    return WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)


@pytest.fixture
def aes_sim(aes_app: Flask) -> WeChatSimulator:
    return WeChatSimulator(flask_transport(aes_app.test_client()), TEST_TOKEN, TEST_APP_ID, TEST_AES_KEY)
