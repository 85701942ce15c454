"""WeChat push protocol: signatures, replay window, safe-mode crypto, XML in, XML out.

Everything here is a pure function of the request; `ProtocolError` carries the HTTP status to answer.
Past this module the code speaks of openid and text, not FromUserName and Content.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pyexpat import ParserCreate

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.messages import Incoming, Reply
from bot.wechat.limits import xml_safe

_FORBIDDEN_XML = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
#: Events a handler acts on; every other event (WeChat's notices, future events) is answered `success` untouched.
HANDLED_EVENTS = frozenset({"subscribe", "unsubscribe", "scan", "click"})
_MEDIA_KINDS = {"text", "voice", "image", "video", "shortvideo", "location", "link"}
# openids are 28 characters of [A-Za-z0-9_-], account ids gh_ + 12 hex; WeChat's own documentation masks
# them with `*`. Nothing else may reach a reply: `<`, `]`, `&`, spaces and quotes are refused.
_WECHAT_ID = re.compile(r"[A-Za-z0-9_*-]{1,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,11}")  # ASCII digits only: int() would also take "١٢٣" and " 12 "
_MSG_ID = re.compile(r"[0-9]{1,20}")  # a uint64
_MAX_DEPTH = 16  # WeChat's deepest push (a card event) nests 4 levels
# Characters XML 1.0 forbids even in CDATA (Word puts \x0b in pasted text): a reply holding one is unparseable.


class ProtocolError(Exception):
    """The request cannot be processed; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify_signature(token: str, args: dict[str, str], max_skew: float, now: float | None = None) -> None:
    """Check `signature` and that the timestamp is within the replay window.

    A signed timestamp that is not a plain number is malformed (400), never an outage: a 400-digit
    one used to overflow the float comparison into a 503, which WeChat retries three times.
    """
    stamp = args.get("timestamp", "")
    try:
        check_signature(token, args.get("signature", ""), stamp, args.get("nonce", ""))
    except InvalidSignatureException:
        raise ProtocolError(403, "bad signature") from None
    if not _TIMESTAMP.fullmatch(stamp):
        raise ProtocolError(400, "malformed timestamp")
    if abs((now if now is not None else time.time()) - int(stamp)) > max_skew:
        raise ProtocolError(403, "stale timestamp")


def push_fingerprint(args: dict[str, str], body: bytes, max_skew: float) -> tuple[str, str, int]:
    """(key, body digest, expiry) of a signed push URL, for the replay memory.

    The plaintext signature covers timestamp and nonce, not the body: within the window the same URL
    could carry any body. The key starts with its expiry so expired keys are purged by one range delete.
    """
    expires = int(args["timestamp"]) + int(max_skew)
    signed = "\n".join((args["timestamp"], args.get("nonce", ""), args.get("signature", "")))
    key = f"push:{expires:011d}:{hashlib.sha256(signed.encode('utf-8', 'replace')).hexdigest()[:40]}"
    return key, hashlib.sha256(body).hexdigest(), expires


def is_encrypted(mode: str, args: dict[str, str]) -> bool:
    """Whether this push must be decrypted, by the account's message mode (公众平台 → 服务器配置).

    safe: only AES pushes signed with `msg_signature` (a plaintext push is a forgery: WeChat never sends
    one in safe mode); compatible: either; plaintext: never (an "encrypted" push is refused).
    """
    claims_aes = args.get("encrypt_type") == "aes"
    if mode == "plaintext":
        if claims_aes:
            raise ProtocolError(400, "safe mode is not configured")
        return False
    if mode == "safe" and not (claims_aes and args.get("msg_signature")):
        raise ProtocolError(403, "safe mode: push must be encrypted and carry msg_signature")
    if claims_aes and not args.get("msg_signature"):
        raise ProtocolError(403, "missing msg_signature")
    return claims_aes


def check_body(body: bytes) -> None:
    """Refuse DOCTYPE/ENTITY outright: WeChat never sends them, and they enable entity expansion."""
    if not body.strip():
        raise ProtocolError(400, "empty body")
    if _FORBIDDEN_XML.search(body):
        raise ProtocolError(400, "DOCTYPE/ENTITY not allowed")


def decrypt_body(crypto: WeChatCrypto, body: bytes, args: dict[str, str]) -> str:
    """Decrypt a safe-mode push against msg_signature; any failure is the sender's fault (400/403)."""
    try:
        plain: str = crypto.decrypt_message(body, args.get("msg_signature", ""), args.get("timestamp", ""),
                                            args.get("nonce", ""))
        return plain
    except InvalidSignatureException:
        raise ProtocolError(403, "bad msg_signature") from None
    except Exception:  # noqa: BLE001 - base64, padding, xml and appid errors all mean bad ciphertext
        raise ProtocolError(400, "bad ciphertext") from None


@dataclass(frozen=True)
class Envelope:
    """Who a passive reply goes to (the family) and comes from (our account): the push's ids, swapped."""

    family: str
    account: str


class _Fields:
    """The children of the root element, read flat: tag -> text, with repeated or nested tags marked.

    Our own expat callbacks rather than xmltodict + wechatpy: one pass, no dict tree, a depth limit, and
    the raw MsgType/Event (wechatpy turns events it does not know into unknown *messages*).
    """

    def __init__(self) -> None:
        self.root = ""
        self.values: dict[str, str] = {}
        self.bent: set[str] = set()  # repeated or nested: ambiguous, so refused when we read them
        self._depth = 0
        self._tag: str | None = None
        self._text: list[str] = []

    def start(self, name: str, _attrs: object) -> None:
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise ProtocolError(400, "XML nested too deep")
        if self._depth == 1:
            self.root = name
        elif self._depth == 2:
            if name in self.values:
                self.bent.add(name)
            self._tag, self._text = name, []
        elif self._tag is not None:
            self.bent.add(self._tag)

    def end(self, _name: str) -> None:
        if self._depth == 2 and self._tag is not None:
            self.values.setdefault(self._tag, "".join(self._text).strip())
            self._tag = None
        self._depth -= 1

    def chars(self, data: str) -> None:
        if self._depth == 2:
            self._text.append(data)

    def get(self, name: str) -> str | None:
        if name in self.bent:
            raise ProtocolError(400, f"{name} is repeated or nested")
        return self.values.get(name)


