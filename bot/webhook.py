"""The `/wechat` webhook: a short, linear view over the protocol and inbox steps."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, request
from wechatpy.crypto import WeChatCrypto

from bot.inbox import Claim, ReplyJob, claim
from bot.wechat.protocol import (
    HANDLED_EVENTS,
    ProtocolError,
    check_body,
    decrypt_body,
    encrypt_reply,
    is_encrypted,
    parse_incoming,
    push_fingerprint,
    render_reply,
    verify_signature,
)

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)


def init_app(app: Flask) -> None:
    aes_key = app.config["WECHAT_ENCODING_AES_KEY"]
    uses_aes = app.config["WECHAT_MESSAGE_MODE"] != "plaintext"
    app.extensions["wechat_crypto"] = (
        WeChatCrypto(app.config["WECHAT_TOKEN"], aes_key, app.config["WECHAT_APP_ID"]) if uses_aes else None
    )
    app.register_blueprint(bp)


@bp.errorhandler(ProtocolError)
def _protocol_error(exc: ProtocolError) -> Response:
    log.info("webhook refused: %s", exc.reason)
    return Response(exc.reason, status=exc.status, mimetype="text/plain")


@bp.get("/wechat")
def verify() -> Response:
    """Server verification: echo `echostr` when the signature is right."""
    verify_signature(current_app.config["WECHAT_TOKEN"], request.args.to_dict(), float("inf"))
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    config = current_app.config
    args = request.args.to_dict()
    verify_signature(config["WECHAT_TOKEN"], args, config["XINGBAN_MAX_CLOCK_SKEW"])
    body = read_limited_body(int(config["XINGBAN_MAX_BODY_BYTES"]))
    check_body(body)
    crypto = current_app.extensions["wechat_crypto"]
    encrypted = is_encrypted(config["WECHAT_MESSAGE_MODE"], args)
    xml = decrypt_body(crypto, body, args) if encrypted else body
    incoming, envelope = parse_incoming(xml)
    if incoming.kind == "event" and incoming.event not in HANDLED_EVENTS:
        # WeChat's notices (template/mass-send results, card, kf, verify) and events we do not use: no
        # reply, no family created, and the 48 h window stays as the parent's own actions left it.
        return Response("success", mimetype="text/plain")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    claimed = claim(app, incoming, push_fingerprint(args, body, config["XINGBAN_MAX_CLOCK_SKEW"]))
    if isinstance(claimed, Claim):  # first delivery: answer it (within the budget, or later)
        reply = ReplyJob(app, incoming, claimed).wait(config["XINGBAN_REPLY_BUDGET"])
    else:  # a retry: the earlier reply, or `success`
        reply = claimed
    if reply is None or reply.is_empty:
        return Response("success", mimetype="text/plain")
    out = render_reply(reply, envelope)
    if encrypted:
        out = encrypt_reply(crypto, out, args)
    return Response(out, mimetype="application/xml")


def read_limited_body(limit: int) -> bytes:
    """Read at most `limit` bytes; a larger body is refused before it is parsed."""
    if request.content_length is not None and request.content_length > limit:
        raise ProtocolError(413, "body too large")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise ProtocolError(413, "body too large")
    return body


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    """Infrastructure trouble (e.g. the database restarting): fail cleanly so WeChat retries."""
    log.error("webhook failed: %s", type(exc).__name__)
    return Response("temporarily unavailable", status=503, mimetype="text/plain")
