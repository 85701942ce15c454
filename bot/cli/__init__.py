"""The `xingban` command line: one root group; each command lives in its own module and never imports this one.

Commands owned by other packages (NLU, knowledge, console, WeChat set-up) are attached here, and only here.
"""

from __future__ import annotations

import click

from bot.cli.database import db_group
from bot.cli.evaluate import eval_group
from bot.cli.run import chat, demo, sandbox, serve
from bot.cli.scheduler import scheduler_command
from bot.config import cache_dir_from_environment
from bot.console.cli import export_candidates_command, user_group
from bot.wechat.admin import wechat_group
from intents.cli import classify_command, eval_command
from knowledge.cli import kb_group
from knowledge.eligibility_cli import eligibility_command

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """XingBan (星伴): WeChat assistant for families of children with autism."""
    # The NLU's own commands read no environment: their --cache-dir default comes from here (click builds
    # the subcommand's context after this callback, from this default_map). A bare `xingban eval` invokes
    # the intents evaluation under its own name, "eval".
    cache_dir = cache_dir_from_environment()
    if cache_dir:
        nlu = {"cache_dir": cache_dir}
        ctx.default_map = {"classify": nlu, "eval": {"intents": nlu, "eval": nlu}}


kb_group.add_command(export_candidates_command)
eval_group.add_command(eval_command, name="intents")
for _command in (serve, sandbox, db_group, demo, chat, kb_group, eval_group, classify_command,
                 eligibility_command, wechat_group, scheduler_command, user_group):
    main.add_command(_command)
