"""Click commands ``eval`` and ``classify`` (wired into the ``xingban`` CLI by bot/cli.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import default_cache_dir

_cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where jieba's dictionary cache lives (default: $XINGBAN_CACHE_DIR under `xingban`, else ./instance).",
)


@click.command("eval")
@_cache_option
def eval_command(cache_dir: Path | None) -> None:
    """Evaluate the intent engine on each held-out file, then on their union, next to a BM25 baseline."""
    from .dataset import HELDOUT_FILES, TRAIN_FILE, load_examples
    from .engine import load_engine
    from .evaluation import BM25Baseline, evaluate, format_report, format_summary

    engine = load_engine(cache_dir or default_cache_dir())
    baseline = BM25Baseline(load_examples(TRAIN_FILE))

    def run(text: str) -> tuple[str, str]:
        c = engine.classify(text)
        return c.intent, c.decision

    sections = []
    union: list[tuple[str, str]] = []
    for path in HELDOUT_FILES:
        examples = load_examples(path)
        union.extend(examples)
        report = evaluate(run, examples, "engine")
        base = evaluate(baseline.classify, examples, "baseline")
        sections.append((path.name, report, base))
        click.echo(f"===== {path.name} =====")
        click.echo(format_report(report, base))
        click.echo("")
    report = evaluate(run, union, "engine")
    base = evaluate(baseline.classify, union, "baseline")
    sections.append(("union", report, base))
    click.echo(format_summary(sections))


@click.command("classify")
@_cache_option
def classify_command(cache_dir: Path | None) -> None:
    """Classify one message per stdin line; print one JSON object per line."""
    from .engine import load_engine

    engine = load_engine(cache_dir or default_cache_dir())
    stdin = sys.stdin
    for line in stdin:
        text = line.rstrip("\r\n")
        click.echo(json.dumps(engine.classify(text).to_dict(), ensure_ascii=False))
    sys.stdout.flush()
