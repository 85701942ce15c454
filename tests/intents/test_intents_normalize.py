"""Normaliser table tests (no jieba needed)."""

import pytest

from intents.normalize import Normalizer, chinese_to_number


@pytest.fixture(scope="module")
def normalize():
    return Normalizer()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # traditional -> simplified
        ("申請康復補貼需要準備哪些材料", "申请康复补贴需要准备哪些材料"),
        ("孩子滿9歲了還能拿補貼嗎", "孩子满9岁了还能拿补贴吗"),
        ("渝悅救助通", "渝悦救助通"),
        # full-width letters, digits and punctuation
        ("ＡＢＣ１２３", "abc123"),
        ("孩子４岁，能申请吗？", "孩子4岁 能申请吗"),
        # fillers
        ("嗯那个我想问一下低保", "低保"),
        ("请问康复救助怎么申请", "康复救助怎么申请"),
        ("就是说孩子确诊了", "孩子确诊了"),
        ("额 那个 补贴多少", "补贴多少"),
        ("额度多少", "额度多少"),  # 额 inside a word stays
        # Chinese numerals before a unit
        ("三岁半", "3.5岁"),
        ("七岁", "7岁"),
        ("两岁半的宝宝", "2.5岁的宝宝"),
        ("一岁八个月", "1岁8个月"),
        ("十二周岁", "12周岁"),
        ("3岁半", "3.5岁"),
        ("三万六是怎么算的", "36000是怎么算的"),
        ("一万八和两万", "18000和20000"),
        ("救助满五年", "救助满5年"),
        # numerals that are not quantities stay
        ("一人一案", "一人一案"),
        ("下周三的课", "下周三的课"),
        ("四五千块", "四五千块"),
        # emoji and empty input
        ("😀😀", ""),
        ("   ", ""),
        ("", ""),
    ],
)
def test_normalize_table(normalize, raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十二", 12),
        ("二十五", 25),
        ("三百五", 350),
        ("两千五", 2500),
        ("两万", 20000),
        ("四五", None),
    ],
)
def test_chinese_to_number(text, value):
    assert chinese_to_number(text) == value


def test_long_input_keeps_head_and_tail(normalize):
    text = "开头" + "很长的故事" * 2000 + "康复救助怎么申请"
    out = normalize(text)
    assert len(out) <= normalize.settings["max_chars"] + 1
    assert out.startswith("开头")
    assert out.endswith("康复救助怎么申请")


@pytest.fixture(scope="module")
def spoken():
    """The normaliser as the engine configures it (data/engine.yaml: dialect words)."""
    from intents.config import load_engine_config

    return Normalizer(load_engine_config().get("normalize"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Chongqing / Sichuan
        ("娃儿补助好多钱", "孩子补助多少钱"),
        ("区外的话一年补好多哦", "区外的话1年补多少"),  # 好多 before a final particle asks how much
        ("来了好多人", "来了好多人"),  # ...but 好多人 is "many people"
        ("啥子时候咋个申请", "什么时候怎么申请"),
        ("屋头没得低保", "家里没有低保"),
        # Shanghainese
        ("阿拉小囡可以申请伐", "我们孩子可以申请吗"),
        ("几钿", "多少钱"),
        ("好申请康复救助伐", "可以申请康复救助吗"),
        ("最好申请", "最好申请"),
        ("阿拉伯数字", "阿拉伯数字"),  # not 阿拉 = we
        ("新政策啥辰光结束", "新政策什么时候结束"),
        ("小囡勿大讲闲话", "孩子不大说话"),
        # Zhejiang Wu (Zhuji)
        ("我伢儿四岁", "我孩子4岁"),
        ("阿拉小人在特殊学校读书，学校里厢能做康复伐", "我们孩子在特殊学校读书 学校里面能做康复吗"),
        ("小人书", "小人书"),  # not the Shanghainese 小人 = 孩子
        ("离屋里近一点的地方能做康复伐", "离家近一点的地方能做康复吗"),
        ("七到十七岁每年两万", "7到17岁每年20000"),  # the first end of a range has no unit of its own
        ("一到", "一到"),
        # Cantonese (traditional characters first become simplified)
        ("我哋喺梧州 個仔點算", "我们在梧州 孩子怎么办"),
        ("有冇補貼 係唔係要殘疾證", "有没有补贴 是不是要残疾证"),
        ("佢幾多歲先可以攞", "他多少岁先可以拿"),
        ("有冇服务俾家长唞下", "有没有服务给家长休息下"),
        ("方案系边几个部门出嘅", "方案是哪几个部门出的"),
        ("居住证要住满几耐", "居住证要住满多久"),
        ("联系系统", "联系系统"),  # 系 alone is not 是
    ],
)
def test_dialect_words_become_the_written_words(spoken, raw, expected):
    assert spoken(raw) == expected
