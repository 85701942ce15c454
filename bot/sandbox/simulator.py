"""A WeChat client stand-in: builds real signed (optionally encrypted) push XML and posts it.

Used by `xingban chat`, the tests and the benchmarks, so they all exercise the whole webhook.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.wechat.protocol import sign

ACCOUNT_ID = "gh_xingban000001"
_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + random.randint(0, 999))

# (status, body) from posting `body` with `query` to /wechat
Transport = Callable[[dict[str, str], bytes], tuple[int, bytes]]


@dataclass
class SimReply:
    status: int
    body: str
    text: str  # reply text, article title, or "" for `success`
    encrypted: bool = False  # the reply came as safe-mode ciphertext


def cdata(value: str) -> str:
    return f"<![CDATA[{value.replace(']]>', ']] >')}]]>"


def build_xml(openid: str, msg_type: str, fields: dict[str, str | int], created: int | None = None,
              msg_id: int | None = None) -> str:
    """Push XML as WeChat sends it; events carry no MsgId."""
    parts = [f"<ToUserName>{cdata(ACCOUNT_ID)}</ToUserName>", f"<FromUserName>{cdata(openid)}</FromUserName>",
             f"<CreateTime>{created or int(time.time())}</CreateTime>", f"<MsgType>{cdata(msg_type)}</MsgType>"]
    for key, value in fields.items():
        parts.append(f"<{key}>{value if isinstance(value, int) else cdata(value)}</{key}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id if msg_id is not None else next(_msg_ids)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(openid: str, text: str, **kw: int) -> str:
    return build_xml(openid, "text", {"Content": text}, **kw)


def event_xml(openid: str, event: str, key: str | None = None, created: int | None = None) -> str:
    fields: dict[str, str | int] = {"Event": event}
    if key is not None:
        fields["EventKey"] = key
    return build_xml(openid, "event", fields, created=created)


def voice_xml(openid: str, recognition: str | None) -> str:
    fields: dict[str, str | int] = {"MediaId": "media-1", "Format": "amr"}
    if recognition is not None:
        fields["Recognition"] = recognition
    return build_xml(openid, "voice", fields)


class WeChatSimulator:
    """Signs and posts pushes the way WeChat's servers do, and reads the passive reply."""

    def __init__(self, transport: Transport, token: str, app_id: str = "", aes_key: str = "") -> None:
        self.transport = transport
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    def signed_query(self, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        stamp, nonce = str(timestamp or int(time.time())), nonce or str(random.randint(10**8, 10**9))
        return {"timestamp": stamp, "nonce": nonce, "signature": sign(self.token, stamp, nonce)}

    def post(self, xml: str, timestamp: int | None = None) -> SimReply:
        query = self.signed_query(timestamp)
        body = xml.encode("utf-8")
        if self.crypto is not None:
            body = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]).encode("utf-8")
            encrypted = xmltodict.parse(body)["xml"]["Encrypt"]
            query["encrypt_type"] = "aes"
            query["msg_signature"] = sign(self.token, query["timestamp"], query["nonce"], encrypted)
        status, raw = self.transport(query, body)
        return self._read(status, raw.decode("utf-8", "replace"))

    def send_text(self, openid: str, text: str) -> SimReply:
        return self.post(text_xml(openid, text))

    def _read(self, status: int, body: str) -> SimReply:
        if status != 200 or not body.startswith("<xml>"):
            return SimReply(status, body, "")
        xml, encrypted = body, "<Encrypt>" in body
        if self.crypto is not None and encrypted:
            doc = xmltodict.parse(body)["xml"]
            xml = self.crypto.decrypt_message(body, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
        doc = xmltodict.parse(xml)["xml"]
        if doc.get("MsgType") == "news":
            items = doc["Articles"]["item"]
            first = items[0] if isinstance(items, list) else items
            return SimReply(status, xml, first.get("Title", ""), encrypted)
        return SimReply(status, xml, doc.get("Content") or "", encrypted)


def flask_transport(client) -> Transport:  # type: ignore[no-untyped-def]
    """Post through a Flask test client (in-process, still the whole WSGI stack)."""

    def post(query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = client.post("/wechat", query_string=query, data=body, content_type="text/xml")
        return response.status_code, response.data

    return post


def http_transport(url: str, timeout: float = 10.0) -> Transport:
    """Post over real HTTP to a running server."""
    import requests

    session = requests.Session()

    def post(query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = session.post(url, params=query, data=body, headers={"Content-Type": "text/xml"},
                                timeout=timeout)
        return response.status_code, response.content

    return post


__all__ = ["WeChatSimulator", "text_xml", "event_xml", "voice_xml", "build_xml"]
