"""End to end in Chromium: parent asks for a person -> volunteer claims and answers -> WeChat delivers it;
staff create a class, enrol the family and push a notice. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from bot.storage.classes import PushAudit, TrainingSession
from bot.storage.db import get_engine
from bot.storage.models import Centre, User
from tests import test_console_support as support

accounts, capp = support.accounts, support.capp  # shared fixtures

pytestmark = pytest.mark.browser
ANSWER = "您好，我是志愿者。綦江的康复救助请先到区残联登记，我们可以陪您准备材料。"


def open_page(browser: Any, base: str, accounts: dict[str, tuple[str, str]], role: str,
              viewport: dict[str, int] | None = None) -> tuple[Any, list[str]]:
    """A fresh browser context logged in as `role`; returns the page and a list collecting JS errors."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/console/dashboard")
    name, password = accounts[role]
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/dashboard")
    return page, errors


def test_parent_to_volunteer_and_back(browser, live_url, capp, accounts, sandbox, shot) -> None:
    staff, staff_errors = open_page(browser, live_url, accounts, "staff")
    staff.goto(f"{live_url}/console/simulator?family=e2e")
    staff.fill("#sim-text", "綦江的康复补助怎么申请")
    staff.click("#sim-send")
    staff.fill("#sim-text", "转人工")
    staff.click("#sim-send")
    staff.wait_for_selector("text=已为您转接志愿者")
    shot(staff, "simulator")

    volunteer, errors = open_page(browser, live_url, accounts, "volunteer")
    volunteer.wait_for_function("document.querySelectorAll('canvas').length === 3")
    volunteer.wait_for_timeout(500)  # chart animation
    shot(volunteer, "dashboard")
    volunteer.click("nav >> text=工单")
    volunteer.wait_for_selector("text=现在没有等待处理的工单")
    assert volunteer.locator("text=工单 #1").count() == 0  # practice from the simulator is not real work
    volunteer.click("text=模拟器练习")
    shot(volunteer, "tickets")
    volunteer.click("text=工单 #1")
    shot(volunteer, "ticket-open")
    volunteer.click("#claim")
    volunteer.fill("textarea[name=text]", ANSWER)
    volunteer.click("#send-answer")
    volunteer.wait_for_selector("text=回复已通过公众号客服消息发给家长")
    shot(volunteer, "ticket")

    sent = sandbox.sent("message/custom/send", "sim-e2e")
    assert [r["content"] for r in sent] == [f"【志愿者回复·工单1】\n{ANSWER}"]
    staff.reload()
    staff.wait_for_selector("text=客服消息")
    assert errors == [] and staff_errors == []


def test_staff_create_enrol_push(browser, live_url, capp, accounts, shot) -> None:
    with Session(get_engine(capp)) as db:
        family = User(openid="o-e2e-family", centre_id=db.exec(select(Centre).where(Centre.code == "qj01")).one().id)
        db.add(family)
        db.commit()
        family_id = family.id
    page, errors = open_page(browser, live_url, accounts, "staff")
    page.click("nav >> text=课程")
    form = page.locator("#new-session")
    form.locator("input[name=title]").fill("结构化游戏家长课")
    form.locator("input[name=place]").fill("二楼活动室")
    form.locator("input[name=capacity]").fill("8")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=课程已创建")
    page.fill("input[name=family]", str(family_id))
    page.click("form[action$='/enrol'] button")
    page.wait_for_selector(f"text=家庭 #{family_id} 已报名")
    page.fill("form.stack textarea[name=text]", "请提前10分钟到场，带上孩子喜欢的玩具。")
    page.click("#push-preview")
    page.wait_for_selector("text=将发给 1 个")
    shot(page, "push-preview")
    page.click("#push-confirm")
    page.wait_for_selector("text=通知已排入发送队列：1 个家庭")
    shot(page, "session")
    page.click("text=← 本周课程")
    shot(page, "sessions-week")
    with Session(get_engine(capp)) as db:
        assert db.exec(select(TrainingSession)).one().title == "结构化游戏家长课"
        assert db.exec(select(PushAudit)).one().recipients == 1
    assert errors == []
