"""Start-up configuration: production refuses bad secrets with one clear line; demo fills its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

GOOD = {
    "WECHAT_TOKEN": "abcTOKEN123",
    "WECHAT_APP_ID": "wx0123456789abcdef",
    "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "XINGBAN_SECRET_KEY": "a-long-enough-secret-key",
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
