"""Issue 13, webhook items: replay, malformed pushes (and a fuzz test), ids and escaping, control characters,
per-family dedup, floods, and events that are not a parent's own action. Every push is real signed XML."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import time_machine
import xmltodict
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.sandbox.server import SandboxServer
from bot.sandbox.simulator import ACCOUNT_ID, WeChatSimulator, build_xml, event_xml, text_xml
from bot.services import get_services
from bot.storage.db import session_scope
from bot.storage.models import Message, Ticket, User
from bot.timeutil import utcnow
from bot.wechat.protocol import sign
from tests import test_console_support as support
from tests.conftest import TEST_TOKEN, build_app

capp, db = support.capp, support.db  # shared fixtures


def signed(timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    stamp, nonce = timestamp or str(int(time.time())), nonce or uuid.uuid4().hex[:10]
    return {"timestamp": stamp, "nonce": nonce, "signature": sign(TEST_TOKEN, stamp, nonce)}


def post(app: Flask, body: str | bytes, query: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    data = body.encode("utf-8") if isinstance(body, str) else body
    return app.test_client().post("/wechat", query_string=query or signed(), data=data, content_type="text/xml")


def rows(app: Flask, model: type) -> list:  # type: ignore[type-arg]
    with session_scope(app) as db:
        return list(db.exec(select(model)).all())


def reply_content(body: bytes) -> str:
    """The Content of a passive reply, read by a strict XML parser (as WeChat's servers do)."""
    root = ET.fromstring(body)
    return root.findtext("Content") or ""


# -- Medium 4: replay inside the 300 s window ------------------------------------------------------------------

def test_replayed_signature_with_a_different_body_is_refused(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """The red-team replay: the signed URL of one push, with another body and MsgId, opened a ticket."""
    query = signed()
    first = text_xml("o-replay", "你好", msg_id=1001)
    answered = post(app, first, query)
    assert answered.status_code == 200
    forged = post(app, text_xml("o-replay", "转人工", msg_id=1002), query)
    assert forged.status_code in (400, 403)
    assert "replay" in caplog.text
    assert rows(app, Ticket) == []
    assert [m.text for m in rows(app, Message)] == ["你好"]
    retry = post(app, first, query)  # WeChat retrying the very same push: the stored reply
    assert retry.status_code == 200 and reply_content(retry.data) == reply_content(answered.data)
    assert len(rows(app, Message)) == 1


def test_replay_is_refused_by_the_database_when_redis_is_down(tmp_path: Path, sandbox: SandboxServer,
                                                               cache_dir: Path) -> None:
    from tests.conftest import free_port

    app = build_app(tmp_path, sandbox, cache_dir, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    query = signed()
    assert post(app, text_xml("o-replay", "你好", msg_id=2001), query).status_code == 200
    assert post(app, text_xml("o-replay", "转人工", msg_id=2002), query).status_code == 403
    assert rows(app, Ticket) == [] and len(rows(app, Message)) == 1
    app.extensions["db_engine"].dispose()


# -- Medium 5: every malformed push is a 400 -------------------------------------------------------------------

def _push(fields: str, msg_type: str = "text", openid: str = "o-bad", head: str | None = None) -> str:
    head = head if head is not None else (
        f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>")
    return f"<xml>{head}<MsgType><![CDATA[{msg_type}]]></MsgType>{fields}</xml>"


def _head(created: str = "", source: str = "o-bad", target: str = ACCOUNT_ID) -> str:
    return (f"<ToUserName>{escape(target)}</ToUserName><FromUserName>{escape(source)}</FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>")


MALFORMED = {
    "CreateTime not a number": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head("abc")),
    "CreateTime a float": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head("1700000000.5")),
    "CreateTime huge": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head("9" * 30)),
    "CreateTime negative": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head("-5")),
    "CreateTime nested": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head("<a>1</a>")),
    "MsgId not a number": _push("<Content>你好</Content><MsgId>abc</MsgId>"),
    "MsgId a float": _push("<Content>你好</Content><MsgId>1.5</MsgId>"),
    "MsgId huge": _push(f"<Content>你好</Content><MsgId>{'9' * 30}</MsgId>"),
    "Content duplicated": _push("<Content>你好</Content><Content>转人工</Content><MsgId>1</MsgId>"),
    "Content nested": _push("<Content><a>你好</a></Content><MsgId>1</MsgId>"),
    "Recognition nested": _push("<MediaId>m</MediaId><Format>amr</Format><Recognition><b>你好</b></Recognition>"
                                "<MsgId>1</MsgId>", msg_type="voice"),
    "MsgType nested": "<xml>" + _head() + "<MsgType><t>text</t></MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
    "MsgType missing": "<xml>" + _head() + "<Content>x</Content><MsgId>1</MsgId></xml>",
    "3000-deep nesting": _push("<Content>你好</Content><MsgId>1</MsgId>" + "<a>" * 3000 + "</a>" * 3000),
    "ToUserName missing": "<xml><FromUserName>o-bad</FromUserName><CreateTime>1700000000</CreateTime>"
                          "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
    "root is not xml": "<foo>" + _head() + "<MsgType>text</MsgType><Content>x</Content></foo>",
    # Low 10: ids are short ASCII; the red-team payload tried to add elements to our reply
    "FromUserName injects elements": _push("<Content>你好</Content><MsgId>1</MsgId>",
                                           head=_head(source="o]]></ToUserName><FuncFlag>1</FuncFlag><x>")),
    "ToUserName injects elements": _push("<Content>你好</Content><MsgId>1</MsgId>",
                                         head=_head(target="gh_x]]></FromUserName><FuncFlag>1</FuncFlag>")),
    "FromUserName not ASCII": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head(source="家长")),
    "FromUserName too long": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head(source="o" * 65)),
    "FromUserName empty": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head(source="")),
    "FromUserName with a space": _push("<Content>你好</Content><MsgId>1</MsgId>", head=_head(source="o 1")),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_push_is_a_400_and_nothing_is_stored(app: Flask, body: str) -> None:
    response = post(app, body)
    assert response.status_code == 400, response.data
    assert rows(app, Message) == [] and rows(app, Ticket) == []
    assert not [u for u in rows(app, User) if u.openid.startswith("o")]


