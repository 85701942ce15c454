"""Engine behaviour: typo correction, slots, decisions, edge cases, public API."""

import ast
import time
from pathlib import Path

import pytest

import intents
from intents import INTENTS, Classification, IntentEngine, load_engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> IntentEngine:
    return load_engine(tmp_path_factory.mktemp("intents-cache"))


def test_public_api(engine):
    assert len(INTENTS) == 16 and len(set(INTENTS)) == 16
    assert INTENTS[-1] == "out_of_scope"
    c = engine.classify("康复救助怎么申请")
    assert isinstance(c, Classification)
    assert c.intent in INTENTS
    assert 0.0 <= c.confidence <= 1.0
    assert c.decision in ("answer", "clarify", "fallback")
    assert all(name in INTENTS and 0.0 <= score <= 1.0 for name, score in c.alternatives)


def test_jieba_cache_under_cache_dir(tmp_path_factory):
    cache = tmp_path_factory.mktemp("own-cache")
    load_engine(cache)
    assert (cache / "jieba.cache").is_file()


def test_the_bot_keeps_one_engine_per_cache_folder_and_freezes_it(tmp_path_factory):
    """intents.load_engine builds; the process's owner (bot/services.py) keeps one and freezes the GC."""
    import gc

    from bot.services import load_engine as service_engine

    cache = str(tmp_path_factory.mktemp("service-cache"))
    assert service_engine(cache) is service_engine(cache)
    assert gc.get_freeze_count() > 100_000


@pytest.mark.parametrize(
    ("raw", "corrected"),
    [
        ("康附就助网上可以申请吗", "康复救助网上可以申请吗"),
        ("负筛一般要等多久", "复筛一般要等多久"),
        ("低宝怎么申请", "低保怎么申请"),
        ("自必症孩子", "自闭症孩子"),
        ("残急证", "残疾证"),
        ("羊光宝宝卡", "阳光宝宝卡"),
        ("送叫上门", "送教上门"),
        ("我要转人公", "我要转人工"),
        # ordinary words that sound like domain words are left alone
        ("记不住怎么办", "记不住怎么办"),
        ("成就助力", "成就助力"),
        ("体型偏胖", "体型偏胖"),
    ],
)
def test_typo_correction(engine, raw, corrected):
    assert engine.normalize(raw) == corrected


