"""Staff manage classes in the console: create, edit, enrol, notice with preview, reschedule, cancel."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.console.blueprint import SHANGHAI
from bot.storage.accounts import AuditLog
from bot.storage.classes import Enrolment, PushAudit, Reminder, TrainingSession
from bot.storage.models import Centre, User
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import chat, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


def next_week() -> str:
    return (utcnow().astimezone(SHANGHAI) + timedelta(days=7)).date().isoformat()


def create(client, db, **extra: str) -> TrainingSession:
    centre = db.exec(select(Centre).where(Centre.code == "qj01")).one()
    form = {"centre_id": str(centre.id), "title": "结构化教学家长课", "kind": "parent_training", "date": next_week(),
            "start": "09:00", "end": "10:30", "place": "二楼活动室", "capacity": "2", **extra}
    response = post(client, "/console/sessions", form, page="/console/sessions")
    assert response.status_code == 302
    return db.exec(select(TrainingSession).order_by(TrainingSession.id.desc())).first()


def family(capp, db, openid: str = "o-fam-1") -> User:
    chat(capp).send_text(openid, "你好")
    return db.exec(select(User).where(User.openid == openid)).one()


def test_create_list_and_edit(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    row = create(client, db)
    assert row.title == "结构化教学家长课" and row.starts_at.astimezone(SHANGHAI).hour == 9
    week = client.get(f"/console/sessions?week={next_week()}").get_data(as_text=True)
    assert "结构化教学家长课" in week and "09:00–10:30" in week
    page = f"/console/sessions/{row.id}"
    post(client, f"{page}/edit", {"title": "结构化教学家长课（二）", "place": "三楼", "capacity": "5"}, page=page)
    db.expire_all()
    edited = db.get(TrainingSession, row.id)
    assert (edited.title, edited.place, edited.capacity) == ("结构化教学家长课（二）", "三楼", 5)


def test_bad_form_is_refused_with_a_message(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    response = post(client, "/console/sessions", {"title": "x", "date": "2026-13-40"}, page="/console/sessions")
    assert response.status_code == 302
    assert "请填写机构" in client.get(response.location).get_data(as_text=True)
    assert db.exec(select(TrainingSession)).first() is None


def test_enrol_preview_push_reschedule_cancel(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    row = create(client, db)
    user = family(capp, db)
    page = f"/console/sessions/{row.id}"
    post(client, f"{page}/enrol", {"family": str(user.id)}, page=page)
    assert db.exec(select(Enrolment).where(Enrolment.session_id == row.id)).one().user_id == user.id
    assert f"家庭 #{user.id}" in client.get(page).get_data(as_text=True)

    preview = post(client, f"{page}/push", {"text": "请提前10分钟到场"}, page=page).get_data(as_text=True)
    assert "【课程通知·结构化教学家长课】请提前10分钟到场" in preview and "将发给 1 个" in preview
    assert db.exec(select(PushAudit)).first() is None  # a preview sends nothing
    post(client, f"{page}/push", {"text": "请提前10分钟到场", "previewed": "请提前10分钟到场", "confirm": "1"}, page=page)
    audit = db.exec(select(PushAudit)).one()
    assert audit.recipients == 1 and audit.staff_name == "demo-staff"
    assert db.exec(select(Reminder).where(Reminder.audit_id == audit.id)).one().user_id == user.id

    new_date = (utcnow().astimezone(SHANGHAI) + timedelta(days=8)).date().isoformat()
    post(client, f"{page}/reschedule", {"date": new_date, "start": "14:00", "end": "15:00"}, page=page)
    db.expire_all()
    assert db.get(TrainingSession, row.id).starts_at.astimezone(SHANGHAI).hour == 14
    post(client, f"{page}/cancel", page=page)
    db.expire_all()
    assert db.get(TrainingSession, row.id).status == "cancelled"
    actions = {r.action for r in db.exec(select(AuditLog)).all()}
    assert {"session_create", "enrol", "enrolments_view", "push_notice", "session_reschedule",
            "session_cancel"} <= actions


def test_full_class_and_unknown_family(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    row = create(client, db, capacity="1")
    page = f"/console/sessions/{row.id}"
    post(client, f"{page}/enrol", {"family": str(family(capp, db, "o-a").id)}, page=page)
    response = post(client, f"{page}/enrol", {"family": str(family(capp, db, "o-b").id)}, page=page)
    assert "课程已满员" in client.get(response.location).get_data(as_text=True)
    response = post(client, f"{page}/enrol", {"family": "99999"}, page=page)
    assert "没有这个家庭编号" in client.get(response.location).get_data(as_text=True)


def test_centres_add_and_edit(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    post(client, "/console/centres", {"code": "sh02", "name": "测试机构", "region": "shanghai"}, page="/console/centres")
    centre = db.exec(select(Centre).where(Centre.code == "sh02")).one()
    post(client, f"/console/centres/{centre.id}", {"name": "测试机构（新址）", "region": "shanghai", "address": "某路"},
         page="/console/centres")
    db.expire_all()
    assert db.get(Centre, centre.id).name == "测试机构（新址）"
    again = post(client, "/console/centres", {"code": "sh02", "name": "重复", "region": "shanghai"}, page="/console/centres")
    assert "未被使用的加入码" in client.get(again.location).get_data(as_text=True)
    assert "测试机构（新址）" in client.get("/console/centres").get_data(as_text=True)
