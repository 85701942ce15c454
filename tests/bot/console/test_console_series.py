"""Weekly classes from the console: repeat every week until a date, change or cancel one class or the rest
of the series, enrol several families (or the whole centre) at once; each family hears about a cancelled
run of classes once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.console.blueprint import SHANGHAI
from bot.storage.accounts import AuditLog
from bot.storage.classes import Enrolment, Reminder, SessionSeries, TrainingSession
from bot.storage.models import Centre, User
from tests import test_console_support as support
from tests.bot.console.test_console_sessions import family
from tests.test_console_support import login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday morning
FIRST = date(2026, 12, 5)  # a Saturday


def weekly(client, db, until: date, capacity: str = "") -> list[TrainingSession]:
    centre = db.exec(select(Centre).where(Centre.code == "qj01")).one()
    form = {"centre_id": str(centre.id), "title": "周六感统课", "kind": "child_class", "date": FIRST.isoformat(),
            "start": "09:00", "end": "10:00", "repeat": "weekly", "until": until.isoformat(), "capacity": capacity}
    response = post(client, "/console/sessions", form, page="/console/sessions")
    assert response.status_code == 302
    db.expire_all()
    return list(db.exec(select(TrainingSession).order_by(TrainingSession.starts_at)).all())


def four_weeks_two_families(capp, accounts, db):  # type: ignore[no-untyped-def]
    """Four Saturdays, two families booked on the whole series from the first class."""
    client = login(capp, accounts, "staff")
    rows = weekly(client, db, until=date(2026, 12, 26))
    first, second = family(capp, db, "o-a"), family(capp, db, "o-b")
    page = f"/console/sessions/{rows[0].id}"
    post(client, f"{page}/enrol", {"family": f"{first.id}, {second.id}", "whole_series": "1"}, page=page)
    return client, rows, first, second


@time_machine.travel(NOW, tick=False)
def test_weekly_until_a_date_makes_one_class_per_week(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    rows = weekly(client, db, until=date(2026, 12, 26))
    assert [r.starts_at.astimezone(SHANGHAI).date() for r in rows] == [FIRST + timedelta(weeks=w) for w in range(4)]
    assert {r.starts_at.astimezone(SHANGHAI).strftime("%H:%M") for r in rows} == {"09:00"}
    assert len({r.series_id for r in rows}) == 1 and db.exec(select(SessionSeries)).one().weeks == 4
    page = client.get(f"/console/sessions/{rows[1].id}").get_data(as_text=True)
    assert "共 4 节，这是第 2 节" in page
    bad = post(client, "/console/sessions", {"title": "x", "kind": "child_class", "date": FIRST.isoformat(),
                                              "start": "09:00", "end": "10:00", "repeat": "weekly",
                                              "until": "2026-11-01", "centre_id": str(rows[0].centre_id)},
               page="/console/sessions")
    assert "结束日期" in client.get(bad.location).get_data(as_text=True)


@time_machine.travel(NOW, tick=False)
def test_edit_one_class_or_the_rest(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    rows = weekly(client, db, until=date(2026, 12, 26))
    page = f"/console/sessions/{rows[1].id}"
    post(client, f"{page}/edit", {"title": "周六感统课", "place": "三楼", "scope": "one"}, page=page)
    db.expire_all()
    assert [db.get(TrainingSession, r.id).place for r in rows][1] == "三楼"
    assert db.get(TrainingSession, rows[2].id).place != "三楼"
    post(client, f"{page}/edit", {"title": "周六感统课", "place": "四楼", "scope": "rest"}, page=page)
    db.expire_all()
    assert [db.get(TrainingSession, r.id).place for r in rows][1:] == ["四楼"] * 3
    assert db.get(TrainingSession, rows[0].id).place != "四楼"


@time_machine.travel(NOW, tick=False)
def test_cancelling_the_rest_tells_each_family_once(capp, accounts, db) -> None:
    client, rows, first, second = four_weeks_two_families(capp, accounts, db)
    assert len(db.exec(select(Enrolment)).all()) == 8
    later = f"/console/sessions/{rows[1].id}"
    post(client, f"{later}/cancel", {"scope": "rest"}, page=later)
    db.expire_all()
    assert [db.get(TrainingSession, r.id).status for r in rows] == ["scheduled"] + ["cancelled"] * 3
    notices = db.exec(select(Reminder).where(Reminder.kind == "notice")).all()
    assert sorted(n.user_id for n in notices) == sorted([first.id, second.id])  # one each, not three each
    assert "12月12日至12月26日每周六 09:00的 3 节课" in notices[0].text
    pending = db.exec(select(Reminder).where(Reminder.kind == "reminder", Reminder.status == "pending")).all()
    assert {r.session_id for r in pending} <= {rows[0].id}
    assert db.exec(select(AuditLog).where(AuditLog.action == "session_cancel")).one().detail == "sessions:3 notices:2"


@time_machine.travel(NOW, tick=False)
def test_enrol_everyone_in_the_centre_but_not_the_simulator(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    rows = weekly(client, db, until=date(2026, 12, 5))
    centre_id = rows[0].centre_id
    for openid in ("o-c1", "o-c2", "sim-practice"):
        db.add(User(openid=openid, centre_id=centre_id))
    db.add(User(openid="o-elsewhere"))
    db.commit()
    page = f"/console/sessions/{rows[0].id}"
    response = post(client, f"{page}/enrol", {"everyone": "1"}, page=page)
    assert "2 个家庭已报名" in client.get(response.location).get_data(as_text=True)
    booked = {db.get(User, e.user_id).openid for e in db.exec(select(Enrolment)).all()}
    assert booked == {"o-c1", "o-c2"}


@time_machine.travel(NOW, tick=False)
def test_a_full_class_enrols_nobody_from_the_batch(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    rows = weekly(client, db, until=date(2026, 12, 5), capacity="1")
    a, b = family(capp, db, "o-a"), family(capp, db, "o-b")
    page = f"/console/sessions/{rows[0].id}"
    response = post(client, f"{page}/enrol", {"family": f"{a.id} {b.id}"}, page=page)
    assert "这次没有报名任何家庭" in client.get(response.location).get_data(as_text=True)
    assert db.exec(select(Enrolment)).first() is None


@time_machine.travel(NOW, tick=False)
def test_volunteers_see_the_timetable_but_not_the_families(capp, accounts, db) -> None:
    staff = login(capp, accounts, "staff")
    rows = weekly(staff, db, until=date(2026, 12, 12))
    volunteer = login(capp, accounts, "volunteer")
    week = volunteer.get(f"/console/sessions?week={FIRST.isoformat()}").get_data(as_text=True)
    assert "周六感统课" in week and "课程表只读" in week
    assert f'href="/console/sessions/{rows[0].id}"' not in week and 'id="new-session"' not in week
    assert volunteer.get(f"/console/sessions/{rows[0].id}").status_code == 403
    assert post(volunteer, "/console/sessions", {"title": "x"}).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_moving_the_rest_shifts_every_later_class_and_tells_each_family_once(capp, accounts, db) -> None:
    client, rows, first, second = four_weeks_two_families(capp, accounts, db)
    later = f"/console/sessions/{rows[1].id}"
    post(client, f"{later}/reschedule", {"scope": "rest", "date": "2026-12-13", "start": "10:00", "end": "11:30"},
         page=later)
    db.expire_all()
    moved = [db.get(TrainingSession, r.id).starts_at.astimezone(SHANGHAI) for r in rows]
    assert [m.strftime("%m-%d %H:%M") for m in moved] == ["12-05 09:00", "12-13 10:00", "12-20 10:00", "12-27 10:00"]
    ends = [db.get(TrainingSession, r.id).ends_at.astimezone(SHANGHAI).strftime("%H:%M") for r in rows]
    assert ends == ["10:00", "11:30", "11:30", "11:30"]
    notices = db.exec(select(Reminder).where(Reminder.kind == "notice")).all()
    assert sorted(n.user_id for n in notices) == sorted([first.id, second.id])
    assert "从 12月13日 起的 3 节课改为每周日 10:00–11:30" in notices[0].text