def test_tokenize_maps_synonyms(engine):
    tokens = engine.tokenize("自闭症孩子的康复补贴怎么申請")
    assert "孤独症" in tokens and "康复救助" in tokens and "申请" in tokens
    assert "自闭症" not in tokens
    assert engine.tokenize("孤独症谱系障碍") == ["孤独症"]
    assert engine.tokenize("") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们綦江的孩子 重庆这边", {"region": "qijiang"}),
        ("在渝北区", {"region": "chongqing"}),
        ("沪上居住证", {"region": "shanghai", "residency": "residence_permit"}),
        ("南宁的孩子", {"region": "guangxi"}),
        ("诸暨籍的孩子", {"region": "zhuji", "residency": "hukou"}),
        ("孩子4岁", {"age": 4.0}),
        ("孩子三岁半", {"age": 3.5}),
        ("七岁了", {"age": 7.0}),
        ("一岁八个月", {"age": 1.67}),
        ("18个月大", {"age": 1.5}),
        ("7到14岁的孩子", {}),
        ("未满7周岁", {}),
        ("医院确诊了", {"diagnosis": "diagnosed"}),
        ("诊断为孤独症", {"diagnosis": "diagnosed"}),
        ("疑似自闭症", {"diagnosis": "suspected"}),
        ("怀疑是孤独症还没确诊", {"diagnosis": "suspected"}),
        ("户口在广西", {"region": "guangxi", "residency": "hukou"}),
        ("外地户口 有居住证", {"residency": "residence_permit"}),
        ("家里是低保户", {"hardship": True}),
        ("我们是特困家庭", {"hardship": True}),
        ("不是低保户", {"hardship": False}),
        ("家里不困难", {"hardship": False}),
        ("家庭经济不困难", {"hardship": False}),
        ("家里经济困难", {"hardship": True}),
        ("孩子语言沟通困难", {}),
        ("7岁，低保家庭，自闭症", {"age": 7.0, "hardship": True, "diagnosis": "diagnosed"}),
        ("什么是孤独症", {}),
        ("居住证才办了8个月", {"residency": "residence_permit", "permit_years": 0.67}),
        ("爸爸居住证满2年，妈妈只办了半年", {"residency": "residence_permit", "permit_years": 0.5}),
        ("在老家享受过康复救助", {"other_province_aid": True}),
        ("在普通小学读二年级", {"school_ready": True}),
        ("生活还不能自理，没法上学", {"self_care_insufficient": True, "school_ready": False}),
        ("生活基本能自理", {"self_care_insufficient": False}),
        ("在区外机构训练", {"institution": "out_of_district"}),
        ("孤独症怎么诊断", {}),
        ("有残疾证", {"disability_certificate": True}),
        ("没有残疾证", {"disability_certificate": False}),
        ("办了阳光宝宝卡", {"sunshine_card": True}),
        ("下周三的家长课", {"when": "next_wed"}),
        ("周六的课", {"when": "sat"}),
        ("明天有课吗", {"when": "tomorrow"}),
        ("本周有课吗", {"when": "this_week"}),
        ("桂花开了", {}),
        ("已经练满五年了", {"years_aided": 5.0}),
        ("享受救助3年了", {"years_aided": 3.0}),
        ("做了两年康复", {"years_aided": 2.0}),
        ("还没享受过救助", {"years_aided": 0.0}),
        ("读三年级", {}),
        ("残疾证还没办", {"disability_certificate": False}),
        ("阳光宝宝卡也没有", {"sunshine_card": False}),
        ("低保还在办", {"hardship": False}),
        ("我们是低保户没错", {"hardship": True}),
        ("我们在诸暨打工 安徽户口", {"region": "zhuji", "residency": "none"}),  # a hukou, not a local one
        ("居住证满2年", {"residency": "residence_permit", "permit_years": 2.0}),
        ("儿子上个月刚满18岁", {"age": 18.0}),
        ("娃儿上个月满十八了", {"age": 18.0}),  # a birthday said without 岁
        ("娃儿在区内已经训满5年了", {"institution": "in_district", "years_aided": 5.0}),
        ("在普通小学一年级随班读书", {"school_ready": True}),
        ("居住证满1年了", {"residency": "residence_permit", "permit_years": 1.0}),  # years, not an age
        ("在綦江城头的定点机构做康复", {"region": "qijiang", "institution": "in_district"}),
        ("户口在江西 在诸暨打工", {"region": "zhuji", "residency": "none"}),  # a hukou, not 诸暨籍
        ("户口在老家", {"residency": "none"}),
        ("户口在诸暨", {"region": "zhuji", "residency": "hukou"}),  # said of now: the child's age
        ("孩子满7岁以后还能补吗", {}),  # a time to come, not the child's age
        ("在区里面定点机构训练", {"institution": "in_district"}),
        ("在主城那边的机构 不在綦江区里面", {"region": "qijiang", "institution": "out_of_district"}),  # a denial is not the place
        ("看到像是孤独症 哪个来管", {"diagnosis": "suspected"}),  # looks like it: not told by a doctor
        ("娃儿有点像自闭", {"diagnosis": "suspected"}),
        ("也没在老家领过康复救助", {"other_province_aid": False}),  # a negator before the place word
        ("没有在外省享受过", {"other_province_aid": False}),
        ("一定要有残疾证才能申请吗", {}),  # asks about the requirement: says nothing of the family
        ("是不是要有阳光宝宝卡", {}),
        ("户口也不在广西", {"region": "guangxi", "residency": "none"}),
        # a place outside the five that is asked about, beside one of ours named as background
        ("户口诸暨但在杭州上班 杭州那边的康复补贴是多少", {"region": "zhuji", "other_place": "杭州", "residency": "hukou"}),
        ("户口诸暨 在杭州上班", {"region": "zhuji", "residency": "hukou"}),
        ("那要是户口迁到杭州去了呢", {"residency": "none"}),  # a residency fact, not the place asked about
        # the negator after 居住证 denies the hukou that follows it, not the permit
        ("广西 孩子有居住证没户口", {"region": "guangxi", "residency": "residence_permit"}),
        ("有残疾证没低保", {"disability_certificate": True, "hardship": False}),
        ("诸暨 外地户口 孩子4岁", {"region": "zhuji", "residency": "none", "age": 4.0}),  # a hukou, not ours
        # 渝馨家园 is a programme, not 重庆; 社区里头 is not 区里头 (in the district)
        ("听说社区里头有渝馨家园 孤独症娃儿能去不", {"diagnosis": "diagnosed"}),
        # ours only compared with: the place outside the five is asked about
        ("柯桥区的补助每月多少 和诸暨比怎么样", {"region": "zhuji", "other_place": "柯桥"}),
    ],
)
def test_slots(engine, text, expected):
    assert engine.classify(text).slots == expected


