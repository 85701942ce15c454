"""Policy questions answered from the cited knowledge base, asking the region when it matters."""

from __future__ import annotations

from typing import Any

from bot.dispatch import BaseHandler, Context, Reply
from handlers.base import DialogueHandler, IntentHandler, clear_dialogue, remember_region, set_dialogue
from handlers.escalation import escalate
from handlers.texts import region_choices, region_name, say

POLICY_INTENTS = ("apply_aid", "eligibility", "aid_amount", "next_session", "rescreen", "institution",
                  "education", "living_assistance", "family_support")


def answer_from_kb(ctx: Context, text: str, intent: str | None, confidence: float | None) -> Reply:
    """Answer with a cited entry; ask the region first when answers differ by region."""
    answer = ctx.services.kb.answer(text, ctx.user.region, intent,
                                    residency=ctx.classification.slots.get("residency"))
    if answer.kind == "answer":
        return Reply(text=answer.text, intent=intent, confidence=confidence)
    if answer.kind == "ask_region":
        set_dialogue(ctx, **{"await": "region", "text": text[:500], "intent": intent})
        return Reply(text=say("ask_region"), outcome="clarified", intent=intent, confidence=confidence)
    return escalate(ctx, "not_covered", intent, confidence, lead=answer.text)


class PolicyHandler(IntentHandler):
    intents = POLICY_INTENTS

    def handle(self, ctx: Context, found: Any) -> Reply:
        remember_region(ctx, found.slots)
        return answer_from_kb(ctx, ctx.text, found.intent, found.confidence)


def parse_region_choice(ctx: Context) -> str | None:
    """A digit 1-5 from the region menu, or a place name the intent engine recognises."""
    text = ctx.text.strip().rstrip("。.")
    choices = region_choices()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    return ctx.classification.slots.get("region")


class RegionAnswerHandler(DialogueHandler):
    """The parent answers "which region?"; then the question that needed it is answered."""

    name = "region"

    def resume(self, ctx: Context, state: dict[str, Any]) -> Reply | None:
        region = parse_region_choice(ctx)
        if region is None:
            return None
        ctx.user.region = region
        clear_dialogue(ctx)
        confirm = say("region_set", region=region_name(region))
        if not state.get("text"):
            return Reply(text=confirm, intent=None)
        ctx.reroute(state["text"])
        reply = answer_from_kb(ctx, state["text"], state.get("intent"), None)
        reply.text = f"{confirm}\n\n{reply.text}"
        return reply


class RegionStatementHandler(BaseHandler):
    """"我在綦江": a message that only tells us where the family is. Remember it and say so."""

    def check(self, ctx: Context) -> Any | None:
        if not ctx.is_text:
            return None
        result = ctx.classification
        region = result.slots.get("region")
        return region if region and result.decision != "answer" and len(ctx.text) <= 12 else None

    def handle(self, ctx: Context, found: Any) -> Reply:
        ctx.user.region = found
        clear_dialogue(ctx)
        return Reply(text=say("region_set", region=region_name(found)) + say("region_next"), intent=None)
