"""Questions, reply parsing and the WeChat text for the eligibility dialogue."""

from __future__ import annotations

import pytest

from knowledge.eligibility import load_rulebook
from knowledge.eligibility_dialogue import (
    MAX_BYTES,
    choices,
    format_result,
    parse_answer,
    parse_correction,
    question_text,
    questions,
)
from knowledge.profile import Profile

ASKABLE = [f for f in Profile.field_names() if f != "as_of"]


def test_every_field_has_a_question():
    assert set(questions()) == set(ASKABLE)
    for field in ASKABLE:
        assert question_text(field).strip()


def test_quick_choices_map_to_valid_values():
    assert question_text("diagnosis").endswith("1. 已确诊 2. 疑似/还在等诊断 3. 没有")
    for field in ASKABLE:
        for i, choice in enumerate(choices(field), 1):
            value = parse_answer(field, str(i))
            assert value == choice["value"]
            Profile.from_dict({field: value})  # a valid profile value


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("age", "7岁", 7.0),
        ("age", "三岁半", 3.5),
        ("age", "5岁半", 5.5),
        ("age", "十二岁", 12.0),
        ("age", "两岁三个月", 2.25),
        ("age", "18个月", 1.5),
        ("age", "6周岁", 6.0),
        ("age", "６岁", 6.0),
        ("age", "4", 4.0),
        ("age", "七", 7.0),
        ("age", "不知道", None),
        ("age", "", None),
        ("diagnosis", "1", "diagnosed"),
        ("diagnosis", "2", "suspected"),
        ("diagnosis", "3", "none"),
        ("diagnosis", "确诊了", "diagnosed"),
        ("diagnosis", "已确诊", "diagnosed"),
        ("diagnosis", "是", "diagnosed"),
        ("diagnosis", "疑似", "suspected"),
        ("diagnosis", "还在等诊断", "suspected"),
        ("diagnosis", "还没确诊", "suspected"),
        ("diagnosis", "没有", "none"),
        ("diagnosis", "没有孤独症", "none"),
        ("diagnosis", "4", None),
        ("diagnosis", "今天天气不错", None),
        ("residency", "户口在上海", "hukou"),
        ("residency", "本地户籍", "hukou"),
        ("residency", "诸暨籍", "hukou"),
        ("residency", "居住证", "residence_permit"),
        ("residency", "外地户口，有居住证", "residence_permit"),
        ("residency", "没有居住证", "none"),
        ("residency", "都没有", "none"),
        ("residency", "2", "residence_permit"),
        ("hardship", "是", True),
        ("hardship", "低保户", True),
        ("hardship", "特困", True),
        ("hardship", "低保边缘家庭", True),
        ("hardship", "事实无人抚养儿童", True),
        ("hardship", "不是低保", False),
        ("hardship", "没有", False),
        ("hardship", "不是", False),
        ("hardship", "2", False),
        ("hardship", "不太清楚", None),
        ("disability_certificate", "不知道", None),
        ("residency", "不清楚", None),
        ("disability_certificate", "有", True),
        ("disability_certificate", "有残疾证", True),
        ("disability_certificate", "没办残疾证", False),
        ("disability_certificate", "残疾证", None),
        ("sunshine_card", "有阳光宝宝卡", True),
        ("sunshine_card", "没有", False),
        ("self_care_insufficient", "不能自理", True),
        ("self_care_insufficient", "自理能力不足", True),
        ("self_care_insufficient", "基本能自理", False),
        ("school_ready", "还不具备", False),
        ("school_ready", "能上学了", True),
        ("other_province_aid", "没享受过", False),
        ("other_province_aid", "享受过", True),
        ("permit_years", "2年", 2.0),
        ("permit_years", "一年半", 1.5),
        ("permit_years", "不到一年", 0.5),
        ("permit_years", "刚办", 0.0),
        ("years_aided", "五年", 5.0),
        ("years_aided", "0", 0.0),
        ("years_aided", "没有", 0.0),
        ("region", "重庆綦江", "qijiang"),
        ("region", "綦江区", "qijiang"),
        ("region", "重庆", "chongqing"),
        ("region", "上海", "shanghai"),
        ("region", "诸暨", "zhuji"),
        ("region", "南宁", "guangxi"),
        ("region", "1", "qijiang"),
        ("region", "北京", None),
        ("institution", "区内", "in_district"),
        ("institution", "区外的机构", "out_of_district"),
    ],
)
def test_parse_answer(field, text, expected):
    assert parse_answer(field, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("不对，是7岁", {"age": 7.0}),
        ("不对,是三岁半", {"age": 3.5}),
        ("孩子7岁，不是6岁", {"age": 7.0}),
        ("不是确诊，是疑似", {"diagnosis": "suspected"}),
        ("说错了，已经确诊了", {"diagnosis": "diagnosed"}),
        ("改一下，户口在上海", {"residency": "hukou"}),
        ("错了，我们是低保户", {"hardship": True}),
        ("不是低保", {"hardship": False}),
        ("是低保，不是特困", {"hardship": True}),
        ("是居住证，满两年了", {"residency": "residence_permit", "permit_years": 2.0}),
        ("不对，户口在上海，孩子5岁", {"residency": "hukou", "age": 5.0}),
        ("有残疾证", {"disability_certificate": True}),
        ("不对，是7", {}),
        ("好的谢谢", {}),
    ],
)
def test_parse_correction(text, expected):
    assert parse_correction(text) == expected


