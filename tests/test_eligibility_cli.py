"""`xingban eligibility` (click command) read through CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from knowledge.eligibility_cli import eligibility_command

KEYS = {
    "status", "policy", "annual_cap_yuan", "monthly_cap_yuan", "transport_monthly_yuan", "transport_months_per_year",
    "years_limit", "missing", "next_question", "reasons", "disclaimer",
}


def run(stdin: str, *args: str):
    return CliRunner().invoke(eligibility_command, list(args), input=stdin)


def test_command_name():
    assert eligibility_command.name == "eligibility"


def test_single_profile():
    profile = {"region": "zhuji", "diagnosis": "diagnosed", "residency": "hukou", "age": 4, "as_of": "2026-01-15"}
    result = run(json.dumps(profile))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert KEYS <= set(out)
    assert out["status"] == "eligible" and out["policy"] == "诸政办发〔2023〕38号"
    assert out["monthly_cap_yuan"] == 3000 and out["annual_cap_yuan"] == 36000
    assert out["reasons"][0]["source"].startswith("诸政办发〔2023〕38号")
    assert "诸政办发" in lines[0]  # ensure_ascii=False


def test_pretty_printed_single_object():
    result = run(json.dumps({"region": "guangxi"}, indent=2))
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["status"] == "need_info" and out["missing"][0] == "diagnosis"


def test_json_lines():
    profiles = [
        {"region": "qijiang", "diagnosis": "diagnosed", "age": 6, "hardship": True},
        {"region": "shanghai", "residency": "hukou", "age": 5, "diagnosis": "diagnosed", "as_of": "2030-05-01"},
        {"region": "beijing"},
    ]
    result = run("\n".join(json.dumps(p) for p in profiles) + "\n\n")
    assert result.exit_code == 0, result.output
    outs = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [o["status"] for o in outs] == ["eligible", "not_covered", "not_covered"]
    assert outs[0]["annual_cap_yuan"] == 20000 and outs[0]["transport_monthly_yuan"] == 500


def test_bad_json_exits_2():
    result = run('{"region": "qijiang", "age": }')
    assert result.exit_code == 2
    assert "bad JSON" in result.stderr and result.stdout == ""


def test_bad_json_line_names_the_line():
    result = run('{"region": "qijiang"}\n{oops\n')
    assert result.exit_code == 2
    assert "line 2" in result.stderr and result.stdout == ""


def test_unknown_value_exits_2():
    result = run(json.dumps({"region": "qijiang", "diagnosis": "probably"}))
    assert result.exit_code == 2
    assert "diagnosis" in result.stderr


def test_unknown_field_exits_2():
    result = run(json.dumps({"region": "qijiang", "shoe_size": 30}))
    assert result.exit_code == 2
    assert "shoe_size" in result.stderr


def test_non_object_exits_2():
    assert run("[1, 2]").exit_code == 2
    assert run("").exit_code == 2


def test_bad_rules_dir_exits_2(tmp_path):
    (tmp_path / "x.yaml").write_text("region: [\n", encoding="utf-8")
    result = run(json.dumps({"region": "qijiang"}), "--rules", str(tmp_path))
    assert result.exit_code == 2
    assert "x.yaml:" in result.stderr


def test_text_output():
    result = run(json.dumps({"region": "chongqing", "diagnosis": "diagnosed", "age": 3}), "--text")
    assert result.exit_code == 0
    assert "符合《渝民〔2025〕24号》" in result.stdout and "以当地残联审核为准" in result.stdout
