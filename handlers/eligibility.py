"""“Is my child eligible, and for how much?”: a short dialogue over the cited eligibility rules.

It starts from what the family already said (intent slots, saved profile), asks only the question
that decides the most, accepts corrections (“不对，是7岁”), stops on “算了”, and finishes with the
result, its reasons and citations. Answers are saved only if the parent agrees.
"""

from __future__ import annotations

from typing import Any

from bot.dispatch import Context, Reply
from bot.timeutil import utcnow
from handlers.base import DialogueHandler, IntentHandler, clear_dialogue, set_dialogue
from handlers.texts import say
from knowledge.eligibility_dialogue import format_result, parse_answer, parse_correction, question_text

PROFILE_SLOTS = ("region", "age", "diagnosis", "residency", "hardship", "disability_certificate",
                 "sunshine_card")
STOP_WORDS = ("算了", "不问了", "退出", "停止", "结束", "不用了", "取消", "不想回答")
SAVE_WORDS = ("1", "保存", "好", "好的", "可以", "同意", "要")
DECLINE_WORDS = ("2", "不用", "不保存", "不要", "不同意", "不")


def starting_profile(ctx: Context, slots: dict[str, Any]) -> dict[str, Any]:
    """Saved answers (with consent), then the family's region, then what this message says."""
    profile = dict(ctx.user.profile or {})
    if ctx.user.region:
        profile["region"] = ctx.user.region
    profile.update({key: slots[key] for key in PROFILE_SLOTS if slots.get(key) is not None})
    return profile


def next_step(ctx: Context, profile: dict[str, Any], intent: str | None) -> Reply:
    """Ask the deciding question, or give the result."""
    if profile.get("region"):
        ctx.user.region = profile["region"]
    result = ctx.services.rules.evaluate(profile)
    if result.status == "need_info" and result.missing:
        field = result.missing[0]
        set_dialogue(ctx, **{"await": "eligibility", "profile": profile, "asking": field, "intent": intent})
        return Reply(text=question_text(field) + "\n" + say("eligibility_stop_hint"), outcome="clarified",
                     intent=intent)
    text = format_result(result)
    if ctx.user.consent_at is not None:
        ctx.user.profile = profile
        clear_dialogue(ctx)
        return Reply(text=text, intent=intent)
    set_dialogue(ctx, **{"await": "profile_consent", "profile": profile})
    return Reply(text=f"{text}\n\n{say('consent_question')}", intent=intent)


class EligibilityHandler(IntentHandler):
    intents = ("eligibility", "aid_amount")

    def handle(self, ctx: Context, found: Any) -> Reply:
        reply = next_step(ctx, starting_profile(ctx, found.slots), found.intent)
        reply.confidence = found.confidence
        return reply


class EligibilityAnswerHandler(DialogueHandler):
    """The parent's answer to the question we asked, or a correction of an earlier answer."""

    name = "eligibility"

    def resume(self, ctx: Context, state: dict[str, Any]) -> Reply | None:
        text = ctx.text.strip()
        if any(word in text for word in STOP_WORDS) and len(text) <= 8:
            clear_dialogue(ctx)
            return Reply(text=say("eligibility_stopped"), intent=state.get("intent"))
        asking = state["asking"]
        # "不对，是7岁" corrects another answer; it must not also be read as "no" to the open question.
        updates = parse_correction(text)
        if not updates:
            answer = parse_answer(asking, text)
            updates = {asking: answer} if answer is not None else {}
        if not updates:
            result = ctx.classification
            if result.decision == "answer" and result.intent not in EligibilityHandler.intents:
                return None  # a new question: drop the dialogue and answer it
            return Reply(text=say("eligibility_not_understood") + question_text(asking), outcome="clarified",
                         intent=state.get("intent"))
        return next_step(ctx, {**state["profile"], **updates}, state.get("intent"))


class ProfileConsentHandler(DialogueHandler):
    """Save the eligibility answers only when the parent says so."""

    name = "profile_consent"

    def resume(self, ctx: Context, state: dict[str, Any]) -> Reply | None:
        text = ctx.text.strip().rstrip("。.!！")
        if text in SAVE_WORDS:
            ctx.user.profile = state["profile"]
            ctx.user.consent_at = utcnow()
            clear_dialogue(ctx)
            return Reply(text=say("consent_saved"))
        if text in DECLINE_WORDS:
            clear_dialogue(ctx)
            return Reply(text=say("consent_declined"))
        return None
