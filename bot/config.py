"""Configuration from the environment, checked once at start-up. The only module that reads `os.environ`.

Production refuses to start on a missing or malformed secret and names the variable in one line;
demo and test modes generate safe local values so a fresh machine runs with no set-up.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WECHAT_DEFAULT_API = "https://api.weixin.qq.com/cgi-bin/"
DEMO_REMINDER_TEMPLATE_ID = "xingban-demo-class-reminder"  # what the sandbox accepts in demo and test runs

#: Every setting the product reads, with its default (None = required in production).
DEFAULTS: dict[str, Any] = {
    "XINGBAN_MODE": "production",  # production | demo | test
    "WECHAT_TOKEN": None,
    "WECHAT_APP_ID": None,
    "WECHAT_APP_SECRET": None,
    "WECHAT_ENCODING_AES_KEY": "",  # empty = plaintext mode
    # 公众平台 → 服务器配置 → 消息加解密方式: plaintext (明文) | compatible (兼容) | safe (安全).
    # Empty = safe when an EncodingAESKey is set, else plaintext.
    "WECHAT_MESSAGE_MODE": "",
    "WECHAT_API_BASE_URL": WECHAT_DEFAULT_API,
    "WECHAT_REMINDER_TEMPLATE_ID": "",  # empty in demo/test = DEMO_REMINDER_TEMPLATE_ID
    "DATABASE_URL": "",  # empty = SQLite file in the instance folder
    "REDIS_URL": "",
    "XINGBAN_SECRET_KEY": None,
    "XINGBAN_INSTANCE_PATH": "",  # empty = Flask's default (./instance); holds the SQLite file and local secrets
    "XINGBAN_CACHE_DIR": "",  # empty = <instance>/cache (jieba dictionary cache)
    "XINGBAN_KNOWLEDGE_DIR": "",  # empty = the installed knowledge/ folder; else one `xingban kb import` wrote
    # Build the NLU, index and rules in create_app (before gunicorn forks); commands that need none say 0.
    "XINGBAN_PRELOAD": True,
    # Seconds the webhook waits for an answer before replying `success` and sending it later.
    "XINGBAN_REPLY_BUDGET": 4.0,
    "XINGBAN_MAX_BODY_BYTES": 64 * 1024,
    "XINGBAN_MAX_CLOCK_SKEW": 300,
    # Messages per minute one family may send before the bot answers once "too fast" and then only stores them.
    "XINGBAN_FAMILY_RATE": 30,
    "XINGBAN_TICKET_OVERDUE_HOURS": 4.0,
    # Days a message's text is kept; then the scheduler blanks it (the row stays for the dashboard).
    "XINGBAN_MESSAGE_RETENTION_DAYS": 180,
    # Seconds a claimed outbox row stays one dispatcher's; a killed dispatcher's rows go out after it. Keep it
    # well under WeChat's 10 min client_msg_id window (6-3600; `xingban scheduler --lease` overrides it).
    "XINGBAN_OUTBOX_LEASE": 120,
    # Outbox retries: the first waits RETRY_SECONDS (QUOTA_RETRY_SECONDS after WeChat's daily quota error),
    # each next one twice as long, never more than RETRY_MAX_SECONDS; after MAX_ATTEMPTS the row is dead.
    "XINGBAN_OUTBOX_RETRY_SECONDS": 30,
    "XINGBAN_OUTBOX_QUOTA_RETRY_SECONDS": 600,
    "XINGBAN_OUTBOX_RETRY_MAX_SECONDS": 3600,
    "XINGBAN_OUTBOX_MAX_ATTEMPTS": 5,
}

_VALIDATORS: dict[str, tuple[re.Pattern[str], str]] = {
    "WECHAT_TOKEN": (re.compile(r"^[A-Za-z0-9]{3,32}$"), "3-32 letters or digits"),
    "WECHAT_APP_ID": (re.compile(r"^wx[A-Za-z0-9]{14,30}$"), "an AppID like wx0123456789abcdef"),
    "WECHAT_APP_SECRET": (re.compile(r"^[A-Za-z0-9]{16,64}$"), "16-64 letters or digits"),
    "WECHAT_ENCODING_AES_KEY": (re.compile(r"^([A-Za-z0-9]{43})?$"), "43 letters or digits, or empty"),
    "XINGBAN_SECRET_KEY": (re.compile(r"^.{32,}$"), "at least 32 random characters"),
    "XINGBAN_MODE": (re.compile(r"^(production|demo|test)$"), "production, demo or test"),
    "WECHAT_MESSAGE_MODE": (re.compile(r"^(plaintext|compatible|safe)$"), "plaintext, compatible or safe"),
}
MESSAGE_MODES_WITH_AES = ("compatible", "safe")
SECRET_KEY_HOWTO = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
# Values that appear in our own docs and examples: never a production secret.
_KNOWN_SECRET_KEYS = frozenset({"change-me-to-a-long-random-string"})

_NUMBERS = ("XINGBAN_REPLY_BUDGET", "XINGBAN_MAX_BODY_BYTES", "XINGBAN_MAX_CLOCK_SKEW", "XINGBAN_FAMILY_RATE",
            "XINGBAN_TICKET_OVERDUE_HOURS", "XINGBAN_MESSAGE_RETENTION_DAYS")
_WHOLE_NUMBERS: dict[str, tuple[int, int]] = {  # setting -> accepted range
    "XINGBAN_OUTBOX_LEASE": (6, 3600),
    "XINGBAN_OUTBOX_RETRY_SECONDS": (1, 86400),
    "XINGBAN_OUTBOX_QUOTA_RETRY_SECONDS": (1, 86400),
    "XINGBAN_OUTBOX_RETRY_MAX_SECONDS": (1, 86400),
    "XINGBAN_OUTBOX_MAX_ATTEMPTS": (1, 100),
}
_FLAGS = ("XINGBAN_PRELOAD",)
_FALSE_WORDS = ("0", "false", "no", "off")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def load_from_environment(overrides: Mapping[str, Any] | None, instance_path: Path) -> dict[str, Any]:
    """`load_config` on this process's environment (create_app and the demo's local settings)."""
    return load_config(os.environ, overrides, instance_path)


def declared_from_environment(*keys: str) -> dict[str, str]:
    """The non-empty environment values of declared settings `keys`, unchecked (the sandbox's credentials)."""
    unknown = set(keys) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"undeclared setting(s) {sorted(unknown)}")
    return {key: os.environ[key] for key in keys if os.environ.get(key)}


