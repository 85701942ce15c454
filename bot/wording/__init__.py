"""The fixed wording parents read (replies.yaml) and the custom menu (menu.yaml), loaded once.

Both the webhook side (`bot/`) and the conversation handlers say things through here, so it sits below both.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml

from knowledge.regions import load_region_table

HERE = Path(__file__).parent


@cache
def _replies() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((HERE / "replies.yaml").read_text(encoding="utf-8")))


@cache
def menu_layout() -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], yaml.safe_load((HERE / "menu.yaml").read_text(encoding="utf-8"))["buttons"])


def menu_keys() -> dict[str, str]:
    """CLICK key -> the question it stands for."""
    leaves = [leaf for button in menu_layout() for leaf in button.get("sub", [button])]
    return {leaf["key"]: leaf["question"] for leaf in leaves}


def wechat_menu() -> dict[str, Any]:
    """The layout in the shape `menu/create` expects."""
    def button(leaf: dict[str, Any]) -> dict[str, Any]:
        return {"type": "click", "name": leaf["name"], "key": leaf["key"]}

    return {"button": [{"name": b["name"], "sub_button": [button(s) for s in b["sub"]]} if "sub" in b
                       else button(b) for b in menu_layout()]}


def say(key: str, **values: Any) -> str:
    """The reply text for `key`, with `{placeholders}` filled."""
    return str(_replies()[key]).format(**values)


def region_name(region: str | None) -> str:
    return load_region_table().name(region)


def region_choices() -> list[str]:
    """The numbered region menu's order (the same as the eligibility questions', so "3" is always 上海)."""
    return list(load_region_table().menu_order)


def intent_label(intent: str) -> str:
    return str(_replies()["intent_labels"].get(intent, intent))


def session_kind_labels() -> dict[str, str]:
    """Class kind -> what parents and staff call it (one wording for both)."""
    return dict(_replies()["session_kinds"])


def session_kind_label(kind: str) -> str:
    return _replies()["session_kinds"].get(kind) or say("session_kind_unknown")
