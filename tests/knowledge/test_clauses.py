"""Clause splitting: the five shipped policies by their own numbering, and each style on small texts."""

from __future__ import annotations

from pathlib import Path

import pytest

import knowledge
from knowledge.check import squash
from knowledge.clauses import Clause, line_owners, split_clauses, to_int

SOURCES = Path(knowledge.__file__).resolve().parent / "sources"


def _split(name: str) -> dict[str, Clause]:
    return {c.label: c for c in split_clauses((SOURCES / f"{name}.txt").read_text(encoding="utf-8"))}


def _top(clauses: dict[str, Clause]) -> list[str]:
    return [c.label for c in clauses.values() if c.parent is None]


# (document, its top-level clauses in order, {sub-clause label: (heading, text it must contain)})
DOCUMENTS = [
    ("qijiang", ["前言", "一、", "二、", "三、", "附件列表", "附件"], {
        "二、2": ("重视残疾筛查，做到诊断干预无缝衔接", "为 0—6岁儿童提供心理行为发育初筛服务"),
        "二、6": ("完善体制机制，构筑全社会融合支持体系", "用好 12355 青少年服务热线"),
        "三、（一）": ("加强组织领导", "每年至少 2 次调度会"),
        "附件 第2项": ("重视残疾筛查，做到诊断干预无缝衔接", "区妇幼保健院提供初筛、复筛和诊断一站式服务。"),
        "附件 第3项": ("规范康复标准，做好医疗保障及康复救助", "为符合救助条件的 0-17 岁孤独症儿童提供康复救助服务"),
        "附件 第3项（1）": ("", "补助标准为 0—6 岁 20000 元/人·年。"),
        # cut by a page break and a cell of the next column: the two halves are joined again
        "附件 第3项（3）": ("", "7—14 岁在区外定点康复机构的经济条件困难家庭肢体、智力、孤独症残疾儿童，补助标准为 10000 元/人·年。"),
        "附件 第3项（4）": ("", "救助年限满 5 年后，仍在 7—14 岁年龄段内"),
        "附件 第5项": ("医康教托融合，保障孤独症儿童合法权益", "2025年起，落实义务教育阶段特殊教育生均公用经费标准 提 升 至 7000元"),
    }),
    ("chongqing", ["前言", "一、", "二、", "三、"], {
        "二、（二）": ("强化主动救助，筑牢生活保障", "0－6周岁困境孤独症儿童全部纳入残疾儿童康复救助保障范围"),
        "二、（五）": ("聚焦多元融合，促进社会融入", "聚焦16—18周岁有就业潜力的儿童需求"),
        "三、（三）": ("强化宣传引导", "利用世界孤独症日等时间节点"),
    }),
    ("guangxi", ["前言", "一、", "二、", "三、"], {
        "二、（一）": ("实施孤独症儿童康复服务提升行动", ""),
        "二、（一）1": ("完善孤独症儿童康复服务网络", "落实持居住证申请康复救助的政策"),
        # a paragraph broken by a page break (blank line) continues the clause
        "二、（一）2": ("加强孤独症儿童康复人才培养", "举办各级孤独症儿童康教技能大赛"),
        "二、（三）3": ("加大困难孤独症学生资助力度", "享受免保教费政策"),
        "三、（四）": ("抓好监督落实", "适时组织开展关爱促进行动实施情况的专项督导检查"),
    }),
    ("zhuji", ["前言", "一、", "二、", "三、", "四、", "五、", "六、", "附件列表", "附件1", "附件2", "版记"], {
        "二、（一）": ("预防先行", "坚持早发现、早诊断、早干预。"),
        "四、（二）3": ("提高康复训练补贴", "每年最高补贴由3万元提高到3.6万元"),
        "四、（三）4": ("强化融合教育支持", "7-12 周岁孤独症儿童小学阶段融合教育补助机制"),
        "六、": ("其他", "本意见自 2023 年 10 月 15 日起施行。"),
        "附件1 一、": ("筛查诊治工作体系", ""),
        "附件1 二、提高康复补贴": ("提高康复补贴", "每年最高补贴 36000 元"),
        "附件1 五、强化托养服务供给": ("强化托养服务供给", "给予 2000 元/张的开办补助"),
    }),
    ("shanghai", ["前言", "一、", "二、", "三、", "四、", "版记"], {
        "一、(一)": ("救助对象", "持我市居住证,未满１８周岁"),
        "一、(三)": ("康复服务机构", "符合卫生健康、教育、民政、市场监管等相关设立条件的医疗机构"),
        "二、(九)": ("创新科技助残体系", "探索实现远程诊疗、智能康复等高效服务"),
        "四、": ("其他", "本实施意见自２０２５年５月１日起实施,有效期至２０３０年４月３０日."),
    }),
]


