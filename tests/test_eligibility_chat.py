"""The eligibility dialogue through the real webhook: asks only what it needs, takes corrections."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from bot.sandbox.simulator import WeChatSimulator
from bot.storage.db import session_scope
from bot.storage.models import Ticket, User

DISCLAIMER = "以当地残联审核为准"


def profile_of(app: Flask, openid: str) -> tuple[dict, object]:
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == openid)).one()
        return dict(user.profile), user.consent_at


def converse(sim: WeChatSimulator, openid: str, lines: list[str]) -> list[str]:
    return [sim.send_text(openid, line).text for line in lines]


def test_slots_from_the_first_message_are_not_asked_again(sim: WeChatSimulator) -> None:
    first = sim.send_text("o-e1", "我们在綦江，孩子5岁已经确诊孤独症，能申请康复救助吗").text
    assert "哪个地区" not in first and "几岁" not in first and "确诊" not in first.split("\n")[0]


def test_dialogue_reaches_a_cited_result_and_saves_only_with_consent(app: Flask, sim: WeChatSimulator) -> None:
    replies = converse(sim, "o-e2", ["孩子符合康复救助条件吗", "3", "4岁", "1"])
    assert "哪个地区" in replies[0]
    assert profile_of(app, "o-e2") == ({}, None)
    final = replies[-1]
    if "要不要把这些回答保存下来" not in final:  # more questions for Shanghai: answer "1" until done
        for _ in range(6):
            final = sim.send_text("o-e2", "1").text
            if "要不要把这些回答保存下来" in final:
                break
    assert DISCLAIMER in final and "沪府发〔2025〕1号" in final
    assert "已保存" in sim.send_text("o-e2", "保存").text
    saved, consent = profile_of(app, "o-e2")
    assert saved["region"] == "shanghai" and saved["age"] == 4 and consent is not None


def test_correction_changes_the_answer_without_answering_the_open_question(sim: WeChatSimulator) -> None:
    sim.send_text("o-e3", "綦江的孩子能享受康复补助吗")
    sim.send_text("o-e3", "6岁")
    follow = sim.send_text("o-e3", "不对，是7岁").text
    assert "几岁" not in follow  # the age was taken from the correction
    assert follow  # and the dialogue goes on with the next deciding question or the result


def test_parent_can_stop_at_any_time(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-e4", "孩子符合救助条件吗")  # asks the region
    assert "先不问了" in sim.send_text("o-e4", "算了").text
    with session_scope(app) as db:
        assert db.exec(select(Ticket)).all() == []  # stopping never opens a ticket
    sim.send_text("o-e4", "孩子符合救助条件吗")
    sim.send_text("o-e4", "綦江")
    sim.send_text("o-e4", "帮我算")
    assert "先不问了" in sim.send_text("o-e4", "算了").text
    with session_scope(app) as db:
        assert "await" not in db.exec(select(User).where(User.openid == "o-e4")).one().dialogue


def test_a_new_question_mid_dialogue_is_answered(sim: WeChatSimulator) -> None:
    sim.send_text("o-e5", "孩子符合救助条件吗")
    reply = sim.send_text("o-e5", "我要找人工客服").text
    assert "志愿者" in reply


def test_declining_consent_stores_nothing(app: Flask, sim: WeChatSimulator) -> None:
    text = sim.send_text("o-e6", "诸暨户籍孩子8岁确诊孤独症，能拿多少补助").text
    for _ in range(8):
        if "要不要把这些回答保存下来" in text:
            break
        text = sim.send_text("o-e6", "1").text
    assert "诸政办发〔2023〕38号" in text
    assert "不保存" in sim.send_text("o-e6", "不用").text
    assert profile_of(app, "o-e6") == ({}, None)


def test_how_much_gets_the_cited_general_answer_before_the_questions(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-e7", "綦江的康复救助标准是多少钱").text
    assert "20000" in reply and "綦残联发〔2025〕7号" in reply
    assert "帮我算" in reply  # the personal check is offered, not started
    assert "回复“算了”可随时停止" in sim.send_text("o-e7", "帮我算").text


def test_an_amount_the_documents_do_not_state_is_said_so_cited_and_handed_to_a_volunteer(
        app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-e7-silent", "上海的康复救助标准是多少钱").text
    assert "没有写救助金额" in reply and "沪府发〔2025〕1号" in reply
    assert "已转给志愿者" in reply
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.openid == "o-e7-silent")).one()
        assert db.exec(select(Ticket).where(Ticket.user_id == user.id)).first() is not None


def test_can_we_gets_the_cited_rule_for_that_family_before_the_questions(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-e7b", "上海户籍孩子能享受康复救助吗").text
    assert reply.startswith("可以。上海户籍、未满18周岁") and "依据：沪府发〔2025〕1号 一（一）" in reply
    assert "居住证" not in reply  # the residence-permit rule is another family's
    assert "帮我算" in reply and "几岁" not in reply  # facts first; questions only when the parent wants them
    follow = sim.send_text("o-e7b", "4岁").text  # answering with a fact starts the check
    assert "几岁" not in follow and follow


def test_eligibility_question_about_another_region_starts_over(sim: WeChatSimulator) -> None:
    sim.send_text("o-e8", "上海的孩子能申请康复救助吗")
    sim.send_text("o-e8", "4岁")
    text = sim.send_text("o-e8", "那诸暨的孩子一个月补助多少钱").text
    for _ in range(6):
        if "要不要把这些回答保存下来" in text:
            break
        text = sim.send_text("o-e8", "1").text
    assert "诸政办发〔2023〕38号" in text and "沪府发〔2025〕1号" not in text


def test_unrelated_question_mid_dialogue_is_not_taken_as_an_answer(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-e9", "孩子符合救助条件吗")
    reply = sim.send_text("o-e9", "孩子发烧39度了吃什么退烧药").text
    assert "志愿者" in reply and "没听明白" not in reply
    sim.send_text("o-e10", "孩子符合救助条件吗")  # opens the dialogue
    unhelpful = sim.send_text("o-e10", "没用").text
    assert "没有帮到" in unhelpful and "志愿者" in unhelpful


def test_facts_given_beside_the_answer_to_our_question_are_all_kept(sim: WeChatSimulator) -> None:
    """Asked about the diagnosis, the parent also says age, hardship and where the child trains: no further
    question, the verdict for all of it (7, hardship, out of district -> 10000 元)."""
    sim.send_text("o-e-extra", "綦江的孩子能不能领康复救助")
    question = sim.send_text("o-e-extra", "帮我算").text
    assert "确诊" in question
    reply = sim.send_text("o-e-extra", "确诊了，孩子7岁，我们是低保户，在区外的定点机构").text
    assert "符合" in reply and "10000" in reply and "？" not in reply.split("以上是")[0]



def test_one_unknown_condition_gives_the_verdict_with_its_proviso_first(sim: WeChatSimulator) -> None:
    """Answer first: the age is unknown but only 未满18周岁 depends on it — the verdict, not "孩子几岁了"."""
    reply = sim.send_text("o-e9", "上海户口，小囡有阳光宝宝卡，没残疾证，能申请康复救助伐").text
    assert reply.startswith("（下面按孩子“未满18周岁”来算")
    assert "符合《沪府发〔2025〕1号》" in reply and DISCLAIMER in reply and "几岁" not in reply


def test_a_stated_age_over_the_limit_is_a_clear_no(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-e10", "儿子上个月刚满18岁，上海户口，有智力残疾证，还能申请残疾儿童康复救助伐").text
    assert reply.startswith("【初步判断】按《沪府发〔2025〕1号》，暂不符合") and "未满18周岁" in reply
