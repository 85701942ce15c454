"""Click commands for the knowledge base; the lead mounts `kb_group` as `xingban kb`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from knowledge.check import check_tree, summary
from knowledge.sources import DEFAULT_ROOT


@click.group(name="kb")
def kb_group() -> None:
    """Knowledge base tools."""


@kb_group.command(name="check")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="knowledge directory (default: the installed package)")
def check_command(root: Path | None) -> None:
    """Verify quotes, numbers, fields and duplicates in entries/ and rules/; exit 1 on any problem."""
    errors, entries = check_tree(root or DEFAULT_ROOT)
    if errors:
        for line in errors:
            click.echo(line, err=False)
        click.echo(f"{len(errors)} problem(s) found", err=True)
        sys.exit(1)
    click.echo(summary(entries))
