"""Each role's main task end to end in Chromium (issue 14): a volunteer answers from a phone; staff create a
weekly series, enrol several families, push, and watch the delivery list go from queued to sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.console.blueprint import SHANGHAI
from bot.outbox.dispatcher import OutboxDispatcher
from bot.services import get_services
from bot.storage.classes import Reminder, TrainingSession
from bot.storage.db import get_engine
from bot.storage.models import Centre, User
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.browser.test_console_browser import ANSWER, open_page
from tests.browser.test_console_phone import PHONE

accounts, capp = support.accounts, support.capp  # shared fixtures

pytestmark = pytest.mark.browser


def test_volunteer_answers_from_a_phone(browser, live_url, capp, accounts, sandbox, shot) -> None:
    with Session(get_engine(capp), expire_on_commit=False) as db:
        ticket = support.ask_for_person(capp, db)
    page, errors = open_page(browser, live_url, accounts, "volunteer", viewport=PHONE)
    page.click("nav >> text=工单")
    page.click(f"text=工单 #{ticket.id}")
    claim = page.locator("#claim")
    box = claim.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # no scrolling past the conversation to claim
    claim.click()
    answer = page.locator("textarea[name=text]")
    assert answer.bounding_box()["y"] < PHONE["height"]
    answer.fill(ANSWER)
    page.click("#send-answer")
    page.wait_for_selector("text=回复已通过公众号客服消息发给家长")
    shot(page, "task-volunteer-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sent = sandbox.sent("message/custom/send", "o-parent-1")
    assert [r["content"] for r in sent] == [f"【志愿者回复·工单{ticket.id}】\n{ANSWER}"]
    assert errors == []


def test_staff_weekly_series_enrol_several_push_and_watch_delivery(browser, live_url, capp, accounts,
                                                                    sandbox, shot) -> None:
    with Session(get_engine(capp), expire_on_commit=False) as db:
        centre = db.exec(select(Centre).where(Centre.code == "qj01")).one()
        families = [User(openid=f"o-series-{n}", centre_id=centre.id) for n in range(3)]
        db.add_all(families)
        db.commit()
        ids = [f.id for f in families]
    page, errors = open_page(browser, live_url, accounts, "staff")
    page.click("nav >> text=课程")
    form = page.locator("#new-session")
    first = (utcnow() + timedelta(days=3)).astimezone(SHANGHAI).date()
    form.locator("input[name=title]").fill("周六感统课")
    form.locator("input[name=date]").fill(first.isoformat())
    form.locator("#repeat-weekly").check()
    form.locator("input[name=until]").fill((first + timedelta(weeks=5)).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=每周课程已创建：共 6 节")
    page.fill("input[name=family]", f"{ids[0]}, {ids[1]} {ids[2]}")
    page.click("form[action$='/enrol'] button")
    page.wait_for_selector("text=3 个家庭已报名（含本系列以后各节）")
    shot(page, "task-staff-series")
    page.fill("#push-form textarea[name=text]", "请带一双防滑袜。")
    page.click("#push-preview")
    page.wait_for_selector("text=将发给 3 个")
    page.fill("#push-form textarea[name=text]", "请带一双防滑袜和水杯。")  # edited after the preview
    assert page.locator("#push-confirm").is_disabled()
    page.click("#push-preview")
    page.wait_for_selector("text=【课程通知·周六感统课】请带一双防滑袜和水杯。")
    page.click("#push-confirm")
    page.wait_for_selector("text=通知已排入发送队列：3 个家庭")
    page.click("text=查看每个家庭的送达情况")
    page.wait_for_selector("text=已送达 0 / 3")
    shot(page, "task-staff-delivery-queued")
    with Session(get_engine(capp)) as db:
        texts = {r.text for r in db.exec(select(Reminder).where(Reminder.kind == "notice")).all()}
        assert texts == {"【课程通知·周六感统课】请带一双防滑袜和水杯。"}
        assert len(db.exec(select(TrainingSession)).all()) == 6
    OutboxDispatcher(capp, get_services(capp).client).tick(now=utcnow() + timedelta(hours=12))  # past any quiet-hours hold
    page.reload()
    page.wait_for_selector("text=已送达 3 / 3")
    shot(page, "task-staff-delivery-sent")
    assert errors == []


def test_admin_edits_a_candidate_with_the_source_viewer_and_publishes(browser, live_url, capp, accounts,
                                                                      shot) -> None:
    from bot.console.kb import source_texts
    from bot.storage.accounts import KbCandidate

    qijiang = next(src for src in source_texts() if src.region == "qijiang")
    sentence = qijiang.text.splitlines()[3].strip()[:40]
    with Session(get_engine(capp)) as db:
        db.add(KbCandidate(question="康复补助怎么申请", answer="请先到区残联登记。", region="qijiang",
                           intent="apply_aid", document=qijiang.document, quote="凭记忆写的引文"))
        db.commit()
    page, errors = open_page(browser, live_url, accounts, "admin")
    page.click("nav >> text=知识库候选")
    assert page.locator("button:has-text('发布')").is_disabled()  # the quote is not in the document
    edit = page.locator("form[id^=edit-]")
    edit.locator("textarea[name=answer]").fill("请按文件规定到区残联办理。")
    source = edit.locator(".source[data-region=qijiang] .source-text")
    source.scroll_into_view_if_needed()
    page.evaluate("""(sentence) => {  // select the sentence in the document, as a finger or mouse would
        const box = document.querySelector("form[id^=edit-] .source[data-region=qijiang] .source-text");
        const node = box.firstChild, start = node.textContent.indexOf(sentence);
        const range = document.createRange();
        range.setStart(node, start); range.setEnd(node, start + sentence.length);
        getSelection().removeAllRanges(); getSelection().addRange(range);
    }""", sentence)
    edit.locator(".source[data-region=qijiang] [data-use-selection]").click()
    assert edit.locator("textarea[name=quote]").input_value() == sentence
    shot(page, "task-admin-kb-edit")
    edit.locator("button:has-text('保存修改')").click()
    page.wait_for_selector("text=检查通过，可以发布")
    page.click("button:has-text('发布')")
    page.wait_for_selector("text=已发布（可导出为知识条目）")
    with Session(get_engine(capp)) as db:
        row = db.exec(select(KbCandidate)).one()
        assert (row.status, row.quote, row.answer) == ("published", sentence, "请按文件规定到区残联办理。")
    assert errors == []
