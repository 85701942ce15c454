"""The answer evaluation harness: how a reply is judged, and a run through the real webhook."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer_eval import EvalItem, Turn, evaluate, judge, load_items, webhook_converser
from bot.sandbox.simulator import WeChatSimulator, flask_transport
from tests.conftest import TEST_TOKEN

CITE = "渝民〔2025〕24号"
ITEM = EvalItem(id="x", region="chongqing", turns=("重庆的娃儿7岁了还能补助不",), region_reply=None,
                expect="answer", facts=(("7—14", "7-14"), ("困难",)), cite=CITE, must_not=("20000",),
                first_word_not=("不符合",))
HANDOVER = EvalItem(id="h", region="none", turns=("北京有什么补贴",), region_reply=None, expect="handover",
                    facts=(), cite=None)


@pytest.mark.parametrize("item, text, outcome, asked, verdict", [
    (ITEM, f"重庆7—14岁困难家庭的孤独症儿童可以。\n依据：{CITE} 二", "answered", False, "right"),
    (ITEM, f"重庆7-14岁经济困难的可以\n依据：{CITE}", "answered", False, "right"),            # ASCII hyphen
    (ITEM, f"7—14岁困难家庭\n依据：{CITE}，每年20000元", "answered", False, "wrong"),       # must_not
    (ITEM, f"不符合：7—14岁困难家庭才行\n依据：{CITE}", "answered", False, "wrong"),        # first word
    (ITEM, f"【重庆】不符合：7—14岁困难\n依据：{CITE}", "answered", False, "wrong"),         # label stripped
    (ITEM, "7—14岁困难家庭可以\n依据：沪府发〔2025〕1号", "answered", False, "wrong"),      # another document
    (ITEM, "7—14岁困难家庭可以", "answered", False, "other"),                              # no citation
    (ITEM, f"重庆有救助\n依据：{CITE}", "answered", False, "other"),                        # no fact
    (ITEM, "我请志愿者来帮您看看", "escalated", False, "handover"),
    (ITEM, "1. 能补多少 2. 符不符合", "clarified", False, "menu/question"),
    (ITEM, "请问孩子在哪个地区？", "clarified", True, "menu/question"),
    (HANDOVER, "文件里没有写，我请志愿者来帮您看看", "escalated", False, "right"),
    (HANDOVER, "北京每月补500元\n依据：沪府发〔2025〕1号", "answered", False, "other"),
])
def test_judge(item: EvalItem, text: str, outcome: str, asked: bool, verdict: str) -> None:
    assert judge(item, Turn(text, outcome, asked)) == verdict


def test_a_run_through_the_webhook_counts_per_region(app) -> None:  # type: ignore[no-untyped-def]
    items = load_items(Path(__file__).parent.parent / "data" / "answers_sample.yaml")
    sim = WeChatSimulator(flask_transport(app.test_client()), TEST_TOKEN)
    report = evaluate(items, webhook_converser(app, sim))
    assert report.verdicts == {"t-001": "right", "t-002": "right"}
    assert report.counts("shanghai")["right"] == 1
    assert "shanghai" in report.format()


def test_a_broken_set_names_the_item(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("items:\n  - id: b-1\n    region: qijiang\n", encoding="utf-8")
    with pytest.raises(ValueError, match="b-1"):
        load_items(path)


def test_show_lists_misses_only_for_a_development_set() -> None:
    from click.testing import CliRunner

    from bot.cli import main

    refused = CliRunner().invoke(main, ["eval", "answers", "--show"])
    assert refused.exit_code == 2 and "aggregate only" in refused.output
    sample = str(Path(__file__).parent.parent / "data" / "answers_sample.yaml")
    shown = CliRunner().invoke(main, ["eval", "answers", "--set", sample, "--show"])
    assert shown.exit_code == 0, shown.output
    assert "right" in shown.output.splitlines()[0]
