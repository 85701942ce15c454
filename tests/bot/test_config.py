"""Start-up configuration: production refuses bad secrets with one clear line; demo fills its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

GOOD = {
    "WECHAT_TOKEN": "abcTOKEN123",
    "WECHAT_APP_ID": "wx0123456789abcdef",
    "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "XINGBAN_SECRET_KEY": "q3V9rT_x7LpZ2mWc8KdN4yHs6BfJ1uGe0aQo5iXk",
}


def test_production_accepts_complete_settings(tmp_path: Path) -> None:
    config = load_config(GOOD, None, tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'xingban.db'}"
    assert config["XINGBAN_REPLY_BUDGET"] == 4.0


@pytest.mark.parametrize("key", sorted(GOOD))
def test_production_names_the_missing_variable(tmp_path: Path, key: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(ConfigError, match=f"^{key} is not set"):
        load_config(env, None, tmp_path)


@pytest.mark.parametrize("key, value", [
    ("WECHAT_TOKEN", "has space"),
    ("WECHAT_APP_ID", "notanappid"),
    ("WECHAT_ENCODING_AES_KEY", "tooshort"),
    ("XINGBAN_SECRET_KEY", "short"),
    ("XINGBAN_MODE", "staging"),
])
def test_production_names_the_malformed_variable_without_echoing_it(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key} is malformed") as info:
        load_config({**GOOD, key: value}, None, tmp_path)
    assert value not in str(info.value)


def test_numbers_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="XINGBAN_REPLY_BUDGET"):
        load_config({**GOOD, "XINGBAN_REPLY_BUDGET": "soon"}, None, tmp_path)


def test_demo_generates_stable_local_secrets_outside_the_repo(tmp_path: Path) -> None:
    first = load_config({"XINGBAN_MODE": "demo"}, None, tmp_path)
    second = load_config({"XINGBAN_MODE": "demo"}, None, tmp_path)
    assert first["WECHAT_TOKEN"] == second["WECHAT_TOKEN"]
    assert (tmp_path / "local-secrets.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("weak", [
    "aaaaaaaaaaaaaaaa",                                   # the red-team key: short and repeated
    "a" * 64,                                             # long but one character
    "passwordpasswordpasswordpassword",                   # a repeated chunk
    "abcdefghijklmnopqrstuvwxyz012345",                   # a run of neighbouring characters
    "ab12ab21ba12ba21ab12ab21ba12ba21ab12",               # few different characters
    "0123456789abcdef0123456789abcdef",                   # 16 bytes of hex would be too little, this is a pattern
    "change-me-to-a-long-random-string",                  # our own deploy/env.example value
    "745dc097d8dbe70a4f0abde4c4783090",                   # secrets.token_hex(16): only 16 random bytes
])
def test_production_refuses_a_weak_secret_key_and_says_how_to_make_one(tmp_path: Path, weak: str) -> None:
    with pytest.raises(ConfigError, match="^XINGBAN_SECRET_KEY is (too weak|malformed)") as info:
        load_config({**GOOD, "XINGBAN_SECRET_KEY": weak}, None, tmp_path)
    assert "secrets.token_urlsafe(32)" in str(info.value)
    assert weak not in str(info.value)


def test_a_generated_secret_key_is_accepted(tmp_path: Path) -> None:
    import secrets

    for _ in range(50):  # every key the one-line recipe prints must pass
        load_config({**GOOD, "XINGBAN_SECRET_KEY": secrets.token_urlsafe(32)}, None, tmp_path)
        load_config({**GOOD, "XINGBAN_SECRET_KEY": secrets.token_hex(32)}, None, tmp_path)


def test_a_cookie_signed_with_a_weak_key_never_reaches_the_console(tmp_path: Path) -> None:
    """The red-team path: production with a guessable key must not start at all."""
    from bot import create_app

    with pytest.raises(ConfigError, match="XINGBAN_SECRET_KEY"):
        create_app({**GOOD, "XINGBAN_SECRET_KEY": "aaaaaaaaaaaaaaaa"}, instance_path=str(tmp_path))


@pytest.mark.parametrize("aes_key, mode, expected", [
    ("", "", "plaintext"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "", "safe"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "compatible", "compatible"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "plaintext", "plaintext"),
])
def test_message_mode_is_explicit(tmp_path: Path, aes_key: str, mode: str, expected: str) -> None:
    config = load_config({**GOOD, "WECHAT_ENCODING_AES_KEY": aes_key, "WECHAT_MESSAGE_MODE": mode}, None, tmp_path)
    assert config["WECHAT_MESSAGE_MODE"] == expected


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_encrypted_modes_need_the_aes_key(tmp_path: Path, mode: str) -> None:
    with pytest.raises(ConfigError, match="^WECHAT_ENCODING_AES_KEY is not set"):
        load_config({**GOOD, "WECHAT_MESSAGE_MODE": mode}, None, tmp_path)


def test_only_bot_config_reads_the_environment() -> None:
    """Every setting is declared in bot/config.py, so no other module of our packages reads os.environ."""
    root = Path(__file__).resolve().parents[2]
    readers = sorted(str(path.relative_to(root)) for package in ("bot", "handlers", "intents", "knowledge")
                     for path in (root / package).rglob("*.py")
                     if re.search(r"os\.environ|getenv|envvar=", path.read_text(encoding="utf-8")))
    assert readers == ["bot/config.py"]
