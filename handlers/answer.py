"""Answer first: a parent's question gets the cited fact in the first reply.

Everything a conversation handler did not take comes here. One ranking over the whole knowledge base
(the intent model's probabilities are one feature, never a gate) picks the entry; what the parent
already said (region, age, residency, hardship, certificate, diagnosis) decides a verdict when the
rules can decide it. Only then, and only when it changes the answer, do we ask something: the region
when answers differ by region, a two-item menu (the entries' own questions) when two topics tie, or
the personal check — offered, never started unasked.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.dispatch import BaseHandler, Context, Redispatch, Reply
from bot.wording import region_choices, region_name, say
from handlers.base import (
    PROFILE_FACTS,
    DialogueHandler,
    DialogueState,
    RecentQuestion,
    clear_dialogue,
    dialogue,
    set_dialogue,
    stated_facts,
)
from handlers.clarify import CHOICE_WORDS
from handlers.eligibility import is_stop, next_step, stop_dialogue
from handlers.escalation import escalate
from handlers.validity import hand_over_expired
from knowledge.base import Answer
from knowledge.eligibility import EligibilityResult
from knowledge.eligibility_dialogue import tight_digits
from knowledge.entries import Entry
from knowledge.figures import states_money
from knowledge.regions import load_region_table

# Intents whose messages are questions about the documents (the rest are conversation: greeting, human…).
POLICY_INTENTS = ("apply_aid", "eligibility", "aid_amount", "rescreen", "institution", "education",
                  "living_assistance", "family_support")
VERDICT_INTENTS = ("eligibility", "aid_amount", "apply_aid")
CONTEXT_SECONDS = 30 * 60  # a follow-up leans on the previous question for this long
_ELLIPTICAL = re.compile(r"^(那|那么|那如果|如果|要是|假如|还有|另外)|呢[?？。!！]*$|^(那)?(上|读)?(大学|高中|初中|小学|幼儿园)")
_FOLLOW_UP_OPENING = re.compile(r"^(那|那么|那如果|那要是|还有|另外|那像)")
_SHORT_FOLLOW_UP = 16  # characters: longer messages carry their own topic
_CONTEXT_FALLBACK_CHARS = 20  # ...but one this short that nothing answers alone is read with the one before
_REGION_REPLY_CHARS = 6  # a reply to "which region?" longer than this that asks something is a new question


@dataclass
class Question:
    """What we are answering: the text to rank, the region it is about, and the facts the parent gave."""

    text: str
    region: str | None
    facts: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None
    confidence: float | None = None
    probs: dict[str, float] = field(default_factory=dict)
    decision: str = ""
    asked: str = ""  # a follow-up's own words ("那我们不是困难户呢"); empty = `text` itself
    own_facts: tuple[str, ...] = ()  # the facts this message itself states (not carried over)
    follows_verdict: bool = False  # a follow-up to a "can we / how much" question
    previous_entry: str | None = None  # the entry that answered the question a follow-up leans on
    verdict_asked: bool = False  # this question asks "can we / how much" (a follow-up may ask it again)
    context_text: str = ""  # the recent question on the same place, when this one is not read with it
    context_entry: str | None = None  # ...and the entry that answered it


def recent_context(ctx: Context) -> RecentQuestion | None:
    """The previous question's topic, region and facts, if it was asked recently."""
    context = dialogue(ctx).get("context")
    if not context or time.time() - float(context.get("at", 0)) > CONTEXT_SECONDS:
        return None
    return context.copy()


def remember_context(ctx: Context, question: Question, entry_id: str | None) -> None:
    """Keep the question's topic for a follow-up ("那7岁以后呢"); replaced by the next question."""
    state = dialogue(ctx).copy()
    state["context"] = {"text": question.text[:200], "region": question.region, "facts": question.facts,
                        "entry": entry_id, "verdict": question.verdict_asked, "at": int(time.time())}
    ctx.user.dialogue = dict(state)


