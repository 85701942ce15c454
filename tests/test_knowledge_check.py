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


def test_unknown_residency_fails_loading(tree: Path) -> None:
    path = tree / "entries" / "shanghai.yaml"
    _edit(path, "  residency: hukou\n", "  residency: local\n")
    line = path.read_text(encoding="utf-8").splitlines().index("- id: sh-eligibility-hukou") + 1
    with pytest.raises(KnowledgeError, match=rf"shanghai\.yaml:{line}: residency must be one of hukou, residence_permit"):
        load_knowledge_base(tree)
