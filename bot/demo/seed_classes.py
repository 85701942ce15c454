"""Demo classes for the demo centres (bot/demo/data/sessions.yaml), so next-class answers and reminders
can be tried locally. Fictional; idempotent (a series already present is left alone)."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask
from sqlmodel import select

from bot.storage.classes import SessionSeries
from bot.storage.db import session_scope
from bot.storage.models import Centre
from bot.timetable import create_series

DEMO_SESSIONS = Path(__file__).parent / "data" / "sessions.yaml"


def seed_demo_sessions(app: Flask) -> int:
    """Add the demo series whose centre exists and which are missing; returns how many were added."""
    rows = yaml.safe_load(DEMO_SESSIONS.read_text(encoding="utf-8"))
    added = 0
    with session_scope(app) as db:
        for row in rows:
            centre = db.exec(select(Centre).where(Centre.code == row["centre"])).first()
            if centre is None:
                continue
            exists = db.exec(select(SessionSeries).where(SessionSeries.centre_id == centre.id,
                                                         SessionSeries.title == row["title"])).first()
            if exists is not None:
                continue
            create_series(db, centre, row["title"], row["kind"], row["weekday"], row["start"], row["weeks"],
                          duration_minutes=row.get("duration_minutes", 90), place=row.get("place", ""),
                          capacity=row.get("capacity"), what_to_bring=row.get("what_to_bring") or "",
                          public=bool(row.get("public")))
            added += 1
    return added