def is_follow_up(text: str) -> bool:
    """An elliptical question that needs the previous one's topic: short and elliptical ("那7岁以后呢"),
    or opening like a follow-up however long ("那7岁以后呢？我们家不是困难户，娃儿在区内练的")."""
    stripped = text.strip()
    if _FOLLOW_UP_OPENING.match(stripped):
        return True
    return len(stripped) <= _SHORT_FOLLOW_UP and bool(_ELLIPTICAL.search(stripped))


def read_question(ctx: Context) -> Question:
    """The question with its region (this message, a recent question, then the family's) and facts."""
    text = ctx.text
    result = ctx.classification
    slots = result.slots
    facts = stated_facts(slots)
    region = slots.get("region")
    context = recent_context(ctx)
    asked = ""
    follows_verdict = False
    if context and (region is None or region == context.get("region")):
        # What a parent said about the family minutes ago still holds ("我们是居住证" then a new question).
        facts = {**context.get("facts", {}), **facts}
    context_text = ""
    if context and context.get("text") and (is_follow_up(text) or leans_on_context(ctx)):
        asked, text = text, f"{context['text']} {text}"
    engine_slots = ctx.services.engine.slots
    later = engine_slots.age_after(result.normalized) if asked else None
    later = later if later is not None else engine_slots.age_turning(result.normalized)
    if later is not None and "age" not in slots:
        facts["age"] = later  # "那满18岁以后呢", "下个月就满18了，满了以后还能申请吗": asked for that age
    if context and region is None:
        # "我们在綦江…" then "满十八岁了还能申请吗": the conversation is still about the place just named.
        region = context.get("region")
        follows_verdict = bool(context.get("verdict"))
    if context and not asked and region == context.get("region") and result.intent in POLICY_INTENTS \
            and engine_slots.asks(result.normalized):
        context_text = str(context.get("text") or "")  # a policy question, not "今天几号" or "好的知道了"
    probs = dict(result.alternatives) if result.intent in POLICY_INTENTS or result.decision != "answer" else {}
    # facts this message adds or changes ("居住证要办满多久" repeats the permit already said: not a new fact)
    said = context.get("facts", {}) if context else {}
    own = tuple(k for k in PROFILE_FACTS if slots.get(k) is not None and slots.get(k) != said.get(k))
    return Question(text, region or ctx.user.region, facts, result.intent, result.confidence, probs,
                    result.decision, asked, own, follows_verdict,
                    previous_entry=context.get("entry") if context and asked else None,
                    context_text=context_text, context_entry=context.get("entry") if context_text and context else None)


def leans_on_context(ctx: Context) -> bool:
    """"到什么时候结束" / "是给哪个年龄段的孩子" right after a question: a short question opening on an aspect
    of something already named (slots.yaml follow_up_openers), so about the question before."""
    text = ctx.text.strip()
    return len(text) <= _SHORT_FOLLOW_UP and ctx.services.engine.slots.follows_up(ctx.classification.normalized)


