"""Table-driven eligibility cases, one YAML file per policy (tests/eligibility_cases/<region>.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.eligibility import load_rulebook

CASES_DIR = Path(__file__).parent / "eligibility_cases"
AMOUNTS = ("annual_cap_yuan", "monthly_cap_yuan", "transport_monthly_yuan", "transport_months_per_year", "years_limit")


def _cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(data["policy"], case, id=f"{path.stem}: {case['name']}")


@pytest.fixture(scope="module")
def book():
    return load_rulebook()


@pytest.mark.parametrize(("policy", "case"), list(_cases()))
def test_case(book, policy, case):
    result = book.evaluate(case["profile"]).to_dict()
    expected = case["expected"]
    assert result["status"] == expected["status"], result["reasons"]
    if result["status"] != "not_covered" or "policy" in expected:
        assert result["policy"] == expected.get("policy", policy)
    if "rule" in expected:
        assert result["rule"] == expected["rule"]
    for key in AMOUNTS:  # anything not listed must be null: never a number the document does not give
        assert result[key] == expected.get(key), key
    for words in expected.get("reasons_say", []):  # what a parent must read in the reasons
        assert any(words in reason["text"] for reason in result["reasons"]), (words, result["reasons"])
    if "missing" in expected:
        assert sorted(result["missing"]) == sorted(expected["missing"])
    if "missing_first" in expected:
        assert result["missing"][0] == expected["missing_first"], result["missing"]
    if result["status"] == "need_info":
        assert result["missing"] and result["next_question"]
    else:  # the status says whether the child qualifies; facts that only change an amount stay in `missing`
        assert result["next_question"] is None
        assert result["missing"] == [] or result["status"] == "eligible"
        if "missing" not in expected:
            assert result["missing"] == []
    if result["status"] in ("eligible", "not_eligible", "not_covered"):
        assert result["reasons"], "a decision always says why"
    for reason in result["reasons"]:
        assert reason["text"]
        if result["status"] != "not_covered" or result["policy"]:
            assert reason["source"].startswith(policy)
    assert "不是官方审核结果" in result["disclaimer"] and "以当地残联审核为准" in result["disclaimer"]


def test_every_policy_has_cases():
    assert {p.stem for p in CASES_DIR.glob("*.yaml")} == set(load_rulebook().policies)


def test_every_rule_is_exercised(book):
    hit = set()
    for param in _cases():
        _, case = param.values
        hit.add(book.evaluate(case["profile"]).rule)
    all_rules = {r.id for p in book.policies.values() for r in p.rules}
    assert all_rules - hit == set()
