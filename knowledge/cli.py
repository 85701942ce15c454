"""Click commands for the knowledge base; the lead mounts `kb_group` as `xingban kb`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from knowledge.check import check_tree, summary
from knowledge.coverage import coverage_report, draft_entries, format_report, report_json
from knowledge.sources import DEFAULT_ROOT
from knowledge.yamlload import KnowledgeError


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


@kb_group.command(name="coverage")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="knowledge directory (default: the installed package)")
@click.option("--report-only", is_flag=True, help="always exit 0 (default: exit 1 on any uncovered clause)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable report")
@click.option("--drafts", "drafts_for", metavar="DOCUMENT", default=None,
              help="print draft entries (YAML) for the uncovered clauses of a region or document number")
def coverage_command(root: Path | None, report_only: bool, as_json: bool, drafts_for: str | None) -> None:
    """Map each fact-bearing clause of every policy to the entries and rules quoting it; exit 1 on gaps."""
    try:
        if drafts_for is not None:
            click.echo(draft_entries(drafts_for, root or DEFAULT_ROOT), nl=False)
            return
        report = coverage_report(root or DEFAULT_ROOT)
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report_json(report) if as_json else format_report(report))
    if not report.ok and not report_only:
        sys.exit(1)
