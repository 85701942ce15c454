"""WeChatApiClient against the sandbox over real HTTP: tokens, sends, splitting and the error -> action mapping."""

from __future__ import annotations

import socket
import time

import pytest
from wechatpy.session.memorystorage import MemoryStorage

from bot.sandbox.server import SandboxServer
from bot.wechat.client import (
    GIVE_UP,
    REFRESH,
    RETRY,
    WeChatApiClient,
    WeChatSendError,
    classify_errcode,
    classify_http_status,
    split_text,
)


@pytest.fixture
def sandbox(default_sandbox: SandboxServer) -> SandboxServer:
    """These tests speak about the sandbox's default AppID/secret, so they use that sandbox."""
    return default_sandbox


@pytest.fixture
def client(sandbox: SandboxServer) -> WeChatApiClient:
    return WeChatApiClient(sandbox.app_id, sandbox.app_secret, sandbox.base_url)


def _tokens(sandbox: SandboxServer) -> int:
    return sandbox.calls("stable_token") + sandbox.calls("token")


# -- tokens ---------------------------------------------------------------------------------------------------
def test_token_fetched_once_and_cached(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    token = client.access_token
    assert len(token) >= 100 and client.access_token == token
    client.send_text("oA", "一")
    client.send_text("oA", "二")
    assert _tokens(sandbox) == 1


def test_classic_token_endpoint(sandbox: SandboxServer) -> None:
    client = WeChatApiClient(sandbox.app_id, sandbox.app_secret, sandbox.base_url.rstrip("/"),
                             use_stable_token=False)
    client.send_text("oA", "hi")
    assert sandbox.calls("token") == 1 and sandbox.calls("stable_token") == 0


def test_shared_session_storage_shares_the_token(sandbox: SandboxServer) -> None:
    storage = MemoryStorage()
    first = WeChatApiClient(sandbox.app_id, sandbox.app_secret, sandbox.base_url, session=storage)
    second = WeChatApiClient(sandbox.app_id, sandbox.app_secret, sandbox.base_url, session=storage)
    first.send_text("oA", "hi")
    second.send_text("oA", "hi")
    assert _tokens(sandbox) == 1 and first.access_token == second.access_token


@pytest.mark.parametrize("use_stable_token", [True, False])
def test_wrong_secret_gives_up(sandbox: SandboxServer, use_stable_token: bool) -> None:
    client = WeChatApiClient(sandbox.app_id, "wrongsecret0000000000000000", sandbox.base_url,
                             use_stable_token=use_stable_token)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action) == (40125, GIVE_UP)
    assert sandbox.sent() == []


def test_token_endpoint_busy_is_retry(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    sandbox.inject_fault("stable_token", -1)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action, err.value.api) == (-1, RETRY, "stable_token")
    client.send_text("oA", "hi")
    assert len(sandbox.sent()) == 1


# -- refresh on a rejected token --------------------------------------------------------------------------------
@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_rejected_token_refreshed_once_then_success(sandbox: SandboxServer, client: WeChatApiClient,
                                                    errcode: int) -> None:
    client.send_text("oA", "warm-up")
    sandbox.inject_fault("message/custom/send", errcode)
    client.send_text("oA", "after refresh")
    assert _tokens(sandbox) == 2
    assert sandbox.calls("message/custom/send") == 3
    assert [r["content"] for r in sandbox.sent()] == ["warm-up", "after refresh"]


def test_40001_forever_is_bounded(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    sandbox.inject_fault("message/custom/send", 40001, count=1000)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action) == (40001, REFRESH)
    assert sandbox.calls("message/custom/send") == 2 and _tokens(sandbox) == 2


