"""The heavy, shared parts of the bot (NLU, knowledge base, rules, WeChat client), loaded once.

Loaders are cached per process so gunicorn's preload and the test suite build each part once.
"""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    """The process's one intent engine per cache folder."""
    from intents import load_engine as _load

    engine = _load(Path(cache_dir))
    # jieba's dictionary is ~350k long-lived objects; moving them out of the collector's reach keeps
    # cyclic-GC passes (and classify p99 spikes) small for the rest of the process.
    gc.collect()
    gc.freeze()
    return engine


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
def load_rules(root: str = "") -> RuleBook:
    """The rules of `root` (its rules/ folder, else the installed ones), in force by `root`'s documents index."""
    from knowledge.eligibility import load_rulebook
    from knowledge.sources import DEFAULT_ROOT, load_sources

    folder = Path(root) if root else DEFAULT_ROOT
    rules = folder / "rules"
    return load_rulebook(rules if root and rules.is_dir() else None, sources=load_sources(folder))


# Knowledge written while the bot runs (the console's 政策文件 page, `xingban kb import` into
# XINGBAN_KNOWLEDGE_DIR) is served without a restart: each process looks at the folder's files at most
# every RECHECK_SECONDS and rebuilds the index and rules when one changed.
RECHECK_SECONDS = 2.0


@dataclass
class _Live:
    stamp: tuple[tuple[str, int, int], ...]
    checked: float
    kb: KnowledgeBase
    rules: RuleBook


_LIVE: dict[tuple[str, str], _Live] = {}
_LIVE_LOCK = threading.Lock()


def knowledge_stamp(root: str) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file the index and rules are built from."""
    from knowledge.sources import DEFAULT_ROOT

    folder = Path(root) if root else DEFAULT_ROOT
    found = []
    for sub in ("sources", "entries", "rules", "data"):
        try:
            for path in sorted((folder / sub).iterdir()):
                if path.suffix in (".yaml", ".txt"):
                    st = path.stat()
                    found.append((f"{sub}/{path.name}", st.st_size, st.st_mtime_ns))
        except OSError:
            continue
    return tuple(found)


def live_knowledge(cache_dir: str, root: str = "", force: bool = False) -> _Live:
    """The knowledge base and rules for `root` as its files are now (rebuilt only when they changed)."""
    key = (cache_dir, root)
    held = _LIVE.get(key)
    now = time.monotonic()
    if held is not None and not force and now - held.checked < RECHECK_SECONDS:
        return held
    stamp = knowledge_stamp(root)
    if held is not None and held.stamp == stamp:
        held.checked = now
        return held
    with _LIVE_LOCK:
        held = _LIVE.get(key)
        if held is not None and held.stamp == stamp:
            return held
        if held is None:  # the first build is shared by every app of the process (tests build many)
            kb, rules = load_kb(cache_dir, root), load_rules(root)
        else:
            kb, rules = load_kb.__wrapped__(cache_dir, root), load_rules.__wrapped__(root)
        _LIVE[key] = held = _Live(stamp, now, kb, rules)
    return held


def reload_knowledge(app: Flask | None = None) -> None:
    """Serve what was just written to the knowledge folder now (other processes follow within seconds)."""
    services = get_services(app)
    live_knowledge(services.cache_dir, services.config.get("XINGBAN_KNOWLEDGE_DIR") or "", force=True)


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

    @property
    def kb(self) -> KnowledgeBase:
        return live_knowledge(self.cache_dir, self.config.get("XINGBAN_KNOWLEDGE_DIR") or "").kb

    @property
    def rules(self) -> RuleBook:
        return live_knowledge(self.cache_dir, self.config.get("XINGBAN_KNOWLEDGE_DIR") or "").rules

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