def test_slots_traditional_and_combined(engine):
    slots = engine.classify("我兒子三歲半，確診孤獨症，户口在綦江，家裡是低保户，有殘疾證").slots
    assert slots == {
        "region": "qijiang",
        "age": 3.5,
        "diagnosis": "diagnosed",
        "residency": "hukou",
        "hardship": True,
        "disability_certificate": True,
    }


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("康复救助怎么申请", "apply_aid"),
        ("康附就助怎么申请", "apply_aid"),
        ("负筛在哪里做", "rescreen"),
        ("低保", "living_assistance"),
        ("取消订阅", "unsubscribe"),
        ("转人工", "human"),
        ("删除我的数据", "delete_data"),
        ("谢谢老师", "thanks"),
    ],
)
def test_answer_on_clear_messages(engine, text, intent):
    c = engine.classify(text)
    assert (c.intent, c.decision) == (intent, "answer")


@pytest.mark.parametrize(
    "text", ["今天天气怎么样", "给我讲个笑话", "布洛芬一次吃多少", "推荐一只股票", "asdfgh"]
)
def test_fallback_out_of_scope(engine, text):
    assert engine.classify(text).decision == "fallback"


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("救助条件和申请材料", {"apply_aid", "eligibility"}),
        ("提醒", {"subscribe", "unsubscribe"}),
    ],
)
def test_clarify_between_two(engine, text, pair):
    c = engine.classify(text)
    assert c.decision == "clarify"
    assert {c.alternatives[0][0], c.alternatives[1][0]} == pair


@pytest.mark.parametrize("text", ["你好 谢谢", "谢谢 你好"])
def test_greeting_plus_thanks_is_one_of_the_two(engine, text):
    # either asking which, or replying to the thanks/greeting, is fine; falling back or answering
    # something else is not
    c = engine.classify(text)
    assert c.decision in ("clarify", "answer")
    assert {c.alternatives[0][0], c.alternatives[1][0]} == {"greeting", "thanks"}


@pytest.mark.parametrize("text", ["", "   ", "\n", "😀😀😀", "🙏", "。。。", "？？？"])
def test_empty_and_emoji_only(engine, text):
    c = engine.classify(text)
    assert c.decision == "fallback"
    assert c.intent == "out_of_scope"


def test_huge_input_is_fast(engine):
    text = "我家孩子确诊了孤独症" * 1000  # 10 000 characters
    started = time.perf_counter()
    c = engine.classify(text)
    assert time.perf_counter() - started < 0.5
    assert c.intent in INTENTS
    assert len(c.normalized) <= 400


def test_decision_predicates():
    from intents.decide import DecisionPolicy, decide, has_clear_margin, is_confident

    policy = DecisionPolicy(confidence_threshold=0.6, margin=0.4)
    assert is_confident(0.6, policy) and not is_confident(0.59, policy)
    assert has_clear_margin(0.8, 0.4, policy) and not has_clear_margin(0.7, 0.4, policy)
    assert decide([("apply_aid", 0.9), ("eligibility", 0.05)], policy) == "answer"
    assert decide([("apply_aid", 0.5), ("eligibility", 0.4)], policy) == "clarify"
    assert decide([("apply_aid", 0.3), ("eligibility", 0.2)], policy) == "fallback"
    assert decide([("out_of_scope", 0.9), ("apply_aid", 0.05)], policy) == "fallback"
    assert decide([("apply_aid", 0.5), ("out_of_scope", 0.4)], policy) == "fallback"


def test_thresholds_come_from_yaml(engine):
    from intents.config import load_engine_config

    cfg = load_engine_config()["decision"]
    assert engine.policy.confidence_threshold == cfg["confidence_threshold"]
    assert engine.policy.margin == cfg["margin"]