PROFILES = [
    {"region": "qijiang", "diagnosis": "diagnosed", "age": 10, "institution": "in_district", "years_aided": 2,
     "hardship": False},
    {"region": "qijiang", "diagnosis": "diagnosed", "age": 5},
    {"region": "zhuji", "diagnosis": "diagnosed", "residency": "hukou", "age": 8, "self_care_insufficient": True,
     "school_ready": False, "as_of": "2026-01-15"},
    {"region": "shanghai", "residency": "residence_permit", "age": 5, "diagnosis": "diagnosed", "permit_years": 2,
     "other_province_aid": True, "as_of": "2026-01-15"},
    {"region": "shanghai", "residency": "hukou", "age": 5, "diagnosis": "diagnosed", "as_of": "2024-01-01"},
    {"region": "beijing"},
    {},
]


@pytest.mark.parametrize("profile", PROFILES)
def test_format_result_fits_wechat(profile):
    result = load_rulebook().evaluate(profile)
    text = format_result(result)
    assert len(text.encode("utf-8")) <= MAX_BYTES
    assert "不是官方审核结果" in text and "以当地残联审核为准" in text
    assert format_result(result.to_dict()) == text


def test_format_result_eligible_shows_amounts_and_citations():
    text = format_result(load_rulebook().evaluate(PROFILES[0]))
    assert "符合《綦残联发〔2025〕7号》" in text
    assert "18000元" in text and "300元" in text and "10个月" in text and "5年" in text
    assert text.count("綦残联发〔2025〕7号") == 2  # the verdict line and one 依据 line: the number once each
    assert "依据：綦残联发〔2025〕7号 附件" in text


def test_format_result_without_amounts_says_so():
    result = load_rulebook().evaluate({"region": "chongqing", "diagnosis": "diagnosed", "age": 4})
    assert "没有写具体金额" in format_result(result)


def test_format_result_need_info_asks_the_question():
    text = format_result(load_rulebook().evaluate({"region": "guangxi"}))
    assert "孩子是否已经确诊孤独症？" in text and "1. 已确诊" in text


def test_format_result_truncates_long_reasons():
    result = load_rulebook().evaluate(PROFILES[0]).to_dict()
    result["reasons"] = [{"text": "很长的理由" * 40, "source": "某文件"}] * 30
    text = format_result(result)
    assert len(text.encode("utf-8")) <= MAX_BYTES
    assert text.endswith(result["disclaimer"])


def test_format_result_states_each_amount_once_and_still_cites_its_clause():
    """Zhuji's yearly cap was shown as an amount line and again as a reason ("每年最高补贴36000元")."""
    text = format_result(load_rulebook().evaluate(
        {"region": "zhuji", "age": 4, "diagnosis": "diagnosed", "residency": "hukou"}))
    assert text.count("36000") == 1 and text.count("3000元") == 1
    assert "附件1 二、康复治疗服务体系 提高康复补贴" in text  # the clause giving the raised cap


@pytest.mark.parametrize(
    ("profile", "says"),
    [
        # the rule needs "not school_ready": the reason names what it needs, in the document's words
        ({"region": "zhuji", "age": 8, "diagnosis": "diagnosed", "residency": "hukou", "school_ready": True},
         "条件是“不具备义务教育入学条件”，孩子不满足"),
        ({"region": "shanghai", "age": 6, "residency": "residence_permit", "disability_certificate": True,
          "permit_years": 2, "other_province_aid": True}, "条件是“未享受外省市残疾儿童康复救助政策”，孩子不满足"),
        ({"region": "shanghai", "age": 6, "residency": "residence_permit", "disability_certificate": True,
          "permit_years": 2, "other_province_aid": False}, "未享受外省市残疾儿童康复救助政策"),
    ],
)
def test_a_condition_required_not_to_hold_is_named_in_the_documents_words(profile, says):
    assert says in format_result(load_rulebook().evaluate(profile))


def test_reply_words_with_a_missing_section_fail_at_load_with_file_and_line(tmp_path, monkeypatch):
    from knowledge import eligibility_parse
    from knowledge.yamlload import KnowledgeError

    bad = tmp_path / "interview_replies.yaml"
    bad.write_text("unsure: [不知道]\nnegation: [没有]\n", encoding="utf-8")
    monkeypatch.setattr(eligibility_parse, "REPLIES_PATH", bad)
    eligibility_parse.reply_words.cache_clear()
    try:
        with pytest.raises(KnowledgeError, match=r"replies\.yaml:1: missing or malformed section"):
            eligibility_parse.reply_words()
    finally:
        monkeypatch.undo()
        eligibility_parse.reply_words.cache_clear()
    assert eligibility_parse.parse_bool("hardship", "低保户") is True