@pytest.mark.parametrize("timestamp", ["1" * 400, "-" + "1" * 400, "1700000000.5", "1e9", "١٧٠٠٠٠٠٠٠٠", " 1700000000"])
def test_signed_but_malformed_timestamp_is_a_400(app: Flask, timestamp: str) -> None:
    """A timestamp that is not a plain number (even correctly signed) is malformed, not an outage."""
    assert post(app, text_xml("o-ts", "你好"), signed(timestamp)).status_code == 400
    verify = app.test_client().get("/wechat", query_string={**signed(timestamp), "echostr": "e"})
    assert verify.status_code == 400


# -- Medium 5: property-based fuzzing --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[Flask]:
    """One app for all examples (hypothesis runs them inside a single test)."""
    with SandboxServer() as sandbox:
        application = build_app(tmp_path_factory.mktemp("fuzz"), sandbox, cache_dir)
        yield application
        application.extensions["db_engine"].dispose()


_TAGS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
         "Recognition", "MediaId", "Format", "PicUrl", "Ticket", "Latitude", "Title", "Url"]
_WEIRD = ["", "-1", "0", "1.5", "1e9", "9" * 25, "9" * 400, "0x10", "١٢٣", " 12 ", "NaN", "]]>", "o]]><x>",
          "\u00a0", "𝟙𝟚𝟛", "text", "event", "subscribe", "SCAN", "CLICK", "unsubscribe", "qrscene_centre_qj01",
          "scanbarcode|keystandard|keystr", "TEMPLATESENDJOBFINISH", "subscribe_msg_popup_event", "HUMAN"]
_MSG_TYPES = ["text", "voice", "image", "video", "shortvideo", "location", "link", "event", "file", "TEXT", "",
              "device_event", "miniprogrampage"]
_EVENTS = ["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH",
           "MASSSENDJOBFINISH", "subscribe_msg_popup_event", "PUBLISHJOBFINISH", "kf_create_session", "x"]
_IDS = ["o-fuzz-1", "o-fuzz-2", "oV5CrjpxgaGXNHIQigzNlgLTnwic", "", "家长", "o" * 65, "o]]><x>", "a b"]


_openids = st.one_of(st.from_regex(r"o[A-Za-z0-9_-]{27}", fullmatch=True), st.sampled_from(_IDS))


def _value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_WEIRD), st.text(max_size=40), st.integers().map(str),
                     st.floats(allow_nan=True).map(str))


def _element(tag: str) -> st.SearchStrategy[str]:
    plain = _value().map(lambda v: f"<{tag}>{escape(v)}</{tag}>")
    cdata = _value().map(lambda v: f"<{tag}><![CDATA[{v}]]></{tag}>")
    nested = _value().map(lambda v: f"<{tag}><item>{escape(v)}</item></{tag}>")
    deep = st.integers(1, 400).map(lambda n: f"<{tag}>" + "<a>" * n + "x" + "</a>" * n + f"</{tag}>")
    return st.one_of(plain, plain, cdata, nested, deep)