def ranked_answer(ctx: Context, question: Question) -> Answer:
    """What the knowledge base would answer to this question, ranked over every intent. A follow-up is read
    with the question before it; when that only gives back the answer already sent, and its own words
    have a sure answer of their own ("那要是重度的 去不了学校咋个办" after 陪读), that one is the answer."""
    kb = ctx.services.kb
    def rank(text: str) -> Answer:
        return kb.answer(text, question.region, None, residency=question.facts.get("residency"),
                         intent_probs=question.probs or None, age=question.facts.get("age"),
                         institution=question.facts.get("institution"), facts=question.facts)
    found = rank(question.text)
    unsure = found.kind in ("not_covered", "choose") or len(found.entry_ids) > 1
    # "我们娃儿才14岁，现在就能参加不" right after the question on a programme: its own words barely answer
    # anything (a weak score), and with the question before it they point back at that programme.
    weak = found.tentative or found.score < kb.settings.follow_up_own_score
    if (unsure or weak) and question.context_text and len(question.text) <= _CONTEXT_FALLBACK_CHARS:
        # "融合是一下子全天进班吗，还是可以慢慢来" after a question on 融合教育: no opener marks it as a
        # follow-up, but alone it is not answered (or only by two entries: "一年补好多" after "孩子7岁 区外
        # 机构") and with the question before it it is. (A longer one names its own topic:
        # "是不是要去重医附属儿童医院确诊?那边挂哪个科嘛" is for a person.)
        together = rank(f"{question.context_text} {question.text}")
        if together.kind == "answer" and (found.kind == "not_covered" or len(together.entry_ids) == 1) and (
                unsure or together.entry_ids[:1] == [question.context_entry]):
            return together
    if question.asked and question.previous_entry and found.entry_ids[:1] == [question.previous_entry]:
        alone = rank(question.asked)
        if alone.kind == "answer" and alone.entry_ids[:1] != found.entry_ids[:1] and not alone.tentative \
                and alone.score >= kb.settings.follow_up_own_score:
            return alone
    return found


def answered_by_documents(ctx: Context) -> bool:
    """An entry about another topic than the intent's answers this message outright."""
    found = ranked_answer(ctx, read_question(ctx))
    entry = ctx.services.kb.entry(found.entry_ids[0]) if found.kind in ("answer", "ask_region") \
        and found.entry_ids else None
    return entry is not None and ctx.classification.intent not in entry.intents


def asks_verdict(ctx: Context, question: Question) -> bool:
    """"Can we get it / how much?" — a question the rules can answer for this family."""
    if ctx.services.kb.asks_unsaid(question.asked or question.text):
        return False  # "居住证要办满多久" asks that fact (an entry gives it or a person finds it), not a verdict
    settings = ctx.services.kb.settings
    normalized = ctx.services.engine.normalize(question.asked or question.text)
    if any(word in normalized for word in settings.other_benefits) and not any(
            word in normalized for word in settings.rehab_aid_words):
        return False  # "护理补贴我们能领吗": that benefit's entry answers, not the rehab aid's verdict
    if question.intent in ("eligibility", "aid_amount") and question.decision == "answer":
        return True
    # A follow-up is judged on its own words: "那父母的居住证要办多久" asks a fact even when the question
    # before it asked "能申请吗".
    if any(cue in normalized for cue in settings.verdict_cues) or any(
            pattern.search(normalized) for pattern in settings.verdict_patterns):
        return True
    if "多少" in normalized and any(word in normalized for word in settings.verdict_amount_words) and not any(
            f"多少{unit}" in normalized for unit in settings.count_units):  # "最大救到多少岁" asks the age limit
        return True
    # "要是转到区外呢" after "一年补好多": the same question for changed facts.
    return question.follows_verdict and bool(question.own_facts)


