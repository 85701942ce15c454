"""Issue 16 in Chromium: an admin imports a small county's document on the 政策文件 page, writes one entry next
to its clause (the quote picked from the clause's text, the figures checked while typing), publishes it, asks
it in the simulator and reads the citation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from knowledge.regions import use_knowledge_root
from tests import test_console_support as support
from tests.browser.test_console_browser import open_page
from tests.helpers.knowledge_copy import copy_shipped_knowledge

accounts, capp = support.accounts, support.capp  # shared fixtures

pytestmark = pytest.mark.browser
COUNTY = Path(__file__).resolve().parents[1] / "data" / "xinghe_county.txt"
DOC = "星残联发〔2026〕3号"
QUOTE = "每人每年补助12000元，按月发放至定点康复机构。"


@pytest.fixture
def knowledge_dir(capp: Flask, tmp_path: Path) -> Iterator[Path]:
    root = copy_shipped_knowledge(tmp_path / "knowledge")
    capp.config["XINGBAN_KNOWLEDGE_DIR"] = str(root)
    yield root
    use_knowledge_root(None)


def test_admin_imports_a_county_writes_an_entry_from_a_clause_and_asks_it(  # type: ignore[no-untyped-def]
        browser, knowledge_dir, live_url, capp, accounts, shot) -> None:
    page, errors = open_page(browser, live_url, accounts, "admin")
    page.click("nav >> text=政策文件")
    form = page.locator("#import-form")
    form.locator("input[name=file]").set_input_files(str(COUNTY))
    form.locator("input[name=region]").fill("xinghe")
    form.locator("input[name=name]").fill("星河县")
    form.locator("input[name=document]").fill(DOC)
    form.locator("input[name=valid_from]").fill("2026-01-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"text=已导入 {DOC}")
    shot(page, "policy-clause-map")

    clause = page.locator("li.clause", has=page.locator("h2", has_text="二、（一）"))
    clause.locator("a", has_text="在这里补写条目").click()
    page.wait_for_selector("#entry-form")
    clause = page.locator("li.clause", has=page.locator("#entry-form"))
    page.locator("#entry-form textarea[name=quote]").fill("")
    # The author selects the sentence in the clause's own text and makes it the quote.
    clause.locator(".source-text").evaluate("""(el, quote) => {
        const node = el.firstChild, start = node.textContent.indexOf(quote);
        const range = document.createRange();
        range.setStart(node, start); range.setEnd(node, start + quote.length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    }""", QUOTE)
    page.wait_for_timeout(100)  # selectionchange
    clause.locator("[data-use-selection]").click()
    assert page.locator("#entry-form textarea[name=quote]").input_value() == QUOTE

    page.select_option("#entry-form select[name=intent]", "aid_amount")
    page.fill("#entry-form textarea[name=questions]", "星河县康复训练补助一年多少钱\n星河县康复补助标准是多少\n星河县孤独症康复能补多少钱")
    page.fill("#entry-form textarea[name=answer]", "星河县康复训练补助每人每年1200元。")
    page.wait_for_selector("text=回答中的数字 1200 不在引文中")  # checked while typing
    page.wait_for_selector("text=引文写有“12000元”，回答里没有说：请写进回答")
    page.fill("#entry-form textarea[name=answer]", "星河县康复训练补助每人每年12000元，按月发放至定点康复机构。")
    page.wait_for_selector("text=检查通过，可以发布。")
    preview = page.locator("#entry-preview")
    assert f"依据：{DOC} 二、（一）" in preview.inner_text() and "12000元" in preview.inner_text()
    page.fill("#entry-form input[name=trial]", "星河县孤独症孩子一年能补多少钱")
    page.click("#entry-preview-button")  # tried against the bot's index with the entry in it
    page.wait_for_selector("#entry-trials >> text=“星河县孤独症孩子一年能补多少钱”")
    assert page.locator("#entry-trials li").last.locator(".ok-text").inner_text() == "用这条条目回答"
    shot(page, "policy-entry-form")
    page.click("#entry-publish")
    page.wait_for_selector("text=已发布条目")

    page.click("#try-simulator")
    page.wait_for_url("**/console/simulator**")
    assert page.input_value("#sim-text") == "星河县康复训练补助一年多少钱"
    page.click("#sim-send")
    reply = page.locator(".bubble.bot", has_text=f"依据：{DOC} 二、（一）")
    reply.wait_for()
    assert "每人每年12000元" in reply.inner_text()
    shot(page, "policy-simulator-citation")
    assert errors == []


def test_the_entry_form_fits_a_phone(browser, knowledge_dir, live_url, capp, accounts, shot) -> None:  # type: ignore[no-untyped-def]
    """The crawl of every page (test_console_phone) reaches the document pages, not the open form: checked here."""
    from tests.browser.test_console_phone import AUDIT_JS, PHONE, RAW_KEY

    page, errors = open_page(browser, live_url, accounts, "admin", viewport=PHONE)
    page.goto(f"{live_url}/console/policies/qijiang?clause=二、1")
    page.wait_for_selector("#entry-form")
    page.fill("#entry-form textarea[name=answer]", "请先到区残联登记。")
    page.wait_for_selector("#entry-check li")  # the live check's problems are on the page too
    found = page.evaluate(AUDIT_JS)
    shot(page, "phone-admin-policy-entry-form")
    assert page.locator("#entry-form").count() == 1
    assert found["width"] <= PHONE["width"] and found["unlabelled"] == [] and found["small"] == []
    assert found["contrast"] == [] and not RAW_KEY.search(found["text"]) and found["h1"] == 1 and found["skip"]
    assert errors == []
