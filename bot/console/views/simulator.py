"""A WeChat-like chat page so staff can try the bot: posts real signed XML to `/wechat` in-process.

Simulated families always have a `sim-` openid, so the page can never write into a real family's record.
"""

from __future__ import annotations

import re

from flask import current_app, redirect, render_template, request, session, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, require_role
from bot.console.blueprint import bp, message_kind
from bot.console.simulated import SIM_PREFIX
from bot.privacy import pseudonym
from bot.sandbox.simulator import WeChatSimulator, event_xml, flask_transport, text_xml
from bot.storage.accounts import TicketAnswer
from bot.storage.db import get_session
from bot.storage.models import Message, User
from bot.tickets import format_answer

_NAME = re.compile(r"[^A-Za-z0-9_-]")
HISTORY = 30


def sim_openid(name: str | None) -> str:
    cleaned = _NAME.sub("", name or "")[:24]
    return SIM_PREFIX + (cleaned or f"staff{current_staff().id}")  # type: ignore[union-attr]


def _history(openid: str) -> list[dict[str, object]]:
    """Bubbles oldest first: the parent's texts, the bot's replies and volunteers' customer-service answers."""
    db = get_session()
    user = db.exec(select(User).where(User.openid == openid)).first()
    if user is None:
        return []
    bubbles: list[dict[str, object]] = []
    messages = db.exec(select(Message).where(Message.user_id == user.id)
                       .order_by(Message.id.desc()).limit(HISTORY)).all()  # type: ignore[union-attr]
    for row in messages:
        bubbles.append({"at": row.created_at, "side": "me", "text": row.text or message_kind(row.kind)})
        if row.reply_text:
            bubbles.append({"at": row.created_at, "side": "bot", "text": row.reply_text})
    answers = db.exec(select(TicketAnswer).where(TicketAnswer.user_id == user.id,
                                                 TicketAnswer.channel == "custom")).all()
    for answer in answers:
        bubbles.append({"at": answer.delivered_at or answer.created_at, "side": "bot",
                        "text": format_answer(answer.ticket_id, answer.text), "volunteer": True})
    return sorted(bubbles, key=lambda b: (b["at"], b["side"] != "me"))


@bp.get("/simulator")
@require_role("staff", "volunteer")
def simulator() -> str:
    openid = sim_openid(request.args.get("family") or session.get("sim_family"))
    return render_template("console/simulator.html", openid=openid, family=openid[len(SIM_PREFIX):],
                           bubbles=_history(openid), last=session.pop("sim_last", None))


@bp.post("/simulator")
@require_role("staff", "volunteer")
def simulator_send() -> Response:
    openid = sim_openid(request.form.get("family"))
    session["sim_family"] = openid[len(SIM_PREFIX):]
    text = request.form.get("text", "").strip()[:600]
    config = current_app.config
    sim = WeChatSimulator(flask_transport(current_app.test_client()), config["WECHAT_TOKEN"],
                          config["WECHAT_APP_ID"], config["WECHAT_ENCODING_AES_KEY"])
    xml = event_xml(openid, "subscribe") if request.form.get("event") == "subscribe" else text_xml(openid, text)
    if text or request.form.get("event") == "subscribe":
        reply = sim.post(xml)
        session["sim_last"] = {"status": reply.status, "empty": not reply.text}
        record("simulator_send", target=f"family:{pseudonym(openid)}")
    return redirect(url_for("console.simulator", family=openid[len(SIM_PREFIX):]))
