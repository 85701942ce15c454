"""`xingban eval …`: held-out evaluations of intents, whole answers and retrieval weights."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("eval", invoke_without_command=True)
@click.pass_context
def eval_group(ctx: click.Context) -> None:
    """Held-out evaluations: `intents` (the default) or `answers` (whole replies through the webhook)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(eval_group.commands["intents"])


@eval_group.command("answers")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Question set (default: the frozen knowledge/eval/answers_heldout2.yaml).")
@click.option("--show", is_flag=True, help="also list each item not judged right (not for the frozen set)")
def eval_answers_command(set_path: Path | None, show: bool) -> None:
    """Send each parent question through the signed webhook and count right / wrong / handed over /
    menu or question / other, overall and per region. Never tune on the default set."""
    from bot.answer_eval import DEFAULT_SET, load_items, run_on_fresh_app

    if show and (set_path is None or set_path.resolve() == DEFAULT_SET.resolve()):
        raise click.UsageError("--show is for development sets: the frozen set is read in aggregate only")
    try:
        items = load_items(set_path or DEFAULT_SET)
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from None
    report = run_on_fresh_app(items)
    click.echo(report.format())
    if show:
        click.echo(report.misses())


@eval_group.command("retrieval")
@click.option("--char-weights", default="0,0.25,0.5,1", show_default=True, help="comma-separated values to try")
@click.option("--answer-weights", default="0.25,0.5", show_default=True, help="comma-separated values to try")
def eval_retrieval_command(char_weights: str, answer_weights: str) -> None:
    """Leave-one-out on the entries' own questions (never an eval set) for each weight pair, with the
    production tokenizer; the negatives are the intent training set's out-of-scope messages. Pick a row and
    write it into knowledge/data/settings.yaml."""
    import tempfile

    from bot.services import load_kb
    from intents.dataset import TRAIN_FILE, load_examples
    from knowledge.tune import format_rows, tune

    try:
        chars = [float(v) for v in char_weights.split(",")]
        answers = [float(v) for v in answer_weights.split(",")]
    except ValueError:
        raise click.BadParameter("weights must be comma-separated numbers") from None
    kb = load_kb(tempfile.mkdtemp(prefix="xingban-tune-"))
    negatives = [text for text, intent in load_examples(TRAIN_FILE) if intent == "out_of_scope"]
    click.echo(format_rows(tune(kb, negatives, chars, answers)))