def answer_question(ctx: Context, question: Question) -> Reply | None:
    """The first reply to a question about the documents, or None when the documents do not cover it."""
    kb = ctx.services.kb
    verdict_asked = question.verdict_asked = asks_verdict(ctx, question)
    pending = None  # the rules' result when the parent's facts leave the verdict open
    if verdict_asked and question.region and question.facts:
        result = evaluate(ctx, question.region, question.facts)
        if result.standing is not None:  # the region's policy is not in force today (issue 16)
            return hand_over_expired(ctx, result.standing, question.intent, question.confidence)
        if result.status in ("eligible", "not_eligible"):
            return verdict_reply(ctx, question, result)
        pending = result if result.status == "need_info" else None
        assumed = verdict_if_diagnosed(ctx, question, result) or verdict_if_condition(ctx, question)
        if assumed is not None:
            return assumed
    # One ranking over every entry, never gated by the intent decision: the intent model weighs in through
    # its probabilities (dev sets: gating on a sure intent lost 上海…有效期到什么时候 to another apply_aid entry).
    found = ranked_answer(ctx, question)
    if found.kind == "expired":  # the documents answering it are not in force today (issue 16)
        return hand_over_expired(ctx, found.standing, question.intent, question.confidence)
    unplaced = question.region is None and kb.detect_region(question.text) is None
    if found.kind == "ask_region" or (unplaced and (
            verdict_asked or (found.kind == "not_covered" and question.intent in POLICY_INTENTS and question.probs))):
        return ask_region(ctx, question)  # "can we get it" has one answer per region: never a general entry
    if found.kind == "choose":
        entries = [kb.entry(entry_id) for entry_id in found.entry_ids]
        labels = [e.questions[0] for e in entries if e is not None]
        set_dialogue(ctx, {"await": "choose", "entries": found.entry_ids, "region": question.region,
                           "facts": question.facts, "text": question.text[:500]})
        return Reply(text=say("choose_entry", first=labels[0], second=labels[1]), outcome="clarified",
                     intent=question.intent, confidence=question.confidence)
    entry = kb.entry(found.entry_ids[0]) if found.kind == "answer" else None
    if entry is not None and vetoed_as_out_of_scope(ctx, question, found.score):
        return None
    opens_yes = entry is not None and entry.answer.startswith(kb.settings.yes_openers)
    doubtful = any(v is False for v in question.facts.values()) or question.facts.get("diagnosis") == "suspected"
    # The facts given leave the verdict open and no entry answers, or the entry would open with a "yes" that
    # a stated fact may contradict: say what is certain and ask what decides. An entry that lays out the
    # bands without a "yes" is the answer (the parent reads their band; the check is offered after).
    if (verdict_asked and question.region and question.facts) and (entry is None or (
            pending is not None and doubtful and set(entry.intents) & set(VERDICT_INTENTS) and opens_yes)):
        remember_context(ctx, question, entry.id if entry else None)
        return next_step(ctx, {**question.facts, "region": question.region}, question.intent)
    if entry is None:
        return reply_with_quote(ctx, question, found) if found.kind == "quote" else None
    region = question.region or (found.regions[0] if len(found.regions) == 1 else None)
    if region and region in kb.sources and question.facts and opens_yes:
        # An entry that opens with "yes" never reaches a family whose stated facts fail the rules.
        result = pending or evaluate(ctx, region, question.facts)
        if result.status == "not_eligible":
            return verdict_reply(ctx, question, result)
    return reply_with_entry(ctx, question, entry, region, found.text, found.tentative)


def vetoed_as_out_of_scope(ctx: Context, question: Question, score: float) -> bool:
    """"上海的学区房怎么买" shares a word or two with a policy entry; the intent model is sure it is not about
    the documents: unless the lexical evidence is strong, a person answers rather than a near-miss entry."""
    s = ctx.services.kb.settings
    sure = question.probs.get("out_of_scope", 0.0) >= s.out_of_scope_veto
    return sure and not question.asked and score < s.min_score_strong


def ask_region(ctx: Context, question: Question) -> Reply:
    """The answer differs by region: ask it, and keep the question to answer right after."""
    set_dialogue(ctx, {"await": "region", "text": question.text[:500], "intent": question.intent,
                       "facts": question.facts})
    return Reply(text=say("ask_region"), outcome="clarified", intent=question.intent,
                 confidence=question.confidence)


def evaluate(ctx: Context, region: str, facts: dict[str, Any]) -> EligibilityResult:
    return ctx.services.rules.evaluate(family_profile(ctx, region, facts))


def family_profile(ctx: Context, region: str, facts: dict[str, Any]) -> dict[str, Any]:
    """What the rules read: the family's saved profile, the facts of this conversation over it, the region."""
    return {**(ctx.user.profile or {}), **facts, "region": region}