@st.composite
def pushes(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    """A signed push: mostly well-formed with some fields bent, sometimes raw garbage."""
    msg_type = draw(st.sampled_from(_MSG_TYPES))
    fields = {"ToUserName": f"<ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>",
              "FromUserName": f"<FromUserName><![CDATA[{draw(_openids)}]]></FromUserName>",
              "CreateTime": f"<CreateTime>{int(time.time())}</CreateTime>",
              "MsgType": f"<MsgType><![CDATA[{msg_type}]]></MsgType>"}
    if msg_type == "event":
        fields["Event"] = f"<Event><![CDATA[{draw(st.sampled_from(_EVENTS))}]]></Event>"
        fields["EventKey"] = f"<EventKey><![CDATA[{draw(st.sampled_from(_WEIRD))}]]></EventKey>"
    else:
        fields["Content"] = f"<Content><![CDATA[{draw(st.text(max_size=60))}]]></Content>"
        fields["MsgId"] = f"<MsgId>{draw(st.integers(0, 2**64))}</MsgId>"
    for tag in draw(st.lists(st.sampled_from(_TAGS), max_size=3)):
        fields[tag] = draw(_element(tag))
    parts = list(fields.values()) + draw(st.lists(st.sampled_from(_TAGS).flatmap(_element), max_size=2))
    parts = draw(st.permutations(parts)) if draw(st.booleans()) else parts
    body = ("<xml>" + "".join(parts) + "</xml>").encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # byte-level damage
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(max_size=8)) + body[at + draw(st.integers(0, 8)):]
    stamp = str(int(time.time())) if draw(st.integers(0, 9)) else draw(st.sampled_from(_WEIRD))
    return signed(stamp or None), body


def post_fuzzed(app: Flask, case: tuple[dict[str, str], bytes]) -> int:
    query, body = case
    return post(app, body, query).status_code


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case=pushes())
def test_fuzzed_pushes_never_get_a_5xx(fuzz_app: Flask, case: tuple[dict[str, str], bytes]) -> None:
    """WeChat retries a 5xx three times; a malformed push must be a 400 (or 403 for a bad signature)."""
    assert post_fuzzed(fuzz_app, case) in (200, 400, 403)


# -- Low 10 and 11: replies cannot be broken, control characters never go out ---------------------------------

VOLUNTEER = "请带上诊断书]]></Content><FuncFlag>1</FuncFlag><Content><![CDATA[\x0b到区残联办理。"


def test_waiting_answer_with_cdata_end_and_control_characters_is_one_valid_reply(capp: Flask, db, sandbox) -> None:  # type: ignore[no-untyped-def]
    from bot.tickets import answer_ticket, claim_ticket

    ticket = support.ask_for_person(capp, db)
    with time_machine.travel(utcnow() + timedelta(hours=49)):
        claim_ticket(db, ticket.id, 7)
        answer_ticket(db, ticket.id, 7, VOLUNTEER, get_services(capp).client)
        response = post(capp, text_xml("o-parent-1", "你好"))
    root = ET.fromstring(response.data)
    assert [child.tag for child in root] == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]
    assert VOLUNTEER.replace("\x0b", "") in root.findtext("Content", "")
    assert root.findtext("ToUserName") == "o-parent-1" and root.findtext("FromUserName") == ACCOUNT_ID


def test_customer_service_answer_has_no_control_characters(capp: Flask, db, sandbox) -> None:  # type: ignore[no-untyped-def]
    from bot.tickets import answer_ticket, claim_ticket

    ticket = support.ask_for_person(capp, db, openid="o-parent-cs")
    claim_ticket(db, ticket.id, 7)
    answer = answer_ticket(db, ticket.id, 7, "第一步\x0b第二步\x1f完成", get_services(capp).client)
    assert answer.status == "delivered"
    sent = [r["content"] for r in sandbox.sent("message/custom/send", "o-parent-cs")]
    assert len(sent) == 1 and "第一步第二步完成" in sent[0]


def test_template_message_values_have_no_control_characters(app: Flask, sandbox) -> None:  # type: ignore[no-untyped-def]
    get_services(app).client.send_template("o-template", "tmpl-1", {
        "thing1": "康复\x0b课", "time2": {"value": "10:00\x0c", "color": "#173177"}}, "cmid-1")
    [sent] = sandbox.sent("message/template/send", "o-template")
    assert "\x0b" not in str(sent) and "\x0c" not in str(sent)
    assert "康复课" in str(sent) and "#173177" in str(sent)


# -- Low 12: the dedup key includes the sender -----------------------------------------------------------------

def test_another_family_reusing_a_msgid_gets_its_own_answer(app: Flask, sim: WeChatSimulator) -> None:
    first = sim.post(text_xml("o-family-a", "你好", msg_id=424242))
    second = sim.post(text_xml("o-family-b", "转人工", msg_id=424242))
    assert "志愿者" in second.text and second.text != first.text
    assert len(rows(app, Message)) == 2 and len(rows(app, Ticket)) == 1
    assert sim.post(text_xml("o-family-b", "转人工", msg_id=424242)).text == second.text  # B's retry: B's answer
    assert len(rows(app, Message)) == 2


