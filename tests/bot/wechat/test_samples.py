"""WeChat's own sample pushes (from wechatpy's and WeRoBot's test suites) through the real webhook, signed,
in plaintext and in safe mode: never a 4xx/5xx, `success` for events we do not handle, valid XML otherwise."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import delete

from bot.sandbox.server import SandboxServer
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.wechat.protocol import HANDLED_EVENTS
from tests.conftest import TEST_AES_KEY, TEST_APP_ID, TEST_TOKEN, build_app

SAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "data" / "wechat_samples" / "samples.yaml").read_text(encoding="utf-8"))


def _sample_id(source: str) -> str:
    """"offu/WeRoBot@7b3d62d7ae tests/test_parser.py:12" -> "WeRoBot/tests/test_parser.py:12"."""
    repo, path = source.split(" ", 1)
    return repo.split("@")[0].split("/")[1] + "/" + path


def _field(xml: str, tag: str) -> str:
    found = ET.fromstring(xml).findtext(tag)
    return (found or "").strip()


@pytest.fixture(scope="module")
def sample_apps(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[dict[str, Flask]]:
    """A plaintext and a safe-mode app, shared by all samples (the flood limit is off: one sender sends many)."""
    with SandboxServer() as sandbox:
        apps = {"plain": build_app(tmp_path_factory.mktemp("plain"), sandbox, cache_dir, XINGBAN_FAMILY_RATE=0),
                "safe": build_app(tmp_path_factory.mktemp("safe"), sandbox, cache_dir, XINGBAN_FAMILY_RATE=0,
                                  WECHAT_ENCODING_AES_KEY=TEST_AES_KEY)}
        yield apps
        for application in apps.values():
            application.extensions["db_engine"].dispose()


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("sample", SAMPLES, ids=[_sample_id(s["source"]) for s in SAMPLES])
def test_wechat_sample_push(sample_apps: dict[str, Flask], mode: str, sample: dict[str, Any]) -> None:
    app, xml = sample_apps[mode], sample["xml"]
    with session_scope(app) as db:  # the samples share MsgIds: each must be a first delivery, not a retry
        db.exec(delete(Message))  # type: ignore[call-overload]
    aes = (TEST_APP_ID, TEST_AES_KEY) if mode == "safe" else ("", "")
    reply = WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN, *aes).post(xml)
    assert reply.status == 200, (sample["source"], reply.body)
    is_event = _field(xml, "MsgType").lower() == "event"
    if is_event and _field(xml, "Event").lower() not in HANDLED_EVENTS:
        assert reply.body == "success", sample["source"]
        return
    if reply.body == "success":  # e.g. unsubscribe: nothing to say
        assert is_event, sample["source"]
        return
    assert reply.encrypted == (mode == "safe")
    root = ET.fromstring(reply.body)  # the simulator already decrypted and checked msg_signature
    assert root.findtext("ToUserName") == _field(xml, "FromUserName")
    assert root.findtext("FromUserName") == _field(xml, "ToUserName")
    assert root.findtext("MsgType") in ("text", "news") and (root.findtext("Content") or root.find("Articles"))
