"""`kb check` on temp copies of the real tree with planted mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import knowledge
from knowledge import KnowledgeError, load_knowledge_base
from knowledge.check import check_tree
from knowledge.cli import kb_group

REAL = Path(knowledge.__file__).resolve().parent


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    for sub in ("sources", "entries", "data"):
        shutil.copytree(REAL / sub, root / sub)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _check(root: Path) -> list[str]:
    return check_tree(root)[0]


def test_real_tree_is_clean() -> None:
    result = CliRunner().invoke(kb_group, ["check", "--root", str(REAL)])
    assert result.exit_code == 0, result.output
    assert "entries ok" in result.output and "qijiang=" in result.output and "aid_amount=" in result.output


def test_copy_is_clean(tree: Path) -> None:
    assert _check(tree) == []


def test_fabricated_number_is_rejected(tree: Path) -> None:
    _edit(tree / "entries" / "zhuji.yaml", "每人每月最高补贴3000元，每年", "每人每月最高补贴3500元，每年")
    errors = _check(tree)
    assert any("'3500'" in e and "zj-amount" in e for e in errors), errors
    assert all(e.startswith(str(tree / "entries" / "zhuji.yaml") + ":") for e in errors)


def test_chinese_numeral_is_checked(tree: Path) -> None:
    _edit(tree / "entries" / "qijiang.yaml", "补助标准是每人每年20000元（两万元）", "补助标准是每人每年20000元（三万元）")
    assert any("'三万'" in e for e in _check(tree))


def test_wan_form_matches_digits(tree: Path) -> None:
    # 3.6万 in the quote supports 36000 in the answer (already in zj-amount) and vice versa.
    assert not any("zj-amount" in e for e in _check(tree))


def test_quote_not_in_source_is_rejected(tree: Path) -> None:
    _edit(tree / "entries" / "shanghai.yaml", "quote: 具体内容由市残联另行规定.", "quote: 每人每年补助五万元.")
    errors = _check(tree)
    assert any("quote not found in 沪府发〔2025〕1号" in e for e in errors), errors
    line = int(next(e for e in errors if "quote not found" in e).split(":")[1])
    assert "每人每年补助五万元" in (tree / "entries" / "shanghai.yaml").read_text().splitlines()[line - 1 + 2]


def test_quote_matching_ignores_line_breaks_and_fullwidth(tree: Path) -> None:
    # The Shanghai quotes use full-width digits in the source and ASCII here; PDF line breaks sit mid-quote.
    path = tree / "entries" / "shanghai.yaml"
    _edit(path, "quote: 本实施意见自２０２５年５月１日起实施", "quote: 本实施意见自2025年5月\n        1日起实施")
    assert _check(tree) == []


def test_over_long_answer_is_rejected(tree: Path) -> None:
    _edit(tree / "entries" / "guangxi.yaml", "answer: >-\n    可以申请。广西落实", "answer: >-\n    " + "很" * 700 + "可以申请。广西落实")
    assert any("bytes, limit 2048" in e for e in _check(tree))


@pytest.mark.parametrize(("old", "new", "message"), [
    ("intents: [rescreen]\n  questions:\n    - 綦江怀疑", "intents: [gossip]\n  questions:\n    - 綦江怀疑",
     "unknown intent 'gossip'"),
    ("regions: [qijiang]\n  intents: [rescreen]\n  questions:\n    - 綦江怀疑",
     "regions: [beijing]\n  intents: [rescreen]\n  questions:\n    - 綦江怀疑", "unknown region 'beijing'"),
])
def test_unknown_intent_or_region(tree: Path, old: str, new: str, message: str) -> None:
    _edit(tree / "entries" / "qijiang.yaml", old, new)
    errors = _check(tree)
    assert any(message in e and e.startswith(f"{tree / 'entries' / 'qijiang.yaml'}:2:") for e in errors), errors


def test_duplicates_are_rejected(tree: Path) -> None:
    entries = yaml.safe_load((tree / "entries" / "zhuji.yaml").read_text(encoding="utf-8"))
    copy = dict(entries[0])
    (tree / "entries" / "zz_dupe.yaml").write_text(yaml.safe_dump([copy], allow_unicode=True), encoding="utf-8")
    errors = _check(tree)
    assert any("duplicate id zj-amount" in e for e in errors)
    assert any("duplicate question" in e for e in errors)
    assert any("duplicates zj-amount" in e for e in errors)


def test_near_identical_answer_is_rejected(tree: Path) -> None:
    entries = yaml.safe_load((tree / "entries" / "zhuji.yaml").read_text(encoding="utf-8"))
    copy = dict(entries[0], id="zj-amount-copy", questions=["问题一号", "问题二号", "问题三号"], held_out=[])
    copy["answer"] = copy["answer"].replace("孤独症儿童，以及", "孤独症孩子，以及")
    (tree / "entries" / "zz_dupe.yaml").write_text(yaml.safe_dump([copy], allow_unicode=True), encoding="utf-8")
    errors = _check(tree)
    assert any("answer of zj-amount-copy duplicates zj-amount" in e for e in errors), errors


def test_missing_field_and_wrong_type(tree: Path) -> None:
    _edit(tree / "entries" / "chongqing.yaml", "  reviewed: 2026-11-30\n", "", )
    _edit(tree / "entries" / "guangxi.yaml", "  intents: [institution]", "  intents: institution")
    errors = _check(tree)
    assert any("missing field 'reviewed'" in e for e in errors)
    assert any("intents must be a list" in e for e in errors)


def test_rules_citations_are_checked(tree: Path) -> None:
    rules = tree / "rules"
    rules.mkdir()
    (rules / "zhuji.yaml").write_text(
        "rules:\n"
        "  - id: ok\n"
        "    citation:\n"
        "      document: 诸政办发〔2023〕38号\n"
        "      clause: 四（二）3\n"
        "      quote: 每人每月最高补贴3000元\n"
        "  - id: bad\n"
        "    when: {age_below: 7}\n"
        "    citations:\n"
        "      - document: 诸政办发〔2023〕38号\n"
        "        clause: 四（二）3\n"
        "        quote: 每人每月最高补贴5000元\n",
        encoding="utf-8",
    )
    errors = _check(tree)
    assert errors == [f"{rules / 'zhuji.yaml'}:10: quote not found in 诸政办发〔2023〕38号: '每人每月最高补贴5000元'"]


def test_cli_exit_1_with_lines(tree: Path) -> None:
    _edit(tree / "entries" / "zhuji.yaml", "每人每月最高补贴3000元，每年", "每人每月最高补贴3500元，每年")
    result = CliRunner().invoke(kb_group, ["check", "--root", str(tree)])
    assert result.exit_code == 1
    assert f"{tree / 'entries' / 'zhuji.yaml'}:2:" in result.output


def test_bad_yaml_fails_loading_with_file_and_line(tree: Path) -> None:
    path = tree / "entries" / "shanghai.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + ": : ["
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=rf"^{path}:\d+: "):
        load_knowledge_base(tree)
    assert any(e.startswith(f"{path}:") for e in _check(tree))


def test_wrong_type_fails_loading(tree: Path) -> None:
    _edit(tree / "entries" / "guangxi.yaml", "  intents: [institution]", "  intents: institution")
    with pytest.raises(KnowledgeError, match=r"guangxi\.yaml:\d+: intents must be a list"):
        load_knowledge_base(tree)


def test_duplicate_yaml_key_fails(tree: Path) -> None:
    _edit(tree / "entries" / "zhuji.yaml", "  intents: [aid_amount]\n", "  intents: [aid_amount]\n  intents: [eligibility]\n")
    with pytest.raises(KnowledgeError, match=r"zhuji\.yaml:\d+: duplicate key 'intents'"):
        load_knowledge_base(tree)


@pytest.mark.parametrize(
    ("file", "old", "new", "entry", "message"),
    [
        ("shanghai.yaml", "  residency: hukou\n", "  residency: local\n", "sh-eligibility-hukou",
         "residency must be one of hukou, residence_permit"),
        ("qijiang.yaml", "  institution: out_of_district", "  institution: elsewhere", "qj-amount-outside",
         "institution must be one of in_district, out_of_district"),
        ("qijiang.yaml", "  bands:  # a family that said whether it is a hardship family reads its own limit only\n    hardship:",
         "  bands:\n    income:", "qj-transport", "bands: unknown fact 'income'"),
    ],
)
def test_an_unknown_family_kind_fails_loading_at_its_entry(tree: Path, file: str, old: str, new: str, entry: str,
                                                           message: str) -> None:
    path = tree / "entries" / file
    _edit(path, old, new)
    line = path.read_text(encoding="utf-8").splitlines().index(f"- id: {entry}") + 1
    with pytest.raises(KnowledgeError, match=rf"{file.replace('.', chr(92) + '.')}:{line}: {message}"):
        load_knowledge_base(tree)


def test_a_band_answer_with_a_number_its_quotes_do_not_state_fails_the_check(tree: Path) -> None:
    _edit(tree / "entries" / "qijiang.yaml", "生活交通补助每人每月最多300元，每年最多补10个月。\n",
          "生活交通补助每人每月最多350元，每年最多补10个月。\n")
    assert any("number '350' in answer of qj-transport is not in its quotes" in e for e in _check(tree))


# A figure the quoted clause states (amount, age, count, rate, date) must be in the answer, or in `omits:` with a
# `# reason`: a parent who asks that figure gets the answer, not the quote.
@pytest.mark.parametrize(("path", "old", "new", "figure"), [
    ("zhuji.yaml", "每人每月最高补贴3000元，每年最高补贴由3万元提高到3.6万元（36000元；",
     "每人每月最高补贴3000元，每年最高补贴（", "3.6万元"),  # 万 form in the quote, dropped from the answer
    ("zhuji.yaml", "就业项目不少于3个（完成时间2024年12月）", "就业项目（完成时间2024年12月）", "3 个"),
    ("zhuji.yaml", "基础教育入学率达到95%，其中义务教育入学率99%、", "基础教育入学率达到95%，其中", "99%"),
    ("zhuji.yaml", "每年服务1000名孤独症儿童（", "每年服务许多孤独症儿童（", "1000 名"),
    ("zhuji.yaml", "筛查覆盖率100%（任务清单完成时间2024年6月）", "筛查覆盖率100%", "2024 年 6 月"),
    ("shanghai.yaml", "落款日期2025年4月17日（", "（", "2025年4月17日"),  # full-width digits in the quote
    ("qijiang.yaml", "每年最多补10个月。", "。", "10 个月"),
    ("qijiang.yaml", "持续做好29项医疗康复项目医保支付", "持续做好医疗康复项目医保支付", "29 项"),
    ("qijiang.yaml", "每年集中联合开展1次疑似孤独症儿童初筛", "每年集中联合开展疑似孤独症儿童初筛", "1 次"),
    ("chongqing.yaml", "重庆关注16—18周岁、有就业潜力的孩子", "重庆关注有就业潜力的孩子", "16—18周岁"),
])
def test_figure_in_quote_missing_from_answer(tree: Path, path: str, old: str, new: str, figure: str) -> None:
    _edit(tree / "entries" / path, old, new)
    errors = [e for e in _check(tree) if "but the answer does not say it" in e]
    assert any(f'quotes "{figure}" but the answer does not say it' in e for e in errors), errors
    assert all(e.startswith(f"{tree / 'entries' / path}:") for e in errors), errors


@pytest.mark.parametrize(("answer", "quote", "missing"), [
    ("每年最高36000元", "每年最高补贴3.6万元", []),  # 3.6万元 = 36000元
    ("每年最高补贴1.8万元", "补助标准为 18000 元/人·年", []),
    ("未满7岁", "未满７周岁", []),  # full-width digits; 周岁 = 岁
    ("0—6岁补助", "0—6 岁 20000 元/人·年", ["20000元"]),
    ("面向6岁以下", "0-6 周岁儿童", ["0岁"]),  # a range states both ends
    ("每月最多补贴", "每年补助月份不超过 10 个月", ["10个月"]),  # 个月 is not 个
    ("自2024年10月14日起", "2024年10月14日", []),
    ("2024年10月发布", "2024年10月14日", ["2024年10月14日"]),  # a shorter date does not say the day
    ("一次性补助", "一次性补助", []),  # 一次性 is a word, not "1 次"
    ("入学率达到99%", "入学率≥95%（人数/人数*100%）", ["95%"]),  # *100% is a formula
    ("", "公益慈善等三次分配参与托养事业", []),
    ("文号如下", "诸政办发〔2023〕38号", []),  # a document number is not a figure
    ("每个县都有定点机构", "实现30万以上人口的县均设有", ["300000人"]),  # 以上 between number and unit
    ("30万以上人口的县", "实现30万以上人口的县均设有", []),
])
def test_figure_rule_table(answer: str, quote: str, missing: list[str]) -> None:
    from knowledge.figures import missing_figures
    assert [key for key, _ in missing_figures([quote], answer)] == missing


def test_omits_with_reason_silences_a_figure(tree: Path) -> None:
    path = tree / "entries" / "zhuji.yaml"
    _edit(path, "可以放宽到未满9周岁，每人每月最高补贴3000元。", "可以放宽到未满9周岁。")
    assert any('entry zj-eligibility quotes "3000元"' in e for e in _check(tree))
    _edit(path, "  sources:\n    - document: 诸政办发〔2023〕38号\n      clause: 四（二）3\n      quote: 诸暨籍未满7周岁孤独症儿童和未满9周岁（生活自理能力不足、不具备义务教育入学条件）的孤独症儿童每人每月最高补贴3000元\n  reviewed",
          "  omits:\n    - 3000元  # 金额由 zj-amount 回答\n  sources:\n    - document: 诸政办发〔2023〕38号\n      clause: 四（二）3\n      quote: 诸暨籍未满7周岁孤独症儿童和未满9周岁（生活自理能力不足、不具备义务教育入学条件）的孤独症儿童每人每月最高补贴3000元\n  reviewed")
    assert _check(tree) == []


@pytest.mark.parametrize(("omit", "message"), [
    ("- 3000元", 'omits "3000元" without a # reason'),
    ("- 4000元  # 写错了", 'omits "4000元", which none of its quotes states'),
])
def test_bad_omits_are_rejected(tree: Path, omit: str, message: str) -> None:
    path = tree / "entries" / "zhuji.yaml"
    _edit(path, "  sources:\n    - document: 诸政办发〔2023〕38号\n      clause: 四（二）3\n      quote: 诸暨籍未满7周岁孤独症儿童和未满9周岁（生活自理能力不足、不具备义务教育入学条件）的孤独症儿童每人每月最高补贴3000元\n  reviewed",
          f"  omits:\n    {omit}\n  sources:\n    - document: 诸政办发〔2023〕38号\n      clause: 四（二）3\n      quote: 诸暨籍未满7周岁孤独症儿童和未满9周岁（生活自理能力不足、不具备义务教育入学条件）的孤独症儿童每人每月最高补贴3000元\n  reviewed")
    assert any(message in e and "zj-eligibility" in e for e in _check(tree)), _check(tree)


def test_an_unknown_gives_kind_fails_loading_with_file_and_line(tree: Path) -> None:
    path = tree / "entries" / "zhuji.yaml"
    _edit(path, "  gives: [hospital_names]\n", "  gives: [hospitals]\n")
    with pytest.raises(KnowledgeError, match=r"zhuji\.yaml:\d+: gives: unknown kind 'hospitals'"):
        load_knowledge_base(tree)