def verdict_reply(ctx: Context, question: Question, result: EligibilityResult, lead: str = "") -> Reply:
    """The rules' verdict; when the parent asked how much and the document gives no amount, a volunteer is
    asked too (the verdict says the document is silent; a person can find the local standard)."""
    from knowledge.eligibility_dialogue import format_result

    adopt_first_region(ctx, question.region)
    text = lead + format_result(result)
    intent = question.intent or "eligibility"
    if result.status == "eligible" and not any(result.amounts.values()) and asks_amount(ctx, question):
        messages = ctx.services.kb.settings.messages
        reply = escalate(ctx, "not_covered", intent, question.confidence,
                         lead=f"{text}\n{messages['unsaid_after'].format(label=messages['amount_unsaid'])}")
        remember_context(ctx, question, None)
        return reply
    remember_context(ctx, question, None)
    return Reply(text=text, intent=intent, confidence=question.confidence)


def asks_amount(ctx: Context, question: Question) -> bool:
    """"一年补好多" / "具体能拿多少": the question wants a sum, not only a yes."""
    normalized = ctx.services.engine.normalize(question.asked or question.text)
    return "多少" in normalized and any(word in normalized for word in ctx.services.kb.settings.verdict_amount_words
                                        + ("拿", "领", "给"))


def asks_money(ctx: Context, question: Question) -> bool:
    """"护理补贴每个月多少钱", "无障碍改造能补多少": a sum of money, not "补多少年" (settings `count_units`)."""
    normalized = ctx.services.engine.normalize(question.asked or question.text)
    return asks_amount(ctx, question) and not any(
        f"多少{unit}" in normalized for unit in ctx.services.kb.settings.count_units)


def verdict_if_diagnosed(ctx: Context, question: Question, result: EligibilityResult) -> Reply | None:
    """The diagnosis is not known: answer for a diagnosed child and say so when that settles the verdict (the
    other unknown facts giving bands), rather than open an interview (a parent asking about rehab aid for
    their child is rarely asking about an undiagnosed one)."""
    if result.status != "need_info" or "diagnosis" not in result.missing or "diagnosis" in question.facts:
        return None
    diagnosed = {**question.facts, "diagnosis": "diagnosed"}
    assumed = evaluate(ctx, str(question.region), diagnosed)
    if assumed.status == "eligible":
        return verdict_reply(ctx, question, assumed, lead=say("verdict_assumes_diagnosis"))
    # "诸暨 孩子8岁 生活不能自理 上不了学 还能补吗": a child described (their age given), diagnosed and one
    # more fact unknown (诸暨籍) that only passes or fails one condition: both provisos, then the verdict. A
    # general "上海户籍孩子能享受吗" gets the entry listing who qualifies instead.
    if "age" not in question.facts:
        return None
    found = ctx.services.rules.if_condition(family_profile(ctx, str(question.region), diagnosed))
    if found is None or found[0].status != "eligible":
        return None
    result, condition = found
    lead = say("verdict_assumes_diagnosis") + say("verdict_if_condition", condition=tight_digits(condition))
    return verdict_reply(ctx, question, result, lead=lead)


def verdict_if_condition(ctx: Context, question: Question) -> Reply | None:
    """One fact is unknown and it only passes or fails one condition ("未满 18 周岁"): the verdict for a child
    who meets it, saying so, rather than a question first (the parent reads the answer and the proviso)."""
    found = ctx.services.rules.if_condition(family_profile(ctx, str(question.region), question.facts))
    if found is None:
        return None
    result, condition = found
    # a "no" that holds whatever the fact is needs no proviso
    lead = say("verdict_if_condition", condition=tight_digits(condition)) if result.status == "eligible" else ""
    return verdict_reply(ctx, question, result, lead=lead)


def reply_with_quote(ctx: Context, question: Question, found: Answer) -> Reply | None:
    """The document's own sentence, cited, when no entry answers (never over the out-of-scope veto)."""
    if vetoed_as_out_of_scope(ctx, question, found.score):
        return None
    region = found.regions[0]
    adopt_first_region(ctx, region)
    remember_context(ctx, Question(question.text, region, question.facts), None)
    return Reply(text=found.text, intent=question.intent, confidence=question.confidence)


