"""The WeChat API sandbox speaks WeChat's wire format: checked over real HTTP, and with a fake clock in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from bot.sandbox.server import (
    DEFAULT_APP_ID,
    DEFAULT_APP_SECRET,
    SandboxControl,
    SandboxServer,
    create_sandbox_app,
)


@pytest.fixture
def sandbox(default_sandbox: SandboxServer) -> SandboxServer:
    """These tests speak about the sandbox's default AppID/secret, so they use that sandbox."""
    return default_sandbox


def _token(sandbox: SandboxServer) -> str:
    res = requests.get(sandbox.base_url + "token", params={"grant_type": "client_credential",
                                                            "appid": DEFAULT_APP_ID, "secret": DEFAULT_APP_SECRET})
    return res.json()["access_token"]


def _post(sandbox: SandboxServer, api: str, body: Any, token: str | None = None) -> requests.Response:
    params = {"access_token": token} if token else {}
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return requests.post(sandbox.base_url + api, params=params, data=data, timeout=5)


def _text(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


@pytest.mark.parametrize(("params", "errcode"), [
    ({"appid": DEFAULT_APP_ID, "secret": DEFAULT_APP_SECRET}, 40002),
    ({"grant_type": "client_credential", "appid": "wxwrong000000000", "secret": DEFAULT_APP_SECRET}, 40013),
    ({"grant_type": "client_credential", "appid": DEFAULT_APP_ID, "secret": "wrongsecret"}, 40125),
    ({"grant_type": "client_credential", "secret": DEFAULT_APP_SECRET}, 41002),
])
def test_token_endpoint_rejects_bad_credentials(sandbox: SandboxServer, params: dict, errcode: int) -> None:
    res = requests.get(sandbox.base_url + "token", params=params)
    assert res.status_code == 200
    assert res.json()["errcode"] == errcode


def test_token_issues_new_token_each_call_and_old_stays_valid(sandbox: SandboxServer) -> None:
    first, second = _token(sandbox), _token(sandbox)
    assert first != second and len(first) >= 100
    for token in (first, second):
        assert _post(sandbox, "message/custom/send", _text("oA", "hi"), token).json()["errcode"] == 0


def test_stable_token_same_until_forced(sandbox: SandboxServer) -> None:
    creds = {"grant_type": "client_credential", "appid": DEFAULT_APP_ID, "secret": DEFAULT_APP_SECRET}
    url = sandbox.base_url + "stable_token"
    first = requests.post(url, json=creds).json()
    assert first["expires_in"] == 7200
    assert requests.post(url, json={**creds, "force_refresh": False}).json()["access_token"] == first["access_token"]
    forced = requests.post(url, json={**creds, "force_refresh": True}).json()["access_token"]
    assert forced != first["access_token"]
    assert _post(sandbox, "menu/create", {"button": [{"type": "click", "name": "咨询", "key": "ASK"}]},
                 first["access_token"]).json()["errcode"] == 40001
    assert requests.post(url, json={**creds, "force_refresh": True}).json()["errcode"] == 45011  # 30 s spacing


def test_token_checks(sandbox: SandboxServer) -> None:
    assert _post(sandbox, "message/custom/send", _text("oA", "hi")).json()["errcode"] == 41001
    assert _post(sandbox, "message/custom/send", _text("oA", "hi"), "bogus").json()["errcode"] == 40001
    token = _token(sandbox)
    sandbox.expire_tokens()
    assert _post(sandbox, "message/custom/send", _text("oA", "hi"), token).json()["errcode"] == 42001
    assert sandbox.sent() == []


def test_grace_period_and_expiry_follow_the_clock() -> None:
    now = [1_000_000.0]
    client = create_sandbox_app(token_ttl=7200, clock=lambda: now[0]).test_client()
    creds = {"grant_type": "client_credential", "appid": DEFAULT_APP_ID, "secret": DEFAULT_APP_SECRET}

    def send(token: str) -> int:
        return client.post(f"/cgi-bin/message/custom/send?access_token={token}", json=_text("oA", "hi")).json["errcode"]

    old = client.get("/cgi-bin/token", query_string=creds).json["access_token"]
    new = client.get("/cgi-bin/token", query_string=creds).json["access_token"]
    now[0] += 299
    assert send(old) == 0
    now[0] += 2
    assert send(old) == 40001 and send(new) == 0
    stable = client.post("/cgi-bin/stable_token", json=creds).json
    now[0] += 7100  # 100 s left: normal mode rolls to a new token, the old one still works
    rolled = client.post("/cgi-bin/stable_token", json=creds).json
    assert rolled["access_token"] != stable["access_token"] and send(stable["access_token"]) == 0
    now[0] += 7200
    assert send(new) == 42001


def test_text_is_recorded_with_filters(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    assert _post(sandbox, "message/custom/send", _text("oA", "你好，星伴"), token).json() == {"errcode": 0,
                                                                                            "errmsg": "ok"}
    _post(sandbox, "message/custom/send", _text("oB", "second"), token)
    records = sandbox.sent(touser="oA")
    assert [r["content"] for r in records] == ["你好，星伴"]
    assert records[0]["api"] == "message/custom/send" and records[0]["msgtype"] == "text" and records[0]["at"]
    assert len(sandbox.sent(api="message/custom/send")) == 2
    assert sandbox.sent(api="message/template/send") == []
    assert sandbox.stats()["delivered"] == {"message/custom/send": 2}


def test_text_limits(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    assert _post(sandbox, "message/custom/send", _text("oA", "字" * 682), token).json()["errcode"] == 0  # 2046 B
    assert _post(sandbox, "message/custom/send", _text("oA", "字" * 683), token).json()["errcode"] == 45002
    assert _post(sandbox, "message/custom/send", _text("oA", "  "), token).json()["errcode"] == 44004
    bad_type = {"touser": "oA", "msgtype": "hologram"}
    assert _post(sandbox, "message/custom/send", bad_type, token).json()["errcode"] == 40008
    assert _post(sandbox, "message/custom/send", _text("", "hi"), token).json()["errcode"] == 40003
    assert len(sandbox.sent()) == 1


def test_bad_json_and_escaped_unicode(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    assert _post(sandbox, "message/custom/send", b"{not json", token).json()["errcode"] == 47001
    assert _post(sandbox, "message/custom/send", b"[1, 2]", token).json()["errcode"] == 47001
    escaped = json.dumps(_text("oA", "你好")).encode()  # ensure_ascii=True -> \u4f60
    assert _post(sandbox, "message/custom/send", escaped, token).json()["errcode"] == 40033


def test_wrong_method_and_unknown_path(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    res = requests.get(sandbox.base_url + "message/custom/send", params={"access_token": token})
    assert res.json()["errcode"] == 43002
    res = requests.post(sandbox.base_url + "no/such/api", params={"access_token": token}, json={})
    assert res.status_code == 404 and res.json()["errcode"] == 40066
    res = requests.get(sandbox.root_url + "elsewhere")
    assert res.status_code == 404 and "errcode" in res.json()


def test_template_dedup_by_client_msg_id(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    body = {"touser": "oA", "template_id": "TPL", "client_msg_id": "remind-1", "data": {"thing1": {"value": "复筛"}}}
    first = _post(sandbox, "message/template/send", body, token).json()
    again = _post(sandbox, "message/template/send", body, token).json()
    other_user = _post(sandbox, "message/template/send", {**body, "touser": "oB"}, token).json()
    assert first["errcode"] == again["errcode"] == other_user["errcode"] == 0
    assert first["msgid"] == again["msgid"] != other_user["msgid"]
    records = sandbox.sent(api="message/template/send")
    assert [(r["touser"], r["template_id"], r["client_msg_id"]) for r in records] == [
        ("oA", "TPL", "remind-1"), ("oB", "TPL", "remind-1")]
    assert records[0]["data"] == {"thing1": {"value": "复筛"}}
    assert _post(sandbox, "message/template/send", {**body, "template_id": ""}, token).json()["errcode"] == 40037


def test_unfollowed_user_gets_43004(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    sandbox.unfollow("oGone")
    assert _post(sandbox, "message/custom/send", _text("oGone", "hi"), token).json()["errcode"] == 43004
    tpl = {"touser": "oGone", "template_id": "T", "data": {}}
    assert _post(sandbox, "message/template/send", tpl, token).json()["errcode"] == 43004
    sandbox.follow("oGone")
    assert _post(sandbox, "message/custom/send", _text("oGone", "hi"), token).json()["errcode"] == 0


def test_faults_count_touser_and_http_status(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    sandbox.inject_fault("message/custom/send", 45009, count=2)
    sandbox.inject_fault("message/custom/send", 45015, touser="oLate")
    sandbox.inject_fault("/cgi-bin/menu/create", http_status=500)
    codes = [_post(sandbox, "message/custom/send", _text("oA", "hi"), token).json()["errcode"] for _ in range(3)]
    assert codes == [45009, 45009, 0]
    assert _post(sandbox, "message/custom/send", _text("oA", "hi"), token).json()["errcode"] == 0
    late = _post(sandbox, "message/custom/send", _text("oLate", "hi"), token).json()
    assert late["errcode"] == 45015 and late["errmsg"]
    assert _post(sandbox, "menu/create", {"button": []}, token).status_code == 500
    assert [r["touser"] for r in sandbox.sent()] == ["oA", "oA"]
    stats = sandbox.stats()
    assert stats["calls"]["message/custom/send"] == 5 and stats["errors"]["message/custom/send"] == 3


def test_fault_validation(sandbox: SandboxServer) -> None:
    url = sandbox.root_url + "_sandbox/faults"
    assert requests.post(url, json={"api": "nope", "errcode": -1}).status_code == 400
    assert requests.post(url, json={"api": "message/custom/send"}).status_code == 400
    assert requests.post(url, data="x").status_code == 400
    assert sandbox.state()["faults"] == []


def test_menu_validation_and_storage(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    menu = {"button": [{"type": "click", "name": "咨询", "key": "ASK"},
                       {"name": "更多", "sub_button": [{"type": "view", "name": "官网", "url": "https://example.org"}]}]}
    assert _post(sandbox, "menu/create", menu, token).json()["errcode"] == 0
    assert sandbox.state()["menu"] == menu
    assert _post(sandbox, "menu/create", {"button": [{"type": "click", "name": "x"}] * 4}, token).json()["errcode"] == 40016
    long_name = {"button": [{"type": "click", "name": "一二三四五六", "key": "K"}]}  # 18 bytes > 16
    assert _post(sandbox, "menu/create", long_name, token).json()["errcode"] == 40018
    no_key = {"button": [{"type": "click", "name": "咨询"}]}
    assert _post(sandbox, "menu/create", no_key, token).json()["errcode"] == 40019
    subs = {"button": [{"name": "多", "sub_button": [{"type": "click", "name": "a", "key": "a"}] * 6}]}
    assert _post(sandbox, "menu/create", subs, token).json()["errcode"] == 40023


@pytest.mark.parametrize(("body", "expected"), [
    ({"action_name": "QR_STR_SCENE", "expire_seconds": 600, "action_info": {"scene": {"scene_str": "c42"}}}, 600),
    ({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 7}}}, 60),
    ({"action_name": "QR_SCENE", "expire_seconds": 9_999_999, "action_info": {"scene": {"scene_id": 7}}}, 2_592_000),
    ({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "clinic42"}}}, None),
    ({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_000}}}, None),
])
def test_qrcode_create(sandbox: SandboxServer, body: dict, expected: int | None) -> None:
    answer = _post(sandbox, "qrcode/create", body, _token(sandbox)).json()
    assert answer["errcode"] == 0 and answer["ticket"] and answer["url"].startswith("http://weixin.qq.com/q/")
    assert answer.get("expire_seconds") == expected
    assert sandbox.state()["qrcodes"][0]["ticket"] == answer["ticket"]


@pytest.mark.parametrize(("body", "errcode"), [
    ({"action_name": "QR_FANCY", "action_info": {"scene": {"scene_id": 1}}}, 40052),
    ({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_001}}}, 40053),
    ({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "x" * 65}}}, 40053),
])
def test_qrcode_rejects_bad_scenes(sandbox: SandboxServer, body: dict, errcode: int) -> None:
    assert _post(sandbox, "qrcode/create", body, _token(sandbox)).json()["errcode"] == errcode


