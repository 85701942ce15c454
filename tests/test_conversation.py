"""Whole conversations through the signed webhook: what a parent sees, and what is stored."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlmodel import select

from bot.sandbox.simulator import WeChatSimulator, event_xml, voice_xml
from bot.storage.db import session_scope
from bot.storage.models import Message, Ticket, User

DOCS = ("綦残联发〔2025〕7号", "渝民〔2025〕24号", "桂残联字〔2024〕36号", "诸政办发〔2023〕38号",
        "沪府发〔2025〕1号")


def user(app: Flask, openid: str) -> User:
    with session_scope(app) as db:
        return db.exec(select(User).where(User.openid == openid)).one()


def tickets(app: Flask, openid: str) -> list[Ticket]:
    with session_scope(app) as db:
        found = db.exec(select(User).where(User.openid == openid)).first()
        return list(db.exec(select(Ticket).where(Ticket.user_id == found.id)).all()) if found else []


def test_policy_question_with_region_is_answered_with_its_citation(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-qj", "綦江区孤独症孩子的康复救助怎么申请，要带什么材料")
    assert "依据：綦残联发〔2025〕7号" in reply.text
    assert user(app, "o-qj").region == "qijiang"


def test_region_is_asked_once_then_remembered(app: Flask, sim: WeChatSimulator) -> None:
    first = sim.send_text("o-ask", "孩子康复救助怎么申请")
    assert "1. 重庆綦江区" in first.text
    second = sim.send_text("o-ask", "3")
    assert "上海" in second.text and "沪府发〔2025〕1号" in second.text
    third = sim.send_text("o-ask", "去哪里做复筛")
    assert "1. 重庆綦江区" not in third.text
    assert not any(doc in third.text for doc in DOCS if doc != "沪府发〔2025〕1号")


def test_local_hukou_family_is_not_given_the_residence_permit_answer(sim: WeChatSimulator) -> None:
    """“广西户籍” says which kind of family this is: the entry about residence-permit holders is not theirs."""
    reply = sim.send_text("o-gx-hukou", "广西户籍的孩子康复救助怎么申请")
    assert "依据：桂残联字〔2024〕36号" in reply.text
    assert "居住证" not in reply.text


def test_switching_region_changes_the_cited_document_not_the_stored_region(app: Flask,
                                                                          sim: WeChatSimulator) -> None:
    """A region named in a question is used for that question; the family's region is not silently changed."""
    shanghai = sim.send_text("o-switch", "上海的孩子康复救助怎么申请")
    zhuji = sim.send_text("o-switch", "那诸暨的呢，康复救助怎么申请")
    assert "沪府发〔2025〕1号" in shanghai.text
    assert "诸政办发〔2023〕38号" in zhuji.text
    assert user(app, "o-switch").region == "shanghai"


def test_follow_up_leans_on_the_previous_question(sim: WeChatSimulator) -> None:
    """“那诸暨呢” asks the previous question about another region (not a bare region statement)."""
    sim.send_text("o-follow", "綦江复筛在哪里做")
    reply = sim.send_text("o-follow", "那诸暨呢")
    assert "诸政办发〔2023〕38号" in reply.text and "已记住" not in reply.text


def test_a_long_follow_up_keeps_the_topic_and_its_own_facts(sim: WeChatSimulator) -> None:
    """A follow-up opening with 那 is read against the previous question however long it is, and the facts
    it adds pick the band: not a hardship family, 7 or older, trained in the district -> 18000 元."""
    sim.send_text("o-long-follow", "綦江孤独症娃儿0到6岁的康复补助一年是好多")
    reply = sim.send_text("o-long-follow", "那7岁以后呢？我们家不是困难户，娃儿在区内的定点机构练的")
    assert "18000" in reply.text and "綦残联发〔2025〕7号" in reply.text


def test_a_fact_question_after_a_yes_no_question_gets_the_fact(sim: WeChatSimulator) -> None:
    """"那我们不是困难户呢" after a transport question: the band for other families, not an interview."""
    sim.send_text("o-follow-band", "綦江孤独症康复的生活交通补助，困难家庭一个月好多")
    reply = sim.send_text("o-follow-band", "那我们不是困难户呢")
    assert "300" in reply.text and "？" not in reply.text.splitlines()[0]


def test_a_what_if_follow_up_to_an_amount_question_gets_the_amount_for_the_changed_fact(sim: WeChatSimulator) -> None:
    """"要是转到区外呢" after "一年补好多" with the family's facts: the out-of-district amount (10000 元)."""
    sim.send_text("o-what-if", "我们是綦江的低保户 娃儿九岁 孤独症 在区内定点机构做康复 一年补好多")
    reply = sim.send_text("o-what-if", "要是转到区外的定点机构呢")
    assert "10000" in reply.text and "20000" not in reply.text and "綦残联发〔2025〕7号" in reply.text


