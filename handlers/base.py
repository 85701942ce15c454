"""Small building blocks shared by the handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from bot.dispatch import BaseHandler, Context, Redispatch, Reply

if TYPE_CHECKING:  # the NLU is loaded by the services, not by importing the handlers
    from intents.engine import Classification

# The family facts the slot parser reads from a message that the eligibility rules use.
PROFILE_FACTS = ("age", "diagnosis", "residency", "hardship", "disability_certificate", "sunshine_card",
                 "institution", "permit_years", "years_aided", "other_province_aid", "school_ready",
                 "self_care_insufficient", "rehab_indication")


def stated_facts(slots: dict[str, Any]) -> dict[str, Any]:
    """The family facts a message states (the slots the rules read)."""
    return {k: v for k, v in slots.items() if k in PROFILE_FACTS and v is not None}


class RecentQuestion(TypedDict):
    """The previous question's topic, kept for a follow-up ("那7岁以后呢") for a while."""

    text: str
    region: str | None
    facts: dict[str, Any]  # slot values as the slot parser gives them (ages, booleans, names)
    entry: str | None
    verdict: bool  # it asked "can we / how much"
    at: int  # when, in seconds since the epoch


# The parent's pending dialogue, stored as JSON on `User.dialogue`. `await` names the DialogueHandler that owns
# the next message (a keyword, hence this form); the other keys are what that handler needs to go on.
DialogueState = TypedDict("DialogueState", {
    "await": str,
    "context": RecentQuestion,  # kept when a dialogue ends (KEPT)
    "text": str,  # the question to answer once the parent has chosen or named the region
    "intent": str | None,
    "region": str | None,
    "facts": dict[str, Any],
    "entries": list[str],  # "choose": the two entries offered
    "choices": list[str],  # "clarify": the two intents offered
    "profile": dict[str, Any],  # eligibility: the facts gathered so far
    "asking": str,  # eligibility: the fact asked for
}, total=False)


class IntentHandler(BaseHandler["Classification"]):
    """Matches text messages whose confident intent is one of `intents`."""

    intents: tuple[str, ...] = ()

    def check(self, ctx: Context) -> Classification | None:
        if not ctx.is_text:
            return None
        result = ctx.classification
        if result.decision == "answer" and result.intent in self.intents:
            return result
        return None

    def handle(self, ctx: Context, found: Classification) -> Reply:
        raise NotImplementedError


def remember_region(ctx: Context, slots: dict[str, Any]) -> None:
    """A region the parent names becomes their region from now on."""
    region = slots.get("region")
    if region and region != ctx.user.region:
        ctx.user.region = region


KEPT = ("context",)  # the recent question's topic outlives a finished dialogue (follow-ups lean on it)


def dialogue(ctx: Context) -> DialogueState:
    """The parent's pending dialogue state (read it here; change it with `set_dialogue`)."""
    return cast(DialogueState, ctx.user.dialogue or {})


def set_dialogue(ctx: Context, state: DialogueState | None = None) -> None:
    """Replace the parent's pending dialogue state (assign, so the JSON column is marked dirty)."""
    old = ctx.user.dialogue or {}
    ctx.user.dialogue = {**{k: old[k] for k in KEPT if k in old}, **(state or {})}


def clear_dialogue(ctx: Context) -> None:
    old = ctx.user.dialogue or {}
    kept = {k: old[k] for k in KEPT if k in old}
    if old != kept:  # assigning an equal dict would still send the family's row through an ORM flush
        ctx.user.dialogue = kept


class DialogueHandler(BaseHandler[DialogueState]):
    """Owns the parent's next message while its dialogue is pending (`user.dialogue["await"]`).

    `resume` returns None when the message is not an answer to our question; the dialogue is then
    dropped and the dispatcher is asked to offer the message again, as a fresh question.
    """

    name: str = ""

    def check(self, ctx: Context) -> DialogueState | None:
        state = dialogue(ctx)
        return state if ctx.is_text and state.get("await") == self.name else None

    def handle(self, ctx: Context, found: DialogueState) -> Reply | Redispatch:
        reply = self.resume(ctx, found)
        if reply is not None:
            return reply
        clear_dialogue(ctx)
        return Redispatch()

    def resume(self, ctx: Context, state: DialogueState) -> Reply | Redispatch | None:
        raise NotImplementedError