def test_reset_clears_everything(sandbox: SandboxServer) -> None:
    token = _token(sandbox)
    _post(sandbox, "message/custom/send", _text("oA", "hi"), token)
    sandbox.inject_fault("message/custom/send", -1)
    sandbox.unfollow("oGone")
    sandbox.reset()
    assert sandbox.sent() == [] and sandbox.stats()["calls"] == {} and sandbox.state()["faults"] == []
    assert _post(sandbox, "message/custom/send", _text("oA", "hi"), token).json()["errcode"] == 40001
    assert _post(sandbox, "message/custom/send", _text("oGone", "hi"), _token(sandbox)).json()["errcode"] == 0


def test_html_page_lists_messages_escaped(sandbox: SandboxServer) -> None:
    _post(sandbox, "message/custom/send", _text("oA", "<b>孩子几岁？</b>"), _token(sandbox))
    page = requests.get(sandbox.root_url + "_sandbox/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "已发送的消息" in page.text and "&lt;b&gt;孩子几岁？" in page.text


def test_control_accepts_any_spelling_of_the_url(sandbox: SandboxServer) -> None:
    for url in (sandbox.base_url, sandbox.root_url, sandbox.root_url + "cgi-bin"):
        control = SandboxControl(url)
        assert control.base_url == sandbox.base_url == control.url
        assert control.sent() == []