@pytest.mark.parametrize(("name", "top", "subs"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_shipped_document_splits_by_its_own_numbering(name: str, top: list[str],
                                                      subs: dict[str, tuple[str, str]]) -> None:
    clauses = _split(name)
    assert _top(clauses) == top
    for label, (heading, text) in subs.items():
        assert label in clauses, sorted(clauses)
        assert clauses[label].heading == heading, label
        assert text in clauses[label].text, (label, clauses[label].text)


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_every_line_of_text_belongs_to_one_clause(name: str) -> None:
    text = (SOURCES / f"{name}.txt").read_text(encoding="utf-8")
    clauses = split_clauses(text)
    owners = line_owners(clauses)
    assert len({c.label for c in clauses}) == len(clauses)
    assert sum(len(c.lines) for c in clauses) == len(owners)
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip() and not line.strip().startswith("序号") and "\t" not in line:
            assert number in owners, (number, line)
    for clause in clauses:
        assert clause.start_line <= min(clause.lines, default=clause.start_line)
        assert clause.end_line >= max(clause.lines, default=clause.end_line)


def test_qijiang_table_rows_and_paths() -> None:
    clauses = _split("qijiang")
    rows = [c for c in clauses.values() if c.kind == "row"]
    assert [r.label for r in rows] == [f"附件 第{i}项" for i in range(1, 7)]
    sub = clauses["附件 第3项（2）"]
    assert sub.parent == "附件 第3项"
    assert sub.path == ("附件 綦江区孤独症儿童关爱促进行动实施方案任务清单", "第3项 规范康复标准，做好医疗保障及康复救助", "（2）")
    # the interleaved 服务指标 cell stays with the row, not with （3）
    assert "覆盖率" not in clauses["附件 第3项（3）"].text and "覆盖率≥95%" in clauses["附件 第3项"].text
    # a "短标题：" paragraph after the numbered items is the row's again
    assert "体系化规范管理：在建立国际 CARF" in clauses["附件 第3项"].text
    assert clauses["附件 第1项"].start_line == 315 and clauses["附件 第3项"].end_line == 541


def test_zhuji_attachment_list_is_not_a_clause_of_section_six() -> None:
    clauses = _split("zhuji")
    assert "六、2" not in clauses
    assert clauses["附件列表"].kind == "attachments"
    assert "2. 诸暨市孤独症人士全生命周期关爱支持先行区建设工作领导小组" in clauses["附件列表"].text


def test_own_text_is_quotable_from_the_source() -> None:
    """Outside tables a clause's own text is the source with only whitespace between lines removed."""
    for name in ("chongqing", "guangxi", "shanghai", "zhuji"):
        source = squash((SOURCES / f"{name}.txt").read_text(encoding="utf-8"))
        for clause in split_clauses((SOURCES / f"{name}.txt").read_text(encoding="utf-8")):
            for paragraph in clause.text.split("\n"):
                assert squash(paragraph) in source, (name, clause.label, paragraph)


# --- every numbering style on small texts --------------------------------------------------------

def _labels(text: str) -> list[str]:
    return [c.label for c in split_clauses(text)]


@pytest.mark.parametrize(("text", "labels"), [
    ("一、总则\n\n二、内容\n", ["一、", "二、"]),
    ("一、甲\n（一）乙\n（二）丙\n二、丁\n（一）戊\n", ["一、", "一、（一）", "一、（二）", "二、", "二、（一）"]),
    ("一、甲\n(一)乙\n(二)丙\n", ["一、", "一、(一)", "一、(二)"]),
    ("（一）甲\n1.子一\n2．子二\n（二）乙\n1、子三\n", ["（一）", "（一）1", "（一）2", "（二）", "（二）1"]),
    ("1. 甲\n（1）子\n(2)子\n2. 乙\n", ["1", "1（1）", "1(2)", "2"]),
    ("１．全角\n２．全角\n", ["１", "２"]),
    ("第一章 总则\n第一条 目的\n（一）子项\n第二条 范围\n第二章 附则\n第三条 施行\n",
     ["第一章", "第一条", "第一条（一）", "第二条", "第二章", "第三条"]),
    ("一、甲\n①子\n②子\n", ["一、", "一、①", "一、②"]),
    ("十、甲\n十一、乙\n", []),  # a sequence must start at one
    ("九、甲\n", []),
])
def test_numbering_styles(text: str, labels: list[str]) -> None:
    got = [label for label in _labels(text) if label != "前言"]
    assert got == labels


def test_text_before_the_first_marker_is_the_preamble() -> None:
    clauses = split_clauses("某某文件\n\n各单位：\n\n现通知如下。\n\n一、甲\n")
    assert clauses[0].label == "前言" and clauses[0].kind == "preamble"
    assert clauses[0].text == "某某文件各单位：\n现通知如下。"
    assert clauses[0].lines == (1, 3, 5)


def test_a_wrapped_line_starting_with_a_number_does_not_open_a_clause() -> None:
    text = "一、补助\n\n补助标准为每人每年\n\n3、4 月份发放；又及\n\n5. 号前申请。\n\n二、其他\n"
    clauses = {c.label: c for c in split_clauses(text)}
    assert list(clauses) == ["一、", "二、"]
    assert clauses["一、"].text == "一、补助\n补助标准为每人每年3、4 月份发放；又及5. 号前申请。"


def test_wrapping_is_undone_and_characters_kept() -> None:
    text = "一、救助标准\n\n（一）补助标准为 0—6 岁 20000\n\n元/人·年，未满１８周岁\n\n的儿童可申请。\n"
    clause = {c.label: c for c in split_clauses(text)}["一、（一）"]
    assert clause.text == "（一）补助标准为 0—6 岁 20000元/人·年，未满１８周岁的儿童可申请。"
    assert clause.lines == (3, 5, 7) and clause.start_line == 3 and clause.end_line == 7
    assert clause.heading == "" and clause.path == ("一、救助标准", "（一）")


def test_heading_and_body() -> None:
    text = "一、总体要求\n\n二、工作任务\n\n1、加强筛查。每年筛查 1 次。\n\n（一）救助对象\n"
    clauses = {c.label: c for c in split_clauses(text)}
    assert clauses["一、"].heading == "总体要求" and clauses["一、"].body == ""
    assert clauses["二、1"].heading == "加强筛查" and clauses["二、1"].body == "每年筛查 1 次"
    assert clauses["二、"].children == ("二、1",)


def test_annex_prefixes_labels_and_restarts_numbering() -> None:
    text = "一、正文\n\n附件：1. 任务清单\n2. 名单\n\n附件 1\n\n任务清单\n\n一、任务\n\n（一）细项\n\n附件2\n\n名单\n"
    clauses = {c.label: c for c in split_clauses(text)}
    assert list(clauses) == ["一、", "附件列表", "附件1", "附件1 一、", "附件1 一、（一）", "附件2"]
    assert clauses["附件1"].heading == "任务清单" and clauses["附件1 一、"].parent == "附件1"
    assert clauses["附件列表"].kind == "attachments" and "2. 名单" in clauses["附件列表"].text
    assert clauses["附件2"].text == "名单"


def test_colophon_is_set_apart() -> None:
    text = "一、甲\n\n本办法自2025年1月1日起施行。\n\n抄送：市委办公室。\n\n某某办公室 2025年1月2日印发\n"
    clauses = {c.label: c for c in split_clauses(text)}
    assert clauses["一、"].text == "一、甲\n本办法自2025年1月1日起施行。"
    assert clauses["版记"].kind == "colophon" and clauses["版记"].lines == (5, 7)


TABLE = """附件

任务清单

序号 工作任务 责任单位 具体要求

1

加强筛
查工作

区残联

每年开展
初筛 1 次
/年。

2

做好康复
救助

区残联

康复政策：
（1）0—6 岁
补助 20000
元/人·年。
（2）7—14
岁补助 10000
 元/人·年，限
额不超过 10
 个月，按月
发放。
体系管理：建
立制度。

覆盖率≥95%
（统计口径）。
 区医保局

纳入医保
报销。
"""


def test_task_list_table_rows_cells_and_page_breaks() -> None:
    clauses = {c.label: c for c in split_clauses(TABLE)}
    assert list(clauses) == ["附件", "附件 第1项", "附件 第2项", "附件 第2项（1）", "附件 第2项（2）"]
    first = clauses["附件 第1项"]
    assert first.heading == "加强筛查工作"
    assert first.text == "加强筛查工作\n区残联\n每年开展初筛 1 次/年。"
    assert first.start_line == 7 and first.end_line == 16
    row = clauses["附件 第2项"]
    assert row.heading == "做好康复救助" and row.path == ("附件 任务清单", "第2项 做好康复救助")
    assert row.text == "做好康复救助\n区残联\n康复政策：\n体系管理：建立制度。\n覆盖率≥95%（统计口径）。\n区医保局\n纳入医保报销。"
    assert clauses["附件 第2项（1）"].text == "（1）0—6 岁补助 20000元/人·年。"
    # lines that start with a space are page breaks: " 元/人·年" continues the wrapped cell
    assert clauses["附件 第2项（2）"].text == "（2）7—14岁补助 10000元/人·年，限额不超过 10个月，按月发放。"


def test_page_break_continues_a_cell_cut_mid_sentence_across_another_column() -> None:
    text = ("序号 任务 要求 指标\n\n1\n\n标题\n\n经济困难家庭的孤\n独症儿童补助标准\n为每人每年 1 万\n\n"
            "覆盖率≥95%。\n 元，按年发放。\n\n 区医保局\n")
    clauses = split_clauses(text)
    row = {c.label: c for c in clauses}["第1项"]
    assert row.text == "标题\n经济困难家庭的孤独症儿童补助标准为每人每年 1 万元，按年发放。\n覆盖率≥95%。\n区医保局"


def test_tab_separated_table_rows() -> None:
    text = ("附件 1\n\n重点任务清单\n\n重点任务\t事项名称\t工作要点\t完成时间\n"
            "一、筛查体系\t完善筛查\t0-6 周岁筛查覆盖率 100%。\t2024 年 6 月\n"
            "\t信息共享\t整合信息。\t2024 年 12 月\n\n重点任务\t事项名称\t工作要点\t完成时间\n"
            "二、康复体系\t提高补贴\t每月最高补贴 3000 元。\t2024 年 6 月\n\n附件 2\n\n名单\n")
    clauses = {c.label: c for c in split_clauses(text)}
    assert list(clauses) == ["附件1", "附件1 一、", "附件1 一、完善筛查", "附件1 一、信息共享", "附件1 二、",
                             "附件1 二、提高补贴", "附件2"]
    assert clauses["附件1 一、"].heading == "筛查体系" and clauses["附件1 一、"].lines == ()
    assert clauses["附件1 二、提高补贴"].text == "提高补贴\n每月最高补贴 3000 元。\n2024 年 6 月"
    assert clauses["附件1 二、提高补贴"].lines == (10,)


def test_page_numbers_are_dropped() -> None:
    clauses = split_clauses("一、甲\n\n内容\n\n- 2 -\n\n续完。\n")
    assert clauses[0].text == "一、甲\n内容续完。"


def test_to_int() -> None:
    assert [to_int(s) for s in ("一", "十", "十一", "二十三", "一百零五", "７", "12", "③", "甲")] == \
        [1, 10, 11, 23, 105, 7, 12, 3, 0]