def cache_dir_from_environment() -> str | None:
    """XINGBAN_CACHE_DIR for the commands that load the NLU without an app (`xingban classify`, `eval intents`)."""
    return os.environ.get("XINGBAN_CACHE_DIR") or None


def instance_path_from_environment() -> str | None:
    """XINGBAN_INSTANCE_PATH, read before the rest because the configuration itself is kept there."""
    return os.environ.get("XINGBAN_INSTANCE_PATH") or None


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
    for key, (low, high) in _WHOLE_NUMBERS.items():
        config[key] = _whole_number(key, config[key], low, high)
    for key in _FLAGS:
        if isinstance(config[key], str):
            config[key] = config[key].strip().lower() not in _FALSE_WORDS
    if config["XINGBAN_MODE"] in ("demo", "test"):
        _fill_local_secrets(config, instance_path)
        config["WECHAT_REMINDER_TEMPLATE_ID"] = config["WECHAT_REMINDER_TEMPLATE_ID"] or DEMO_REMINDER_TEMPLATE_ID
    if not config["WECHAT_MESSAGE_MODE"]:
        config["WECHAT_MESSAGE_MODE"] = "safe" if config["WECHAT_ENCODING_AES_KEY"] else "plaintext"
    _validate(config)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'xingban.db'}"
    return config


def _whole_number(key: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, got {number}")
    return number


def _validate(config: dict[str, Any]) -> None:
    for key, (pattern, expected) in _VALIDATORS.items():
        value = config.get(key)
        if value is None:
            raise ConfigError(f"{key} is not set (expected {expected})")
        if not pattern.match(str(value)):
            raise ConfigError(f"{key} is malformed (expected {expected})"
                              + (f"; {SECRET_KEY_HOWTO}" if key == "XINGBAN_SECRET_KEY" else ""))
    weakness = secret_key_weakness(str(config["XINGBAN_SECRET_KEY"]))
    if weakness:
        raise ConfigError(f"XINGBAN_SECRET_KEY is too weak ({weakness}); {SECRET_KEY_HOWTO}")
    if config["WECHAT_MESSAGE_MODE"] in MESSAGE_MODES_WITH_AES and not config["WECHAT_ENCODING_AES_KEY"]:
        raise ConfigError(f"WECHAT_ENCODING_AES_KEY is not set (WECHAT_MESSAGE_MODE="
                          f"{config['WECHAT_MESSAGE_MODE']} needs the 43-character EncodingAESKey)")


def secret_key_weakness(value: str) -> str:
    """Why `value` cannot sign console sessions, or "" when it looks like ≥ 32 random bytes.

    A signed cookie is only as strong as the key: a guessable key lets anyone forge an admin login.
    Real randomness cannot be proven from one string, so refuse what is clearly not random: known
    example values, short strings, a repeated chunk, few distinct characters, and too few estimated
    bits (Shannon entropy of the string's own characters × length; token_urlsafe(32) scores ~200).
    """
    if value in _KNOWN_SECRET_KEYS or value.lower().startswith(("change-me", "changeme")):
        return "an example value"
    if len(value) < 32:
        return "shorter than 32 characters"
    for size in range(1, len(value) // 2 + 1):
        if len(value) % size == 0 and value[:size] * (len(value) // size) == value:
            return "a repeated pattern"
    steps = sum(abs(ord(b) - ord(a)) <= 1 for a, b in zip(value, value[1:], strict=False))
    if steps * 2 > len(value):
        return "a run of neighbouring characters"
    if len(set(value)) < 12:
        return "too few different characters"
    counts = [value.count(ch) for ch in set(value)]
    bits = -sum(c * math.log2(c / len(value)) for c in counts)
    if bits < 128:
        return "too little randomness"
    return ""


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
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)  # secrets and the database
        path.write_text(json.dumps(stored), encoding="utf-8")
        os.chmod(path, 0o600)
