"""Configuration from the environment, checked once at start-up.

Production refuses to start on a missing or malformed secret and names the variable in one line;
demo and test modes generate safe local values so a fresh machine runs with no set-up.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WECHAT_DEFAULT_API = "https://api.weixin.qq.com/cgi-bin/"

#: Every setting the product reads, with its default (None = required in production).
DEFAULTS: dict[str, Any] = {
    "XINGBAN_MODE": "production",  # production | demo | test
    "WECHAT_TOKEN": None,
    "WECHAT_APP_ID": None,
    "WECHAT_APP_SECRET": None,
    "WECHAT_ENCODING_AES_KEY": "",  # empty = plaintext mode
    "WECHAT_API_BASE_URL": WECHAT_DEFAULT_API,
    "WECHAT_REMINDER_TEMPLATE_ID": "",
    "DATABASE_URL": "",  # empty = SQLite file in the instance folder
    "REDIS_URL": "",
    "XINGBAN_SECRET_KEY": None,
    "XINGBAN_CACHE_DIR": "",  # empty = <instance>/cache (jieba dictionary cache)
    # Seconds the webhook waits for an answer before replying `success` and sending it later.
    "XINGBAN_REPLY_BUDGET": 4.0,
    "XINGBAN_MAX_BODY_BYTES": 64 * 1024,
    "XINGBAN_MAX_CLOCK_SKEW": 300,
    "XINGBAN_TICKET_OVERDUE_HOURS": 4.0,
}

_VALIDATORS: dict[str, tuple[re.Pattern[str], str]] = {
    "WECHAT_TOKEN": (re.compile(r"^[A-Za-z0-9]{3,32}$"), "3-32 letters or digits"),
    "WECHAT_APP_ID": (re.compile(r"^wx[A-Za-z0-9]{14,30}$"), "an AppID like wx0123456789abcdef"),
    "WECHAT_APP_SECRET": (re.compile(r"^[A-Za-z0-9]{16,64}$"), "16-64 letters or digits"),
    "WECHAT_ENCODING_AES_KEY": (re.compile(r"^([A-Za-z0-9]{43})?$"), "43 letters or digits, or empty"),
    "XINGBAN_SECRET_KEY": (re.compile(r"^.{16,}$"), "at least 16 characters"),
    "XINGBAN_MODE": (re.compile(r"^(production|demo|test)$"), "production, demo or test"),
}

_NUMBERS = ("XINGBAN_REPLY_BUDGET", "XINGBAN_MAX_BODY_BYTES", "XINGBAN_MAX_CLOCK_SKEW",
            "XINGBAN_TICKET_OVERDUE_HOURS")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def load_config(environ: Mapping[str, str], overrides: Mapping[str, Any] | None,
                instance_path: Path) -> dict[str, Any]:
    """Merge defaults, environment and explicit overrides, fill demo secrets, validate."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if environ.get(key):
            config[key] = environ[key]
    config.update(overrides or {})
    for key in _NUMBERS:
        try:
            config[key] = float(config[key])
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a number, got {config[key]!r}") from None
    if config["XINGBAN_MODE"] in ("demo", "test"):
        _fill_local_secrets(config, instance_path)
    _validate(config)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'xingban.db'}"
    return config


def _validate(config: dict[str, Any]) -> None:
    for key, (pattern, expected) in _VALIDATORS.items():
        value = config.get(key)
        if value is None:
            raise ConfigError(f"{key} is not set (expected {expected})")
        if not pattern.match(str(value)):
            raise ConfigError(f"{key} is malformed (expected {expected})")


def _fill_local_secrets(config: dict[str, Any], instance_path: Path) -> None:
    """Give demo/test runs stable random secrets kept in the instance folder, never in the repo."""
    path = instance_path / "local-secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    alphabet = string.ascii_letters + string.digits
    fresh = {
        "WECHAT_TOKEN": "".join(secrets.choice(alphabet) for _ in range(24)),
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),
        "WECHAT_APP_SECRET": secrets.token_hex(16),
        "XINGBAN_SECRET_KEY": secrets.token_urlsafe(32),
    }
    changed = False
    for key, value in fresh.items():
        if config.get(key) is None:
            if key not in stored:
                stored[key] = value
                changed = True
            config[key] = stored[key]
    if changed:
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored), encoding="utf-8")
        os.chmod(path, 0o600)
