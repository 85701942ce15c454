"""The 政策文件 console page: documents with validity, coverage and drafts, for admins only (issue 16)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import time_machine
from click.testing import CliRunner

import knowledge
from bot.console.views.policies import policy_rows
from knowledge.cli import kb_group
from tests import test_console_support as support
from tests.test_console_support import login

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures
PACKAGE = Path(knowledge.__file__).resolve().parent


def test_admin_sees_each_document_with_validity_and_coverage(capp, accounts) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2030, 3, 1, 4, tzinfo=dt.UTC), tick=False):
        page = login(capp, accounts, "admin").get("/console/policies").get_data(as_text=True)
    assert "沪府发〔2025〕1号" in page and "2030-04-30" in page and "60天后到期" in page
    assert page.count("100%") == 5  # the shipped knowledge base covers every fact-bearing clause
    assert login(capp, accounts, "staff").get("/console/policies").status_code == 403


def test_a_new_document_shows_its_gap_and_drafts(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(PACKAGE / "data", root / "data")
    result = CliRunner().invoke(kb_group, ["import", str(Path(__file__).resolve().parents[2] / "data" / "xinghe_county.txt"),
                                           "--region", "xinghe", "--name", "星河县", "--document",
                                           "星残联发〔2026〕3号", "--valid-to", "2027-12-31", "--root", str(root)])
    assert result.exit_code == 0, result.output
    with time_machine.travel(dt.datetime(2028, 1, 2, 4, tzinfo=dt.UTC), tick=False):
        [row] = policy_rows(root)
    assert (row.percent, row.drafts, row.state) == (0.0, row.uncovered, "已过期") and row.drafts > 0
