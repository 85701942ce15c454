"""Shared fixtures for the console and escalation tests (no tests here).

Until the lead wires `bot.console.init_app` into create_app and registers `UnhelpfulHandler`, the
`capp` fixture does both for the test app (idempotently).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from bot.console.cli import seed_demo_accounts
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from bot.storage.db import get_engine
from bot.storage.models import Ticket, User
from handlers.feedback import UnhelpfulHandler
from tests.conftest import TEST_TOKEN

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def wire_console(app: Flask) -> Flask:
    """Register the console and the feedback handler the way the lead will."""
    import bot.console

    if "console" not in app.blueprints:
        bot.console.init_app(app)
    dispatcher = app.extensions["xingban"].dispatcher
    if not any(isinstance(h, UnhelpfulHandler) for h in dispatcher.handlers):
        dispatcher._groups.setdefault(2, []).insert(0, UnhelpfulHandler())  # noqa: SLF001 - until registered
    return app


@pytest.fixture
def capp(app: Flask) -> Flask:
    return wire_console(app)


@pytest.fixture
def accounts(capp: Flask) -> dict[str, tuple[str, str]]:
    return seed_demo_accounts(capp)


@pytest.fixture
def db(capp: Flask) -> Iterator[Session]:
    with Session(get_engine(capp), expire_on_commit=False) as session:
        yield session


def csrf_token(client: FlaskClient, path: str = "/console/login") -> str:
    match = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(app: Flask, accounts: dict[str, tuple[str, str]], role: str) -> FlaskClient:
    client = app.test_client()
    name, password = accounts[role]
    response = client.post("/console/login", data={"name": name, "password": password,
                                                   "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, page: str = "/console/dashboard"):
    """A form POST with the session's CSRF token, as the browser sends it."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)})


def chat(app: Flask) -> WeChatSimulator:
    return WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)


def ask_for_person(app: Flask, db: Session, openid: str = "o-parent-1") -> Ticket:
    """A parent asks a question, then asks for a person: one open ticket."""
    sim = chat(app)
    sim.send_text(openid, "你好")
    reply = sim.send_text(openid, "转人工")
    assert "志愿者" in reply.text, reply.text
    user = db.exec(select(User).where(User.openid == openid)).one()
    return db.exec(select(Ticket).where(Ticket.user_id == user.id)).one()
