"""Every console page, per role, on a 390 px phone: no sideways scroll, every field labelled, no raw keys,
tap targets of at least 44 x 44 px and text contrast of at least 4.5 : 1. The pages are found by following
the console's own links from the dashboard, so a new page is checked without being listed here."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from bot.storage.accounts import KbCandidate
from bot.storage.db import get_engine
from bot.storage.models import Centre, User
from bot.timetable import create_session, enrol, push_notice
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.browser.test_console_browser import open_page

accounts, capp = support.accounts, support.capp  # shared fixtures

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAX_PAGES = 60
SHOTS = ["/console/dashboard", "/console/tickets", "/console/tickets/1", "/console/sessions/1",
         "/console/deliveries?push=1", "/console/admin/audit", "/console/admin/users", "/console/kb"]
KEPT_PARAMETERS = {"status", "state", "push", "session", "week"}

# One evaluation per page: what a phone user (or a screen reader) would trip over.
AUDIT_JS = r"""
() => {
  const out = {width: document.documentElement.scrollWidth, unlabelled: [], small: [], contrast: [], text: ""};
  const shown = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const describe = el => el.outerHTML.slice(0, 120);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !shown(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) out.unlabelled.push(describe(el));
  }
  const targets = "button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), summary, nav a, .tabs a, a.tap, .stat";
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 44 || r.height < 44) out.small.push(`${Math.round(r.width)}x${Math.round(r.height)} ${describe(el)}`);
  }
  const rgb = v => (v.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const c = [r, g, b].map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const background = el => { for (let n = el; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el) || el.closest("[disabled], canvas, script, style")) continue;
    const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) out.contrast.push(`${ratio.toFixed(2)} ${getComputedStyle(el).color} on rgb(${bg}) ${describe(el)}`);
  }
  const options = [...document.querySelectorAll("option")].map(o => o.textContent).join("\n");
  out.text = document.body.innerText + "\n" + options;
  out.links = [...document.querySelectorAll("a[href]")].map(a => a.href);
  const first = document.querySelector("a[href], button, input:not([type=hidden]), select, textarea");
  out.skip = first && first.matches("a.skip[href='#main']") && !!document.getElementById("main");
  out.h1 = document.querySelectorAll("h1").length;
  return out;
}
"""
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+:\d+\b|\[[a-z]+\]")


def seed_console_data(app: Any) -> None:
    """A day's worth of console work: a parent waiting for a person, a class with a family and a push,
    a knowledge candidate to review."""
    with Session(get_engine(app), expire_on_commit=False) as db:
        support.ask_for_person(app, db)
        centre = db.exec(select(Centre).where(Centre.code == "qj01")).one()
        family = User(openid="o-phone-family", centre_id=centre.id)
        db.add(family)
        db.flush()
        starts = utcnow() + timedelta(days=2)
        row = create_session(db, centre, "感统训练亲子课", "child_class", starts, starts + timedelta(hours=1), "一楼")
        enrol(db, family, row)
        push_notice(db, "demo-staff", row, "请带一双防滑袜。")
        db.add(KbCandidate(question="康复补助怎么申请", answer="请先到区残联登记。", region="qijiang",
                           intent="apply_aid", document="綦残联发〔2025〕7号", quote="到区残联登记"))
        db.commit()


def pattern(url: str) -> str:
    """One visit per kind of page: ids and dates collapse (/tickets/3 and /tickets/4 are the same page),
    and so do a list's narrowing filters (the same list with fewer rows)."""
    parts = urlsplit(url)
    query = "&".join(sorted(pair for pair in parts.query.split("&") if pair.split("=")[0] in KEPT_PARAMETERS))
    return re.sub(r"\d+", "N", parts.path + "?" + query)


def crawl(page: Any, base: str) -> dict[str, dict[str, Any]]:
    """Follow the console's links from the dashboard; returns each page's audit, keyed by its pattern."""
    queue, seen, results = [f"{base}/console/dashboard"], set(), {}
    while queue and len(results) < MAX_PAGES:
        url = queue.pop(0)
        key = pattern(url)
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(url)
        assert response.status < 400, f"{url} -> {response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("load")
        results[url] = page.evaluate(AUDIT_JS)
        for link in results[url]["links"]:
            link = link.split("#")[0]
            download = re.search(r"\.(yaml|csv|png)$", urlsplit(link).path)
            if link.startswith(f"{base}/console/") and "/static/" not in link and not download \
                    and pattern(link) not in seen:
                queue.append(link)
    return results


@pytest.mark.parametrize("role", ["volunteer", "staff", "admin"])
def test_every_page_fits_a_phone(browser, live_url, capp, accounts, role, shot) -> None:
    seed_console_data(capp)
    page, errors = open_page(browser, live_url, accounts, role, viewport=PHONE)
    results = crawl(page, live_url)
    if role == "admin":  # once more, now that the crawl has filled the audit log with every kind of row
        page.goto(f"{live_url}/console/admin/audit")
        results[f"{live_url}/console/admin/audit#after"] = page.evaluate(AUDIT_JS)
    problems = []
    for url, found in results.items():
        where = url.removeprefix(live_url)
        if found["width"] > PHONE["width"]:
            problems.append(f"{where}: page is {found['width']} px wide")
        problems += [f"{where}: no label: {item}" for item in found["unlabelled"]]
        problems += [f"{where}: tap target {item}" for item in found["small"]]
        problems += [f"{where}: contrast {item}" for item in found["contrast"]]
        problems += [f"{where}: raw key {m.group(0)!r}" for m in RAW_KEY.finditer(found["text"])]
        if not found["skip"]:
            problems.append(f"{where}: the first thing to tab to is not the skip link to the main content")
        if found["h1"] != 1:
            problems.append(f"{where}: {found['h1']} h1 headings")
    for path in SHOTS:
        if any(url.startswith(live_url + path) for url in results):
            page.goto(live_url + path)
            page.wait_for_timeout(800)  # chart animation
            shot(page, f"phone-{role}-{path.strip('/').replace('/', '-').replace('?', '-').replace('=', '-')}")
    shot(page, f"phone-{role}").with_suffix(".txt").write_text(
        "\n".join([f"{url.removeprefix(live_url)} {found['width']} px" for url, found in results.items()] + problems),
        encoding="utf-8")
    assert len(results) >= {"volunteer": 4, "staff": 8, "admin": 10}[role], sorted(results)
    assert problems == [], "\n".join(problems[:60]) + f"\n... {len(problems)} problems"
    assert errors == []


def test_dashboard_charts_shrink_with_the_window(browser, live_url, capp, accounts, shot) -> None:
    seed_console_data(capp)
    page, errors = open_page(browser, live_url, accounts, "staff")
    page.wait_for_function("document.querySelectorAll('canvas').length === 3")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.wait_for_timeout(600)  # Chart.js resizes on the next animation frame
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
        right: Math.max(...[...document.querySelectorAll('canvas')].map(c => c.getBoundingClientRect().right))})""")
    shot(page, "dashboard-1000")
    assert widths["page"] <= 1000 and widths["right"] <= 1000, widths
    assert errors == []
