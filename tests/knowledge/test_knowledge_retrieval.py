"""Retrieval over the real knowledge base: top-1 per entry, held-out variants, regions, answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import Answer, KnowledgeBase, load_knowledge_base
from knowledge.entries import ALL

HELD_OUT_FLOOR = 0.7  # measured 0.82 when written; fail loudly if retrieval regresses well below that


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jieba")


@pytest.fixture(scope="module")
def kb(cache_dir: Path) -> KnowledgeBase:
    return load_knowledge_base(cache_dir=cache_dir)


def _home(entry) -> str:
    return "qijiang" if ALL in entry.regions else entry.regions[0]


def test_load_counts(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 60
    for region in ("qijiang", "chongqing", "guangxi", "zhuji", "shanghai"):
        assert sum(1 for e in kb.entries if region in e.regions) >= 10, region


def test_every_first_question_retrieves_its_entry(kb: KnowledgeBase) -> None:
    misses = []
    for entry in kb.entries:
        hits = kb.search(entry.questions[0], _home(entry), None, limit=1)
        if not hits or hits[0].entry.id != entry.id:
            misses.append((entry.id, entry.questions[0], hits[0].entry.id if hits else None))
    assert not misses


def test_first_question_with_its_intent(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        hits = kb.search(entry.questions[0], _home(entry), entry.intents[0], limit=1)
        assert hits and hits[0].entry.id == entry.id, entry.id


def test_held_out_top1(kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    total = correct = 0
    for entry in kb.entries:
        for question in entry.held_out:
            total += 1
            hits = kb.search(question, _home(entry), None, limit=1)
            correct += bool(hits) and hits[0].entry.id == entry.id
    assert total >= 60
    with capsys.disabled():
        print(f"\nheld-out top-1: {correct}/{total} = {correct / total:.2f}")
    assert correct / total >= HELD_OUT_FLOOR


def test_region_switching_cites_that_regions_document(kb: KnowledgeBase) -> None:
    question = "孤独症孩子康复补助一年多少钱"
    expected = {
        "qijiang": "綦残联发〔2025〕7号", "chongqing": "渝民〔2025〕24号", "guangxi": "桂残联字〔2024〕36号",
        "zhuji": "诸政办发〔2023〕38号", "shanghai": "沪府发〔2025〕1号",
    }
    seen = set()
    for region, document in expected.items():
        answer = kb.answer(question, region, "aid_amount")
        assert answer.kind == "answer"
        assert document in answer.text.splitlines()[-2], answer.text
        seen.add(answer.entry_ids[0])
    assert len(seen) == 5


def test_region_filter_excludes_other_regions(kb: KnowledgeBase) -> None:
    for hit in kb.search("送教上门一个月几次", "shanghai", None, limit=10):
        assert hit.entry.applies_to("shanghai")
        assert "qijiang" not in hit.entry.regions or "shanghai" in hit.entry.regions


def test_ask_region_when_answers_differ(kb: KnowledgeBase) -> None:
    answer = kb.answer("孤独症孩子康复补助一年多少钱", None, "aid_amount")
    assert answer.kind == "ask_region"
    assert len(answer.regions) >= 2 and set(answer.regions) <= set(kb.sources)
    assert "綦江区" in answer.text or "上海市" in answer.text


def test_all_entry_answers_without_region(kb: KnowledgeBase) -> None:
    answer = kb.answer("孤独症需要早发现早诊断吗", None, None)
    assert answer.kind == "answer" and answer.entry_ids == ["all-early-intervention"]
    for doc in kb.sources.values():
        assert doc.document in answer.text


def test_region_named_in_text_is_used(kb: KnowledgeBase) -> None:
    answer = kb.answer("诸暨孤独症康复补贴每月多少钱", None, None)
    assert answer.kind == "answer" and answer.entry_ids == ["zj-amount"]
    assert kb.answer("重庆綦江0到6岁康复补助多少", None, None).entry_ids == ["qj-amount-0-6"]


def test_answer_text_has_citation_and_disclaimer(kb: KnowledgeBase) -> None:
    answer = kb.answer("0到6岁的孩子康复训练一年补多少", "qijiang", "aid_amount")
    lines = answer.text.splitlines()
    assert answer.entry_ids == ["qj-amount-0-6"]
    assert "20000" in lines[0]
    assert lines[1] == "依据：綦残联发〔2025〕7号 附件 任务清单第3项 康复政策提标扩面（1）"
    assert lines[2] == kb.settings.disclaimer
    plain = kb.answer("綦江有没有送教上门", "qijiang", "education")
    # "有。…" is a verdict: the disclaimer follows the content, not the entry's tag
    assert plain.text.splitlines()[-2].startswith("依据：綦残联发〔2025〕7号")
    assert plain.text.splitlines()[-1] == kb.settings.disclaimer


def test_shanghai_amount_states_no_number(kb: KnowledgeBase) -> None:
    answer = kb.answer("上海孤独症康复救助一年补多少钱", "shanghai", "aid_amount")
    assert answer.entry_ids == ["sh-amount"]
    assert "市残联" in answer.text and not any(ch.isdigit() for ch in answer.text.splitlines()[0])


def test_not_covered_is_honest(kb: KnowledgeBase) -> None:
    for question in ("今天天气怎么样", "帮我订一张火车票"):
        answer = kb.answer(question, "qijiang", None)
        assert isinstance(answer, Answer) and answer.kind == "not_covered"
        assert answer.text == kb.settings.messages["not_covered"] and "志愿者" in answer.text


def test_expired_entry_gets_note(kb: KnowledgeBase) -> None:
    import datetime as dt

    entry = next(e for e in kb.entries if e.id == "sh-validity")
    assert "有效期至2030-04-30" in kb.render(entry, "shanghai", today=dt.date(2030, 5, 1))
    assert "有效期至2030-04-30" not in kb.render(entry, "shanghai", today=dt.date(2026, 1, 1))


def test_plugged_tokenizer_is_used(tmp_path: Path) -> None:
    calls: list[str] = []

    def chars(text: str) -> list[str]:
        calls.append(text)
        return [ch for ch in text if not ch.isspace()]

    other = load_knowledge_base(tokenize=chars)
    assert calls and other.search("送教上门", "qijiang", None)


def test_jieba_cache_goes_to_cache_dir(kb: KnowledgeBase, cache_dir: Path) -> None:
    assert kb.search("孤独症", None, None)
    assert (cache_dir / "jieba.knowledge.cache").is_file()


@pytest.mark.parametrize("question, residency, expected", [
    ("上海户籍孩子能享受康复救助吗", "hukou", "sh-eligibility-hukou"),
    ("上海户口的孩子能申请救助吗", "hukou", "sh-eligibility-hukou"),
    ("我们在上海有居住证 孩子能享受救助吗", "residence_permit", "sh-eligibility-residence"),
    ("没有广西户口 有居住证能申请吗", "residence_permit", "gx-residence-permit"),
    # a hukou family is never given the residence-permit rules (there is no Guangxi hukou entry: not covered)
    ("广西户籍的孩子能申请康复救助吗", "hukou", None),
])
def test_residency_said_in_the_message_keeps_the_other_kind_of_family_out(
        kb: KnowledgeBase, question: str, residency: str, expected: str | None) -> None:
    answer = kb.answer(question, None, "eligibility", residency=residency)
    if expected is None:
        assert answer.kind != "answer" or all(
            kb_entry.residency != "residence_permit" for kb_entry in kb.entries if kb_entry.id in answer.entry_ids)
    else:
        assert answer.kind == "answer" and answer.entry_ids == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("孩子3岁", ["孩子"]),
    ("辅具能补吗", ["辅具", "具能", "能补", "补吗"]),
    ("abc 12", ["abc", "12"]),
    ("孤", ["孤"]),
])
def test_char_bigrams(text: str, expected: list[str]) -> None:
    from knowledge.base import char_bigrams

    assert char_bigrams(text.replace("3岁", "")) == expected


def test_child_age_is_a_filter_not_words(kb: KnowledgeBase) -> None:
    """"娃儿3岁…交通补贴" asks about transport; the age must not pull the 0—6 amount entry first."""
    hits = kb.search("我们是綦江的，娃儿3岁，家里是低保户，交通补贴有好多", "qijiang", None, age=3.0)
    assert hits[0].entry.id == "qj-transport"


def test_citation_folds_shared_headings() -> None:
    from knowledge.render import fold_clauses

    assert fold_clauses(["附件 第3项 提标（1）", "附件 第3项 提标（2）", "二、（一）"]) == \
        ["附件 第3项 提标（1）（2）", "二、（一）"]


def test_leave_one_out_tuning_restores_settings_and_reports_each_pair(kb: KnowledgeBase) -> None:
    from knowledge.tune import tune

    before = kb.settings
    rows = tune(kb, ["今天天气怎么样", "帮我订一张火车票"], [0.0, 0.25], [0.5])
    assert kb.settings is before
    assert [(r.char_weight, r.answer_weight) for r in rows] == [(0.0, 0.5), (0.25, 0.5)]
    assert all(0.5 < r.loo_top1 <= 1 and 0.5 < r.held_out_top1 <= 1 for r in rows)
    assert all(r.negatives_kept <= 0.5 for r in rows)

