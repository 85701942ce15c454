"""“Is my child eligible, and for how much?”: a short dialogue over the cited eligibility rules.

It starts from what the family already said (intent slots, saved profile), asks only the question
that decides the most, accepts corrections (“不对，是7岁”), stops on “算了”, and finishes with the
result, its reasons and citations. Answers are saved only if the parent agrees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.dispatch import Context, Reply
from bot.timeutil import utcnow
from bot.wording import say
from handlers.base import PROFILE_FACTS, DialogueHandler, DialogueState, clear_dialogue, set_dialogue
from handlers.feedback import is_unhelpful
from handlers.validity import hand_over_expired
from knowledge.eligibility_dialogue import format_result, parse_answer, parse_correction, question_text

if TYPE_CHECKING:
    from intents.engine import Classification

SHORT_REPLY_CHARS = 6  # "嗯" / "不知道" get the question again; longer text is something else
STOP_WORDS = ("算了", "不问了", "退出", "停止", "结束", "不用了", "取消", "不想回答")
SAVE_WORDS = ("1", "保存", "好", "好的", "可以", "同意", "要", "是", "是的", "嗯", "行")
DECLINE_WORDS = ("2", "不用", "不保存", "不要", "不同意", "不", "算了", "不用了", "否")


def next_step(ctx: Context, profile: dict[str, Any], intent: str | None) -> Reply:
    """Ask the deciding question, or give the result (saved answers fill what the parent has not said)."""
    profile = {**(ctx.user.profile or {}), **profile}
    result = ctx.services.rules.evaluate(profile)
    if result.standing is not None:  # the policy's document is not in force today (issue 16)
        return hand_over_expired(ctx, result.standing, intent, None)
    if result.status == "need_info" and result.missing:
        field = result.missing[0]
        set_dialogue(ctx, {"await": "eligibility", "profile": profile, "asking": field, "intent": intent})
        # What is already certain (e.g. the yearly cap) is said now, with its clause, before the question.
        asked = format_result(result) if result.reasons else question_text(field)
        return Reply(text=asked + "\n" + say("eligibility_stop_hint"), outcome="clarified", intent=intent)
    text = format_result(result)
    if ctx.user.consent_at is not None:
        ctx.user.profile = profile
        clear_dialogue(ctx)
        return Reply(text=text, intent=intent)
    set_dialogue(ctx, {"await": "profile_consent", "profile": profile})
    return Reply(text=f"{text}\n\n{say('consent_question')}", intent=intent)


ELIGIBILITY_INTENTS = ("eligibility", "aid_amount")


def is_stop(text: str) -> bool:
    """"算了" / "不用了": the parent does not want to go on with our questions (never a ticket)."""
    text = text.strip()
    return len(text) <= 8 and any(word in text for word in STOP_WORDS)


def stop_dialogue(ctx: Context, intent: str | None = None) -> Reply:
    clear_dialogue(ctx)
    return Reply(text=say("eligibility_stopped"), intent=intent)


def is_new_question(profile: dict[str, Any], result: Classification) -> bool:
    """A confident question of another kind, or an eligibility question about another region."""
    if result.decision != "answer":
        return False
    if result.intent not in ELIGIBILITY_INTENTS:
        return result.intent not in ("greeting", "thanks")
    region = result.slots.get("region")
    return bool(region) and region != profile.get("region")


class EligibilityAnswerHandler(DialogueHandler):
    """The parent's answer to the question we asked, or a correction of an earlier answer."""

    name = "eligibility"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | None:
        text = ctx.text.strip()
        if is_stop(text):
            return stop_dialogue(ctx, state.get("intent"))
        asking, result = state["asking"], ctx.classification
        if is_new_question(state["profile"], result):
            return None  # another question: drop the dialogue and answer it first
        # "不对，是7岁" corrects another answer; it must not also be read as "no" to the open question.
        updates = parse_correction(text)
        if not updates:
            answer = parse_answer(asking, text)
            updates = {asking: answer} if answer is not None else {}
        if updates:
            # "7岁，低保户": facts given beside the answer count too (the one slot parser reads them).
            said = {k: v for k, v in result.slots.items() if k in PROFILE_FACTS and k not in updates}
            updates = {**said, **updates}
            return next_step(ctx, {**state["profile"], **updates}, state.get("intent"))
        if len(text) > SHORT_REPLY_CHARS or result.decision == "answer" or is_unhelpful(text):
            return None  # not an answer to our question: the normal flow decides (maybe a volunteer)
        return Reply(text=say("eligibility_not_understood") + question_text(asking), outcome="clarified",
                     intent=state.get("intent"))


class ProfileConsentHandler(DialogueHandler):
    """Save the eligibility answers only when the parent says so."""

    name = "profile_consent"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | None:
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
