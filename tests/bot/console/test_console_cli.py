"""`xingban user …`, `export-candidates` and the demo accounts, against the test app's database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.console.cli import export_candidates_command, seed_demo_accounts, user_group
from bot.storage.accounts import AuditLog, StaffUser
from tests import test_console_support as support
from tests.test_console_support import login

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures


@pytest.fixture
def env(capp, tmp_path, monkeypatch) -> dict[str, str]:
    """The CLI builds its own app from the environment: point it at the test database."""
    values = {"XINGBAN_MODE": "test", "DATABASE_URL": capp.config["DATABASE_URL"],
              "XINGBAN_INSTANCE_PATH": capp.instance_path}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_user_add_prints_a_generated_password_that_works(capp, env, db) -> None:
    result = CliRunner().invoke(user_group, ["add", "--role", "staff", "wang"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    user = db.exec(select(StaffUser).where(StaffUser.name == "wang")).one()
    assert user.role == "staff" and password not in user.password_hash
    assert login(capp, {"staff": ("wang", password)}, "staff").get("/console/sessions").status_code == 200
    assert db.exec(select(AuditLog).where(AuditLog.action == "user_create")).one().actor_name == "cli"


def test_user_add_password_stdin_and_duplicates(capp, env) -> None:
    runner = CliRunner()
    result = runner.invoke(user_group, ["add", "--role", "volunteer", "--password-stdin", "li"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0 and "password" not in result.output.replace("account", "")
    again = runner.invoke(user_group, ["add", "--role", "volunteer", "li"])
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(user_group, ["add", "--role", "admin", "--password-stdin", "zhao"], input="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output
    assert "li\tvolunteer\tactive" in runner.invoke(user_group, ["list"]).output


def test_demo_accounts_get_fresh_passwords_each_run(capp) -> None:
    first = seed_demo_accounts(capp)
    second = seed_demo_accounts(capp)
    assert set(first) == {"admin", "staff", "volunteer"}
    assert first["admin"][0] == second["admin"][0] and first["admin"][1] != second["admin"][1]
    capp.config["XINGBAN_MODE"] = "production"
    with pytest.raises(RuntimeError):
        seed_demo_accounts(capp)


def test_export_candidates_empty(capp, env) -> None:
    result = CliRunner().invoke(export_candidates_command, [])
    assert result.exit_code == 0 and result.output == ""
