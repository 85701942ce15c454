"""What staff read is Chinese, not our keys: audit rows name and link the objects they touched, message kinds
are described, new accounts start with the least privilege, and the dashboard's cards and donut say numbers."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.storage.accounts import StaffUser
from tests import test_console_support as support
from tests.bot.console.test_console_push import class_with_family, push
from tests.bot.console.test_console_simulated import dashboard_figures
from tests.test_console_support import ask_for_person, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

RAW = re.compile(r"\b(?:ticket|user|push|session|staff|recipients|kb):\d+\b|\[event\]")


def test_audit_log_names_and_links_objects(capp, accounts, db) -> None:
    ticket = ask_for_person(capp, db)
    volunteer = login(capp, accounts, "volunteer")
    volunteer.get(f"/console/tickets/{ticket.id}")
    client, row, page, user = class_with_family(capp, accounts, db)
    push(client, page, "带水杯")
    audit = login(capp, accounts, "admin").get("/console/admin/audit").get_data(as_text=True)
    assert not RAW.findall(audit), RAW.findall(audit)
    assert f'<a href="/console/tickets/{ticket.id}">工单 #{ticket.id}</a>' in audit
    assert '<a href="/console/deliveries?push=1">通知 #1</a>' in audit and "发给 1 个家庭" in audit
    assert f'<a href="/console/sessions/{row.id}">课程 #{row.id}</a>' in audit and f"家庭 #{user.id}" in audit


def test_an_event_message_is_described_in_words(capp, accounts, db) -> None:
    staff = login(capp, accounts, "staff")
    post(staff, "/console/simulator", {"family": "ev", "event": "subscribe"}, page="/console/simulator")
    page = staff.get("/console/simulator?family=ev").get_data(as_text=True)
    assert "[event]" not in page and "关注公众号或点了菜单" in page


def test_a_new_account_defaults_to_volunteer(capp, accounts, db) -> None:
    admin = login(capp, accounts, "admin")
    form = admin.get("/console/admin/users").get_data(as_text=True)
    create_form = form[form.index('action="/console/admin/users"'):form.index("</form>", form.index('action="/console/admin/users"'))]
    assert re.search(r'<option value="volunteer" selected>', create_form)
    assert "selected" not in create_form.replace('<option value="volunteer" selected>', "")
    post(admin, "/console/admin/users", {"name": "new-helper"}, page="/console/admin/users")  # no role sent
    assert db.exec(select(StaffUser).where(StaffUser.name == "new-helper")).one().role == "volunteer"


def test_dashboard_cards_link_to_their_lists_and_the_donut_has_numbers(capp, accounts, db) -> None:
    ask_for_person(capp, db)
    staff = login(capp, accounts, "staff")
    page = staff.get("/console/dashboard").get_data(as_text=True)
    assert re.search(r'<a class="stat alert" href="/console/tickets\?status=open"><b>1</b><span>待认领工单', page)
    assert 'href="/console/deliveries?state=failed"' in page
    labels = dashboard_figures(staff)["outcome_labels"]
    assert labels == ["直接回答 1（50%）", "追问澄清 0（0%）", "转志愿者 1（50%）"]
