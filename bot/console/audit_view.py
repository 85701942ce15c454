"""Audit rows in words: `ticket:12` becomes 工单 #12 (a link to it), `push:3 recipients:5` becomes
通知 #3 · 5 个家庭. The rows keep their compact ids; only the page translates them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import url_for

from bot.storage.accounts import ROLE_LABELS

ANSWER_STATES = {"delivered": "已送达", "pending": "等家长留言后送达", "sending": "发送中"}


class Part(NamedTuple):
    """One readable piece of a target or detail, with the page it refers to (if there is one)."""

    label: str
    url: str | None = None


def _link(endpoint: str, arg: str | None = None, anchor: str = "") -> Callable[[str], str | None]:
    def build(value: str) -> str | None:
        if not value.isdigit():
            return None
        kwargs: dict[str, Any] = {arg: int(value)} if arg else {}
        return url_for(endpoint, **kwargs) + (anchor.format(value) if anchor else "")
    return build


# key -> (label pattern or value->label function, link builder)
KEYS: dict[str, tuple[str | Callable[[str], str], Callable[[str], str | None] | None]] = {
    "ticket": ("工单 #{}", _link("console.ticket_detail", "ticket_id")),
    "session": ("课程 #{}", _link("console.session_detail", "session_id")),
    "push": ("通知 #{}", _link("console.deliveries", "push")),
    "staff": ("账号 #{}", _link("console.users", anchor="#staff-{}")),
    "kb": (lambda v: "已发布的全部候选" if v == "published" else f"知识库候选 #{v}", _link("console.kb_candidates")),
    "centre": ("机构 #{}", _link("console.centres")),
    "user": ("家庭 #{}", None),
    "family": ("模拟器家庭 {}", None),
    "name": (lambda v: "未知的用户名" if v == "(unknown)" else f"用户名 {v}", None),
    "recipients": ("发给 {} 个家庭", None),
    "notices": ("通知了 {} 个家庭", None),
    "families": ("{} 个家庭", None),
    "new": ("新报名 {} 节", None),
    "answer": ("回复 #{}", None),
    "status": (lambda v: ANSWER_STATES.get(v, "状态未知"), None),
    "role": (lambda v: f"角色改为{ROLE_LABELS.get(v, '未知')}", None),
    "active": (lambda v: "启用" if v == "True" else "停用", None),
    "withdrawn": ("撤回 {} 条", None),
    "series": ("每周系列 #{}", None),
    "sessions": ("{} 节课", None),
    "centres": (lambda v: "全部机构" if v == "all" else "机构 #" + "、#".join(v.split(",")), None),
    "entry": ("知识条目 {}", lambda v: url_for("console.policy_entry", entry_id=v)),
    "doc": ("政策文件 {}", lambda v: url_for("console.policies")),
    "export": (lambda v: {"tickets": "工单表", "enrolments": "报名表", "audit": "审计日志"}.get(v, "表格"), None),
}


def describe(text: str) -> list[Part]:
    """`key:value` tokens (space separated) as readable parts; anything unknown says so, in Chinese."""
    parts = []
    for token in text.split():
        key, _, value = token.partition(":")
        label, link = KEYS.get(key, ("其他记录", None))
        shown = label(value) if callable(label) else label.format(value)
        parts.append(Part(shown, link(value) if link else None))
    return parts
