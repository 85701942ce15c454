"""Pushing a class notice from the console: exactly the previewed text goes, never to nobody, a quiet-hours
hold is said in words, the delivery list shows each family's state, and a queued push can be withdrawn."""

from __future__ import annotations

from datetime import datetime

import time_machine
from sqlmodel import select

from bot.console.blueprint import SHANGHAI
from bot.outbox.dispatcher import OutboxDispatcher
from bot.services import get_services
from bot.storage.accounts import AuditLog
from bot.storage.classes import PushAudit, Reminder
from tests import test_console_support as support
from tests.bot.console.test_console_sessions import create, family
from tests.test_console_support import login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

DAYTIME = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
NIGHT = datetime(2026, 12, 2, 22, 30, tzinfo=SHANGHAI)


def class_with_family(capp, accounts, db):
    client = login(capp, accounts, "staff")
    row = create(client, db)
    page = f"/console/sessions/{row.id}"
    user = family(capp, db)
    post(client, f"{page}/enrol", {"family": str(user.id)}, page=page)
    return client, row, page, user


def push(client, page: str, text: str, previewed: str | None = None) -> str:
    form = {"text": text, "confirm": "1", "previewed": text if previewed is None else previewed}
    return post(client, f"{page}/push", form, page=page).get_data(as_text=True)


@time_machine.travel(DAYTIME, tick=False)
def test_confirm_after_editing_the_box_previews_the_new_text_instead_of_sending(capp, accounts, db) -> None:
    client, _row, page, _user = class_with_family(capp, accounts, db)
    body = push(client, page, "周六改到三楼", previewed="周六在二楼")
    assert "预览后改过了" in body and "【课程通知·结构化教学家长课】周六改到三楼" in body
    assert db.exec(select(PushAudit)).first() is None  # nothing went: the new text was never previewed
    push(client, page, "周六改到三楼")
    sent = db.exec(select(Reminder).where(Reminder.kind == "notice")).one()
    assert sent.text == "【课程通知·结构化教学家长课】周六改到三楼"


@time_machine.travel(DAYTIME, tick=False)
def test_a_push_to_no_family_is_refused(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    row = create(client, db)
    page = f"/console/sessions/{row.id}"
    body = push(client, page, "请提前10分钟到场")
    assert "不会发给任何人" in body and 'id="push-confirm"' not in body
    assert db.exec(select(PushAudit)).first() is None


@time_machine.travel(NIGHT, tick=False)
def test_a_push_at_night_says_it_is_held_until_morning(capp, accounts, db) -> None:
    client, row, page, user = class_with_family(capp, accounts, db)
    response = post(client, f"{page}/push", {"text": "带水杯", "previewed": "带水杯", "confirm": "1"}, page=page)
    flashed = client.get(response.location).get_data(as_text=True)
    assert "静默时段" in flashed and "暂缓，早上 8 点后发出" in flashed
    audit = db.exec(select(PushAudit)).one()
    listing = client.get(f"/console/deliveries?push={audit.id}").get_data(as_text=True)
    assert f"家庭 #{user.id}" in listing and "静默时段暂缓" in listing and "12-03 08:00 起发送" in listing


def test_delivery_list_moves_from_queued_to_sent(capp, accounts, db, sandbox) -> None:
    with time_machine.travel(DAYTIME, tick=False):
        client, _row, page, user = class_with_family(capp, accounts, db)
        push(client, page, "带水杯")
        audit = db.exec(select(PushAudit)).one()
        before = client.get(f"/console/deliveries?push={audit.id}").get_data(as_text=True)
        assert "已送达 0 / 1" in before and "排队中" in before
        OutboxDispatcher(capp, get_services(capp).client).tick()
        after = client.get(f"/console/deliveries?push={audit.id}").get_data(as_text=True)
    assert "已送达 1 / 1" in after and "12-02 10:00" in after and "排队中" not in after


@time_machine.travel(NIGHT, tick=False)
def test_withdrawing_a_held_push_stops_it_and_is_audited(capp, accounts, db) -> None:
    client, _row, page, _user = class_with_family(capp, accounts, db)
    push(client, page, "带水杯")
    audit = db.exec(select(PushAudit)).one()
    listing = f"/console/deliveries?push={audit.id}"
    response = post(client, f"/console/pushes/{audit.id}/cancel", page=listing)
    assert "已撤回 1 条" in client.get(response.location).get_data(as_text=True)
    db.expire_all()
    assert db.exec(select(Reminder).where(Reminder.audit_id == audit.id)).one().status == "cancelled"
    assert "工作人员撤回了这条通知" in client.get(listing).get_data(as_text=True)
    assert db.exec(select(AuditLog).where(AuditLog.action == "push_cancel")).one().target == f"push:{audit.id}"


@time_machine.travel(DAYTIME, tick=False)
def test_a_large_push_counts_every_family_while_the_list_shows_the_latest(capp, accounts, db) -> None:
    from bot.storage.models import User
    from bot.timetable import enrol

    client, row, page, _user = class_with_family(capp, accounts, db)
    row.capacity = None  # a lecture open to everyone
    families = [User(openid=f"o-big-{n}", centre_id=row.centre_id) for n in range(600)]
    db.add_all(families)
    db.flush()
    for big_family in families:
        enrol(db, big_family, row)
    db.commit()
    push(client, page, "本周停车场施工，请从北门进。")
    audit = db.exec(select(PushAudit)).one()
    listing = client.get(f"/console/deliveries?push={audit.id}").get_data(as_text=True)
    assert "已送达 0 / 601" in listing and "尚未发出 601" in listing
    assert listing.count('<tr class="d-queued">') == 500 and "最近的 500 条" in listing
    assert "已送达 0 / 601" in client.get(page).get_data(as_text=True)
