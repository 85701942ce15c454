"""The webhook's protocol duties: signatures, replay window, size, XML safety, safe mode, retries."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlmodel import select

from bot.sandbox.simulator import WeChatSimulator, build_xml, event_xml, flask_transport
from bot.storage.db import session_scope
from bot.storage.models import Message, User
from bot.wechat.protocol import sign
from tests.conftest import TEST_TOKEN


def signed(timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp or int(time.time()))
    return {"timestamp": stamp, "nonce": "12345", "signature": sign(TEST_TOKEN, stamp, "12345")}


def test_get_echoes_echostr_only_with_a_good_signature(app: Flask) -> None:
    client = app.test_client()
    good = client.get("/wechat", query_string={**signed(), "echostr": "hello-echo"})
    assert good.status_code == 200 and good.data == b"hello-echo"
    bad = client.get("/wechat", query_string={**signed(), "signature": "0" * 40, "echostr": "x"})
    assert bad.status_code == 403
    assert client.get("/wechat").status_code == 403


@pytest.mark.parametrize("query, status", [
    ({"signature": "f" * 40}, 403),
    ({}, 403),
])
def test_post_with_bad_signature_is_refused(app: Flask, query: dict[str, str], status: int) -> None:
    response = app.test_client().post("/wechat", query_string={**signed(), **query} if query else {},
                                      data=event_xml("o-1", "subscribe"))
    assert response.status_code == status


def test_stale_timestamp_is_a_replay(app: Flask) -> None:
    old = int(time.time()) - 301
    response = app.test_client().post("/wechat", query_string=signed(old), data=event_xml("o-1", "subscribe"))
    assert response.status_code == 403
    future = int(time.time()) + 400
    assert app.test_client().post("/wechat", query_string=signed(future),
                                  data=event_xml("o-1", "subscribe")).status_code == 403


def test_oversize_body_is_413_and_nothing_is_stored(app: Flask) -> None:
    body = build_xml("o-big", "text", {"Content": "孤" * 30000})
    response = app.test_client().post("/wechat", query_string=signed(), data=body.encode())
    assert response.status_code == 413
    with session_scope(app) as db:
        assert db.exec(select(Message)).all() == []


@pytest.mark.parametrize("body", [
    b"",
    b"not xml at all",
    b"<xml><ToUserName>unclosed",
    b"<xml></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<xml><FromUserName>&lol2;</FromUserName></xml>",
    "<xml><FromUserName>\udcff</FromUserName></xml>".encode("utf-8", "surrogatepass"),
])
def test_malformed_bodies_get_400_never_500(app: Flask, body: bytes) -> None:
    response = app.test_client().post("/wechat", query_string=signed(), data=body)
    assert response.status_code == 400


def test_unknown_message_type_gets_a_polite_reply(sim: WeChatSimulator) -> None:
    reply = sim.post(build_xml("o-unknown", "miniprogrampage", {"Title": "x"}))
    assert reply.status == 200
    assert "文字" in reply.text


@pytest.mark.parametrize("msg_type, fields", [
    ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m1"}),
    ("video", {"MediaId": "m1", "ThumbMediaId": "t1"}),
    ("shortvideo", {"MediaId": "m1", "ThumbMediaId": "t1"}),
    ("location", {"Location_X": "29.0", "Location_Y": "106.6", "Scale": "15", "Label": "某地"}),
    ("link", {"Title": "文章", "Description": "d", "Url": "http://example.invalid"}),
])
def test_media_messages_get_what_the_bot_can_do(sim: WeChatSimulator, msg_type: str, fields: dict) -> None:
    reply = sim.post(build_xml("o-media", msg_type, fields))
    assert reply.status == 200
    assert "康复救助" in reply.text and "人工" in reply.text


def test_voice_without_recognition_asks_to_type(sim: WeChatSimulator) -> None:
    from bot.sandbox.simulator import voice_xml

    reply = sim.post(voice_xml("o-voice", None))
    assert "文字" in reply.text and "语音" in reply.text


def test_retried_message_is_processed_once_and_gets_the_same_reply(app: Flask, sim: WeChatSimulator) -> None:
    xml = build_xml("o-retry", "image", {"PicUrl": "p", "MediaId": "m"}, msg_id=987654321)
    first, second, third = sim.post(xml), sim.post(xml), sim.post(xml)
    assert first.text and first.text == second.text == third.text
    with session_scope(app) as db:
        rows = db.exec(select(Message).where(Message.dedup_key == "m:987654321")).all()
    assert len(rows) == 1


def test_retried_event_is_deduplicated_on_sender_and_time(app: Flask, sim: WeChatSimulator) -> None:
    xml = event_xml("o-event-retry", "unsubscribe", created=1_700_000_000)
    sim.post(xml)
    sim.post(xml)
    with session_scope(app) as db:
        assert len(db.exec(select(Message)).all()) == 1


def test_subscribe_welcomes_and_asks_for_the_region(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.post(event_xml("o-new", "subscribe"))
    assert "星伴" in reply.text and "1. 重庆綦江区" in reply.text
    assert "綦江" in sim.send_text("o-new", "1").text
    with session_scope(app) as db:
        assert db.exec(select(User).where(User.openid == "o-new")).one().region == "qijiang"


def test_subscribe_with_centre_qr_binds_the_family(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.post(event_xml("o-qr", "subscribe", "qrscene_centre_qj01"))
    assert "示范康复中心（綦江）" in reply.text
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == "o-qr")).one()
        assert user.centre_id is not None and user.region == "qijiang"


def test_scan_of_centre_qr_by_follower_binds_and_unknown_centre_says_so(app: Flask, sim: WeChatSimulator) -> None:
    assert "示范康复中心（上海）" in sim.post(event_xml("o-scan", "SCAN", "centre_sh01")).text
    assert "没有找到" in sim.post(event_xml("o-scan", "SCAN", "centre_nope")).text


def test_unsubscribe_stops_reminders_and_answers_success(app: Flask, sim: WeChatSimulator) -> None:
    with session_scope(app) as db:
        db.add(User(openid="o-leaving", reminders_on=True))
    reply = sim.post(event_xml("o-leaving", "unsubscribe"))
    assert reply.status == 200 and reply.body == "success"
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == "o-leaving")).one()
        assert user.reminders_on is False and user.followed is False


def test_location_report_event_is_acknowledged_silently(sim: WeChatSimulator) -> None:
    xml = build_xml("o-loc", "event", {"Event": "LOCATION", "Latitude": "29.1", "Longitude": "106.6",
                                       "Precision": "65"})
    reply = sim.post(xml)
    assert reply.status == 200 and reply.body == "success"


def test_safe_mode_round_trip(aes_sim: WeChatSimulator) -> None:
    reply = aes_sim.post(event_xml("o-aes", "subscribe"))
    assert reply.status == 200 and "星伴" in reply.text and reply.encrypted


def test_safe_mode_bad_ciphertext_and_bad_msg_signature(aes_app: Flask) -> None:
    query = {**signed(), "encrypt_type": "aes", "msg_signature": sign(TEST_TOKEN, "a", "b", "c")}
    body = b"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[bm90IGNpcGhlcg==]]></Encrypt></xml>"
    assert aes_app.test_client().post("/wechat", query_string=query, data=body).status_code == 403
    stamp, nonce = query["timestamp"], query["nonce"]
    query["msg_signature"] = sign(TEST_TOKEN, stamp, nonce, "bm90IGNpcGhlcg==")
    assert aes_app.test_client().post("/wechat", query_string=query, data=body).status_code == 400


def test_slow_answer_goes_out_as_customer_service_message(app: Flask, sim: WeChatSimulator, sandbox) -> None:
    app.config["XINGBAN_REPLY_BUDGET"] = 0.0
    reply = sim.post(event_xml("o-slow", "subscribe"))
    assert reply.body == "success"
    deadline = time.time() + 5
    while time.time() < deadline and not sandbox.sent(touser="o-slow"):
        time.sleep(0.02)
    sent = sandbox.sent(touser="o-slow")
    assert len(sent) == 1 and "星伴" in sent[0]["content"]
    with session_scope(app) as db:
        assert db.exec(select(Message)).one().delivery == "deferred"


@pytest.mark.parametrize("xml_for, expected", [
    (lambda: event_xml("o-aes2", "subscribe", "qrscene_centre_qj01"), "示范康复中心（綦江）"),
    (lambda: build_xml("o-aes2", "image", {"PicUrl": "p", "MediaId": "m"}), "文字"),
    (lambda: build_xml("o-aes2", "text", {"Content": "上海的孩子康复救助怎么申请"}), "沪府发〔2025〕1号"),
    (lambda: build_xml("o-aes2", "voice", {"MediaId": "m", "Format": "amr", "Recognition": "你好"}), "星伴"),
    (lambda: event_xml("o-aes2", "CLICK", "HUMAN"), "志愿者"),
])
def test_safe_mode_message_types(aes_sim: WeChatSimulator, xml_for, expected: str) -> None:
    reply = aes_sim.post(xml_for())
    assert reply.status == 200 and expected in reply.text
    assert reply.encrypted


@pytest.fixture
def compat_app(tmp_path, sandbox, cache_dir):  # type: ignore[no-untyped-def]
    from tests.conftest import TEST_AES_KEY, build_app

    sandbox.reset()
    application = build_app(tmp_path, sandbox, cache_dir, WECHAT_ENCODING_AES_KEY=TEST_AES_KEY,
                            WECHAT_MESSAGE_MODE="compatible")
    yield application
    application.extensions["db_engine"].dispose()


def test_compatible_mode_takes_plaintext_and_encrypted_pushes(compat_app: Flask) -> None:
    """Compatible mode: a plaintext push with a good signature is accepted, a forged one is not."""
    from tests.conftest import TEST_AES_KEY, TEST_APP_ID

    body = event_xml("o-compat", "subscribe").encode()
    assert compat_app.test_client().post("/wechat", query_string=signed(), data=body).status_code == 200
    forged = {**signed(), "signature": "0" * 40}
    assert compat_app.test_client().post("/wechat", query_string=forged, data=body).status_code == 403
    sim = WeChatSimulator(flask_transport(compat_app.test_client()), TEST_TOKEN, TEST_APP_ID, TEST_AES_KEY)
    reply = sim.post(event_xml("o-compat2", "subscribe"))
    assert reply.status == 200 and reply.encrypted


@pytest.mark.parametrize("extra", [
    {},                                          # the red-team forgery: signature only, no encrypt_type
    {"encrypt_type": "raw"},
    {"encrypt_type": "aes"},                     # claims AES but has no msg_signature
])
def test_safe_mode_refuses_any_plaintext_push(aes_app: Flask, extra: dict[str, str]) -> None:
    """Safe mode (the default with an EncodingAESKey): a signed plaintext "转人工" opens no ticket."""
    from bot.storage.models import Ticket

    body = build_xml("o-forger", "text", {"Content": "转人工"}).encode()
    response = aes_app.test_client().post("/wechat", query_string={**signed(), **extra}, data=body)
    assert response.status_code in (400, 403)
    with session_scope(aes_app) as db:
        assert db.exec(select(Ticket)).all() == []
        assert db.exec(select(Message)).all() == []


def test_plaintext_mode_refuses_an_encrypted_push(app: Flask) -> None:
    query = {**signed(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    response = app.test_client().post("/wechat", query_string=query, data=b"<xml><Encrypt>x</Encrypt></xml>")
    assert response.status_code == 400
