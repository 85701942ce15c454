"""Issue 16 end to end: a county document imported, one draft finished by hand, answered through the real
webhook with its citation; and the clock: answered while in force, "已过期" and a volunteer after, the
superseding document cited instead once it applies."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
import yaml
from click.testing import CliRunner
from flask import Flask

import knowledge
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from knowledge.cli import kb_group
from knowledge.regions import use_knowledge_root
from tests.conftest import TEST_TOKEN, build_app

PACKAGE = Path(knowledge.__file__).resolve().parent
DATA = Path(__file__).resolve().parents[1] / "data"
OLD, NEW = "星残联发〔2026〕3号", "星残联发〔2027〕9号"
ASK = "星河县孤独症孩子的康复训练补助一年多少钱"
BEIJING_NOON = dt.time(12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(kb_group, [str(a) for a in args])
    return result.exit_code, result.output


def import_county(root: Path, file: str, document: str, *extra: str) -> None:
    code, out = run("import", DATA / file, "--region", "xinghe", "--name", "星河县", "--document", document,
                    "--root", root, *extra)
    assert code == 0, out


def finish_draft(root: Path, document: str, amount: str) -> dict:
    """What a person does: pick the draft of the amount clause, write the answer, keep the quote."""
    drafts = yaml.safe_load((root / "drafts" / "xinghe.yaml").read_text(encoding="utf-8"))
    draft = next(d for d in drafts if d["sources"][0]["clause"] == "二、（一）")
    assert draft["answer"] == "" and draft["draft"] is True and amount in draft["sources"][0]["quote"]
    del draft["draft"]
    draft.update(id=f"xinghe-amount-{amount}", intents=["aid_amount"], reviewed="2026-11-30",
                 answer=f"星河县康复训练补助每人每年{amount}，按月发放至定点康复机构。",
                 questions=["星河县康复训练补助一年多少钱", "星河县康复补助标准是多少", "星河县孤独症康复能补多少钱"])
    entries = root / "entries" / "xinghe.yaml"
    entries.parent.mkdir(exist_ok=True)
    existing = yaml.safe_load(entries.read_text(encoding="utf-8")) if entries.exists() else []
    entries.write_text(yaml.safe_dump([*existing, draft], allow_unicode=True, sort_keys=False), encoding="utf-8")
    return draft


@pytest.fixture
def county(tmp_path: Path) -> Iterator[Path]:
    """A knowledge folder holding only the imported county (settings and region table from the package)."""
    root = tmp_path / "kb"
    shutil.copytree(PACKAGE / "data", root / "data")
    import_county(root, "xinghe_county.txt", OLD, "--valid-from", "2026-01-01", "--valid-to", "2027-12-31")
    yield root
    use_knowledge_root(None)  # the app below served this folder's region table


def ask(tmp_path: Path, sandbox, cache_dir: Path, root: Path, day: str, openid: str = "o-xh") -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime.combine(dt.date.fromisoformat(day), BEIJING_NOON), tick=False):
        sandbox.reset()
        app: Flask = build_app(tmp_path / day, sandbox, cache_dir, XINGBAN_KNOWLEDGE_DIR=str(root))
        try:
            sim = WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)
            return sim.send_text(openid, ASK).text
        finally:
            app.extensions["db_engine"].dispose()


def test_imported_county_is_mapped_drafted_and_answered_with_its_citation(
        county: Path, tmp_path: Path, sandbox, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = run("coverage", "--root", county, "--report-only")
    assert code == 0 and f"{OLD} (xinghe): 0/" in out
    assert "二、（一）  [UNCOVERED]  （一）康复训练补助。每人每年补助12000元" in out
    drafts = yaml.safe_load((county / "drafts" / "xinghe.yaml").read_text(encoding="utf-8"))
    assert {d["sources"][0]["clause"] for d in drafts} >= {"一、", "二、（一）", "二、（二）", "三、（二）"}
    finish_draft(county, OLD, "12000元")
    code, out = run("check", "--root", county)
    assert code == 0, out
    assert f"{len(drafts)} draft(s) waiting" in out  # the finished one is still in drafts/ until deleted
    reply = ask(tmp_path, sandbox, cache_dir, county, "2026-06-01")
    assert "每人每年12000元" in reply and f"{OLD} 二、（一）" in reply


def test_a_draft_pasted_into_entries_is_refused_not_served(county: Path) -> None:
    shutil.copy(county / "drafts" / "xinghe.yaml", county / "entries.yaml")
    (county / "entries").mkdir()
    shutil.move(county / "entries.yaml", county / "entries" / "xinghe.yaml")
    code, out = run("check", "--root", county)
    assert code != 0 and "draft-xinghe-01 is a draft" in out and "entries/xinghe.yaml:" in out


def test_an_expired_document_is_not_served_as_current(county: Path, tmp_path: Path, sandbox,  # type: ignore[no-untyped-def]
                                                      cache_dir: Path) -> None:
    finish_draft(county, OLD, "12000元")
    assert "12000元" in ask(tmp_path, sandbox, cache_dir, county, "2027-12-31")
    reply = ask(tmp_path, sandbox, cache_dir, county, "2028-01-01")
    assert "已过期" in reply and "有效期至2027-12-31" in reply and OLD in reply
    assert "12000" not in reply and "志愿者" in reply and "工单号" in reply


def test_the_superseding_document_is_cited_once_it_applies(county: Path, tmp_path: Path, sandbox,  # type: ignore[no-untyped-def]
                                                           cache_dir: Path) -> None:
    finish_draft(county, OLD, "12000元")
    import_county(county, "xinghe_county_2028.txt", NEW, "--replaces", OLD, "--valid-from", "2028-01-01",
                  "--valid-to", "2030-12-31")
    finish_draft(county, NEW, "15000元")
    code, out = run("check", "--root", county)
    assert code == 0, out  # the old entry still checks against the replaced text
    before = ask(tmp_path, sandbox, cache_dir, county, "2027-06-01")
    assert "12000元" in before and OLD in before and NEW not in before
    after = ask(tmp_path, sandbox, cache_dir, county, "2028-03-01")
    assert "15000元" in after and f"{NEW} 二、（一）" in after and OLD not in after


def test_kb_check_warns_before_a_document_ends_and_after(tmp_path: Path) -> None:
    with time_machine.travel(dt.datetime(2030, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        code, out = run("check")
    assert code == 0 and "warning: 沪府发〔2025〕1号 (shanghai) expires on 2030-04-30, in 88 day(s)" in out
    with time_machine.travel(dt.datetime(2030, 5, 1, 12, tzinfo=dt.UTC), tick=False):
        code, out = run("check")
    assert code == 0 and "warning: 沪府发〔2025〕1号 (shanghai) expired on 2030-04-30" in out
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        code, out = run("check")
    assert code == 0 and "warning" not in out


def test_an_expired_answer_names_what_replaced_it_while_its_entries_are_still_drafts(
        county: Path, tmp_path: Path, sandbox, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    finish_draft(county, OLD, "12000元")
    import_county(county, "xinghe_county_2028.txt", NEW, "--replaces", OLD, "--valid-from", "2028-01-01")
    reply = ask(tmp_path, sandbox, cache_dir, county, "2028-01-01")
    assert "已过期（有效期至2027-12-31），现行文件是星残联发〔2027〕9号" in reply
    assert "12000" not in reply and "工单号" in reply


def test_a_document_not_yet_in_force_is_not_served_either(county: Path, tmp_path: Path, sandbox,  # type: ignore[no-untyped-def]
                                                          cache_dir: Path) -> None:
    finish_draft(county, OLD, "12000元")
    reply = ask(tmp_path, sandbox, cache_dir, county, "2025-12-31")
    assert f"{OLD}，该文件自2026-01-01起施行，现在还没有生效" in reply and "12000" not in reply
