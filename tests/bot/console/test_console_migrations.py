"""Migrations 0007 (family labels on enrolments) and 0008 (staff_centres): existing rows survive, the migrated
schema matches the models, and each goes back down cleanly. Runs on PostgreSQL too (.ci/run)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage import schema
from bot.storage.db import get_engine
from bot.storage.migrate import alembic_config, upgrade


def run(app, action: str, revision: str) -> None:
    config = alembic_config()
    with get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def test_0007_adds_an_empty_label_to_existing_enrolments_and_goes_back(app) -> None:
    engine = get_engine(app)
    run(app, "downgrade", "0006")
    assert "label" not in {c["name"] for c in inspect(engine).get_columns("enrolments")}
    with engine.begin() as conn:
        user = conn.execute(text("INSERT INTO users (openid, profile, dialogue, followed, reminders_on, created_at) "
                                 "VALUES ('o-old', '{}', '{}', true, false, CURRENT_TIMESTAMP) RETURNING id")).scalar()
        centre = conn.execute(text("SELECT id FROM centres LIMIT 1")).scalar()
        session = conn.execute(text(
            "INSERT INTO training_sessions (centre_id, title, kind, starts_at, ends_at, place, what_to_bring, public, "
            "status, revision, created_at) VALUES (:c, 'x', 'child_class', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', "
            "'', false, 'scheduled', 0, CURRENT_TIMESTAMP) RETURNING id"), {"c": centre}).scalar()
        conn.execute(text("INSERT INTO enrolments (user_id, session_id, created_at) VALUES (:u, :s, CURRENT_TIMESTAMP)"),
                     {"u": user, "s": session})
    upgrade(app)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM enrolments")).scalar() == ""
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata())
    assert [d for d in diffs if "enrolments" in repr(d)] == []
    run(app, "downgrade", "0006")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM enrolments")).scalar() == 1
    upgrade(app)


def test_0008_staff_centres_matches_the_model_and_goes_back(app) -> None:
    engine = get_engine(app)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata())
    assert [d for d in diffs if "staff_centres" in repr(d)] == []
    run(app, "downgrade", "0007")
    assert "staff_centres" not in inspect(engine).get_table_names()
    upgrade(app)
    assert "staff_centres" in inspect(engine).get_table_names()