def reply_with_entry(ctx: Context, question: Question, entry: Entry, region: str | None, text: str,
                     tentative: bool = False) -> Reply:
    """The entry's cited answer, then the offer of a personal check for "can we / how much" entries."""
    intent = next((i for i in entry.intents if i in VERDICT_INTENTS), entry.intents[0])
    adopt_first_region(ctx, region)
    kb = ctx.services.kb
    unsaid = kb.unsaid(question.asked or question.text, entry)
    if unsaid is None and asks_money(ctx, question) and not states_money(entry.answer):
        unsaid = kb.settings.messages["amount_unsaid"]  # "护理补贴每个月多少钱": the entry names no sum
    if unsaid is not None:  # a phone number, a list of materials, a payment date: no document gives them.
        # What the entry says still helps when it surely answers the rest ("怎么申请，要带什么材料"); a
        # nearest-match entry would only be noise next to the honest line.
        messages = kb.settings.messages
        text = messages["unsaid"].format(label=unsaid) if tentative else \
            f"{text}\n{messages['unsaid_after'].format(label=unsaid)}"
    if entry.silent or unsaid is not None:  # the documents do not say: a volunteer who can find out
        reply = escalate(ctx, "not_covered", intent, question.confidence, lead=text)
        remember_context(ctx, Question(question.text, region, question.facts), entry.id)
        return reply
    remember_context(ctx, Question(question.text, region, question.facts, verdict_asked=question.verdict_asked),
                     entry.id)
    if intent in ("eligibility", "aid_amount") and region in ctx.services.rules.policies:
        # the personal check only where rules exist (a county just imported has entries, not yet rules)
        offer_check(ctx, region, question.facts)
        text = f"{text}\n{say('offer_check')}"
    return Reply(text=text, intent=intent, confidence=question.confidence)


def adopt_first_region(ctx: Context, region: str | None) -> None:
    """A family's first named region becomes theirs; a later one never replaces it silently."""
    if region and region != "all" and ctx.user.region is None:
        ctx.user.region = region


def offer_check(ctx: Context, region: str, facts: dict[str, Any]) -> None:
    """Let "帮我算" / "好" start the personal check with what we already know."""
    set_dialogue(ctx, {"await": "offer_check", "profile": {**facts, "region": region}})


def hand_over_uncovered(ctx: Context, intent: str | None, confidence: float | None) -> Reply:
    """The documents do not answer it: say so (naming what was asked when no document gives that kind of
    fact: "钱多久发一次") and open a ticket."""
    kb = ctx.services.kb
    label = kb.unsaid(ctx.text)
    lead = kb.settings.messages["unsaid"].format(label=label) if label else kb.settings.messages["not_covered"]
    return escalate(ctx, "not_covered", intent, confidence, lead=lead)


def hand_over_other_place(ctx: Context, intent: str | None, confidence: float | None) -> Reply:
    """A place outside the five documents: say so honestly and open a ticket."""
    lead = say("other_place", place=ctx.classification.slots["other_place"])
    return escalate(ctx, "not_covered", intent, confidence, lead=lead)