def test_real_expiry_and_reset_are_recovered(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    client.send_text("oA", "one")
    sandbox.expire_tokens()  # next call: 42001
    client.send_text("oA", "two")
    sandbox.reset()  # the sandbox forgets every token: 40001
    client.send_text("oA", "three")
    assert [r["content"] for r in sandbox.sent()] == ["three"]
    assert sandbox.stats()["errors"] == {"message/custom/send": 1}


# -- sends -------------------------------------------------------------------------------------------------------
def test_send_text_recorded(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    assert client.send_text("oA", "您好，请问孩子今年几岁？") == [{"errcode": 0, "errmsg": "ok"}]
    [record] = sandbox.sent(touser="oA")
    assert (record["msgtype"], record["content"]) == ("text", "您好，请问孩子今年几岁？")


def test_long_text_split_into_parts(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    paragraph = "康复训练补助按年度申请，需要提供诊断证明。" * 40  # 2520 bytes, sentence ends every 60 bytes
    text = "\n\n".join([paragraph, "第二段：咨询电话见通知。", paragraph])
    results = client.send_text("oA", text)
    contents = [r["content"] for r in sandbox.sent()]
    assert len(results) == len(contents) >= 3
    assert all(len(c.encode()) <= 2048 for c in contents)
    assert all(c.endswith(("。", "通知。")) for c in contents)
    assert "".join(contents).replace("\n", "") == text.replace("\n", "")


def test_split_text_boundaries() -> None:
    assert split_text("短消息") == ["短消息"]
    assert split_text("") == [] and split_text(" \n ") == []
    paras = split_text("a" * 1500 + "\n\n" + "b" * 1500)
    assert paras == ["a" * 1500, "b" * 1500]
    no_breaks = split_text("😀" * 1000)  # 4000 bytes, no boundary at all: cut between characters
    assert [len(p.encode()) for p in no_breaks] == [2048, 1952]
    assert "".join(no_breaks) == "😀" * 1000
    sentences = split_text("一句话。" * 200, limit=100)
    assert all(s.endswith("。") and len(s.encode()) <= 100 for s in sentences)


def test_partial_split_failure_reports_parts_sent(sandbox: SandboxServer, client: WeChatApiClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_call = client._call

    def call_then_fault(api: str, data: dict) -> dict:
        result = real_call(api, data)
        sandbox.inject_fault(api, 45047)  # the window's quota runs out after the first part
        return result

    monkeypatch.setattr(client, "_call", call_then_fault)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "a" * 1500 + "\n\n" + "b" * 1500)
    assert (err.value.parts_sent, err.value.errcode, err.value.action) == (1, 45047, GIVE_UP)
    assert [r["content"] for r in sandbox.sent()] == ["a" * 1500]


def test_template_with_client_msg_id_delivered_once(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    data = {"thing1": "复筛提醒", "time2": {"value": "2025-06-01"}}
    first = client.send_template("oA", "TPL_REMIND", data, "remind-42", url="https://example.org/r")
    second = client.send_template("oA", "TPL_REMIND", data, "remind-42", url="https://example.org/r")
    assert first["msgid"] == second["msgid"]
    [record] = sandbox.sent(api="message/template/send")
    assert record["data"] == {"thing1": {"value": "复筛提醒"}, "time2": {"value": "2025-06-01"}}
    assert (record["client_msg_id"], record["url"]) == ("remind-42", "https://example.org/r")


def test_unfollowed_user_gives_up(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    sandbox.unfollow("oGone")
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oGone", "hi")
    assert (err.value.errcode, err.value.action, err.value.api) == (43004, GIVE_UP, "message/custom/send")
    with pytest.raises(WeChatSendError):
        client.send_template("oGone", "T", {"a": "b"}, "k")


def test_menu_and_qrcode(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    menu = {"button": [{"type": "click", "name": "咨询", "key": "ASK"}]}
    assert client.create_menu(menu)["errcode"] == 0
    temp = client.create_qrcode("clinic42", expire_seconds=604800)
    permanent = client.create_qrcode("clinic42")
    assert temp["expire_seconds"] == 604800 and "expire_seconds" not in permanent
    state = sandbox.state()
    assert state["menu"] == menu
    assert [q["action_name"] for q in state["qrcodes"]] == ["QR_STR_SCENE", "QR_LIMIT_STR_SCENE"]
    with pytest.raises(ValueError):
        client.create_qrcode("x" * 65)
    with pytest.raises(WeChatSendError) as err:
        client.create_menu({"button": []})
    assert (err.value.errcode, err.value.action) == (40016, GIVE_UP)


# -- error classes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("errcode", "action"), [
    (-1, RETRY), (45009, RETRY), (43004, GIVE_UP), (40003, GIVE_UP), (45015, GIVE_UP), (45047, GIVE_UP),
    (40037, GIVE_UP), (48001, GIVE_UP), (45002, GIVE_UP),
])
def test_fault_classes_map_to_actions(sandbox: SandboxServer, client: WeChatApiClient, errcode: int,
                                      action: str) -> None:
    sandbox.inject_fault("message/template/send", errcode, touser="oA")
    with pytest.raises(WeChatSendError) as err:
        client.send_template("oA", "TPL", {"k": "v"}, "m1")
    assert (err.value.errcode, err.value.action) == (errcode, action)
    assert err.value.errmsg and str(errcode) in str(err.value)
    client.send_template("oB", "TPL", {"k": "v"}, "m1")  # touser-scoped fault: others unaffected
    assert [r["touser"] for r in sandbox.sent()] == ["oB"]


def test_http_500_is_retry(sandbox: SandboxServer, client: WeChatApiClient) -> None:
    sandbox.inject_fault("message/custom/send", http_status=500)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action) == (None, RETRY)


def test_timeout_is_retry(sandbox: SandboxServer) -> None:
    client = WeChatApiClient(sandbox.app_id, sandbox.app_secret, sandbox.base_url, timeout=0.2)
    client.access_token  # noqa: B018
    sandbox.inject_fault("message/custom/send", errcode=-1, delay_ms=500)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action) == (None, RETRY)
    time.sleep(0.5)  # let the delayed request finish before the next test resets the sandbox


def test_unreachable_server_is_retry() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WeChatApiClient("wxsandbox0000000", "secret", f"http://127.0.0.1:{port}/cgi-bin/", timeout=1)
    with pytest.raises(WeChatSendError) as err:
        client.send_text("oA", "hi")
    assert (err.value.errcode, err.value.action) == (None, RETRY)


def test_classify_tables() -> None:
    assert [classify_errcode(c) for c in (None, -1, 45009, 40001, 40014, 42001, 43004, 99999)] == [
        RETRY, RETRY, RETRY, REFRESH, REFRESH, REFRESH, GIVE_UP, GIVE_UP]
    assert [classify_http_status(s) for s in (None, 500, 503, 429, 404, 400)] == [
        RETRY, RETRY, RETRY, RETRY, GIVE_UP, GIVE_UP]
