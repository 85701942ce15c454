"""`xingban chat` shows a volunteer's console answer when it reaches the family, not only in the sandbox."""

from __future__ import annotations

import json

from bot.demo.chat import run_chat
from tests import test_console_support as support
from tests.test_console_support import ask_for_person, chat, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

ANSWER = "您好，我是志愿者小李，请先到区残联登记。"


def test_the_terminal_chat_prints_the_volunteers_answer_once(capp, accounts, db, capsys) -> None:
    ticket = ask_for_person(capp, db, "o-terminal")
    volunteer = login(capp, accounts, "volunteer")
    page = f"/console/tickets/{ticket.id}"
    post(volunteer, f"{page}/claim", page=page)

    def typed():  # the parent keeps chatting while the volunteer answers in the console
        yield "谢谢"
        post(volunteer, f"{page}/answer", {"text": ANSWER}, page=page)
        yield "好的"
        yield "还有问题"

    run_chat(chat(capp), capp, "o-terminal", typed(), as_json=True, interactive=False)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    order = [line.get("in") or "volunteer" for line in lines]
    assert order == ["谢谢", "好的", "volunteer", "还有问题"]  # shown once, right after it arrived
    assert lines[2]["volunteer"] == f"【志愿者回复·工单{ticket.id}】\n{ANSWER}"