class AnswerHandler(BaseHandler[tuple[Literal["question", "other_place"], Question]]):
    """Questions about the documents, whatever the intent model decided."""

    def check(self, ctx: Context) -> tuple[Literal["question", "other_place"], Question] | None:
        if not ctx.is_text:
            return None
        result = ctx.classification
        follow_up = is_follow_up(ctx.text) and recent_context(ctx) is not None
        if result.decision == "answer" and result.intent not in POLICY_INTENTS and not follow_up and not (
                result.intent == "next_session" and answered_by_documents(ctx)):
            return None  # a conversation intent the earlier handlers did not take (e.g. out of scope)
        if (result.decision == "clarify" and not follow_up
                and not any(i in POLICY_INTENTS for i, _ in result.alternatives[:2])):
            return None
        question = read_question(ctx)
        # A place outside the five, named as the subject ("我们在北京…", "那北京呢", "杭州那边补多少" beside
        # 诸暨: the slot is only set then), not as background in a conversation already about one of the
        # five ("孩子在安徽老家享受过救助").
        background = question.asked == "" and recent_context(ctx) is not None and len(ctx.text) > 12
        if result.slots.get("other_place") and not background:
            return ("other_place", question)
        return ("question", question)

    def handle(self, ctx: Context, found: tuple[Literal["question", "other_place"], Question]) -> Reply:
        kind, question = found
        if kind == "other_place":
            return hand_over_other_place(ctx, question.intent, question.confidence)
        reply = answer_question(ctx, question)
        if reply is not None:
            return reply
        if question.intent not in POLICY_INTENTS:  # not a question about the documents at all
            reply = escalate(ctx, "fallback", question.intent, question.confidence)
        else:
            reply = hand_over_uncovered(ctx, question.intent, question.confidence)
        # A volunteer takes this one; the place and facts the parent gave still hold for the next question.
        remember_context(ctx, question, None)
        return reply


def parse_region_choice(ctx: Context) -> str | None:
    """A digit 1-5 from the region menu, or a place name the intent engine recognises."""
    text = ctx.text.strip().rstrip("。.")
    choices = region_choices()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    return ctx.classification.slots.get("region")


def asks_anew(ctx: Context) -> bool:
    """The reply to "which region?" asks something itself, beyond naming the place and the family's facts."""
    return len(ctx.text.strip()) > _REGION_REPLY_CHARS and ctx.services.engine.slots.asks(ctx.classification.normalized)


def waiting_question_as_context(ctx: Context, state: DialogueState, region: str | None,
                                facts: dict[str, Any]) -> Redispatch:
    """The question that waited for the region becomes the recent context, and the message is offered again
    as a question of its own."""
    remember_context(ctx, Question(state["text"], region, facts, state.get("intent")), None)
    return Redispatch()


class RegionAnswerHandler(DialogueHandler):
    """The parent answers "which region?": the question that needed it is answered now."""

    name = "region"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | Redispatch | None:
        if is_stop(ctx.text):
            return stop_dialogue(ctx, state.get("intent"))
        region = parse_region_choice(ctx)
        if region is None:
            if ctx.classification.slots.get("other_place") and len(ctx.text) <= 12:
                return hand_over_other_place(ctx, state.get("intent"), None)  # escalate clears the dialogue
            if state.get("text"):
                # not the region but another message ("那以后上到小学初中呢"): the waiting question is its
                # context, so a follow-up is read with it (and the region is asked again for both)
                clear_dialogue(ctx)
                return waiting_question_as_context(ctx, state, None, dict(state.get("facts") or {}))
            return None
        ctx.user.region = region  # the parent told us: this is theirs now
        clear_dialogue(ctx)
        if not state.get("text"):
            return Reply(text=say("region_set", region=region_name(region)) + say("region_next"), intent=None)
        facts = {**dict(state.get("facts") or {}), **stated_facts(ctx.classification.slots)}
        if asks_anew(ctx):
            # "广西有没有家长送训补贴" in reply to "which region?": a question of its own, naming the region; the
            # one waiting is only its context (a follow-up may lean on it)
            return waiting_question_as_context(ctx, state, region, facts)
        question = Question(state["text"], region, facts, state.get("intent"))
        ctx.reroute(state["text"])
        question.probs = dict(ctx.classification.alternatives)
        return answer_question(ctx, question) or hand_over_uncovered(ctx, question.intent, None)


