"""Every statement as narrow as its source (issue 17): the edges where an answer said more, or less, than its
clause. Eligibility cases are table-driven; each names the words the reasons must (and must not) carry.
The review checklist these encode is in knowledge/README.md."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from knowledge import load_knowledge_base
from knowledge.eligibility import load_rulebook
from knowledge.eligibility_dialogue import format_result

REVIEWED_SINCE = dt.date(2026, 11, 30)  # every entry re-read against its clause with the README checklist
AS_OF = "2026-12-01"

# (name, profile, status, rule, reasons must contain, reasons must not contain)
EDGES = [
    # 綦江 (2): the 5-year limit is written on the 7—17 tier; aid at 0—6 does not make a 7-year-old a confident no
    ("qijiang 7-year-old aided from 2 to 6, other family",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 7, "institution": "in_district", "years_aided": 5,
      "hardship": False},
     "eligible", "qijiang_7_17_in_district_counted_from_7", ["满 7 岁以前享受的救助是否计入", "以区残联认定为准"], []),
    ("qijiang 7-year-old aided from 2 to 6, hardship family",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 7, "institution": "in_district", "years_aided": 5,
      "hardship": True},
     "eligible", "qijiang_7_17_in_district_counted_from_7", ["以区残联认定为准", "10000 元"], []),
    ("qijiang 12-year-old aided 5 years since 7, other family",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 12, "institution": "in_district", "years_aided": 5,
      "hardship": False},
     "not_eligible", "qijiang_in_district_past_5_years", ["不符合：仍在 5 年救助年限内", "只写了经济条件困难家庭"], []),
    # 綦江 (3): an out-of-district refusal cites (3), and says what the district would pay
    ("qijiang out of district, other family, age 10",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 10, "institution": "out_of_district", "years_aided": 1,
      "hardship": False},
     "not_eligible", "qijiang_out_of_district_not_hardship", ["不符合：属于经济条件困难家庭", "在区内定点康复机构"], []),
    # 綦江: transport only changes an amount; the status stays eligible and both figures are given
    ("qijiang 0-6 without the hardship fact",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 4},
     "eligible", "qijiang_0_6", ["500 元", "300 元"], []),
    ("qijiang 7-17 in district: transport on top is not asserted",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 9, "institution": "in_district", "years_aided": 1,
      "hardship": True},
     "eligible", "qijiang_7_17_in_district", ["是否另发生活交通补助", "以区残联认定为准"], ["不是在年度标准之外另加"]),
    ("qijiang other family is called what the document calls it",
     {"region": "qijiang", "diagnosis": "diagnosed", "age": 9, "institution": "in_district", "years_aided": 1,
      "hardship": False},
     "eligible", "qijiang_7_17_in_district", ["其他残疾儿童补助标准 18000"], ["其他家庭补助标准"]),
    # 重庆: the notice covers 困境 children and names no deciding body; what it leaves out is said
    ("chongqing 0-6 without 困境 stated",
     {"region": "chongqing", "diagnosis": "diagnosed", "age": 4},
     "eligible", "chongqing_0_6", ["前提：孩子属于困境儿童", "以当地民政部门、残联认定为准", "实施办法"],
     ["由民政认定", "民政、残联认定为准"]),
    ("chongqing 7-14 other family",
     {"region": "chongqing", "diagnosis": "diagnosed", "age": 9, "hardship": False},
     "not_eligible", None, ["不符合：家庭经济困难"], []),
    # 广西: a plan for children that leaves age and amounts to each place
    ("guangxi adult with hukou",
     {"region": "guangxi", "diagnosis": "diagnosed", "age": 20, "residency": "hukou"},
     "not_covered", "guangxi_adult", ["年龄范围与标准由当地确定", "当地残联"], ["符合："]),
    ("guangxi child with a residence permit",
     {"region": "guangxi", "diagnosis": "diagnosed", "age": 6, "residency": "residence_permit"},
     "eligible", "guangxi_residence_permit", ["可向当地残联申请，年龄范围与标准由当地确定"], []),
    # 诸暨: only the 诸暨籍 top-up is restricted; say where else to ask
    ("zhuji residence-permit child",
     {"region": "zhuji", "diagnosis": "diagnosed", "age": 4, "residency": "residence_permit"},
     "not_eligible", "zhuji_not_local", ["不符合：诸暨籍", "诸暨市残联"], []),
    ("zhuji before the 36000 cap's completion month",
     {"region": "zhuji", "diagnosis": "diagnosed", "age": 4, "residency": "hukou", "as_of": "2024-03-01"},
     "eligible", "zhuji_under_7", ["2024 年 6 月"], []),
    # 上海: a generic 已确诊 is not "diagnosed by the designated body"; certificate categories are the document's
    ("shanghai hukou, diagnosed somewhere",
     {"region": "shanghai", "diagnosis": "diagnosed", "age": 4, "residency": "hukou"},
     "eligible", "shanghai_hukou", ["前提：诊断须由上海市孤独症儿童康复救助诊断机构作出"],
     ["符合：经上海市孤独症儿童康复救助诊断机构诊断"]),
    ("shanghai residence permit, certificate only",
     {"region": "shanghai", "diagnosis": "none", "age": 4, "residency": "residence_permit",
      "disability_certificate": True, "permit_years": 2, "other_province_aid": False},
     "eligible", "shanghai_residence_permit", ["视力、听力、言语、肢体、智力等", "以市残联认定为准", "参照执行"], []),
    ("shanghai hukou, no diagnosis, certificate or card",
     {"region": "shanghai", "diagnosis": "suspected", "age": 4, "residency": "hukou",
      "disability_certificate": False, "sunshine_card": False},
     "not_eligible", None, ["不符合：", "经上海市孤独症儿童康复救助诊断机构诊断为孤独症"], []),
    ("shanghai residence permit under a year",
     {"region": "shanghai", "diagnosis": "diagnosed", "age": 4, "residency": "residence_permit",
      "permit_years": 0.5, "other_province_aid": False},
     "not_eligible", None, ["不符合：父母双方", "满 1 年以上后可以申请"], []),
]


@pytest.fixture(scope="module")
def book():
    return load_rulebook()


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


@pytest.mark.parametrize(("name", "profile", "status", "rule", "must", "must_not"), EDGES, ids=[e[0] for e in EDGES])
def test_edges(book, name, profile, status, rule, must, must_not):
    result = book.evaluate({"as_of": AS_OF, **profile}).to_dict()
    texts = " | ".join(r["text"] for r in result["reasons"])
    assert result["status"] == status, texts
    if rule is not None:
        assert result["rule"] == rule
    for words in must:
        assert words in texts, (words, texts)
    for words in must_not:
        assert words not in texts, (words, texts)
    assert all(r["source"].startswith(result["policy"]) for r in result["reasons"])


def test_conditions_stated_not_checked_are_shown_first(book):
    """A phone shows the first few reasons: an answer that rests on a 前提 leads with it."""
    for profile in ({"region": "chongqing", "diagnosis": "diagnosed", "age": 4},
                    {"region": "guangxi", "diagnosis": "diagnosed", "age": 6, "residency": "hukou"},
                    {"region": "shanghai", "diagnosis": "diagnosed", "age": 4, "residency": "hukou", "as_of": AS_OF}):
        result = book.evaluate(profile)
        assert result.reasons[0].text.startswith("前提："), result.reasons
        assert "前提：" in format_result(result)


def _profiles():
    grid = {
        "region": ["qijiang", "chongqing", "guangxi", "zhuji", "shanghai"],
        "age": [None, 3, 7, 10, 12, 15, 20],
        "diagnosis": [None, "diagnosed", "suspected"],
        "residency": [None, "hukou", "residence_permit", "none"],
        "hardship": [None, True, False],
        "institution": [None, "in_district", "out_of_district"],
        "years_aided": [None, 2, 5, 6],
    }
    for values in itertools.product(*grid.values()):
        yield {"as_of": AS_OF, **{k: v for k, v in zip(grid, values, strict=True) if v is not None}}


def test_every_refusal_names_the_failed_condition_and_its_clause(book):
    """Issue 18: a "not eligible" leads with the condition that fails and its clause; an eligible answer never
    waits on a question; facts that only change an amount are listed in `missing`."""
    for profile in _profiles():
        result = book.evaluate(profile)
        if result.status == "not_eligible":
            first = result.reasons[0]
            assert first.text.startswith(("不符合：", "因为")) and first.source.startswith(result.policy), profile
        if result.status == "eligible":
            assert result.next_question is None
        if result.status == "need_info":
            assert result.missing and result.next_question
        for reason in result.reasons:
            assert len(reason.text) <= 80, reason.text  # reasons go to a phone


def test_no_eligible_answer_for_an_adult_under_a_childrens_plan(book):
    for region, extra in (("guangxi", {"residency": "hukou"}), ("chongqing", {}), ("qijiang", {})):
        result = book.evaluate({"region": region, "diagnosis": "diagnosed", "age": 20, **extra})
        assert result.status in ("not_eligible", "not_covered"), (region, result.status)


# Entries: the six that said more, or less, than their clause, and the words that keep them narrow.
ENTRY_WORDS = {
    "qj-amount-outside": (["0—6岁", "20000元", "文件没有区分区内区外"], ["其他情况文件没有写"]),
    "qj-eligibility-age": (["救助年限为5年", "只有经济条件困难家庭、仍在7—14岁"], ["都可以得到康复救助服务"]),
    "zj-institution-subsidy": (["诸暨籍", "未满7周岁", "未满9周岁", "生活自理能力不足"], []),
    "cq-who-qualifies": (["通知没有写困境儿童由哪个部门"], ["由当地民政部门认定"]),
    "gx-inclusive": (["鼓励和支持", "具有接受普通教育能力"], []),
    "qj-volunteers-hotline": (["号召", "结合实际"], ["爱心妈妈会与"]),
    "qj-transport": (["文件没有写明，以区残联认定为准"], []),
    "qj-amount-7-17-local": (["其他残疾儿童"], ["其他家庭每人每年"]),
    "zj-amount": (["2024年6月"], []),
    # Entries for the clauses `kb coverage` found uncovered: each as narrow as its clause.
    "gx-period": (["2024—2025年", "部分有条件的", "逐步全面铺开", "没有列出试点名单"], []),
    "gx-school-funding": (["到2025年", "7000元以上", "可适当提高", "方案没有写发给家长"], []),
    "qj-plan-period": (["没有写施行日期和有效期", "没有写是哪年", "区残联确认"], []),
    "qj-health-education": (["目标", "至少1名家长", "≥95%"], []),
    "sh-public-service": (["引导鼓励", "没有列出项目清单"], []),
    "zj-job-coach": (["有就业意向的", "完成时间2025年6月", "引导家庭"], ["家庭要配合"]),
    "zj-care-funding": (["鼓励特殊需要信托", "文件没有写范围"], []),
    "zj-care-fees": (["文件没有写托养收费的金额", "2025年6月"], []),
    "multi-feedback": (["文件没有写投诉电话和受理流程"], []),
}


@pytest.mark.parametrize("entry_id", list(ENTRY_WORDS))
def test_entry_is_as_narrow_as_its_clause(kb, entry_id):
    entry = next(e for e in kb.entries if e.id == entry_id)
    must, must_not = ENTRY_WORDS[entry_id]
    for words in must:
        assert words in entry.answer, (entry_id, words)
    for words in must_not:
        assert words not in entry.answer, (entry_id, words)


def test_gx_inclusive_does_not_open_with_a_flat_yes(kb):
    entry = next(e for e in kb.entries if e.id == "gx-inclusive")
    assert not entry.answer.startswith(("可以", "能", "有。"))


MODAL = ("鼓励", "号召", "参照执行", "探索")  # the document encourages / calls for / applies by analogy / explores


def test_modal_words_of_the_clause_survive_in_the_answer(kb):
    """“可以” is not “鼓励”: when a quote says the document encourages, calls for, explores or applies by analogy,
    the answer says so too."""
    missing = [(e.id, word) for e in kb.entries for word in MODAL
               if any(word in c.quote for c in e.sources) and word not in e.answer]
    assert missing == []


def test_every_entry_was_reviewed_against_its_clause(kb):
    stale = [e.id for e in kb.entries if e.reviewed < REVIEWED_SINCE]
    assert stale == [], "re-read these against their clause with the checklist in knowledge/README.md"
