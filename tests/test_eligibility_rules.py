"""The rules YAML: citations match the sources, numbers come from their quotes, bad YAML is reported well."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from knowledge.eligibility import RuleBookError, load_rulebook
from knowledge.profile import Profile, ProfileError

ROOT = Path(__file__).resolve().parents[1] / "knowledge"
RULES = sorted(p for p in (ROOT / "rules").glob("*.yaml") if p.name != "questions.yaml")
NUMERIC_KEYS = ("value", "under", "at_least", "min_years", "max_years", "since_age")


def squash(text: str) -> str:
    """What `xingban kb check` compares: NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def numbers(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", squash(text))}


def citations(node, path=()):
    """Yield (yaml path, mapping that owns a `source`, source mapping)."""
    if isinstance(node, dict):
        if isinstance(node.get("source"), dict):
            yield path, node, node["source"]
        if isinstance(node.get("validity_source"), dict):
            yield path + ("validity_source",), node, node["validity_source"]
        for key, value in node.items():
            yield from citations(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from citations(value, path + (i,))


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_quotes_are_in_the_source(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    source_text = squash((ROOT / "sources" / f"{data['region']}.txt").read_text(encoding="utf-8"))
    assert squash(data["document"]) in source_text
    found = list(citations(data))
    assert len(found) >= 5
    for where, _, src in found:
        assert src["document"] == data["document"], where
        assert src.get("clause"), where
        assert squash(src["quote"]) in source_text, (where, src["quote"])


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_every_number_is_in_its_quote(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for where, owner, src in citations(data):
        quoted = numbers(src["quote"])
        if where and where[-1] == "validity_source":
            for key in ("valid_from", "valid_to"):
                if isinstance(owner.get(key), dt.date):
                    day = owner[key]
                    assert {day.year, day.month, day.day} <= quoted, (key, src["quote"])
            continue
        # A word the document uses without a number (广西's “儿童”) may be read as a threshold only when the
        # condition says so in `definition`; that number must then be in the definition, nowhere else.
        allowed = quoted | numbers(owner.get("definition", ""))
        for key in NUMERIC_KEYS:
            value = owner.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert float(value) in allowed, (where, key, value, src["quote"])
        for key in ("text", "if_not"):
            assert numbers(owner.get(key, "")) <= allowed, (where, owner.get(key), src["quote"])
        if owner.get("completed_by") is not None:  # 完成时间 2024年6月 -> completed_by: 2024-06
            year, month = (int(part) for part in str(owner["completed_by"]).split("-"))
            assert {year, month} <= quoted, (where, owner["completed_by"], src["quote"])


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_no_number_without_a_citation(path):
    """Amounts and thresholds only live in mappings that carry their own `source`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cited = {id(owner) for _, owner, _ in citations(data)}

    def walk(node):
        if isinstance(node, dict):
            for key in NUMERIC_KEYS:
                if isinstance(node.get(key), int | float) and not isinstance(node.get(key), bool):
                    assert id(node) in cited, node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)


def test_rulebook_loads_all_five_policies():
    book = load_rulebook()
    assert {p: book.policies[p].document for p in book.policies} == {
        "qijiang": "綦残联发〔2025〕7号",
        "chongqing": "渝民〔2025〕24号",
        "guangxi": "桂残联字〔2024〕36号",
        "zhuji": "诸政办发〔2023〕38号",
        "shanghai": "沪府发〔2025〕1号",
    }
    assert book.policies["shanghai"].valid_from == dt.date(2025, 5, 1)
    assert book.policies["shanghai"].valid_to == dt.date(2030, 4, 30)
    assert book.policies["zhuji"].valid_from == dt.date(2023, 10, 15)
    assert book.policies["zhuji"].valid_to is None
    for region in ("qijiang", "chongqing", "guangxi"):
        assert book.policies[region].valid_from is None and book.policies[region].valid_to is None


def test_condition_names_follow_openfisca_style():
    for policy in load_rulebook().policies.values():
        assert all(name.startswith("condition_") for name in policy.conditions)


def test_policies_without_amounts_never_give_numbers():
    book = load_rulebook()
    for region in ("chongqing", "guangxi", "shanghai"):
        for rule in book.policies[region].rules:
            assert rule.amounts == {}, rule.id


def test_unknown_region_is_not_covered():
    result = load_rulebook().evaluate({"region": "beijing", "age": 5, "diagnosis": "diagnosed"}).to_dict()
    assert result["status"] == "not_covered" and result["policy"] is None
    assert result["annual_cap_yuan"] is None and result["missing"] == []


def test_missing_region_is_asked_first():
    result = load_rulebook().evaluate({"age": 5}).to_dict()
    assert result["status"] == "need_info" and result["missing"] == ["region"]
    assert "地区" in result["next_question"]


def test_evaluate_accepts_profile_objects():
    profile = Profile.from_dict({"region": "chongqing", "diagnosis": "diagnosed", "age": 3})
    assert load_rulebook().evaluate(profile).status == "eligible"


def test_as_of_defaults_to_today():
    assert Profile.from_dict({}).today() == dt.date.today()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"diagnosis": "maybe"}, "diagnosis"),
        ({"residency": "green_card"}, "residency"),
        ({"age": "seven"}, "age"),
        ({"age": -1}, "age"),
        ({"age": True}, "age"),
        ({"hardship": "yes"}, "hardship"),
        ({"institution": "home"}, "institution"),
        ({"as_of": "2025-13-01"}, "as_of"),
        ({"region": ""}, "region"),
        ({"permit_years": 1000}, "permit_years"),
    ],
)
def test_profile_errors_name_the_field(data, field):
    with pytest.raises(ProfileError, match=field):
        Profile.from_dict(data)
    with pytest.raises(ProfileError):
        load_rulebook().evaluate(data)


def test_profile_round_trip():
    data = {"region": "shanghai", "age": 5.5, "sunshine_card": True, "as_of": "2026-01-02", "hardship": None}
    profile = Profile.from_dict(data)
    assert profile.as_of == dt.date(2026, 1, 2) and profile.hardship is None
    assert Profile.from_dict(profile.to_dict()) == profile
    assert profile.replace(age=6).age == 6.0


BAD_YAML = {
    "syntax": ("region: x\nrules: [\n  - a: b\n", 3),
    "unknown condition": (
        "region: x\ndocument: D\nconditions: {}\nrules:\n  - id: r\n    when: [condition_nope]\n    status: eligible\n",
        5,
    ),
    "bad status": (
        "region: x\ndocument: D\nrules:\n  - id: r\n    when: []\n    status: maybe\n",
        4,
    ),
    "unknown key": ("region: x\ndocument: D\nrulez: []\n", 1),
    "condition on unknown field": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: shoe_size\n    equals: 1\n"
        "    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n    status: eligible\n",
        5,
    ),
    "amount without citation": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: hardship\n    equals: true\n"
        "    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n"
        "    status: eligible\n    annual_cap_yuan:\n      value: 1\n      text: t\n",
        14,
    ),
    "validity without citation": ("region: x\ndocument: D\nvalid_from: 2025-01-01\nrules: []\n", 1),
    "since_age without a threshold": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: years_aided\n    min_years: 1\n"
        "    since_age: 7\n    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n"
        "    status: eligible\n",
        5,
    ),
    "assumes on a refusal": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: hardship\n    equals: true\n"
        "    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n"
        "    status: not_eligible\n    assumes:\n      - {text: t, source: {document: D, clause: c, quote: q}}\n",
        10,
    ),
    "not_covered without notes": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: hardship\n    equals: true\n"
        "    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n"
        "    status: not_covered\n",
        10,
    ),
    "a bad completion month": (
        "region: x\ndocument: D\nconditions:\n  condition_a:\n    text: t\n    field: hardship\n    equals: true\n"
        "    source: {document: D, clause: c, quote: q}\nrules:\n  - id: r\n    when: [condition_a]\n"
        "    status: eligible\n    annual_cap_yuan:\n      completed_by: 2024-13\n      value: 1\n      text: t\n"
        "      source: {document: D, clause: c, quote: q}\n",
        14,
    ),
}


@pytest.mark.parametrize("name", list(BAD_YAML))
def test_bad_yaml_reports_path_and_line(tmp_path, name):
    text, line = BAD_YAML[name]
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleBookError) as info:
        load_rulebook(tmp_path)
    assert str(info.value).startswith(f"{path}:{line}: "), str(info.value)


def test_empty_rules_dir_is_an_error(tmp_path):
    with pytest.raises(RuleBookError, match="no rules YAML"):
        load_rulebook(tmp_path)


def test_remembered_results_are_not_shared_and_depend_on_the_day():
    """Results are cached per profile: a caller changing one must not change the next family's answer,
    and the query date is part of the profile (Shanghai's rules end on 2030-04-30)."""
    book = load_rulebook()
    first = book.evaluate({"region": "zhuji"})
    expected_missing = list(first.missing)
    first.missing.clear()
    first.amounts["monthly_cap_yuan"] = 1
    again = book.evaluate({"region": "zhuji"})
    assert again.missing == expected_missing and "monthly_cap_yuan" not in again.amounts
    inside = book.evaluate({"region": "shanghai", "as_of": "2026-01-01"})
    outside = book.evaluate({"region": "shanghai", "as_of": "2031-01-01"})
    assert inside.status == "need_info" and outside.status == "not_covered"


@pytest.mark.parametrize(
    ("profile", "condition"),
    [
        # the age only passes or fails 未满 18 周岁: a verdict with that proviso, not a question first
        ({"region": "shanghai", "residency": "hukou", "sunshine_card": True}, "未满 18 周岁"),
        # several age conditions (0—6, 7—17, 7—14) decide different things: no single proviso
        ({"region": "qijiang", "diagnosis": "diagnosed", "hardship": True}, None),
        # already decided: nothing to assume
        ({"region": "shanghai", "residency": "hukou", "sunshine_card": True, "age": 5}, None),
        # failing whatever the age (no certificate, card or diagnosis): no proviso makes it a yes
        ({"region": "shanghai", "residency": "hukou", "sunshine_card": False, "disability_certificate": False,
          "diagnosis": "suspected"}, None),
    ],
)
def test_if_condition_gives_the_verdict_for_the_one_condition_left(profile, condition):
    found = load_rulebook().if_condition(profile)
    if condition is None:
        assert found is None
    else:
        assert found is not None
        result, text = found
        assert result.status == "eligible" and text == condition and result.missing == ["age"]
        assert not any(condition.replace(" ", "") in r.text.replace(" ", "") for r in result.reasons)


def test_if_condition_says_no_when_meeting_the_one_condition_left_would_still_fail():
    """No Guangxi hukou and no permit, age unknown: a child fails the residency rule, an adult is outside the
    plan altogether — "no" either way, with the condition that would change it (a permit)."""
    found = load_rulebook().if_condition({"region": "guangxi", "residency": "none", "diagnosis": "diagnosed"})
    assert found is not None
    result, _ = found
    assert result.status == "not_eligible" and result.rule == "guangxi_no_residency"
    assert load_rulebook().evaluate({"region": "guangxi", "residency": "none", "diagnosis": "diagnosed"}).status \
        == "need_info"
