"""`xingban eligibility`: evaluate one JSON profile (or JSON lines) from stdin, print JSON results."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from knowledge.eligibility import RuleBookError, load_rulebook
from knowledge.profile import Profile, ProfileError


def _read_profiles(text: str) -> list[dict[str, Any]]:
    """One JSON object, or JSON lines (one object per non-empty line)."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("no input: expected a JSON profile on stdin")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        data = None
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: bad JSON: {exc.msg} (column {exc.colno})") from None
    else:
        items = [(1, data)]
    for number, item in items:
        if not isinstance(item, dict):
            raise ValueError(f"line {number}: expected a JSON object, got {type(item).__name__}")
    return [item for _, item in items]


@click.command("eligibility")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Directory of rules YAML (default: knowledge/rules).")
@click.option("--text", "as_text", is_flag=True, help="Print the WeChat reply text instead of JSON.")
def eligibility_command(rules_dir: Path | None, as_text: bool) -> None:
    """Read a family profile as JSON (or JSON lines) on stdin; print the eligibility result(s) as JSON."""
    try:
        profiles = _read_profiles(sys.stdin.read())
        checked = []
        for number, raw in enumerate(profiles, 1):
            try:
                checked.append(Profile.from_dict(raw))
            except ProfileError as exc:
                prefix = f"profile {number}: " if len(profiles) > 1 else ""
                raise ValueError(f"{prefix}{exc}") from None
        book = load_rulebook(rules_dir)
    except (ValueError, RuleBookError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for profile in checked:
        result = book.evaluate(profile)
        if as_text:
            from knowledge.eligibility_dialogue import format_result

            click.echo(format_result(result))
        else:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
