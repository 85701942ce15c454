"""The documents' own sentences: found, quoted verbatim with their clause, and only when they answer."""

from __future__ import annotations

import pytest

from knowledge import load_knowledge_base
from knowledge.base import KnowledgeBase
from knowledge.sources import load_sources


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def test_every_quoted_sentence_is_its_clause_text_unchanged() -> None:
    """Sentences are cut from the clause texts the clause parser reads from the documents (wrapped table cells
    rejoined; tests/knowledge/test_clauses.py checks that against each document), never reworded."""
    from knowledge.clauses import split_clauses
    from knowledge.passages import Passages

    sources = load_sources()
    passages = Passages(sources, list)  # characters as tokens: the sentences are what is checked here
    assert len(passages) > 300
    bodies = {(region, c.label): c.body.replace("\n", "") for region, doc in sources.items()
              for c in split_clauses(doc.file.read_text(encoding="utf-8"))}
    for item in passages:
        assert item.text in bodies[(item.region, item.clause)], item


@pytest.mark.parametrize(
    ("question", "region", "words", "clause"),
    [
        ("诸暨先行区领导小组组长是谁", "zhuji", "分管副市长任组长", "五、（一）"),
        ("广西有没有用AI帮孤独症孩子做干预训练", "guangxi", "探索 AI 赋能", "三、（二）"),
        ("诸暨要建的高标准康复机构一年能服务多少孤独症孩子", "zhuji", "每年服务 1000 名", "附件1 二、建设示范机构"),
    ],
)
def test_a_fact_no_entry_covers_is_quoted_with_its_clause(kb: KnowledgeBase, question: str, region: str,
                                                          words: str, clause: str) -> None:
    found = kb.quote(question, region)
    assert found is not None and found.kind == "quote"
    assert words in found.text and clause in found.text and kb.sources[region].document in found.text
    assert found.tentative and kb.settings.messages["tentative"] in found.text  # a person is offered: nobody reviewed this sentence as an answer


@pytest.mark.parametrize(
    ("question", "region"),
    [
        ("綦江今天天气怎么样", "qijiang"),
        ("上海哪里可以学钢琴", "shanghai"),
        ("綦江区残联的办公电话是多少", "qijiang"),  # a kind of fact no document gives: never a nearby sentence
        ("孤独症孩子的康复补助", None),  # no region: no document to quote from
    ],
)
def test_nothing_is_quoted_for_what_the_documents_do_not_answer(kb: KnowledgeBase, question: str,
                                                                region: str | None) -> None:
    assert kb.quote(question, region) is None