def test_no_forbidden_imports():
    forbidden = {"flask", "wechatpy", "sqlmodel", "bot"}
    root = Path(intents.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


def test_data_split_is_disjoint_and_large_enough():
    from intents.dataset import FRESH_HELDOUT_FILE, HELDOUT_FILE, HELDOUT_FILES, TRAIN_FILE, load_examples

    train = load_examples(TRAIN_FILE)
    heldout = load_examples(HELDOUT_FILE)
    fresh = load_examples(FRESH_HELDOUT_FILE)
    assert HELDOUT_FILES == (HELDOUT_FILE, FRESH_HELDOUT_FILE)
    all_heldout = heldout + fresh
    assert len(train) + len(all_heldout) >= 450
    assert len(all_heldout) / (len(train) + len(all_heldout)) >= 0.25
    assert len(fresh) >= 120 and sum(i == "out_of_scope" for _, i in fresh) >= 20
    texts = [{t for t, _ in split} for split in (train, heldout, fresh)]
    assert not texts[0] & texts[1] and not texts[0] & texts[2] and not texts[1] & texts[2]
    assert {i for _, i in heldout} == set(INTENTS) == {i for _, i in fresh}


# -- slot masking: who asks (region, age, "our kid") is not evidence for what is asked -------------

CLEAR_QUESTIONS = [
    ("去哪里复筛", "rescreen"),
    ("在哪里做孤独症筛查", "rescreen"),
    ("康复救助怎么申请", "apply_aid"),
    ("补助标准是多少", "aid_amount"),
    ("定点机构有哪些", "institution"),
    ("低保怎么申请", "living_assistance"),
    ("家长培训怎么报名", "family_support"),
    ("下次上课是什么时候", "next_session"),
    ("什么样的孩子可以申请救助", "eligibility"),
    ("特殊教育学校有哪些", "education"),
]
SLOT_PREFIXES = ["綦江的孩子", "綦江", "我们上海的，娃5岁，", "广西南宁的，孩子三岁半确诊了，", "诸暨的宝宝"]


@pytest.mark.parametrize(("question", "intent"), CLEAR_QUESTIONS)
def test_confidence_stable_under_slot_prefix(engine, question, intent):
    base = engine.classify(question)
    assert (base.intent, base.decision) == (intent, "answer")
    for prefix in SLOT_PREFIXES:
        c = engine.classify(prefix + question)
        assert (c.intent, c.decision) == (intent, "answer"), prefix + question
        assert abs(c.confidence - base.confidence) <= 0.05, prefix + question


def test_masking_only_affects_the_model_tokens(engine):
    assert engine.model_tokens("綦江的孩子去哪里复筛") == ["<region>", "去", "哪里", "复筛"]
    assert engine.featurizer(engine.model_tokens("綦江的孩子去哪里复筛")) == engine.features("去哪里复筛")
    masked = engine.model_tokens("我们上海的，娃5岁，去年确诊的，康复救助怎么申请")
    assert "<region>" in masked and "<age>" in masked and "<diagnosis>" in masked
    assert not {"上海", "孩子", "我们", "的"} & set(masked)
    # the shared tokenizer (knowledge retrieval) keeps region names and ages
    assert "綦江" in engine.tokenize("綦江的孩子去哪里复筛")
    # questions about getting a diagnosis keep the word
    assert "确诊" in engine.model_tokens("疑似孤独症去哪里确诊")
    # region characters inside domain words are not regions
    assert "渝悦救助通" in engine.model_tokens("渝悦救助通怎么下载")


def test_slots_still_read_from_unmasked_text(engine):
    c = engine.classify("綦江的孩子5岁去哪里复筛")
    assert c.slots == {"region": "qijiang", "age": 5.0}
    assert c.normalized == "綦江的孩子5岁去哪里复筛"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我们家在上海孩子四岁了去年确诊的想问一下康复救助怎么申请要带什么材料", "apply_aid"),
        ("我们綦江的娃五岁了医生说是孤独症想问下复筛到底在哪里做要不要预约", "rescreen"),
        ("南宁的 孩子六岁 在家一直哭闹不理人 家长培训怎么报名", "family_support"),
    ],
)
def test_voice_run_ons(engine, text, intent):
    c = engine.classify(text)
    assert (c.intent, c.decision) == (intent, "answer")


def test_classification_contract(engine):
    import dataclasses

    fields = [f.name for f in dataclasses.fields(Classification)]
    assert fields == ["text", "normalized", "intent", "confidence", "decision", "alternatives", "slots"]
    d = engine.classify("綦江的孩子去哪里复筛").to_dict()
    assert set(d) == set(fields)
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in d["alternatives"])
    assert isinstance(engine.tokenize("康复救助"), list)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("孩子读高中了 孤独症 我们在綦江", False),
        ("我们家长什么都不懂", False),
        ("医保能报不？我们是綦江的", True),
        ("残联康复救助管不管哦", True),
        ("孩子以后谁管", True),
        ("是补全部训练费，还是只补自己掏的那部分", True),
        ("排队要排好久哦", True),
        ("可以申请康复救助伐", True),
    ],
)
def test_a_message_that_asks_nothing_is_told_apart(engine, text, asks):
    assert engine.slots.asks(text) is asks



@pytest.mark.parametrize(("text", "age"), [
    ("那满18岁以后呢", 18.0),  # the same question for that age
    ("7岁之后还能补吗", 7.0),
    ("孩子5岁", None),  # the child's age now, not an age asked about
])
def test_age_after_is_the_age_a_question_is_asked_for(engine, text, age):
    assert engine.slots.age_after(engine.normalize(text)) == age
