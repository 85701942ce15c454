"""`eval` and `classify` click commands through CliRunner."""

import json

import pytest
from click.testing import CliRunner

from intents.cli import classify_command, eval_command


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("intents-cli-cache"))


def test_command_names():
    assert eval_command.name == "eval"
    assert classify_command.name == "classify"


def test_eval_prints_metrics(cache_dir):
    result = CliRunner().invoke(eval_command, ["--cache-dir", cache_dir])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("top-1 accuracy", "false-answer rate", "out-of-scope rejection", "Confusion", "baseline"):
        assert label in out
    assert "apply_aid" in out and "out_of_scope" in out


def test_classify_json_lines(cache_dir):
    stdin = "康附就助怎么申请\n孩子三岁半 綦江 確診了 能申請嗎\n\n今天天气怎么样\n"
    result = CliRunner().invoke(classify_command, ["--cache-dir", cache_dir], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert set(row) == {"text", "normalized", "intent", "confidence", "decision", "alternatives", "slots"}
        assert all(isinstance(pair, list) and len(pair) == 2 for pair in row["alternatives"])
    assert rows[0]["intent"] == "apply_aid"
    assert rows[1]["slots"]["region"] == "qijiang" and rows[1]["slots"]["age"] == 3.5
    assert rows[2]["decision"] == "fallback"
    assert rows[3]["decision"] == "fallback"
    assert "綦江" in result.output  # ensure_ascii=False


def test_cache_dir_from_env(tmp_path, monkeypatch):
    from bot.cli import main

    monkeypatch.setenv("XINGBAN_CACHE_DIR", str(tmp_path / "envcache"))
    result = CliRunner().invoke(main, ["classify"], input="你好\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intent"] == "greeting"
    assert (tmp_path / "envcache" / "jieba.cache").is_file()
