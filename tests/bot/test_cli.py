"""The `xingban` command line, run as a real subprocess where the terminal matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_xingban(args: list[str], tmp_path: Path, stdin: str = "",
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "XINGBAN_INSTANCE_PATH": str(tmp_path / "instance"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=tmp_path, env=full_env, timeout=120)


def test_chat_pipes_lines_through_the_webhook_as_json(tmp_path: Path) -> None:
    lines = "你好\n/subscribe centre_qj01\n去哪里复筛\n/voice\n/click HUMAN\n/unsubscribe\n"
    result = run_xingban(["chat", "--json", "--user", "o-cli"], tmp_path, lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["in"] for r in rows] == lines.split("\n")[:-1]
    assert rows[0]["intent"] == "greeting"
    assert "示范康复中心（綦江）" in rows[1]["reply"]
    assert "綦残联发〔2025〕7号" in rows[2]["reply"] and rows[2]["intent"] == "rescreen"
    assert "文字" in rows[3]["reply"]
    assert rows[4]["outcome"] == "escalated"
    assert rows[5]["reply"] == ""


def test_chat_plain_output_and_safe_mode(tmp_path: Path) -> None:
    result = run_xingban(["chat", "--aes"], tmp_path, "你好\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("星伴> 您好")


@pytest.mark.parametrize("args", [["chat", "--bogus"], ["serve", "--port", "notaport"], ["nosuchcommand"],
                                  ["db", "upgrade", "a", "b"]])
def test_wrong_arguments_exit_2_with_usage(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Usage:" in result.output


def test_db_upgrade_and_production_config_error(tmp_path: Path) -> None:
    ok = run_xingban(["db", "upgrade"], tmp_path, env={"XINGBAN_MODE": "demo"})
    assert ok.returncode == 0 and "database at head" in ok.stdout
    bad = run_xingban(["db", "upgrade"], tmp_path, env={"XINGBAN_MODE": "production", "WECHAT_TOKEN": ""})
    assert bad.returncode == 2
    assert "WECHAT_TOKEN is not set" in bad.stderr


def test_menu_and_centre_qrcode_go_through_the_wechat_api(tmp_path: Path, sandbox) -> None:
    from tests.conftest import TEST_APP_ID, TEST_SECRET

    env = {"XINGBAN_MODE": "demo", "WECHAT_API_BASE_URL": sandbox.url, "WECHAT_APP_ID": TEST_APP_ID,
           "WECHAT_APP_SECRET": TEST_SECRET}
    unmigrated = run_xingban(["wechat", "menu"], tmp_path, env=env)
    assert unmigrated.returncode == 1 and "xingban db upgrade" in unmigrated.stderr
    assert run_xingban(["db", "upgrade"], tmp_path, env=env).returncode == 0
    assert run_xingban(["wechat", "menu"], tmp_path, env=env).returncode == 0
    menu = sandbox.state()["menu"]
    keys = {b.get("key") for top in menu["button"] for b in top.get("sub_button", [top])}
    assert {"APPLY_AID", "HUMAN", "NEXT_SESSION"} <= keys
    seed = "from bot.cli.app import make_app; from bot.demo.seed import seed_demo; seed_demo(make_app(XINGBAN_PRELOAD=False))"
    subprocess.run([sys.executable, "-c", seed], cwd=tmp_path, check=True,
                   env={**os.environ, **env, "XINGBAN_INSTANCE_PATH": str(tmp_path / "instance")})
    missing = run_xingban(["wechat", "qrcode", "nope"], tmp_path, env=env)
    assert missing.returncode == 2 and "no centre" in missing.stderr
    made = run_xingban(["wechat", "qrcode", "qj01", "--days", "7"], tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("http")


def test_demo_serves_the_bot_with_its_sandbox(tmp_path: Path) -> None:
    """`make run` runs `xingban demo`: it must answer a signed message over real HTTP."""
    import time

    from bot.sandbox.simulator import WeChatSimulator, http_transport
    from tests.conftest import free_port

    port = free_port()
    env = {**os.environ, "XINGBAN_INSTANCE_PATH": str(tmp_path / "instance")}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        token = None
        deadline = time.time() + 90
        while time.time() < deadline and token is None:
            secrets_file = tmp_path / "instance" / "local-secrets.json"
            if secrets_file.exists():
                token = json.loads(secrets_file.read_text())["WECHAT_TOKEN"]
            time.sleep(0.2)
        sim = WeChatSimulator(http_transport(f"http://127.0.0.1:{port}/wechat"), token or "")
        reply = None
        while time.time() < deadline:
            try:
                reply = sim.send_text("o-demo", "上海的孩子康复救助怎么申请")
                break
            except OSError:
                time.sleep(0.3)
        assert reply is not None and "沪府发〔2025〕1号" in reply.text
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "/wechat" in output and "xingban chat" in output
