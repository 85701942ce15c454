"""WeChat push protocol: signatures, replay window, safe-mode crypto, XML in, XML out.

Everything here is a pure function of the request; `ProtocolError` carries the HTTP status to answer.
Past this module the code speaks of openid and text, not FromUserName and Content.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime

from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import UnknownMessage
from wechatpy.utils import check_signature

from bot.dispatch import Incoming, Reply

_FORBIDDEN_XML = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_EVENT_NAMES = {"subscribe": "subscribe", "subscribe_scan": "subscribe", "unsubscribe": "unsubscribe",
                "scan": "scan", "click": "click", "view": "view", "location": "location"}
_MEDIA_KINDS = {"text", "voice", "image", "video", "shortvideo", "location", "link"}


class ProtocolError(Exception):
    """The request cannot be processed; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify_signature(token: str, args: dict[str, str], max_skew: float, now: float | None = None) -> None:
    """Check `signature` and that the timestamp is within the replay window."""
    try:
        check_signature(token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException:
        raise ProtocolError(403, "bad signature") from None
    try:
        stamp = int(args.get("timestamp", ""))
    except ValueError:
        raise ProtocolError(403, "bad timestamp") from None
    if abs((now if now is not None else time.time()) - stamp) > max_skew:
        raise ProtocolError(403, "stale timestamp")


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
        return crypto.decrypt_message(body, args.get("msg_signature", ""), args.get("timestamp", ""),
                                      args.get("nonce", ""))
    except InvalidSignatureException:
        raise ProtocolError(403, "bad msg_signature") from None
    except Exception:  # noqa: BLE001 - base64, padding, xml and appid errors all mean bad ciphertext
        raise ProtocolError(400, "bad ciphertext") from None


def parse_incoming(xml: str | bytes) -> tuple[Incoming, object]:
    """Turn push XML into an `Incoming` (and keep wechatpy's message for building the reply)."""
    try:
        message = parse_message(xml)
    except Exception:  # noqa: BLE001 - expat and xmltodict raise several types on malformed input
        raise ProtocolError(400, "malformed XML") from None
    if message is None or not getattr(message, "source", None):
        raise ProtocolError(400, "missing FromUserName")
    return _to_incoming(message), message


def _to_incoming(message: object) -> Incoming:
    openid = str(message.source)  # type: ignore[attr-defined]
    stamp = int(getattr(message, "time", 0) or 0)
    created = datetime.fromtimestamp(stamp, UTC)
    msg_type = getattr(message, "type", "unknown")
    if msg_type == "event":
        event_type = str(getattr(message, "event", ""))
        key = getattr(message, "scene_id", None) or getattr(message, "key", "") or ""
        return Incoming(openid=openid, kind="event", created_at=created,
                        dedup_key=f"e:{openid}:{stamp}:{event_type}:{key}"[:100],
                        event=_EVENT_NAMES.get(event_type, "other"), event_key=str(key))
    if isinstance(message, UnknownMessage) or msg_type not in _MEDIA_KINDS:
        msg_type = "unknown"
    text = ""
    if msg_type == "text":
        text = message.content or ""  # type: ignore[attr-defined]
    elif msg_type == "voice":
        text = getattr(message, "recognition", None) or ""
    msg_id = getattr(message, "id", 0) or 0
    dedup = f"m:{msg_id}" if msg_id else f"t:{openid}:{stamp}:{msg_type}"
    kind = "video" if msg_type == "shortvideo" else msg_type
    return Incoming(openid=openid, kind=kind, created_at=created, dedup_key=dedup, text=text.strip())


def render_reply(reply: Reply, message: object) -> str:
    """Build passive-reply XML; `]]>` would break wechatpy's CDATA, so it is defused first."""
    if reply.articles:
        articles = [{k: _defuse(v) for k, v in a.items()} for a in reply.articles[:1]]
        return create_reply(articles, message=message, render=True)
    return create_reply(_defuse(reply.text), message=message, render=True)


def encrypt_reply(crypto: WeChatCrypto, xml: str, args: dict[str, str]) -> str:
    return crypto.encrypt_message(xml, args.get("nonce", ""), args.get("timestamp"))


def _defuse(text: str) -> str:
    return text.replace("]]>", "]] >")


def sign(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts (used by our simulators)."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode("utf-8")).hexdigest()