def _refuse_doctype(*_args: object) -> None:
    raise ProtocolError(400, "DOCTYPE/ENTITY not allowed")


def _read_fields(xml: str | bytes) -> _Fields:
    fields = _Fields()
    parser = ParserCreate("utf-8")  # WeChat sends UTF-8 (as xmltodict, ignore a declared encoding)
    parser.StartElementHandler = fields.start
    parser.EndElementHandler = fields.end
    parser.CharacterDataHandler = fields.chars
    parser.StartDoctypeDeclHandler = _refuse_doctype  # also inside a decrypted safe-mode body
    parser.EntityDeclHandler = _refuse_doctype
    try:
        parser.Parse(xml, True)
    except ProtocolError:
        raise
    except Exception:  # noqa: BLE001 - expat, encoding and surrogate errors all mean a malformed body
        raise ProtocolError(400, "malformed XML") from None
    if fields.root != "xml":
        raise ProtocolError(400, "root element is not <xml>")
    return fields


def _wechat_id(fields: _Fields, name: str) -> str:
    value = fields.get(name)
    if value is None:
        raise ProtocolError(400, f"missing {name}")
    if not _WECHAT_ID.fullmatch(value):
        raise ProtocolError(400, f"malformed {name}")
    return value


def _number(fields: _Fields, name: str, pattern: re.Pattern[str], limit: int) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if not pattern.fullmatch(value) or int(value) >= limit:
        raise ProtocolError(400, f"malformed {name}")
    return int(value)


def parse_incoming(xml: str | bytes) -> tuple[Incoming, Envelope]:
    """Turn push XML into an `Incoming` and the reply's `Envelope`; anything malformed is a 400."""
    fields = _read_fields(xml)
    envelope = Envelope(family=_wechat_id(fields, "FromUserName"), account=_wechat_id(fields, "ToUserName"))
    openid = envelope.family
    stamp = _number(fields, "CreateTime", _TIMESTAMP, 2**34)
    if stamp is None:
        raise ProtocolError(400, "missing CreateTime")
    created = datetime.fromtimestamp(stamp, UTC)
    msg_type = (fields.get("MsgType") or "").lower()
    if not msg_type:
        raise ProtocolError(400, "missing MsgType")
    if msg_type == "event":  # decided by the raw MsgType: an event never gets a message's reply
        name = (fields.get("Event") or "").lower()
        if name not in HANDLED_EVENTS:
            return Incoming(openid=openid, kind="event", created_at=created, event="other",
                            dedup_key=f"e:{openid}:{stamp}:{name}"[:100]), envelope
        key = fields.get("EventKey") or ""
        if name == "subscribe" and key.startswith("qrscene_"):
            key = key[len("qrscene_"):]
        return Incoming(openid=openid, kind="event", created_at=created, event=name, event_key=key,
                        dedup_key=f"e:{openid}:{stamp}:{name}:{key}"[:100]), envelope
    kind = msg_type if msg_type in _MEDIA_KINDS else "unknown"
    text = ""
    if kind == "text":
        text = fields.get("Content") or ""
    elif kind == "voice":
        text = fields.get("Recognition") or ""
    msg_id = _number(fields, "MsgId", _MSG_ID, 2**64)
    # Unique per family (messages' key is (user_id, dedup_key)): another family's MsgId is another message.
    dedup = f"m:{msg_id}" if msg_id else f"t:{openid}:{stamp}:{kind}"
    kind = "video" if kind == "shortvideo" else kind
    return Incoming(openid=openid, kind=kind, created_at=created, dedup_key=dedup, text=text.strip()), envelope


def cdata(text: str) -> str:
    """A CDATA section no text can break out of: `]]>` is split across two sections, keeping every character."""
    return "<![CDATA[" + xml_safe(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_reply(reply: Reply, envelope: Envelope, now: float | None = None) -> str:
    """Passive-reply XML (text, or one news article), addresses swapped, every value through `cdata`."""
    head = (f"<xml><ToUserName>{cdata(envelope.family)}</ToUserName>"
            f"<FromUserName>{cdata(envelope.account)}</FromUserName>"
            f"<CreateTime>{int(now if now is not None else time.time())}</CreateTime>")
    if reply.articles:
        article = reply.articles[0]
        return (head + "<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item>"
                f"<Title>{cdata(article.get('title', ''))}</Title>"
                f"<Description>{cdata(article.get('description', ''))}</Description>"
                f"<PicUrl>{cdata(article.get('image', ''))}</PicUrl>"
                f"<Url>{cdata(article.get('url', ''))}</Url></item></Articles></xml>")
    return head + f"<MsgType><![CDATA[text]]></MsgType><Content>{cdata(reply.text)}</Content></xml>"


def encrypt_reply(crypto: WeChatCrypto, xml: str, args: dict[str, str]) -> str:
    encrypted: str = crypto.encrypt_message(xml, args.get("nonce", ""), args.get("timestamp"))
    return encrypted


def sign(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts (used by our simulators)."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode("utf-8")).hexdigest()