def test_years_of_aid_already_received_pick_the_band_and_an_unstated_diagnosis_is_assumed_aloud(
        sim: WeChatSimulator) -> None:
    """Five years of aid done, 12, hardship: 10000 元 (not the 20000 of the first five years), with the
    assumption that the child is diagnosed said first, and each clause cited once on one line."""
    reply = sim.send_text("o-five-years", "娃儿在綦江区内机构已经练满五年了今年12岁屋头是困难户还补不补嘛补好多")
    assert "10000" in reply.text and "20000" not in reply.text
    assert reply.text.startswith("（下面按孩子已确诊孤独症来算")
    citation = next(line for line in reply.text.splitlines() if line.startswith("依据："))
    assert citation.count("綦残联发〔2025〕7号") == 1 and citation.count("康复政策提标扩面") == 1


def test_a_policy_question_that_sounds_like_a_timetable_gets_the_policy(sim: WeChatSimulator) -> None:
    """"送教上门一个月来几回" from a family in no centre asks what the document promises (4 times a month),
    not when its own next class is."""
    reply = sim.send_text("o-home-visits", "我家是重度的出不得门 綦江有没得送教上门 一个月来几回")
    assert "4次" in reply.text and "綦残联发〔2025〕7号" in reply.text and "加入码" not in reply.text


OUT_OF_SCOPE_WITH_A_PLACE = ["上海的学区房怎么买", "广西哪里好玩", "重庆的医保怎么报销", "上海离婚孩子抚养权归谁",
                             "诸暨房价多少", "广西的孩子打疫苗在哪里", "上海停车费多少"]


@pytest.mark.parametrize("question", OUT_OF_SCOPE_WITH_A_PLACE)
def test_a_question_off_the_documents_that_names_a_place_goes_to_a_person(app: Flask, sim: WeChatSimulator,
                                                                      question: str) -> None:
    """The place name is shared by every entry of its region and 多少/怎么 by many: neither makes an entry
    the answer. A person answers, nothing from the documents is passed off as the answer."""
    openid = f"o-off-{OUT_OF_SCOPE_WITH_A_PLACE.index(question)}"
    reply = sim.send_text(openid, question)
    assert "依据：" not in reply.text and "志愿者" in reply.text
    assert tickets(app, openid)


def test_a_statement_of_the_family_situation_is_kept_for_the_question_that_follows(app: Flask,
                                                                                sim: WeChatSimulator) -> None:
    """"孩子读高中了 孤独症 我们在綦江" asks nothing: no ticket, an invitation; the next question is answered for
    綦江 without asking the region again (18 is past 綦江's 0-17 years)."""
    first = sim.send_text("o-background-first", "娃儿读高中了 孤独症 我们在綦江")
    assert "记下了" in first.text and not tickets(app, "o-background-first")
    reply = sim.send_text("o-background-first", "满十八岁了还能申请康复救助不")
    assert "綦残联发〔2025〕7号" in reply.text and "暂不符合" in reply.text and "哪个地区" not in reply.text


def test_a_hukou_from_elsewhere_is_not_a_local_hukou(sim: WeChatSimulator) -> None:
    """"安徽户口" in 诸暨: not 诸暨籍, so never "符合" for the 3000 元 subsidy written for 诸暨籍 children."""
    sim.send_text("o-anhui", "我们在诸暨打工五年了 安徽户口")
    reply = sim.send_text("o-anhui", "孩子四岁孤独症在诸暨做康复 能拿每月三千的补贴吗")
    assert "暂不符合" in reply.text and "诸暨籍" in reply.text and not reply.text.startswith(("可以", "能", "符合"))


def test_after_18_the_follow_up_is_asked_for_that_age(sim: WeChatSimulator) -> None:
    sim.send_text("o-after-18", "上海户籍 孩子三岁 听力残疾 可以申请康复救助吗")
    reply = sim.send_text("o-after-18", "那满十八岁以后呢")
    assert "暂不符合" in reply.text and "未满18周岁" in reply.text


def test_how_much_anywhere_in_a_long_message_gets_the_family_amount(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-how-much", "綦江的 娃儿今年八岁了 前年确诊的孤独症 现在在区内的定点康复机构练 屋头是低保户 "
                                        "想问一下我们这种情况一年康复补助到底有好多")
    assert "20000" in reply.text and "18000" not in reply.text


def test_the_place_and_facts_hold_after_a_hand_over(sim: WeChatSimulator) -> None:
    """A message a volunteer takes still tells us the place and the child: the next question is answered for
    綦江 and a 5-year-old (20000 元), not met with "which region?"."""
    sim.send_text("o-after-handover", "綦江的 孩子五岁 刚确诊 想问问重医儿童医院哪个医生看得好")
    reply = sim.send_text("o-after-handover", "做康复训练政府一年补好多钱")
    assert "20000" in reply.text and "哪个地区" not in reply.text


