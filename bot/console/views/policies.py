"""政策文件 (admins): each document with its validity, its share of fact-bearing clauses covered and the
drafts waiting, so a centre sees what a new or ending document still needs (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template

from bot.console.auth import require_role
from bot.console.blueprint import bp


@dataclass(frozen=True)
class PolicyRow:
    """One line of the page."""

    region: str
    document: str
    name: str
    valid_from: str
    valid_to: str
    state: str  # 现行 | 已过期 | 尚未施行
    warning: str
    replaces: str
    percent: float
    uncovered: int
    drafts: int


@bp.get("/policies")
@require_role("admin")
def policies() -> str:
    return render_template("console/policies.html", rows=policy_rows(knowledge_root()))


def knowledge_root() -> Path:
    from knowledge.sources import DEFAULT_ROOT

    configured = current_app.config.get("XINGBAN_KNOWLEDGE_DIR") or ""
    return Path(configured) if configured else DEFAULT_ROOT


def policy_rows(root: Path) -> list[PolicyRow]:
    """Read the folder the bot serves; coverage is computed like `xingban kb coverage`."""
    from knowledge.check import squash
    from knowledge.coverage import coverage_report
    from knowledge.drafts import drafts_waiting
    from knowledge.sources import load_sources
    from knowledge.validity import WARN_DAYS, china_today, standings

    sources = load_sources(root)
    today = china_today()
    states = standings(sources, today)
    coverage = {squash(d.document): d for d in coverage_report(root).documents}
    drafts = {path.stem: count for path, count in drafts_waiting(root).items()}
    labels = {"in_force": "现行", "expired": "已过期", "not_yet": "尚未施行"}
    rows = []
    for region, doc in sources.items():
        cov = coverage[squash(doc.document)]
        left = (doc.valid_to - today).days if doc.valid_to else None
        warning = "" if left is None or left > WARN_DAYS else (
            f"已于{doc.valid_to}到期" if left < 0 else f"{left}天后到期（{doc.valid_to}）")
        rows.append(PolicyRow(region, doc.document, doc.name, str(doc.valid_from or "未写明"),
                              str(doc.valid_to or "未写明"), labels[states[squash(doc.document)].state], warning,
                              doc.replaces.document if doc.replaces else "", cov.percent, len(cov.uncovered),
                              drafts.get(region, 0)))
    return rows
