"""Issue 16, validity on every answer path: the knowledge base's own search, the eligibility verdicts, the
two-choice menu. Time-travel tests (time-machine): the shipped Shanghai document runs to 2030-04-30; a
replacement for Qijiang's document is imported into a copy of the knowledge folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from sqlmodel import Session, select

import knowledge
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from bot.storage.db import get_engine
from bot.storage.models import User
from knowledge import load_knowledge_base
from knowledge.base import KnowledgeBase
from knowledge.cli import kb_group
from knowledge.eligibility import load_rulebook
from knowledge.regions import use_knowledge_root
from knowledge.sources import load_sources
from tests.conftest import TEST_TOKEN, build_app
from tests.helpers.knowledge_copy import copy_shipped_knowledge

PACKAGE = Path(knowledge.__file__).resolve().parent
BEIJING_NOON = dt.time(12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SH_LAST, SH_AFTER = dt.date(2030, 4, 30), dt.date(2030, 5, 1)
QJ_OLD, QJ_NEW = "綦残联发〔2025〕7号", "綦残联发〔2027〕1号"
VERDICT_QJ = "我们在綦江，孩子5岁，确诊孤独症，能申请康复救助吗"


@pytest.fixture(scope="module")
def kb(cache_dir: Path) -> KnowledgeBase:
    return load_knowledge_base(cache_dir=cache_dir)


def at(day: str | dt.date) -> time_machine.travel:
    when = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return time_machine.travel(dt.datetime.combine(when, BEIJING_NOON), tick=False)


def test_search_never_finds_an_entry_of_an_ended_document(kb: KnowledgeBase) -> None:
    ask = "上海孤独症儿童康复救助的对象是谁"
    current = kb.search(ask, "shanghai", None, limit=50, today=SH_LAST)
    assert any("shanghai" in h.entry.regions for h in current)
    after = kb.search(ask, "shanghai", None, limit=50, today=SH_AFTER)
    assert not any("shanghai" in h.entry.regions for h in after)
    ended = kb.search(ask, "shanghai", None, limit=50, today=SH_AFTER, ended=True)
    assert {h.entry.id for h in current} == {h.entry.id for h in ended} | {h.entry.id for h in after}
    assert any("shanghai" in h.entry.regions for h in ended)
    with at(SH_AFTER):  # the default day is China's today
        assert not any("shanghai" in h.entry.regions for h in kb.search(ask, "shanghai", None, limit=50))


def test_answer_says_expired_with_the_date_rather_than_not_covered(kb: KnowledgeBase) -> None:
    found = kb.answer("上海孤独症儿童康复救助的对象是谁", "shanghai", None, today=SH_AFTER)
    assert found.kind == "expired" and found.standing is not None
    assert found.standing.ended == SH_LAST and found.standing.document.document == "沪府发〔2025〕1号"
    assert kb.answer("上海孤独症儿童康复救助的对象是谁", "shanghai", None, today=SH_LAST).kind == "answer"


def test_a_verdict_under_an_ended_document_is_not_given() -> None:
    book = load_rulebook(sources=load_sources())
    profile = {"region": "shanghai", "age": 5, "diagnosis": "diagnosed", "residency": "hukou"}
    assert book.evaluate({**profile, "as_of": SH_LAST.isoformat()}).status == "eligible"
    ended = book.evaluate({**profile, "as_of": SH_AFTER.isoformat()})
    assert ended.status == "not_covered" and ended.standing is not None and ended.standing.ended == SH_LAST


# --- through the webhook, with a replacement for Qijiang's document imported into a copy of the folder ---

@pytest.fixture
def replaced(tmp_path: Path) -> Iterator[Path]:
    """The shipped knowledge folder plus 綦残联发〔2027〕1号, which replaces Qijiang's document from 2027-01-01
    (its entries and rules not yet written)."""
    root = copy_shipped_knowledge(tmp_path / "kb")
    new = tmp_path / "qijiang_2027.txt"
    new.write_text((PACKAGE / "sources" / "qijiang.txt").read_text(encoding="utf-8").replace("綦残联发〔2025〕7 号", QJ_NEW),
                   encoding="utf-8")
    result = CliRunner().invoke(kb_group, ["import", str(new), "--region", "qijiang", "--document", QJ_NEW,
                                           "--replaces", QJ_OLD, "--valid-from", "2027-01-01", "--root", str(root)])
    assert result.exit_code == 0, result.output
    yield root
    use_knowledge_root(None)


def chat(tmp_path: Path, sandbox, cache_dir: Path, root: Path | None, day: str,  # type: ignore[no-untyped-def]
         *texts: str, dialogue: dict | None = None) -> list[str]:
    with at(day):
        sandbox.reset()
        extra = {"XINGBAN_KNOWLEDGE_DIR": str(root)} if root else {}
        app: Flask = build_app(tmp_path / day, sandbox, cache_dir, **extra)
        try:
            sim = WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)
            replies = []
            for n, text in enumerate(texts):
                if dialogue is not None and n == 1:
                    set_dialogue(app, "o-valid", dialogue)
                replies.append(sim.send_text("o-valid", text).text)
            return replies
        finally:
            app.extensions["db_engine"].dispose()


def set_dialogue(app: Flask, openid: str, state: dict) -> None:
    with Session(get_engine(app)) as db:
        user = db.exec(select(User).where(User.openid == openid)).one()
        user.dialogue = state
        db.add(user)
        db.commit()


def test_a_verdict_cites_the_old_document_only_while_it_is_in_force(  # type: ignore[no-untyped-def]
        replaced: Path, tmp_path: Path, sandbox, cache_dir: Path) -> None:
    [before] = chat(tmp_path, sandbox, cache_dir, replaced, "2026-12-31", VERDICT_QJ)
    assert "符合" in before and QJ_OLD in before
    [after] = chat(tmp_path, sandbox, cache_dir, replaced, "2027-01-01", VERDICT_QJ)
    assert f"{QJ_OLD}，该文件已过期（有效期至2026-12-31），现行文件是{QJ_NEW}" in after
    assert "初步判断" not in after and "20000" not in after and "工单号" in after


def test_the_eligibility_interview_stops_when_the_document_has_ended(  # type: ignore[no-untyped-def]
        replaced: Path, tmp_path: Path, sandbox, cache_dir: Path) -> None:
    state = {"await": "eligibility", "asking": "age", "intent": "eligibility",
             "profile": {"region": "qijiang", "diagnosis": "diagnosed"}}
    _, reply = chat(tmp_path, sandbox, cache_dir, replaced, "2027-02-01", "你好", "5岁", dialogue=state)
    assert "已过期" in reply and QJ_NEW in reply and "工单号" in reply and "初步判断" not in reply


def test_a_menu_choice_made_after_the_document_ended_is_not_served(  # type: ignore[no-untyped-def]
        tmp_path: Path, sandbox, cache_dir: Path) -> None:
    state = {"await": "choose", "entries": ["sh-amount", "sh-apply"], "region": "shanghai", "facts": {},
             "text": "上海康复救助"}
    _, chosen = chat(tmp_path, sandbox, cache_dir, None, "2030-04-30", "你好", "1", dialogue=state)
    assert "沪府发〔2025〕1号" in chosen and "已过期" not in chosen
    _, late = chat(tmp_path, sandbox, cache_dir, None, "2030-05-01", "你好", "1", dialogue=state)
    assert "该文件已过期（有效期至2030-04-30）" in late and "工单号" in late


def test_a_verdict_question_after_shanghai_s_document_ends_gets_a_volunteer(  # type: ignore[no-untyped-def]
        tmp_path: Path, sandbox, cache_dir: Path) -> None:
    ask = "上海的孩子5岁，确诊孤独症，上海户口，能申请康复救助吗"
    [before] = chat(tmp_path, sandbox, cache_dir, None, "2030-04-30", ask)
    assert "初步判断" in before
    [after] = chat(tmp_path, sandbox, cache_dir, None, "2030-05-01", ask)
    assert "沪府发〔2025〕1号，该文件已过期（有效期至2030-04-30）" in after and "工单号" in after
