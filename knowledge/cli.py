"""Click commands for the knowledge base; the lead mounts `kb_group` as `xingban kb`."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from knowledge.check import check_tree, summary
from knowledge.coverage import coverage_report, draft_entries, format_report, report_json
from knowledge.drafts import drafts_waiting
from knowledge.importer import ImportRequest, import_document
from knowledge.sources import DEFAULT_ROOT, load_sources
from knowledge.validity import china_today, expiry_warnings
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
    for line in notices(root or DEFAULT_ROOT):
        click.echo(line)


def notices(root: Path) -> list[str]:
    """What staff should act on without it being an error: ending documents and drafts to finish."""
    lines = expiry_warnings(load_sources(root), china_today())
    waiting = drafts_waiting(root)
    if waiting:
        lines.append(f"{sum(waiting.values())} draft(s) waiting for an answer: "
                     + ", ".join(f"{path} ({n})" for path, n in waiting.items()))
    return lines


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


@kb_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", required=True, help="region id, lower-case latin (qijiang, taoyuan)")
@click.option("--document", required=True, help="the document number printed on it (文号)")
@click.option("--name", default=None, help="the region's Chinese name; required for a region not yet in the table")
@click.option("--issuer", default=None, help="issuing body, as printed")
@click.option("--title", default=None, help="the document's title, as printed")
@click.option("--valid-from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first day in force")
@click.option("--valid-to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last day in force")
@click.option("--replaces", default=None, metavar="文号", help="the region's current document this one supersedes")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="knowledge directory (default: the installed package)")
def import_command(file: Path, region: str, document: str, name: str | None, issuer: str | None,
                   title: str | None, valid_from: dt.datetime | None, valid_to: dt.datetime | None,
                   replaces: str | None, root: Path | None) -> None:
    """Import a policy document (.txt, .docx, text-layer .pdf): source, index entry, region, drafts."""
    started = time.perf_counter()
    request = ImportRequest(file, region, document, root or DEFAULT_ROOT, name, issuer, title,
                            valid_from.date() if valid_from else None, valid_to.date() if valid_to else None,
                            replaces)
    try:
        result = import_document(request)
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from None
    numbered = sum(1 for c in result.clauses if c.marker)
    click.echo(f"imported {document} as {region}: {result.source} ({len(result.clauses)} clauses, "
               f"{numbered} numbered) in {time.perf_counter() - started:.2f}s")
    if result.new_region:
        click.echo(f"added region {region} to data/regions.yaml (a bot serving this folder reads it within seconds)")
    for path in result.narrowed:
        click.echo(f"{path}: `regions: [all]` now names the regions before {region}: "
                   f"add {region} back to an entry once its document says the same")
    click.echo(f"{result.draft_count} draft entr(y/ies) for uncovered clauses in {result.drafts}")
