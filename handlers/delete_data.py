"""`delete_data`: erase everything about the family, after one explicit confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import Context, Reply
from bot.wording import say
from handlers.base import DialogueHandler, DialogueState, IntentHandler, clear_dialogue, set_dialogue
from handlers.ports import family

if TYPE_CHECKING:
    from intents.engine import Classification

CONFIRM_WORDS = ("确认删除", "确定删除", "确认")


class DeleteDataHandler(IntentHandler):
    intents = ("delete_data",)

    def handle(self, ctx: Context, found: Classification) -> Reply:
        set_dialogue(ctx, {"await": "delete"})
        return Reply(text=say("delete_confirm"), outcome="clarified", intent="delete_data",
                     confidence=found.confidence)


class DeleteConfirmHandler(DialogueHandler):
    name = "delete"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | None:
        if ctx.text.strip() in CONFIRM_WORDS:
            family(ctx).erase()
            return Reply(text=say("delete_done"), intent="delete_data")
        clear_dialogue(ctx)
        return Reply(text=say("delete_cancelled"), intent="delete_data")
