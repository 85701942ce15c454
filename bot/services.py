"""The heavy, shared parts of the bot (NLU, knowledge base, rules, WeChat client), loaded once.

Loaders are cached per process so gunicorn's preload and the test suite build each part once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from flask import Flask, current_app

from bot.dispatch import Dispatcher

if TYPE_CHECKING:  # loaded lazily at run time: importing the NLU costs seconds
    from bot.storage.shared_state import DatabaseState, RedisState
    from bot.wechat.client import WeChatApiClient
    from intents.engine import IntentEngine
    from knowledge.base import KnowledgeBase
    from knowledge.eligibility import RuleBook


@cache
def load_engine(cache_dir: str) -> IntentEngine:
    from intents import load_engine as _load

    return _load(Path(cache_dir))


@cache
def load_kb(cache_dir: str, root: str = "") -> KnowledgeBase:
    """`root` = a knowledge folder other than the installed one (its region table is served too)."""
    from knowledge import load_knowledge_base
    from knowledge.regions import use_knowledge_root

    engine = load_engine(cache_dir)
    folder = Path(root) if root else None
    use_knowledge_root(folder)
    return load_knowledge_base(folder, tokenize=engine.tokenize, cache_dir=Path(cache_dir),
                               normalize=engine.normalize)


@cache
def load_rules() -> RuleBook:
    from knowledge.eligibility import load_rulebook

    return load_rulebook()


class Services:
    """Per-app access to shared parts; the WeChat client is per app because its config differs."""

    def __init__(self, app: Flask, dispatcher: Dispatcher) -> None:
        self.app = app
        self.config = app.config
        self.cache_dir = app.config["XINGBAN_CACHE_DIR"] or str(Path(app.instance_path) / "cache")
        self.dispatcher = dispatcher
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="xingban-reply")

    @cached_property
    def engine(self) -> IntentEngine:
        return load_engine(self.cache_dir)

    @cached_property
    def kb(self) -> KnowledgeBase:
        return load_kb(self.cache_dir, self.config.get("XINGBAN_KNOWLEDGE_DIR") or "")

    @cached_property
    def rules(self) -> RuleBook:
        return load_rules()

    @cached_property
    def shared(self) -> DatabaseState | RedisState:
        from bot.storage.shared_state import make_shared_state

        return make_shared_state(self.app)

    @cached_property
    def client(self) -> WeChatApiClient:
        """One WeChat client per process; the token and its refresh lock are shared by all workers."""
        from bot.wechat.client import WeChatApiClient

        return WeChatApiClient(
            self.config["WECHAT_APP_ID"],
            self.config["WECHAT_APP_SECRET"],
            self.config["WECHAT_API_BASE_URL"],
            session=self.shared.token_storage(),
            shared_lock=lambda: self.shared.lock("wechat-token"),
        )

    def preload(self) -> None:
        """Build the NLU, index and rules now, before serving (and before gunicorn forks)."""
        Path(self.cache_dir).mkdir(parents=True, exist_ok=True)
        _ = self.engine, self.kb, self.rules


def get_services(app: Flask | None = None) -> Services:
    return cast(Services, (app or current_app).extensions["xingban"])
