"""Demo data: fictional centres so the QR-join and class features can be tried locally."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask
from sqlmodel import select

from bot.storage.db import session_scope
from bot.storage.models import Centre

DEMO_DATA = Path(__file__).parent / "data"


def seed_demo(app: Flask) -> int:
    """Insert the demo centres that are missing; returns how many were added."""
    rows = yaml.safe_load((DEMO_DATA / "centres.yaml").read_text(encoding="utf-8"))
    added = 0
    with session_scope(app) as db:
        for row in rows:
            if db.exec(select(Centre).where(Centre.code == row["code"])).first() is None:
                db.add(Centre(**row))
                added += 1
    return added