# -- Low 16: a flood is stored, answered once, and opens no ticket ----------------------------------------------

def test_flood_is_answered_once_and_opens_no_ticket(app: Flask, sim: WeChatSimulator) -> None:
    app.config["XINGBAN_FAMILY_RATE"] = 3
    for _ in range(3):
        assert sim.send_text("o-flood", "你好").text
    notice = sim.send_text("o-flood", "转人工")
    assert notice.status == 200 and "太快" in notice.text
    later = [sim.send_text("o-flood", "转人工") for _ in range(3)]
    assert [r.body for r in later] == ["success"] * 3
    assert rows(app, Ticket) == []
    stored = rows(app, Message)
    assert [m.text for m in stored] == ["你好"] * 3 + ["转人工"] * 4  # nothing is lost
    assert {m.outcome for m in stored[3:]} == {"throttled"}
    assert "志愿者" in sim.send_text("o-calm", "转人工").text  # other families are not affected


# -- WeChat's own events ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("event", ["subscribe_msg_popup_event", "subscribe_msg_change_event",
                                   "subscribe_msg_sent_event", "PUBLISHJOBFINISH", "some_future_event"])
def test_unknown_events_get_no_reply_and_create_nothing(app: Flask, sim: WeChatSimulator, event: str) -> None:
    reply = sim.post(event_xml("o-new-family", event))
    assert reply.status == 200 and reply.body == "success"
    assert "o-new-family" not in {u.openid for u in rows(app, User)}
    assert rows(app, Message) == []


SYSTEM_EVENTS = {
    "TEMPLATESENDJOBFINISH": {"MsgID": "200163836", "Status": "success"},
    "MASSSENDJOBFINISH": {"MsgID": "1000001625", "Status": "err(30003)", "TotalCount": "0"},
    "card_pass_check": {"CardId": "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", "RefuseReason": "ok"},
    "kf_create_session": {"KfAccount": "test1@test"},
    "qualification_verify_success": {"ExpiredTime": "1442401156"},
    "VIEW": {"EventKey": "https://example.invalid"},
    "LOCATION": {"Latitude": "29.1", "Longitude": "106.6", "Precision": "65"},
}


@pytest.mark.parametrize("event, fields", SYSTEM_EVENTS.items(), ids=SYSTEM_EVENTS.keys())
def test_system_events_do_not_open_the_48h_window(app: Flask, sim: WeChatSimulator, event: str,
                                                  fields: dict[str, str]) -> None:
    """Only a parent's own action opens the customer-service window; WeChat's notices create no family."""
    long_ago = utcnow() - timedelta(days=3)
    with session_scope(app) as db:
        db.add(User(openid="o-quiet", last_message_at=long_ago))
    for openid in ("o-quiet", "o-stranger"):
        reply = sim.post(build_xml(openid, "event", {"Event": event, **fields}))
        assert reply.status == 200 and reply.body == "success"
    users = {u.openid: u for u in rows(app, User)}
    assert "o-stranger" not in users
    assert users["o-quiet"].last_message_at == long_ago
    assert rows(app, Message) == []


@pytest.mark.parametrize("key", ["scanbarcode|keystandard|keystr", "scanimage|keystandard|keystr"])
def test_subscribe_from_a_product_scan_welcomes_and_refollows(app: Flask, sim: WeChatSimulator, key: str) -> None:
    sim.post(event_xml("o-returning", "subscribe"))
    assert sim.post(event_xml("o-returning", "unsubscribe")).body == "success"
    reply = sim.post(event_xml("o-returning", "subscribe", key))
    assert "星伴" in reply.text
    users = {u.openid: u for u in rows(app, User)}
    assert users["o-returning"].followed is True


def test_unsubscribe_of_an_unknown_family_opens_no_window(app: Flask, sim: WeChatSimulator) -> None:
    assert sim.post(event_xml("o-never-seen", "unsubscribe")).body == "success"
    user = {u.openid: u for u in rows(app, User)}["o-never-seen"]
    assert user.followed is False and user.last_message_at is None


def test_unsubscribe_does_not_open_the_window(app: Flask, sim: WeChatSimulator) -> None:
    long_ago = utcnow() - timedelta(days=3)
    with session_scope(app) as db:
        db.add(User(openid="o-leaving", last_message_at=long_ago))
    assert sim.post(event_xml("o-leaving", "unsubscribe")).body == "success"
    user = {u.openid: u for u in rows(app, User)}["o-leaving"]
    assert user.followed is False and user.last_message_at == long_ago


def test_reply_swaps_the_addresses(app: Flask) -> None:
    response = post(app, text_xml("o-swap", "你好"))
    doc = xmltodict.parse(response.data)["xml"]
    assert doc["ToUserName"] == "o-swap" and doc["FromUserName"] == ACCOUNT_ID and doc["MsgType"] == "text"
