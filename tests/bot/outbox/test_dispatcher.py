"""The outbox dispatcher against the WeChat sandbox: channels, each error class, leases and crashes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.outbox.dispatcher import dead_letters
from bot.outbox.scheduler import outbox_jobs
from bot.storage.models import User
from bot.timetable import enrol
from bot.timeutil import utcnow
from tests.helpers import timetable as support
from tests.helpers.timetable import at, dispatcher, family, rows, saturday_class, templates, texts

TEMPLATE = "message/template/send"
CS = "message/custom/send"

capp, clock, db = support.capp, support.clock, support.db  # shared fixtures


def due_reminder(db, openid: str = "o-1", **fields):
    """A family enrolled in Saturday's class, with the clock at the 24 h reminder's time."""
    user, session = family(db, openid, **fields), saturday_class(db)
    enrol(db, user, session)
    db.commit()
    return user, rows(db, offset_minutes=1440)[0]


def chatted_recently(db, user) -> None:
    """The parent wrote an hour ago: the customer-service window is open."""
    user.last_message_at = utcnow() - timedelta(hours=1)
    db.add(user)
    db.commit()


def test_template_carries_the_reminder_key_as_client_msg_id(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    assert dispatcher(capp).tick() == {"sent": 1}
    sent = templates(sandbox, "o-1")
    assert len(sent) == 1 and sent[0]["client_msg_id"] == row.key
    assert sent[0]["data"]["thing1"]["value"] == "结构化游戏家长课"
    done = rows(db, id=row.id)[0]
    assert (done.status, done.channel, done.attempts, done.lease_owner) == ("sent", "template", 1, None)


def test_customer_service_text_inside_the_48h_window(capp, db, sandbox, clock) -> None:
    user, _row = due_reminder(db)
    clock.move_to(at(6, 9))
    chatted_recently(db, user)
    dispatcher(capp).tick()
    sent = texts(sandbox, "o-1")
    assert len(sent) == 1 and "地点：二楼活动室" in sent[0]["content"] and "请带：水杯" in sent[0]["content"]
    assert templates(sandbox) == []


def test_closed_window_falls_back_to_the_template(capp, db, sandbox, clock) -> None:
    user, _row = due_reminder(db)
    clock.move_to(at(6, 9))
    chatted_recently(db, user)
    sandbox.inject_fault(CS, 45015)
    assert dispatcher(capp).tick() == {"sent": 1}
    assert len(templates(sandbox, "o-1")) == 1 and texts(sandbox) == []


def test_system_busy_is_retried_with_backoff_then_sent(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    sandbox.inject_fault(TEMPLATE, -1)
    assert dispatcher(capp).tick() == {"retry": 1}
    waiting = rows(db, id=row.id)[0]
    assert waiting.status == "pending" and waiting.next_attempt_at == at(6, 9, 0) + timedelta(seconds=30)
    assert waiting.last_error.startswith("-1")
    assert dispatcher(capp).tick() == {}  # not yet
    clock.shift(31)
    assert dispatcher(capp).tick() == {"sent": 1}
    assert len(templates(sandbox)) == 1


def test_daily_quota_backs_off_longer(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    sandbox.inject_fault(TEMPLATE, 45009)
    assert dispatcher(capp).tick() == {"retry": 1}
    assert rows(db, id=row.id)[0].next_attempt_at == at(6, 9, 10)


def test_rejected_token_is_refreshed_and_the_send_goes_through(capp, db, sandbox, clock) -> None:
    due_reminder(db)
    clock.move_to(at(6, 9))
    sandbox.inject_fault(TEMPLATE, 40001)
    assert dispatcher(capp).tick() == {"sent": 1}
    assert sandbox.calls("stable_token") == 2  # first token, then the refresh
    assert len(templates(sandbox)) == 1


def test_unfollowed_family_fails_and_is_marked_unfollowed(capp, db, sandbox, clock) -> None:
    user, row = due_reminder(db)
    sandbox.unfollow("o-1")
    clock.move_to(at(6, 9))
    assert dispatcher(capp).tick() == {"failed": 1}
    failed = rows(db, id=row.id)[0]
    assert failed.status == "failed" and failed.last_error.startswith("43004")
    assert rows(db, offset_minutes=120)[0].status == "cancelled"  # nothing else queued for them
    db.expire_all()
    assert db.get(User, user.id).followed is False
    assert [r.id for r in dead_letters(db)] == [row.id]


def test_closed_window_on_the_template_is_a_failure_without_retry(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    sandbox.inject_fault(TEMPLATE, 45015)
    assert dispatcher(capp).tick() == {"failed": 1}
    assert rows(db, id=row.id)[0].last_error.startswith("45015")
    clock.shift(3600)
    dispatcher(capp).tick()
    assert sandbox.calls(TEMPLATE) == 1


def test_retries_are_bounded_and_end_dead(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    sandbox.inject_fault(TEMPLATE, -1, count=50)
    outcomes = []
    for _ in range(8):
        outcomes.append(dict(dispatcher(capp, max_attempts=5).tick()))
        clock.shift(3601)
    assert outcomes[:5] == [{"retry": 1}] * 4 + [{"dead": 1}]
    dead = rows(db, id=row.id)[0]
    assert dead.status == "dead" and dead.attempts == 5 and "after 5 attempts" in dead.last_error
    assert [r.id for r in dead_letters(db, include_failed=False)] == [row.id]
    assert templates(sandbox) == []


def test_dispatcher_killed_between_send_and_mark_delivers_once(capp, db, sandbox, clock) -> None:
    _user, row = due_reminder(db)
    clock.move_to(at(6, 9))
    first = dispatcher(capp, lease_seconds=120)
    jobs = first.claim()
    assert [j.id for j in jobs] == [row.id]
    outcome = first.deliver(jobs[0])
    assert outcome.status == "sent"  # ...and the process dies before mark()
    second = dispatcher(capp)
    assert second.claim() == []  # the lease still holds
    clock.shift(121)
    assert second.tick() == {"sent": 1}
    sent = templates(sandbox)
    assert sandbox.calls(TEMPLATE) == 2 and len(sent) == 1 and sent[0]["client_msg_id"] == row.key
    assert first.mark([(jobs[0], outcome)]) == {}  # a late mark from the dead holder changes nothing
    assert first.deliver(jobs[0]).status == "later"  # and an expired lease never sends
    assert rows(db, id=row.id)[0].status == "sent"


def test_unknown_outcome_is_resent_on_the_template_even_inside_the_window(capp, db, sandbox, clock) -> None:
    user, _row = due_reminder(db)
    clock.move_to(at(6, 9))
    chatted_recently(db, user)
    assert len(dispatcher(capp).claim()) == 1  # claimed, then the process died
    clock.shift(121)
    second = dispatcher(capp)
    job = second.claim()[0]
    assert job.unknown_outcome
    assert second.deliver(job).channel == "template"


def test_two_dispatchers_claim_disjoint_rows(capp, db, sandbox, clock) -> None:
    for i in range(6):
        due_reminder(db, f"o-d{i}")
    clock.move_to(at(7, 8))
    one, two = dispatcher(capp, batch_size=5), dispatcher(capp, batch_size=5)
    a, b = one.claim(), two.claim()
    c = two.claim()
    assert [len(a), len(b), len(c)] == [5, 5, 2]  # 6 families x 2 reminders
    assert len({j.id for j in a + b + c}) == 12 and one.claim() == []


def test_scheduler_jobs_run_the_dispatcher_they_were_given(capp, db, sandbox, clock) -> None:
    due_reminder(db)
    clock.move_to(at(6, 9))
    tick, retention = outbox_jobs(dispatcher(capp), interval=5)
    assert (tick.id, tick.seconds) == ("outbox", 5)
    assert tick.run() == {"sent": 1}
    assert "messages_purged" in retention.run()
    assert db.exec(select(User)).first() is not None


def test_scheduler_command_once_drains_and_exits(capp, db, sandbox, clock, monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner

    from bot.cli.scheduler import scheduler_command
    from tests.conftest import TEST_APP_ID, TEST_SECRET, TEST_TOKEN

    due_reminder(db)
    clock.move_to(at(6, 9))
    env = {"XINGBAN_MODE": "test", "DATABASE_URL": capp.config["DATABASE_URL"], "WECHAT_TOKEN": TEST_TOKEN,
           "WECHAT_APP_ID": TEST_APP_ID, "WECHAT_APP_SECRET": TEST_SECRET, "WECHAT_API_BASE_URL": sandbox.url,
           "XINGBAN_INSTANCE_PATH": str(tmp_path / "cli")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(scheduler_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert '"sent": 1' in result.output and len(templates(sandbox)) == 1


def test_migration_downgrades_and_upgrades_again(capp) -> None:
    from alembic import command

    from bot.storage.db import get_engine
    from bot.storage.migrate import alembic_config, upgrade

    config = alembic_config()
    with get_engine(capp).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    upgrade(capp)
