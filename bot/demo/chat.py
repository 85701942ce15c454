"""`xingban chat`: talk to the bot from a terminal through the real, signed webhook."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import click
from flask import Flask
from sqlmodel import select

from bot.sandbox.simulator import WeChatSimulator, event_xml, text_xml, voice_xml
from bot.storage.accounts import TicketAnswer
from bot.storage.db import session_scope
from bot.storage.models import Message, User
from bot.tickets import format_answer

COMMANDS = "/subscribe  /unsubscribe  /voice <文字>  /click <KEY>  /scan <场景>  /quit"


def to_xml(openid: str, line: str) -> str:
    """A typed line becomes the push WeChat would send for it."""
    command, _, arg = line.partition(" ")
    arg = arg.strip()
    if command == "/subscribe":
        return event_xml(openid, "subscribe", f"qrscene_{arg}" if arg else None)
    if command == "/unsubscribe":
        return event_xml(openid, "unsubscribe")
    if command == "/voice":
        return voice_xml(openid, arg or None)
    if command == "/click":
        return event_xml(openid, "CLICK", arg)
    if command == "/scan":
        return event_xml(openid, "SCAN", arg)
    return text_xml(openid, line)


def last_outcome(app: Flask | None, openid: str) -> tuple[str | None, str | None]:
    """Intent and outcome of the family's latest message (only known when running in-process)."""
    if app is None:
        return None, None
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == openid)).first()
        if user is None:
            return None, None
        row = db.exec(select(Message).where(Message.user_id == user.id).order_by(Message.id.desc())).first()  # type: ignore[union-attr]
        return (row.intent, row.outcome) if row else (None, None)


def volunteer_answers(app: Flask | None, openid: str, after_id: int) -> list[tuple[int, str]]:
    """Volunteers' answers that reached this family as customer-service messages since answer `after_id`,
    as WeChat shows them (only known when running in-process: the console writes them to the same database)."""
    if app is None:
        return []
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == openid)).first()
        if user is None:
            return []
        rows = db.exec(select(TicketAnswer).where(
            TicketAnswer.user_id == user.id, TicketAnswer.channel == "custom", TicketAnswer.status == "delivered",
            TicketAnswer.id > after_id).order_by(TicketAnswer.id)).all()  # type: ignore[arg-type, operator]
        return [(row.id or 0, format_answer(row.ticket_id, row.text)) for row in rows]


def run_chat(sim: WeChatSimulator, app: Flask | None, openid: str, lines: Iterable[str], as_json: bool,
             interactive: bool) -> None:
    if interactive:
        click.echo(f"星伴对话模拟器（用户 {openid}）。命令：{COMMANDS}")
    seen = max((answer_id for answer_id, _ in volunteer_answers(app, openid, 0)), default=0)
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line == "/quit":
            break
        reply = sim.post(to_xml(openid, line))
        text = reply.text if reply.status == 200 else f"[HTTP {reply.status}] {reply.body}"
        intent, outcome = last_outcome(app, openid)
        if as_json:
            click.echo(json.dumps({"in": line, "reply": text, "intent": intent, "outcome": outcome},
                                  ensure_ascii=False))
        else:
            click.echo(f"星伴> {text or '（无回复）'}")
        for answer_id, answer in volunteer_answers(app, openid, seen):
            click.echo(json.dumps({"volunteer": answer}, ensure_ascii=False) if as_json else f"志愿者> {answer}")
            seen = answer_id
        if interactive:
            click.echo("你> ", nl=False)


def input_lines(interactive: bool) -> Iterable[str]:
    if not interactive:
        yield from sys.stdin
        return
    click.echo("你> ", nl=False)
    while True:
        try:
            yield input()
        except EOFError:
            return