def test_another_province_as_background_is_not_a_hand_over(sim: WeChatSimulator) -> None:
    """A Shanghai permit family whose child is aided in another province: Shanghai's condition decides."""
    sim.send_text("o-background", "上海居住证家庭的孩子能申请残疾儿童康复救助吗")
    reply = sim.send_text("o-background", "我们孩子在安徽老家享受过康复救助，现在还在领")
    assert "外省市" in reply.text and not reply.text.startswith("可以")
    assert "不在我掌握的文件里" not in reply.text


def test_a_permit_held_under_a_year_is_not_told_yes(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-permit", "我们持上海居住证，孩子有智力残疾证，居住证是去年才办的，到现在才八个月，能申请康复救助吗")
    assert "暂不符合" in reply.text and "满1年" in reply.text and "沪府发〔2025〕1号" in reply.text


def test_a_region_outside_the_five_is_told_so_and_offered_a_person(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-beijing", "北京的孤独症孩子康复有补贴吗")
    assert "北京" in reply.text and "不在我掌握的文件里" in reply.text and "工单号" in reply.text
    assert "〔" not in reply.text  # no other region's document is cited


def test_the_answer_to_which_region_resumes_the_question(sim: WeChatSimulator) -> None:
    first = sim.send_text("o-resume", "孩子符合条件吗")
    assert "哪个地区" in first.text
    reply = sim.send_text("o-resume", "綦江")
    assert "綦残联发〔2025〕7号" in reply.text and "已记住" not in reply.text


def test_dialect_amount_question_gets_the_amount_first(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-dialect", "诸暨的娃儿能补好多钱哦")
    assert "3000" in reply.text and "诸政办发〔2023〕38号" in reply.text
    assert "本回答不是官方审核结果" in reply.text


def test_traditional_characters_are_understood(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-trad", "綦江孤獨症兒童康復救助怎麼申請")
    assert "綦残联发〔2025〕7号" in reply.text


def test_recognised_voice_is_answered_like_text(sim: WeChatSimulator) -> None:
    reply = sim.post(voice_xml("o-voice-ok", "嗯那个我们在上海孩子的康复救助怎么申请啊"))
    assert "沪府发〔2025〕1号" in reply.text


def test_asking_for_a_person_opens_one_ticket(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-human", "我要找人工客服")
    assert "志愿者" in reply.text and "工单号" in reply.text
    sim.send_text("o-human", "转人工")
    assert len(tickets(app, "o-human")) == 1


def test_out_of_scope_is_not_guessed_but_handed_over(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-oos", "明天重庆天气怎么样会不会下雨")
    assert "志愿者" in reply.text
    assert not any(doc in reply.text for doc in DOCS)
    assert tickets(app, "o-oos")[0].reason == "fallback"


def test_greeting_and_thanks(sim: WeChatSimulator) -> None:
    assert "星伴" in sim.send_text("o-hi", "你好").text
    assert "不客气" in sim.send_text("o-hi", "谢谢你").text


def test_reminders_switch_on_and_off(app: Flask, sim: WeChatSimulator) -> None:
    assert "开启" in sim.send_text("o-rem", "订阅上课提醒").text
    assert user(app, "o-rem").reminders_on is True
    assert "关闭" in sim.send_text("o-rem", "取消上课提醒").text
    assert user(app, "o-rem").reminders_on is False


def test_delete_data_needs_confirmation_then_erases_everything(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-del", "上海的孩子康复救助怎么申请")
    sim.send_text("o-del", "转人工")
    assert "确认删除" in sim.send_text("o-del", "请删除我的所有数据").text
    assert "已删除" in sim.send_text("o-del", "确认删除").text
    with session_scope(app) as db:
        gone = db.exec(select(User).where(User.openid == "o-del")).first()
        assert gone is None
        assert db.exec(select(Ticket)).all() == []
        assert all(m.text != "上海的孩子康复救助怎么申请" for m in db.exec(select(Message)).all())


def test_delete_data_cancelled_keeps_data(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-keep", "上海的孩子康复救助怎么申请")
    sim.send_text("o-keep", "删除我的数据")
    assert "取消" in sim.send_text("o-keep", "算了").text
    assert user(app, "o-keep").region == "shanghai"


def test_menu_click_is_answered_as_its_question(sim: WeChatSimulator) -> None:
    sim.send_text("o-click", "我在綦江")
    reply = sim.post(event_xml("o-click", "CLICK", "APPLY_AID"))
    assert "綦残联发〔2025〕7号" in reply.text


def test_stored_message_records_intent_and_outcome(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-log", "綦江的孩子去哪里复筛")
    with session_scope(app) as db:
        row = db.exec(select(Message).order_by(Message.id.desc())).first()  # type: ignore[union-attr]
        assert row.intent == "rescreen" and row.outcome == "answered" and row.confidence


def test_every_intent_has_a_chinese_label_for_menus() -> None:
    """A clarify menu never shows a raw intent name ("1. thanks 2. greeting")."""
    from bot.wording import intent_label
    from intents.labels import INTENTS

    for intent in INTENTS:
        label = intent_label(intent)
        assert label != intent and any("\u4e00" <= ch <= "\u9fff" for ch in label), intent


@pytest.mark.parametrize(
    ("question", "label"),
    [
        # what no document gives goes to a person with an honest line, not a made-up or nearest answer
        ("綦江区残联的办公电话是好多 在哪条街", "电话、地址这些联系方式"),
        ("诸暨康复补贴申请要带哪些材料，去哪个窗口办理", "要带哪些材料"),
        ("綦江的康复补助批下来了每个月几号发钱 多久到账", "钱怎么发、什么时候到账"),
        ("上海哪几家医院是孤独症康复救助诊断机构", "具体是哪些医院或机构"),
        ("綦江 区残联网上审核一般要等好久才批下来哦", "审核、审批要多久"),
        ("綦江的娃儿残疾证去哪办", "残疾人证、阳光宝宝卡怎么办理"),
        ("我儿子25岁孤独症，诸暨的托养机构一个月大概收多少钱", "机构收多少费用"),  # a fee, not the aid's verdict
        ("綦江的，康复补助那两万块是直接打到我们卡上还是机构那边直接扣，要先垫钱不", "钱怎么发、什么时候到账"),
        ("诸暨的康复补贴多久发一次 打到哪张卡上", "钱怎么发、什么时候到账"),
        # the entry on the care subsidy names no sum: said, not a neighbouring entry's figure
        ("广西 重度残疾人护理补贴每个月多少钱", "具体能拿多少钱"),
    ],
)
def test_what_no_document_gives_is_said_and_handed_to_a_person(app: Flask, sim: WeChatSimulator, question: str,
                                                               label: str) -> None:
    reply = sim.send_text("o-unsaid", question).text
    assert re.search(f"没有写{label}|至于{label}，文件里没有写", reply), reply
    assert len(tickets(app, "o-unsaid")) == 1


@pytest.mark.parametrize(
    ("question", "says", "never"),
    [
        # the family said which band it is in: the other band's sum never reaches it
        ("綦江区七岁以上的孤独症娃儿在区内机构康复 我们屋头不是困难户 一年补好多", "18000元", "20000"),
        ("綦江 我们是困难家庭 娃儿12岁在区内定点机构训练 一年补好多", "20000元", "18000"),
        ("綦江的 我们是困难家庭 那个生活交通补助一个月好多钱", "500元", "300"),
        ("綦江 娃儿在定点机构康复 我们屋头不是困难户 生活交通补贴每个月有好多", "300元", "500"),
    ],
)
def test_the_band_the_family_said_is_the_only_one_sent(sim: WeChatSimulator, question: str, says: str,
                                                        never: str) -> None:
    reply = sim.send_text("o-band", question).text
    assert says in reply and never not in reply and "綦残联发〔2025〕7号" in reply


def test_training_in_qijiang_town_is_training_in_the_district(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-town", "綦江的，娃儿九岁了，屋头是低保户，在綦江城头的定点机构做康复训练，一年能补好多哦").text
    assert "20000" in reply and "10000" not in reply and "18000" not in reply


def test_a_birthday_said_without_sui_is_the_childs_age(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-bday", "綦江的 娃儿上个月满十八了 孤独症 还能领康复救助不").text
    assert reply.startswith("【初步判断】") and "暂不符合" in reply.split("\n")[0] and "几岁了" not in reply


@pytest.mark.parametrize(
    ("turns", "says", "never"),
    [
        # hardship, 11, training in 主城 (out of the district): the 7-14 out-of-district band alone
        (["綦江的，屋头是低保，娃儿11岁孤独症，区里机构排不上，想去主城的定点机构训练，区外的话一年补好多哦"], "10000", "20000"),
        # aided five years already in the district, 12, hardship: the after-five-years band
        (["綦江区内定点机构7到17岁的孤独症娃儿，康复救助能救几年哦？",
          "我们是低保户，娃儿在区内已经训满5年了，现在才12岁，后面还有没得补助？一年好多钱"], "10000", "20000"),
        # 7.5 and already in primary school: past Zhuji's under-7 band, and not the under-9 one
        (["诸暨的，儿子七岁半了，已经在普通小学一年级随班读书，读得还可以，康复训练补贴还能继续拿吗"], "未满7周岁", "【初步判断】符合"),
    ],
)
def test_the_family_facts_pick_the_band_in_a_verdict(sim: WeChatSimulator, turns: list[str], says: str,
                                                      never: str) -> None:
    reply = ""
    for turn in turns:
        reply = sim.send_text("o-vband", turn).text
    assert says in reply and never not in reply


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # "能补不" about another benefit: that benefit's entry, not the rehab aid's verdict
        ("綦江 娃儿3岁 托育能补不", "托育服务"),
        ("重庆 孩子10岁 孤独症 重度残疾人护理补贴我们能领吗", "重度残疾人护理补贴"),
    ],
)
def test_can_we_get_another_benefit_is_not_the_rehab_verdict(sim: WeChatSimulator, question: str, says: str) -> None:
    reply = sim.send_text("o-other", question).text
    assert "【初步判断】" not in reply and says in reply


def test_who_pays_in_shanghai_is_the_finance_department(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-pays", "上海 康复救助的钞票是哪个部门出").text
    assert "财政部门负责落实经费保障" in reply and "沪府发〔2025〕1号" in reply


def test_how_old_the_aid_goes_is_the_age_limit_not_an_interview(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-maxage", "綦江孤独症娃儿的康复救助最大救到好多岁").text
    assert "17岁" in reply and "几岁了" not in reply and "綦残联发〔2025〕7号" in reply


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("綦江有没得热线电话可以打来问的", "12355"),  # the entry that gives the number still answers
        ("綦江哪家医院可以做孤独症诊断", "区妇幼保健院"),  # ...and the one that names the hospital
    ],
)
def test_an_entry_that_gives_the_asked_kind_still_answers(app: Flask, sim: WeChatSimulator, question: str,
                                                          fact: str) -> None:
    reply = sim.send_text("o-gives", question).text
    assert fact in reply and "依据：綦残联发〔2025〕7号" in reply and not tickets(app, "o-gives")


def test_the_answerable_half_of_a_question_is_answered_before_the_hand_over(app: Flask,
                                                                            sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-half", "綦江区孤独症孩子的康复救助怎么申请，要带什么材料").text
    assert reply.startswith("綦江区残联开展孤独症儿童康复救助网上审核") and "依据：綦残联发〔2025〕7号" in reply
    assert "至于要带哪些材料，文件里没有写" in reply and len(tickets(app, "o-half")) == 1


def test_a_short_question_on_an_aspect_is_read_with_the_question_before(sim: WeChatSimulator) -> None:
    sim.send_text("o-aspect", "上海这个残疾儿童康复救助新政策啥辰光开始")
    reply = sim.send_text("o-aspect", "到啥辰光结束").text
    assert "2030年4月30日" in reply and "沪府发〔2025〕1号" in reply


def test_a_short_question_whose_own_words_barely_answer_leans_on_the_one_before(sim: WeChatSimulator) -> None:
    sim.send_text("o-lean", "重庆有没有帮大孩子就业的项目，孤独症的")
    reply = sim.send_text("o-lean", "我们娃儿才14岁，现在就能参加不").text
    assert "16—18周岁" in reply and "渝民〔2025〕24号" in reply


def test_a_condition_assumed_reads_as_a_parent_writes_it(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-tight", "阿拉是上海户口 小人孤独症 几岁以内可以申请残疾儿童康复救助伐").text
    assert "未满18周岁" in reply and "未满 18" not in reply


def test_a_short_new_question_is_not_read_with_the_one_before(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-newq", "綦江康复救助怎么申请")
    assert "网上审核" not in sim.send_text("o-newq", "今天几号").text


def test_an_amount_the_document_does_not_give_goes_to_a_person_after_the_verdict(app: Flask,
                                                                               sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-noamount", "重庆 娃儿8岁 孤独症 我们是低保户 一年能补多少钱").text
    assert "符合《渝民〔2025〕24号》" in reply and "至于具体能拿多少钱，文件里没有写" in reply
    assert len(tickets(app, "o-noamount")) == 1


def test_a_fact_only_the_document_states_is_quoted_with_its_clause(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-quote", "上海有没有鼓励高校办特殊教育专业").text
    assert reply.startswith("文件原文是这样写的：“") and "鼓励高校加强特殊教育相关专业建设" in reply
    assert "依据：沪府发〔2025〕1号 二、(三)" in reply and "回复“人工”" in reply and not tickets(app, "o-quote")



@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("我们在渝北 娃儿五岁刚确诊孤独症 屋头比较困难 能不能纳入残联的康复救助", "符合《渝民〔2025〕24号》"),
        ("娃儿上个月满18岁了，还在綦江，能申请残联的孤独症康复救助不", "暂不符合"),
    ],
)
def test_a_yes_no_question_on_the_aid_gets_the_verdict_for_the_facts_given(sim: WeChatSimulator, question: str,
                                                                          verdict: str) -> None:
    reply = sim.send_text("o-yesno", question).text
    assert reply.startswith("【初步判断】") and verdict in reply.split("\n")[0]


def test_a_hukou_said_to_be_elsewhere_is_not_told_yes(sim: WeChatSimulator) -> None:
    """The worst bug: money promised to a family the document leaves out (诸暨籍 only)."""
    reply = sim.send_text("o-jx", "我们户口在江西,在诸暨打工好几年了,小孩四岁孤独症,能不能拿诸暨那个每月三千的康复补贴").text
    assert not reply.split("\n")[0].startswith(("【初步判断】符合", "可以", "能", "符合", "是的"))
    assert "诸暨籍" in reply


@pytest.mark.parametrize(
    ("question", "first_line", "says"),
    [
        # "没在老家领过" denies aid elsewhere: read as a "yes" it turned a qualifying family away
        ("我们外地户口，爸妈居住证都满两年了，也没在老家领过康复救助，小孩6岁有残疾证，在上海能申请吗",
         "【初步判断】符合", "参照执行"),
        # the certificate is what is asked about, not a fact: the card and the diagnosis are other ways in
        ("上海户口小孩孤独症，一定要有残疾证才能申请康复救助伐", "【初步判断】符合", "已确诊孤独症"),
        # no hukou and no permit: "no" whatever the child's age, with what would change it
        ("我们刚从湖南过来柳州打工两个月，还没办居住证，户口也不在广西，孩子孤独症能在这边申请康复救助吗",
         "【初步判断】按《桂残联字〔2024〕36号》，暂不符合", "办理居住证"),
    ],
)
def test_the_facts_as_the_parent_said_them_decide_the_verdict(sim: WeChatSimulator, question: str,
                                                              first_line: str, says: str) -> None:
    reply = sim.send_text("o-facts", question).text
    verdict = next(line for line in reply.split("\n") if line.startswith("【初步判断】"))
    assert verdict.startswith(first_line) and says in reply


@pytest.mark.parametrize(
    ("question", "says", "hands_over"),
    [
        # Guangxi's plan lets permit holders apply but gives no minimum time: said, and a person asked
        ("广西的居住证要办满多久才能申请康复救助？", "至于居住证要办满多久，文件里没有写", True),
        # Shanghai's gives it (父母双方连续满1年以上): the answer, no hand-over
        ("上海居住证要办满多久才能申请康复救助", "连续满1年以上", False),
    ],
)
def test_how_long_a_permit_must_be_held_is_answered_only_where_a_document_says(
        app, sim: WeChatSimulator, question: str, says: str, hands_over: bool) -> None:
    reply = sim.send_text("o-permit", question).text
    assert says in reply and ("志愿者" in reply) == hands_over


def test_is_the_aid_still_there_is_a_yes_no_question_on_the_aid(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-still", "我屋娃儿15岁了,困境孤独症,屋头也困难,重庆这个康复救助还有没得嘛").text
    assert reply.startswith("【初步判断】") and "暂不符合" in reply.split("\n")[0] and "0—14周岁" in reply


def test_asking_whether_papers_go_to_both_offices_is_not_asking_which_papers(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-share", "重庆的 民政和残联之间信息通不通哦,我是不是两边都要跑都要交一遍材料").text
    assert "信息共享" in reply and "要带哪些材料" not in reply


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # 特校 / 特殊学校 are read as 特殊教育 + 学校, and Shanghainese 小人 / 里厢 as 孩子 / 里面
        ("阿拉上海的，小人在特殊学校读书，学校里厢能做康复伐", "医教结合"),
        # 一张床 is a 床位
        ("诸暨有开办补助吗，一张床补多少", "2000元"),
        # a question on the age limit ranks the entry naming an age band first
        ("上海殘疾兒童康復救助的年齡上限是幾歲？", "未满18周岁"),
        # a direction the document explores is answered as one, with its clause
        ("上海有没有远程康复或者智能康复这种", "沪府发〔2025〕1号 二（九）"),
        # a general entry barely holding the question loses to the region's entry holding most of it
        ("上海康复救助的实施细则由谁来制定", "市残联"),
        # 爸爸 / 妈妈 are the document's 父母
        ("重庆的，孩子爸爸去世了妈妈也走了，没人监护怎么办", "儿童福利机构"),
        # a car crash is the document's 突发事件、意外伤害
        ("广西的，家里出了车祸，孤独症孩子生活没着落了，有什么救助", "临时救助"),
        # parent training is the Chongqing document's 家庭照护知识培训
        ("重庆 孩子三岁刚确诊，有没有家长培训，我们完全不懂怎么教他", "家庭照护知识培训"),
    ],
)
def test_parent_words_meet_the_documents_words(sim: WeChatSimulator, question: str, says: str) -> None:
    assert says in sim.send_text("o-words", question).text


def test_a_follow_up_with_its_own_topic_is_not_given_the_previous_answer_again(sim: WeChatSimulator) -> None:
    first = sim.send_text("o-own", "綦江 娃儿读普通小学随班就读 学校有没得陪读的").text
    assert "助教陪读" in first
    reply = sim.send_text("o-own", "那要是重度的 去不了学校咋个办").text
    assert "送教上门" in reply and "助教陪读" not in reply


def test_an_elliptical_follow_up_stays_with_the_question_before(sim: WeChatSimulator) -> None:
    sim.send_text("o-ellip", "诸暨康复补贴一个月最多多少")
    reply = sim.send_text("o-ellip", "那一年呢").text
    assert "36000" in reply


def test_a_new_question_in_reply_to_which_region_is_answered_itself(sim: WeChatSimulator) -> None:
    """The reply to "which region?" asked its own question; the bot answered the background sentence."""
    first = sim.send_text("o-anew", "我每天骑电动车送孩子去机构训练来回两个钟").text
    assert "哪个地区" in first
    reply = sim.send_text("o-anew", "广西有没有家长送训补贴").text
    assert "送训补贴" in reply and "桂残联字〔2024〕36号" in reply


def test_a_follow_up_sent_instead_of_the_region_is_read_with_the_waiting_question(sim: WeChatSimulator) -> None:
    assert "哪个地区" in sim.send_text("o-skip", "家里经济困难，孤独症孩子在上幼儿园，有什么减免吗").text
    again = sim.send_text("o-skip", "那以后上到小学初中呢，要住校的").text
    assert "哪个地区" in again  # both questions wait for the region; nothing handed to a volunteer
    reply = sim.send_text("o-skip", "广西").text
    assert "住宿费" in reply and "桂残联字〔2024〕36号" in reply


def test_facts_given_with_the_region_count_for_the_waiting_question(sim: WeChatSimulator) -> None:
    sim.send_text("o-rfacts", "康复补助一年有好多")
    reply = sim.send_text("o-rfacts", "綦江，娃儿5岁").text
    assert "20000" in reply and "0—6岁" in reply and "18000" not in reply


def test_a_place_outside_the_five_asked_about_beside_ours_is_handed_over(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-hz", "我是诸暨的,我阿姐在杭州,她家伢儿也是孤独症,杭州那边每个月康复补多少,跟诸暨一样伐").text
    assert "杭州" in reply.split("\n")[0] and "3000" not in reply and "志愿者" in reply


def test_a_hukou_moved_away_after_an_amount_question_gets_the_hukou_condition(sim: WeChatSimulator) -> None:
    sim.send_text("o-move", "我家伢儿孤独症4岁，诸暨户口，康复补贴每月最高多少")
    reply = sim.send_text("o-move", "那要是户口迁到杭州去了呢").text
    assert "暂不符合" in reply.split("\n")[0] and "诸暨籍" in reply


def test_a_question_after_the_family_situation_gets_the_entry_that_holds_its_words(sim: WeChatSimulator) -> None:
    sim.send_text("o-upto", "阿拉浦东的,儿子十五岁孤独症")
    reply = sim.send_text("o-upto", "康复救助到几岁为止啊").text
    assert "未满18周岁" in reply and "沪府发〔2025〕1号" in reply


def test_a_short_question_nothing_answers_alone_is_read_with_the_one_before(sim: WeChatSimulator) -> None:
    sim.send_text("o-lean", "诸暨的孩子能不能去普通学校随班就读")
    reply = sim.send_text("o-lean", "是一开始就全天在班上吗，能不能慢慢来").text
    assert "半日融合" in reply and "诸政办发〔2023〕38号" in reply


def test_a_longer_question_with_its_own_unknown_topic_is_not_given_the_previous_answer(sim: WeChatSimulator) -> None:
    sim.send_text("o-nolean", "綦江的娃儿初筛说有问题")
    reply = sim.send_text("o-nolean", "是不是必须去重庆儿童医院看，挂什么科呢").text
    assert "志愿者" in reply and "可以" not in reply.split("\n")[0]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # a district of 重庆 said without its suffix
        ("长寿的，孩子孤独症，走不出门，机构能上门康复吗", "上门服务"),
        # Guangxi's plan gives no age range: said so, not "可以申请"
        ("广西的孩子7岁还能补吗", "没有写康复救助的年龄范围"),
        # a county of Shaoxing asked about, Zhuji only compared with
        ("柯桥区的孤独症补助每月多少，和诸暨比怎么样", "柯桥的政策不在我掌握的文件里"),
        # Cantonese 嗰边: the place outside the five is what is asked
        ("我哋喺广西 但系想去深圳做康复 深圳嗰边有冇补贴", "深圳的政策不在我掌握的文件里"),
    ],
)
def test_places_are_read_as_the_parent_means_them(sim: WeChatSimulator, question: str, says: str) -> None:
    reply = sim.send_text("o-places", question).text
    assert says in reply and not reply.startswith("可以")


@pytest.mark.parametrize("ack", ["好的知道了", "嗯嗯", "晓得了", "好", "明白了。"])
def test_an_acknowledgement_gets_a_short_word_back_not_a_volunteer(app: Flask, sim: WeChatSimulator, ack: str) -> None:
    sim.send_text("o-ack", "綦江康复救助怎么申请")
    reply = sim.send_text("o-ack", ack).text
    assert reply.startswith("好的") and "网上审核" not in reply
    assert tickets(app, "o-ack") == []


def test_a_list_of_institutions_the_documents_do_not_give_goes_to_a_person(app: Flask, sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-list", "重庆渝北 能给我一份定点康复机构的名单吗").text
    assert "志愿者" in reply and len(tickets(app, "o-list")) == 1


def test_two_sides_of_one_topic_answer_the_closer_and_name_the_other(sim: WeChatSimulator) -> None:
    """No menu between two entries on one topic (neither a sum of money): the closer answers, the other is named."""
    reply = sim.send_text("o-sides", "诸暨的，女儿孤独症二十二岁了，想让她出去工作，有没有培训的地方").text
    assert "就业辅导" in reply and "相关的还有“诸暨成年孤独症人士有职业培训吗”" in reply
    assert "回复 1 或 2" not in reply


def test_the_age_the_child_is_about_to_turn_is_the_age_asked_for(sim: WeChatSimulator) -> None:
    first = sim.send_text("o-turn", "綦江孤独症康复救助最大管到好多岁").text
    assert "0-17岁" in first and "几岁了" not in first  # the limit first, not a question back
    reply = sim.send_text("o-turn", "我娃儿下个月就满18了，满了以后还能不能申请").text
    assert "暂不符合" in reply and "0—17岁" in reply and "几岁了" not in reply


def test_two_unknown_facts_that_each_pass_or_fail_one_condition_give_the_verdict_with_both_provisos(
        sim: WeChatSimulator) -> None:
    """Diagnosis and 诸暨籍 unknown: the verdict for a diagnosed 诸暨籍 child, saying so, not an interview."""
    reply = sim.send_text("o-two", "诸暨 孩子8岁 生活不能自理 上不了学 还能补吗").text
    assert "已确诊孤独症来算" in reply and "诸暨籍" in reply and "3000元" in reply
    assert "是否已经确诊" not in reply


def test_a_family_training_outside_the_district_never_gets_the_in_district_band(sim: WeChatSimulator) -> None:
    sim.send_text("o-outside", "綦江的 孩子7岁 区外机构")
    reply = sim.send_text("o-outside", "一年补好多").text
    assert "10000元" in reply and "18000" not in reply


def test_can_it_still_be_aided_is_a_verdict_question(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-aided", "重庆 孩子16岁 还能救助不").text
    assert reply.startswith("【初步判断】") and "0—14周岁" in reply


def test_a_bare_who_or_when_question_leans_on_the_question_before(sim: WeChatSimulator) -> None:
    sim.send_text("o-who", "綦江 送教上门一个月几次")
    assert "区特殊教育学校" in sim.send_text("o-who", "谁来送").text
    sim.send_text("o-when", "诸暨 托养床位有多少张")
    assert "2025年6月" in sim.send_text("o-when", "什么时候建好").text


def test_how_long_the_permit_must_be_held_is_asked_as_that_fact_not_a_verdict(app: Flask, sim: WeChatSimulator) -> None:
    sim.send_text("o-permit", "广西 孩子7岁 有居住证 能申请吗")
    reply = sim.send_text("o-permit", "居住证要办满多久").text
    assert "至于居住证要办满多久，文件里没有写" in reply and "【初步判断】" not in reply
    sim.send_text("o-permit-sh", "上海 孩子5岁 有居住证")
    reply = sim.send_text("o-permit-sh", "居住证要办满多久").text
    assert "满1年" in reply and "连续几年了" not in reply  # answered, not the interview's question


def test_can_the_government_pay_for_rehab_is_a_verdict_question(sim: WeChatSimulator) -> None:
    reply = sim.send_text("o-pay", "重庆 孩子十岁 孤独症 家里条件不好，政府能不能帮忙出康复的钱").text
    assert reply.startswith("【初步判断】符合《渝民〔2025〕24号》")  # 条件不好 is a hardship family, 7-14 qualify


def test_an_age_about_to_be_reached_in_chinese_numerals_decides_the_first_word(sim: WeChatSimulator) -> None:
    """"满十八了 之后还能救助吗": never the entry's "可以" for a child turning 18 (十八 has no 岁 after it)."""
    sim.send_text("o-eighteen", "上海户口 女儿有残疾证 在做康复")
    reply = sim.send_text("o-eighteen", "她下个月就满十八了，之后还能救助吗").text
    assert reply.startswith("【初步判断】") and "暂不符合" in reply and "未满18周岁" in reply
