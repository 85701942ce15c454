"""Small building blocks shared by the handlers."""

from __future__ import annotations

from typing import Any

from bot.dispatch import BaseHandler, Context, Reply

# The family facts the slot parser reads from a message that the eligibility rules use.
PROFILE_FACTS = ("age", "diagnosis", "residency", "hardship", "disability_certificate", "sunshine_card",
                 "institution", "permit_years", "years_aided", "other_province_aid", "school_ready",
                 "self_care_insufficient", "rehab_indication")


class IntentHandler(BaseHandler):
    """Matches text messages whose confident intent is one of `intents`."""

    intents: tuple[str, ...] = ()

    def check(self, ctx: Context) -> Any | None:
        if not ctx.is_text:
            return None
        result = ctx.classification
        if result.decision == "answer" and result.intent in self.intents:
            return result
        return None

    def handle(self, ctx: Context, found: Any) -> Reply:
        raise NotImplementedError


def remember_region(ctx: Context, slots: dict[str, Any]) -> None:
    """A region the parent names becomes their region from now on."""
    region = slots.get("region")
    if region and region != ctx.user.region:
        ctx.user.region = region


KEPT = ("context",)  # the recent question's topic outlives a finished dialogue (follow-ups lean on it)


def set_dialogue(ctx: Context, **state: Any) -> None:
    """Replace the parent's pending dialogue state (assign, so the JSON column is marked dirty)."""
    old = ctx.user.dialogue or {}
    ctx.user.dialogue = {**{k: old[k] for k in KEPT if k in old}, **state}


def clear_dialogue(ctx: Context) -> None:
    old = ctx.user.dialogue or {}
    kept = {k: old[k] for k in KEPT if k in old}
    if old != kept:  # assigning an equal dict would still send the family's row through an ORM flush
        ctx.user.dialogue = kept


class DialogueHandler(BaseHandler):
    """Owns the parent's next message while its dialogue is pending (`user.dialogue["await"]`).

    `resume` returns None when the message is not an answer to our question; the dialogue is then
    dropped and the message is dispatched as a fresh question.
    """

    name: str = ""

    def check(self, ctx: Context) -> Any | None:
        state = ctx.user.dialogue or {}
        return state if ctx.is_text and state.get("await") == self.name else None

    def handle(self, ctx: Context, found: Any) -> Reply:
        reply = self.resume(ctx, found)
        if reply is not None:
            return reply
        clear_dialogue(ctx)
        return ctx.services.dispatcher.dispatch(ctx)

    def resume(self, ctx: Context, state: dict[str, Any]) -> Reply | None:
        raise NotImplementedError
