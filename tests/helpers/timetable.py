"""Shared fixtures and helpers for the class, reminder and outbox tests (no tests here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlmodel import Session, select

from bot.outbox.dispatcher import OutboxDispatcher
from bot.sandbox.server import SandboxServer
from bot.services import get_services
from bot.storage.classes import Reminder, TrainingSession
from bot.storage.db import get_engine
from bot.storage.models import Centre, User
from bot.timetable import create_session
from bot.wechat.limits import SHANGHAI

#: Monday 2 March 2026, 10:00 in Shanghai: the tests' "now".
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2026 (2 = Monday ... 7 = Saturday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def capp(app: Flask, clock: Any) -> Flask:
    return app


@pytest.fixture
def db(capp: Flask) -> Iterator[Session]:
    with Session(get_engine(capp), expire_on_commit=False) as session:
        yield session


def centre(db: Session, code: str = "qj01") -> Centre:
    return db.exec(select(Centre).where(Centre.code == code)).one()


def family(db: Session, openid: str, reminders_on: bool = True, chatted: bool = False, **fields: Any) -> User:
    user = User(openid=openid, reminders_on=reminders_on, centre_id=centre(db).id, region="qijiang",
                last_message_at=datetime.now(SHANGHAI) - timedelta(hours=1) if chatted else None, **fields)
    db.add(user)
    db.commit()
    return user


def saturday_class(db: Session, day: int = 7, hour: int = 9, **fields: Any) -> TrainingSession:
    options: dict[str, Any] = {"place": "二楼活动室", "what_to_bring": "水杯", **fields}
    session = create_session(db, centre(db), "结构化游戏家长课", "parent_training", at(day, hour),
                             at(day, hour) + timedelta(minutes=90), **options)
    db.commit()
    return session


def rows(db: Session, **where: Any) -> list[Reminder]:
    db.expire_all()
    stmt = select(Reminder).order_by(Reminder.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Reminder, name) == value)
    return list(db.exec(stmt).all())


def dispatcher(app: Flask, **options: Any) -> OutboxDispatcher:
    return OutboxDispatcher(app, get_services(app).client, **options)


def templates(sandbox: SandboxServer, openid: str | None = None) -> list[dict[str, Any]]:
    return sandbox.sent("message/template/send", openid)


def texts(sandbox: SandboxServer, openid: str | None = None) -> list[dict[str, Any]]:
    return sandbox.sent("message/custom/send", openid)
