"""`kb coverage`: a tiny synthetic knowledge folder computed by hand, and the shipped knowledge base."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import knowledge
from knowledge.check import squash
from knowledge.cli import kb_group
from knowledge.coverage import coverage_report, draft_entries, fact_signals
from knowledge.sources import load_sources

REAL = Path(knowledge.__file__).resolve().parent
DOC = "测〔2025〕1号"
TEXT = """测试县文件

为做好工作，制定本办法。

一、总体要求

坚持以人民为中心，全面推进工作。

二、救助内容

（一）救助对象。具有本县户籍、未满
７周岁的孤独症儿童。

（二）救助标准。每人每年补助 20000
元，由县残联负责发放。

（三）组织保障。县残联负责协调。

三、其他

本办法自2025年1月1日起施行。
"""
ENTRIES = f"""
- id: e-eligibility
  sources:
    - document: {DOC}
      clause: 二、（一）
      quote: 具有本县户籍、未满7周岁的孤独症儿童
- id: e-amount
  sources:
    - document: {DOC}
      clause: 二、（二）
      quote: 每人每年补助 20000 元
"""


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    for sub in ("sources", "entries", "data"):
        (root / sub).mkdir(parents=True)
    (root / "sources" / "index.yaml").write_text(
        f"town:\n  document: {DOC}\n  issuer: 测试县残联\n  name: 测试县\n  file: town.txt\n", encoding="utf-8")
    (root / "sources" / "town.txt").write_text(TEXT, encoding="utf-8")
    (root / "entries" / "town.yaml").write_text(ENTRIES, encoding="utf-8")
    (root / "data" / "coverage.yaml").write_text(
        f"not_fact_bearing:\n  - {{document: {DOC}, clause: 二、（三）, reason: 部门协调}}\n", encoding="utf-8")
    return root


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(kb_group, ["coverage", "--root", str(root), *args])
    return result.exit_code, result.output


def test_synthetic_coverage_is_computed_right(tree: Path) -> None:
    report = coverage_report(tree)
    assert report.problems == [] and len(report.documents) == 1
    doc = report.documents[0]
    verdicts = {c.clause.label: c for c in doc.clauses}
    assert not verdicts["前言"].fact_bearing and verdicts["前言"].reason == "无数字或事实关键词"
    assert not verdicts["一、"].fact_bearing
    assert not verdicts["二、"].fact_bearing and verdicts["二、"].reason == "标题，内容在下级条款"
    assert not verdicts["二、（三）"].fact_bearing and verdicts["二、（三）"].reason == "部门协调"
    assert [c.clause.label for c in doc.fact_bearing] == ["二、（一）", "二、（二）", "三、"]
    # quotes cross line breaks and write ７ as 7: still found, and mapped to their clause
    assert verdicts["二、（一）"].covered_by == ("e-eligibility",)
    assert verdicts["二、（二）"].covered_by == ("e-amount",)
    assert [c.clause.label for c in doc.uncovered] == ["三、"]
    assert doc.percent == pytest.approx(200 / 3)
    assert not report.ok


def test_exit_status_and_report(tree: Path) -> None:
    code, out = _run(tree)
    assert code == 1
    assert f"{DOC} (town): 2/3 fact-bearing clauses covered, 67%" in out
    assert "  三、  [UNCOVERED]  三、其他 本办法自2025年1月1日起施行。" in out
    assert "  二、（二）  [e-amount]  （二）救助标准。每人每年补助 20000元，由县残联负责发放。" in out
    assert "二、（三）" not in out and "1 uncovered fact-bearing clause(s)" in out
    assert _run(tree, "--report-only")[0] == 0


def test_a_rule_quote_covers_the_last_clause(tree: Path) -> None:
    (tree / "rules").mkdir()
    (tree / "rules" / "town.yaml").write_text(
        f"region: town\ndocument: {DOC}\nvalidity_source:\n  document: {DOC}\n  clause: 三、\n"
        f"  quote: 本办法自2025年1月1日起施行\n", encoding="utf-8")
    code, out = _run(tree)
    assert code == 0, out
    assert "3/3 fact-bearing clauses covered, 100%" in out and "[rule:town/validity_source]" in out


def test_json_report(tree: Path) -> None:
    code, out = _run(tree, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False and data["problems"] == []
    (doc,) = data["documents"]
    assert (doc["region"], doc["percent"], doc["fact_bearing"], doc["uncovered"]) == ("town", 66.7, 3, 1)
    clause = next(c for c in doc["clauses"] if c["label"] == "二、（一）")
    assert clause["covered_by"] == ["e-eligibility"] and clause["lines"] == [11, 12]
    assert clause["path"] == ["二、救助内容", "（一）救助对象"]


def test_stale_exclusion_and_missing_quote_are_reported(tree: Path) -> None:
    (tree / "data" / "coverage.yaml").write_text(
        f"not_fact_bearing:\n  - {{document: {DOC}, clause: 九、, reason: 不存在}}\n", encoding="utf-8")
    (tree / "entries" / "more.yaml").write_text(
        f"- id: e-made-up\n  sources:\n    - {{document: {DOC}, clause: 三、, quote: 自2026年起施行}}\n",
        encoding="utf-8")
    code, out = _run(tree, "--report-only")
    assert code == 0
    assert "coverage.yaml names '九、'" in out
    assert "quote of e-made-up not found in the text" in out
    assert "二、（三）  [UNCOVERED]" in out  # no longer excluded
    assert _run(tree)[0] == 1


def test_drafts_are_printed_not_written(tree: Path) -> None:
    before = {p.name: p.read_text(encoding="utf-8") for p in (tree / "entries").iterdir()}
    code, out = _run(tree, "--drafts", "town")
    assert code == 0
    drafts = yaml.safe_load(out)
    assert len(drafts) == 1
    (draft,) = drafts
    assert draft["draft"] is True and draft["answer"] == "" and draft["regions"] == ["town"]
    (source,) = draft["sources"]
    assert source == {"document": DOC, "clause": "三、", "quote": "本办法自2025年1月1日起施行。"}
    assert squash(source["quote"]) in squash(TEXT)
    assert {p.name: p.read_text(encoding="utf-8") for p in (tree / "entries").iterdir()} == before
    assert draft_entries(DOC, tree) == out
    code, out = _run(tree, "--drafts", "nowhere")
    assert code == 1 and "unknown document 'nowhere'" in out


def test_fact_signals() -> None:
    assert fact_signals("坚持以人民为中心，全面推进工作。") == []
    assert fact_signals("根据《2024年规划》（国发〔2021〕14号）精神。") == []
    assert fact_signals("未满１８周岁") == ["digit", "岁"]
    assert "申请" in fact_signals("持居住证可申请康复救助")


def test_shipped_knowledge_base_reports_every_document() -> None:
    code, out = _run(REAL, "--report-only")
    assert code == 0, out
    for region, doc in load_sources(REAL).items():
        pattern = rf"^{re.escape(doc.document)} \({region}\): \d+/\d+ fact-bearing clauses covered, \d+%$"
        assert re.search(pattern, out, re.M), (region, out[:500])
    report = coverage_report(REAL)
    assert all(not d.stale for d in report.documents)  # data/coverage.yaml names real clauses only
    assert all(d.fact_bearing for d in report.documents)


def test_shipped_drafts_quote_their_source() -> None:
    for region, doc in load_sources(REAL).items():
        source = squash(doc.file.read_text(encoding="utf-8"))
        for draft in yaml.safe_load(draft_entries(region, REAL)) or []:
            assert squash(draft["sources"][0]["quote"]) in source, (region, draft["sources"][0])
