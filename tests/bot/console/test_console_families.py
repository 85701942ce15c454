"""Families staff recognise (a label on the enrolment, searchable, shown where the family is listed) and CSV
exports (staff: tickets and enrolments; admins: the audit log; every download audited, no message text)."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from bot.erasure import erase_user
from bot.storage.accounts import AuditLog
from bot.storage.classes import Enrolment
from tests import test_console_support as support
from tests.bot.console.test_console_push import class_with_family, push
from tests.test_console_support import ask_for_person, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


def test_a_label_names_the_family_is_searchable_and_is_erased_with_it(capp, accounts, db) -> None:
    client, row, page, user = class_with_family(capp, accounts, db)
    post(client, f"{page}/families/{user.id}/label", {"label": "LXM 周六班"}, page=page)
    assert f"家庭 #{user.id} · <b>LXM 周六班</b>" in client.get(page).get_data(as_text=True)
    found = client.get("/console/families?q=周六").get_data(as_text=True)
    assert f"家庭 #{user.id}" in found and "LXM 周六班" in found
    assert "没有标签里含" in client.get("/console/families?q=周日").get_data(as_text=True)
    push(client, page, "带水杯")
    assert "LXM 周六班" in client.get("/console/deliveries?push=1").get_data(as_text=True)
    assert db.exec(select(AuditLog).where(AuditLog.action == "family_label")).one().detail == f"session:{row.id}"
    assert "LXM" not in " ".join(r.detail + r.target for r in db.exec(select(AuditLog)).all())
    erase_user(db, user.openid)
    db.commit()
    assert db.exec(select(Enrolment)).first() is None
    assert "没有标签里含“LXM”的家庭" in client.get("/console/families?q=LXM").get_data(as_text=True)


def test_label_only_for_a_family_enrolled_at_the_centre(capp, accounts, db) -> None:
    client, row, page, _user = class_with_family(capp, accounts, db)
    stranger = ask_for_person(capp, db, "o-stranger").user_id
    assert post(client, f"{page}/families/{stranger}/label", {"label": "X"}, page=page).status_code == 404


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_exports_are_minimal_role_checked_and_audited(capp, accounts, db) -> None:
    ticket = ask_for_person(capp, db)
    client, row, _page, user = class_with_family(capp, accounts, db)
    tickets = rows(client.get("/console/export/tickets.csv"))
    assert tickets[0][:3] == ["工单号", "状态", "原因"] and tickets[1][:3] == [str(ticket.id), "待认领", "家长要求转人工"]
    assert "你好" not in "".join(map(",".join, tickets))  # the family's words never leave in a file
    enrolments = rows(client.get("/console/export/enrolments.csv"))
    assert enrolments[1][1] == row.title and enrolments[1][5] == str(user.id)
    assert client.get("/console/export/audit.csv").status_code == 403
    volunteer = login(capp, accounts, "volunteer")
    assert volunteer.get("/console/export/tickets.csv").status_code == 403
    audit = rows(login(capp, accounts, "admin").get("/console/export/audit.csv"))
    assert audit[0] == ["时间", "账号", "操作", "对象", "详情", "IP"] and any(r[2] == "导出表格" for r in audit[1:])
    exported = [r.target for r in db.exec(select(AuditLog).where(AuditLog.action == "export_csv")).all()]
    assert exported == ["export:tickets", "export:enrolments", "export:audit"]


def test_a_centre_qr_code_for_families_to_scan(capp, accounts, db, sandbox) -> None:
    from bot.storage.models import Centre

    centre = db.exec(select(Centre).where(Centre.code == "qj01")).one()
    staff = login(capp, accounts, "staff")
    page = post(staff, f"/console/centres/{centre.id}/qrcode", page="/console/centres").get_data(as_text=True)
    made = sandbox.state()["qrcodes"][-1]
    assert made["scene"] == "centre_qj01" and made["action_name"] == "QR_LIMIT_STR_SCENE"
    assert "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" in page and made["url"] in page
    assert db.exec(select(AuditLog).where(AuditLog.action == "centre_qrcode")).one().target == f"centre:{centre.id}"
