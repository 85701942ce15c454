"""Reminder rows: quiet hours, unique keys, who gets them, series, reschedule, cancel, staff push."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select, text

from bot.outbox.schedule import (
    insert_ignore,
    notice_due,
    reminder_due,
    schedule_enrolment,
    sync_user_reminders,
)
from bot.storage.classes import Enrolment, PushAudit, Reminder
from bot.timetable import SessionFull, cancel, create_series, enrol, push_notice, reschedule, series_sessions
from bot.wechat.limits import SHANGHAI
from bot.when import parse_when
from tests.helpers import timetable as support
from tests.helpers.timetable import at, centre, dispatcher, family, rows, saturday_class, templates

capp, clock, db = support.capp, support.clock, support.db  # shared fixtures


@pytest.mark.parametrize("starts, offset_hours, expected", [
    (at(7, 9), 24, at(6, 9)),            # plain daytime
    (at(7, 9), 2, at(7, 8)),             # 07:00 is quiet -> 08:00, before the 09:00 class
    (at(7, 7, 30), 2, at(6, 20, 59)),    # class before 08:00 -> 20:59 the evening before
    (at(7, 8), 2, at(6, 20, 59)),        # 08:00 reminder for an 08:00 class is useless
    (at(7, 7, 30), 24, at(6, 8)),        # 24 h before is 07:30 -> 08:00 that day
    (at(7, 23), 2, at(7, 20, 59)),       # 21:00 is quiet; next morning is after the class
    (at(7, 22, 59), 2, at(7, 20, 59)),   # 20:59 itself is allowed
    (at(7, 21, 30), 24, at(7, 8)),       # Friday 21:30 -> Saturday 08:00, class at 21:30
    (at(7, 10), 2, at(7, 8)),            # exactly 08:00 is allowed
    (at(7, 10, 1), 24, at(6, 10, 1)),
])
def test_quiet_hours(starts: datetime, offset_hours: int, expected: datetime) -> None:
    assert reminder_due(starts, offset_hours * 60) == expected


@pytest.mark.parametrize("now, starts, expected", [
    (at(6, 15), at(7, 9), at(6, 15)),
    (at(6, 22), at(7, 9), at(7, 8)),
    (at(7, 6), at(7, 7, 30), at(7, 6)),   # too urgent to wait for the morning
    (at(6, 23), None, at(7, 8)),
])
def test_notices_wait_for_the_morning_unless_urgent(now: datetime, starts: datetime | None,
                                                     expected: datetime) -> None:
    assert notice_due(now, starts) == expected


@pytest.mark.parametrize("text, first, last", [
    ("今天有课吗", date(2026, 3, 2), date(2026, 3, 2)),
    ("明天上课吗", date(2026, 3, 3), date(2026, 3, 3)),
    ("后天呢", date(2026, 3, 4), date(2026, 3, 4)),
    ("这周有课吗", date(2026, 3, 2), date(2026, 3, 8)),
    ("本周的安排", date(2026, 3, 2), date(2026, 3, 8)),
    ("下周有什么课", date(2026, 3, 9), date(2026, 3, 15)),
    ("下周三上课吗", date(2026, 3, 11), date(2026, 3, 11)),
    ("周六的课取消了吗", date(2026, 3, 7), date(2026, 3, 7)),
    ("星期六上课吗", date(2026, 3, 7), date(2026, 3, 7)),
    ("礼拜天有课吗", date(2026, 3, 8), date(2026, 3, 8)),
    ("这周末有课吗", date(2026, 3, 7), date(2026, 3, 8)),
    ("下个礼拜二", date(2026, 3, 10), date(2026, 3, 10)),
    ("周一上课吗", date(2026, 3, 2), date(2026, 3, 2)),
])
def test_day_expressions(text: str, first: date, last: date) -> None:
    span = parse_when(text, date(2026, 3, 2))
    assert span is not None and (span.first, span.last) == (first, last)


def test_day_expression_absent_and_past_weekday_rolls_forward() -> None:
    assert parse_when("下次上课是什么时候", date(2026, 3, 2)) is None
    span = parse_when("周一有课吗", date(2026, 3, 4))  # asked on a Wednesday
    assert span is not None and span.first == date(2026, 3, 9)


def test_enrolment_creates_two_reminders_once(db) -> None:
    user, session = family(db, "o-a"), saturday_class(db)
    enrol(db, user, session)
    enrol(db, user, session)
    db.commit()
    got = rows(db)
    assert [(r.offset_minutes, r.due_at) for r in got] == [(1440, at(6, 9)), (120, at(7, 8))]
    assert len(db.exec(select(Enrolment)).all()) == 1
    assert schedule_enrolment(db, user, session) == 0  # insert-or-ignore
    with pytest.raises(IntegrityError):
        db.add(Reminder(key=got[0].key, user_id=user.id, due_at=at(6, 9), next_attempt_at=at(6, 9)))
        db.commit()
    db.rollback()


def test_insert_ignore_counts_only_new_keys(db) -> None:
    user = family(db, "o-b")
    row = {"key": "x:1", "user_id": user.id, "kind": "notice", "text": "hi", "due_at": at(2, 11)}
    assert insert_ignore(db, [dict(row), dict(row, key="x:2")]) == 2
    assert insert_ignore(db, [dict(row), dict(row, key="x:3")]) == 1
    db.commit()
    assert len(rows(db)) == 3


def test_no_reminders_without_opt_in_or_when_unfollowed_or_past(db) -> None:
    session = saturday_class(db)
    enrol(db, family(db, "o-off", reminders_on=False), session)
    enrol(db, family(db, "o-gone", followed=False), session)
    soon = saturday_class(db, day=2, hour=11)  # starts in one hour: both reminder times have passed
    enrol(db, family(db, "o-late"), soon)
    db.commit()
    assert rows(db) == []


def test_switching_reminders_on_and_off_follows_enrolments(db) -> None:
    user, session = family(db, "o-sw", reminders_on=False), saturday_class(db)
    enrol(db, user, session)
    user.reminders_on = True
    sync_user_reminders(db, user)
    db.commit()
    assert [r.status for r in rows(db)] == ["pending", "pending"]
    user.reminders_on = False
    sync_user_reminders(db, user)
    db.commit()
    assert [r.status for r in rows(db)] == ["cancelled", "cancelled"]
    user.reminders_on = True
    sync_user_reminders(db, user)
    db.commit()
    assert [r.status for r in rows(db)] == ["pending", "pending"]


def test_series_enrolment_covers_only_future_sessions(db, clock) -> None:
    series = create_series(db, centre(db), "周六家长课", "parent_training", weekday=5, start="09:00", weeks=8,
                           first_date=date(2026, 2, 14), place="活动室")
    db.commit()
    assert len(series_sessions(db, series)) == 8
    user = family(db, "o-series")
    created = enrol(db, user, series)
    db.commit()
    assert len(created) == 5  # 14, 21, 28 Feb are past
    assert {r.offset_minutes for r in rows(db)} == {1440, 120} and len(rows(db)) == 10
    assert series_sessions(db, series)[3].starts_at == at(7, 9)


def test_capacity_is_enforced(db) -> None:
    session = saturday_class(db, capacity=1)
    enrol(db, family(db, "o-c1"), session)
    with pytest.raises(SessionFull):
        enrol(db, family(db, "o-c2"), session)


def test_reschedule_moves_reminders_and_tells_each_family_once(capp, db, sandbox, clock) -> None:
    session = saturday_class(db)
    users = [family(db, f"o-r{i}") for i in range(2)]
    for user in users:
        enrol(db, user, session)
    db.commit()
    assert reschedule(db, session, at(8, 10), at(8, 11)) == 2
    db.commit()
    assert {r.due_at for r in rows(db, kind="reminder")} == {at(7, 10), at(8, 8)}
    assert reschedule(db, session, at(8, 14), at(8, 15)) == 2  # second move before the first notice went
    db.commit()
    counts = dispatcher(capp).tick()
    assert counts["sent"] == 2
    notices = templates(sandbox)
    assert len(notices) == 2 and all("3月8日 周日 14:00" in n["data"]["time2"]["value"] for n in notices)
    assert [r.status for r in rows(db, kind="notice")] == ["cancelled", "cancelled", "sent", "sent"]
    assert {r.due_at for r in rows(db, kind="reminder")} == {at(7, 14), at(8, 12)}


def test_reschedule_rearms_a_sent_reminder_with_a_new_message_id(capp, db, sandbox, clock) -> None:
    user, session = family(db, "o-rearm"), saturday_class(db, day=3, hour=11)  # Tuesday 11:00
    enrol(db, user, session)
    db.commit()
    clock.move_to(at(2, 11, 1))
    assert dispatcher(capp).tick()["sent"] == 1  # the 24 h reminder
    reschedule(db, session, at(5, 11), at(5, 12))
    db.commit()
    day_before = rows(db, offset_minutes=1440)[0]
    assert (day_before.status, day_before.revision, day_before.due_at) == ("pending", 1, at(4, 11))
    clock.move_to(at(4, 11, 1))
    dispatcher(capp).tick()
    ids = [t["client_msg_id"] for t in templates(sandbox) if t["client_msg_id"].startswith("r:")]
    assert ids == [day_before.key, day_before.key + "#1"]


def test_cancel_stops_reminders_and_tells_families_once(capp, db, sandbox, clock) -> None:
    session = saturday_class(db)
    users = [family(db, "o-x1"), family(db, "o-x2", reminders_on=False)]
    for user in users:
        enrol(db, user, session)
    db.commit()
    assert cancel(db, session) == 2
    assert cancel(db, session) == 0
    db.commit()
    assert {r.status for r in rows(db, kind="reminder")} == {"cancelled"}
    dispatcher(capp).tick()
    clock.move_to(at(7, 8, 30))
    dispatcher(capp).tick()
    sent = templates(sandbox)
    assert sorted(s["touser"] for s in sent) == ["o-x1", "o-x2"]
    assert all("已取消" in s["data"]["thing4"]["value"] for s in sent)


def test_staff_push_is_audited_with_delivery_counts(capp, db, sandbox, clock) -> None:
    series = create_series(db, centre(db), "周六家长课", "parent_training", 5, "09:00", 4)
    users = [family(db, f"o-p{i}", reminders_on=False) for i in range(3)]
    for user in users:
        enrol(db, user, series)
    db.commit()
    sandbox.unfollow("o-p2")
    audit = push_notice(db, "王老师", series, "本周请提前十分钟到场签到。")
    db.commit()
    assert audit.recipients == 3 and audit.staff_name == "王老师"
    assert push_notice(db, "王老师", series, "第二条").recipients == 3
    db.commit()
    dispatcher(capp).tick()
    db.expire_all()
    first = db.get(PushAudit, audit.id)
    assert (first.delivered, first.failed) == (2, 1)
    assert len(templates(sandbox, "o-p0")) == 2
    assert db.exec(select(Reminder).where(Reminder.key == f"p:{audit.id}:{users[2].id}")).one().status == "failed"


def test_stale_reminder_is_skipped_not_sent_late(capp, db, sandbox, clock) -> None:
    user, session = family(db, "o-stale"), saturday_class(db)
    enrol(db, user, session)
    db.commit()
    clock.move_to(at(7, 9, 5))  # the dispatcher was down until after the class began
    counts = dispatcher(capp).tick()
    assert counts["skipped"] == 2 and templates(sandbox) == []
    assert all(r.status == "skipped" and r.sent_at is None for r in rows(db))


def test_reminder_waits_for_its_time(capp, db, sandbox, clock) -> None:
    user, session = family(db, "o-wait"), saturday_class(db)
    enrol(db, user, session)
    db.commit()
    assert dispatcher(capp).tick() == {}
    clock.move_to(at(6, 8, 59))
    assert dispatcher(capp).tick() == {}
    clock.move_to(at(6, 9))
    assert dispatcher(capp).tick() == {"sent": 1}
    clock.move_to(at(7, 8))
    assert dispatcher(capp).tick() == {"sent": 1}
    sent = templates(sandbox, "o-wait")
    assert [s["client_msg_id"] for s in sent] == [r.key for r in rows(db)]
    assert sent[0]["data"]["time2"]["value"] == "3月7日 周六 09:00–10:30"


def test_all_times_are_stored_in_utc(db) -> None:
    user, session = family(db, "o-utc"), saturday_class(db)
    enrol(db, user, session)
    db.commit()
    db.expire_all()
    row = rows(db)[0]
    assert row.due_at.utcoffset() == timedelta(0)
    assert row.due_at.astimezone(SHANGHAI).hour == 9
    raw = db.exec(text("SELECT starts_at FROM training_sessions WHERE id = :id").bindparams(id=session.id)).one()[0]
    assert str(raw).startswith("2026-03-07 01:00")  # naive UTC in the column, 09:00 in Shanghai
