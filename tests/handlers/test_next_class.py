"""Parents asking about classes and joining a centre, end to end through the signed webhook."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.demo.seed_classes import seed_demo_sessions
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from bot.storage.models import User
from bot.timetable import cancel, create_session, enrol
from tests.conftest import TEST_TOKEN
from tests.helpers import timetable as support
from tests.helpers.timetable import at, centre, family, rows, saturday_class

capp, clock, db = support.capp, support.clock, support.db  # shared fixtures


def chat(app) -> WeChatSimulator:
    return WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)


def enrolled(db, openid: str = "o-s1", **fields):
    user, session = family(db, openid, **fields), saturday_class(db)
    enrol(db, user, session)
    db.commit()
    return user, session


def public_lecture(db, day: int = 11, hour: int = 19):
    lecture = create_session(db, centre(db), "情绪支持公益讲座", "parent_training", at(day, hour),
                             at(day, hour) + timedelta(hours=1), place="一楼报告厅", public=True)
    db.commit()
    return lecture


def test_next_session_gives_time_place_and_what_to_bring(capp, db) -> None:
    enrolled(db, reminders_on=False)
    reply = chat(capp).send_text("o-s1", "下次上课是什么时候").text
    assert "结构化游戏家长课" in reply and "3月7日 周六 09:00–10:30" in reply
    assert "地点：二楼活动室" in reply and "请带：水杯" in reply
    assert "订阅提醒" in reply  # reminders are off: say how to turn them on


def test_cancelled_saturday_is_said_as_cancelled(capp, db) -> None:
    _user, session = enrolled(db)
    cancel(db, session)
    db.commit()
    reply = chat(capp).send_text("o-s1", "周六的课取消了吗").text
    assert "周六的安排" in reply and "【已取消】" in reply and "请带" not in reply


def test_this_week_and_next_wednesday(capp, db) -> None:
    enrolled(db)
    public_lecture(db)  # next Wednesday 19:00, open to every family of the centre
    sim = chat(capp)
    this_week = sim.send_text("o-s1", "这周有课吗").text
    assert "这周的安排" in this_week and "3月7日 周六" in this_week and "讲座" not in this_week
    next_wed = sim.send_text("o-s1", "下周三有课吗").text
    assert "情绪支持公益讲座" in next_wed and "3月11日 周三 19:00" in next_wed
    tomorrow = sim.send_text("o-s1", "明天有课吗").text
    assert "明天没有您的课程安排" in tomorrow and "3月7日" in tomorrow


def test_family_with_centre_but_no_enrolment_hears_of_the_public_lecture(capp, db) -> None:
    family(db, "o-s2")
    public_lecture(db)
    reply = chat(capp).send_text("o-s2", "下次上课是什么时候").text
    assert "还没有报名" in reply and "情绪支持公益讲座" in reply


def test_no_centre_no_enrolment_is_said_honestly(capp) -> None:
    reply = chat(capp).send_text("o-new", "下次上课是什么时候").text
    assert "还没有加入康复机构" in reply and "二维码" in reply and "加入码" in reply


def test_join_code_binds_the_family(capp, db) -> None:
    sim = chat(capp)
    assert "示范康复中心（綦江）" in sim.send_text("o-j1", "qj01").text
    assert "示范康复中心（上海）" in sim.send_text("o-j2", "加入 SH01").text
    assert "没有找到加入码“zz99”" in sim.send_text("o-j3", "加入 zz99").text
    db.expire_all()
    users = {u.openid: u for u in db.exec(select(User)).all()}
    assert users["o-j1"].centre_id == centre(db).id and users["o-j1"].region == "qijiang"
    assert users["o-j2"].region == "shanghai" and users["o-j3"].centre_id is None
    assert "近期也没有公开的家长讲座" in sim.send_text("o-j1", "下次上课是什么时候").text


def test_switching_reminders_through_the_webhook(capp, db) -> None:
    enrolled(db, reminders_on=False)
    sim = chat(capp)
    assert "已为您开启上课提醒" in sim.send_text("o-s1", "订阅提醒").text
    assert [r.status for r in rows(db)] == ["pending", "pending"]
    sim.send_text("o-s1", "取消提醒")
    assert [r.status for r in rows(db)] == ["cancelled", "cancelled"]


def test_demo_sessions_seed_once_and_answer(capp, db) -> None:
    assert seed_demo_sessions(capp) == 3
    assert seed_demo_sessions(capp) == 0
    sim = chat(capp)
    sim.send_text("o-demo", "加入 qj01")
    assert "公益讲座" in sim.send_text("o-demo", "下次上课是什么时候").text


def test_unfollowing_cancels_pending_reminders(capp, db) -> None:
    enrolled(db, "o-leave")
    assert {r.status for r in rows(db)} == {"pending"}
    from bot.sandbox.simulator import event_xml

    chat(capp).post(event_xml("o-leave", "unsubscribe"))
    assert {r.status for r in rows(db)} == {"cancelled"}


def test_delete_data_erases_enrolments_and_reminders(capp, db) -> None:
    from bot.storage.classes import Enrolment

    enrolled(db, "o-erase")
    sim = chat(capp)
    sim.send_text("o-erase", "删除我的所有数据")
    assert "已删除" in sim.send_text("o-erase", "确认删除").text
    db.expire_all()
    assert rows(db) == []
    assert db.exec(select(Enrolment)).all() == []
    assert db.exec(select(User).where(User.openid == "o-erase")).first() is None
