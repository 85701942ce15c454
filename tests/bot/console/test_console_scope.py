"""Centre-scoped staff: an account assigned to a centre sees and changes only that centre's classes,
families, pushes and exports; admins, and staff with no centre assigned, see every centre."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.storage.accounts import AuditLog, StaffUser
from bot.storage.classes import PushAudit
from bot.storage.models import Centre, User
from bot.timetable import create_session, enrol, push_notice
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


def two_centres(db) -> tuple:
    """A class (with a family and a push) at the demo centre and at a second one."""
    home = db.exec(select(Centre).where(Centre.code == "qj01")).one()
    other = Centre(code="sh09", name="浦东另一家机构", region="shanghai")
    db.add(other)
    db.flush()
    classes = []
    for centre, title in ((home, "綦江亲子课"), (other, "浦东感统课")):
        starts = utcnow() + timedelta(days=3)
        row = create_session(db, centre, title, "child_class", starts, starts + timedelta(hours=1), "一楼")
        family = User(openid=f"o-{centre.code}", centre_id=centre.id)
        db.add(family)
        db.flush()
        enrol(db, family, row)
        push_notice(db, "demo-admin", row, "带水杯")
        classes.append(row)
    db.commit()
    return home, other, classes[0], classes[1]


def assign(capp, accounts, db, centre_ids: list[int]) -> None:
    staff_id = db.exec(select(StaffUser).where(StaffUser.name == "demo-staff")).one().id
    admin = login(capp, accounts, "admin")
    post(admin, f"/console/admin/users/{staff_id}/centres", {"centre": [str(c) for c in centre_ids]},
         page="/console/admin/users")


def test_staff_assigned_to_one_centre_see_only_its_work(capp, accounts, db) -> None:
    home, other, mine, theirs = two_centres(db)
    staff = login(capp, accounts, "staff")
    week = (mine.starts_at.date() - timedelta(days=mine.starts_at.weekday())).isoformat()
    assert "浦东感统课" in staff.get(f"/console/sessions?week={week}").get_data(as_text=True)  # unassigned: all
    assign(capp, accounts, db, [home.id])
    timetable = staff.get(f"/console/sessions?week={week}").get_data(as_text=True)
    assert "綦江亲子课" in timetable and "浦东感统课" not in timetable
    assert staff.get(f"/console/sessions/{mine.id}").status_code == 200
    assert staff.get(f"/console/sessions/{theirs.id}").status_code == 403
    assert post(staff, f"/console/sessions/{theirs.id}/cancel").status_code == 403
    theirs_push = db.exec(select(PushAudit).where(PushAudit.session_id == theirs.id)).one()
    assert staff.get(f"/console/deliveries?push={theirs_push.id}").status_code == 403
    assert post(staff, f"/console/pushes/{theirs_push.id}/cancel").status_code == 403
    everything = staff.get("/console/deliveries").get_data(as_text=True)
    assert everything.count("<tr class=\"d-") == 1  # only the home centre's notice
    centres = staff.get("/console/centres").get_data(as_text=True)
    assert "示范康复中心" in centres and "浦东另一家机构" not in centres
    assert post(staff, f"/console/centres/{other.id}", {"name": "x", "region": "shanghai"}).status_code == 403
    enrolments = staff.get("/console/export/enrolments.csv").get_data(as_text=True)
    assert "綦江亲子课" in enrolments and "浦东感统课" not in enrolments
    admin = login(capp, accounts, "admin")
    assert admin.get(f"/console/sessions/{theirs.id}").status_code == 200
    assert db.exec(select(AuditLog).where(AuditLog.action == "user_centres")).one().detail == f"centres:{home.id}"


def test_a_centre_added_by_scoped_staff_is_theirs(capp, accounts, db) -> None:
    home = db.exec(select(Centre).where(Centre.code == "qj01")).one()
    assign(capp, accounts, db, [home.id])
    staff = login(capp, accounts, "staff")
    post(staff, "/console/centres", {"code": "zj05", "name": "诸暨新机构", "region": "zhuji"}, page="/console/centres")
    assert "诸暨新机构" in staff.get("/console/centres").get_data(as_text=True)