class ChooseEntryHandler(DialogueHandler):
    """The parent picked 1 or 2 from the two questions we offered."""

    name = "choose"

    def resume(self, ctx: Context, state: DialogueState) -> Reply | None:
        if is_stop(ctx.text):
            return stop_dialogue(ctx)
        index = CHOICE_WORDS.get(ctx.text.strip().rstrip("。.").strip())
        if index is None:
            return None
        entry = ctx.services.kb.entry(state["entries"][index])
        clear_dialogue(ctx)
        if entry is None:
            return None
        region = state.get("region")
        standing = ctx.services.kb.in_force(entry, region)
        if standing is not None:  # the menu was offered before its document ended
            return hand_over_expired(ctx, standing, entry.intents[0], None)
        question = Question(state.get("text", ""), region, dict(state.get("facts") or {}))
        return reply_with_entry(ctx, question, entry, region, ctx.services.kb.render(entry, region))


class OfferCheckHandler(DialogueHandler):
    """After an answer, "帮我算" / "好" starts the personal eligibility check with the facts given."""

    name = "offer_check"
    YES = ("帮我算", "算一算", "帮我看看", "好", "好的", "可以", "要", "行", "嗯", "是", "1", "测一测", "帮我查")

    def resume(self, ctx: Context, state: DialogueState) -> Reply | None:
        text = ctx.text.strip().rstrip("。.!！")
        profile = dict(state.get("profile") or {})
        facts = stated_facts(ctx.classification.slots)
        if facts and len(text) <= 12 and not is_follow_up(text) and not ctx.services.engine.slots.asks(
                ctx.classification.normalized):
            # "4岁" / "有残疾证": the parent starts the check by answering ("那我们不是困难户呢", "居住证要办满
            # 多久" ask instead)
            return next_step(ctx, {**profile, **facts}, "eligibility")
        if text not in self.YES and not text.startswith(("帮我算", "算一下", "帮我看")):
            return None
        return next_step(ctx, profile, "eligibility")


class BackgroundHandler(BaseHandler[Question]):
    """"孩子读高中了 孤独症 我们在綦江": the family's situation, no question yet. Keep it for the question that
    follows (it holds like any recent fact) and invite it, rather than hand a statement to a volunteer."""

    def check(self, ctx: Context) -> Question | None:
        context = recent_context(ctx)
        if not ctx.is_text or (context is not None and context.get("text")):
            return None  # facts added to a question just asked: the question is answered again with them
        question = read_question(ctx)
        if not (question.own_facts or ctx.classification.slots.get("region")) or any(
                ctx.services.engine.slots.asks(text) for text in (ctx.text, ctx.classification.normalized)):
            return None
        found = ranked_answer(ctx, question)
        if found.kind in ("answer", "expired") and not vetoed_as_out_of_scope(ctx, question, found.score):
            return None  # it reads like a statement, but an entry answers it: answer (never swallow a question)
        return question

    def handle(self, ctx: Context, found: Question) -> Reply:
        question = found
        question.text = ""  # nothing asked: a follow-up leans on the facts, not on these words
        remember_context(ctx, question, None)
        adopt_first_region(ctx, question.region)
        place = region_name(question.region) if question.region else ""
        return Reply(text=say("background_noted", place=place), intent=None)


class RegionStatementHandler(BaseHandler[str]):
    """"我在綦江": a message that only tells us where the family is. Remember it and say so."""

    _FILLER = re.compile(r"[我们家在是住的人啊呢哦了这边那边户口户籍孩子娃儿区市县，。,.!！\s]")

    def check(self, ctx: Context) -> str | None:
        if not ctx.is_text:
            return None
        region = ctx.classification.slots.get("region")
        if not region or (is_follow_up(ctx.text) and recent_context(ctx) is not None):
            return None  # "那诸暨呢" asks the previous question about another region
        rest = ctx.classification.normalized
        for word in load_region_table().words():
            rest = rest.replace(word, "")
        rest = self._FILLER.sub("", rest)
        return region if len(rest) <= 2 else None

    def handle(self, ctx: Context, found: str) -> Reply:
        ctx.user.region = found
        clear_dialogue(ctx)
        return Reply(text=say("region_set", region=region_name(found)) + say("region_next"), intent=None)
