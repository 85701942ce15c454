"""Dialogue support for the eligibility check: questions, reply parsing and the WeChat reply text."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.eligibility_parse import (
    normalize,
    parse_age,
    parse_bool,
    parse_diagnosis,
    parse_institution,
    parse_region,
    parse_residency,
    parse_years,
)
from knowledge.profile import BOOLS, ENUMS
from knowledge.regions import load_region_table
from knowledge.render import citation_body

# Under every verdict, worded once (the result carries it; a bare dict without one gets the same words).
DISCLAIMER = "以上是根据政策文件原文的初步判断，不是官方审核结果，以当地残联审核为准。"
QUESTIONS_PATH = Path(__file__).resolve().parent / "rules" / "questions.yaml"
MAX_BYTES = 2048

__all__ = ["questions", "question_text", "choices", "parse_answer", "parse_correction", "format_result"]


@functools.cache
def questions() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = yaml.safe_load(QUESTIONS_PATH.read_text(encoding="utf-8"))
    table = load_region_table()  # the region menu comes from the one region table
    data["region"]["choices"] = [{"label": table.regions[r].menu_label, "value": r} for r in table.menu_order]
    for name, entry in data.items():
        for choice in entry.get("choices", []):
            if name in BOOLS and not isinstance(choice["value"], bool):
                raise ValueError(f"{QUESTIONS_PATH}: {name}: choice values must be true/false")
            if name in ENUMS and choice["value"] not in ENUMS[name]:
                raise ValueError(f"{QUESTIONS_PATH}: {name}: unknown choice value {choice['value']!r}")
    return data


def choices(field: str) -> list[dict[str, Any]]:
    return list(questions().get(field, {}).get("choices", []))


def question_text(field: str) -> str:
    """The question plus numbered quick replies, e.g. '孩子是否已经确诊孤独症？\\n1. 已确诊 2. 疑似/还在等诊断 3. 没有'."""
    entry = questions().get(field)
    if entry is None:
        return f"请补充：{field}"
    opts = entry.get("choices") or []
    if not opts:
        return str(entry["question"])
    return str(entry["question"]) + "\n" + " ".join(f"{i}. {c['label']}" for i, c in enumerate(opts, 1))


_PARSERS = {
    "region": parse_region,
    "age": parse_age,
    "diagnosis": parse_diagnosis,
    "residency": parse_residency,
    "institution": parse_institution,
    "permit_years": parse_years,
    "years_aided": parse_years,
}


def parse_answer(field: str, text: str) -> Any:
    """The profile value a parent's reply stands for, or None when we cannot tell."""
    t = normalize(text).strip("。.!！~～")
    if not t:
        return None
    opts = choices(field)
    m = re.fullmatch(r"(?:第|选)?([1-9])(?:[.、．]|个|项|号)?", t)
    if opts and m:
        index = int(m.group(1))
        return opts[index - 1]["value"] if index <= len(opts) else None
    if field in BOOLS:
        return parse_bool(field, t)
    parser = _PARSERS.get(field)
    return parser(t) if parser else None


_FIELD_HINTS = (  # (field, words that show a clause is about it); earlier wins
    ("permit_years", r"居住证.*\d*.*年|居住证.*[一二两三四五六七八九十]年"),
    ("years_aided", r"(救助|补助|补贴|享受).*年"),
    ("age", r"岁|个月|周岁"),
    ("diagnosis", r"确诊|疑似|诊断|怀疑"),
    ("residency", r"户口|户籍|居住证|本地人|外地"),
    ("hardship", r"低保|特困|困难|边缘|建档立卡"),
    ("disability_certificate", r"残疾证|残疾人证"),
    ("sunshine_card", r"阳光"),
    ("institution", r"区内|区外|本区|外区"),
    ("other_province_aid", r"外省"),
    ("self_care_insufficient", r"自理"),
    ("school_ready", r"入学|上学"),
    ("region", "|".join(map(re.escape, load_region_table().words()))),
)
_FILLER = r"^(?:不对|不是的|错了|说错了|搞错了|更正一下|更正|纠正一下|纠正|改一下|改成|改为|应该是|其实是|我们是|孩子是|他是|她是|是)+"


def parse_correction(text: str) -> dict[str, Any]:
    """'不对，是7岁' -> {'age': 7.0}; '不是确诊，是疑似' -> {'diagnosis': 'suspected'}; {} when unclear."""
    out: dict[str, Any] = {}
    negated_only: set[str] = set()
    last = None
    for clause in re.split(r"[，,。；;！!？?、\s]+", normalize(text)):
        negative = clause.startswith(("不是", "不对是"))
        body = re.sub(_FILLER, "", clause)
        if not body:
            continue
        hints = list(_FIELD_HINTS)
        if last == "residency" and out.get("residency") == "residence_permit":  # "是居住证，满两年了"
            hints.insert(0, ("permit_years", r"年"))
        for field, hint in hints:
            if not re.search(hint, body):
                continue
            last = field
            if negative and field in ("age", "permit_years", "years_aided"):
                break  # "不是6岁" says what it is not, not what it is
            value = parse_answer(field, clause if negative else body)
            if value is not None and not (negative and field in out and field not in negated_only):
                out[field] = value
                if negative:
                    negated_only.add(field)
                else:
                    negated_only.discard(field)
            break
    return out


_STATUS_HEAD = {
    "eligible": "【初步判断】符合《{policy}》的康复救助条件",
    "not_eligible": "【初步判断】按《{policy}》，暂不符合下面这项救助的条件",  # one scheme, not all help
    "need_info": "还需要了解一点情况，才能判断是否符合《{policy}》的条件：",
    "not_covered": "暂时没有找到适用的政策文件",
}


def _money(value: Any) -> str:
    return f"{value:,.0f}".replace(",", "") if isinstance(value, int | float) else str(value)


def _amount_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    if result.get("annual_cap_yuan") is not None:
        lines.append(f"· 每年最高补助：{_money(result['annual_cap_yuan'])} 元")
    if result.get("monthly_cap_yuan") is not None:
        lines.append(f"· 每月最高补助：{_money(result['monthly_cap_yuan'])} 元")
    if result.get("transport_monthly_yuan") is not None:
        months = result.get("transport_months_per_year")
        tail = f"，每年最多 {_money(months)} 个月" if months is not None else ""
        lines.append(f"· 生活交通补助：每月最高 {_money(result['transport_monthly_yuan'])} 元{tail}")
    if result.get("years_limit") is not None:
        lines.append(f"· 救助年限：{_money(result['years_limit'])} 年")
    if result.get("status") == "eligible" and not lines:
        lines.append("· 文件没有写具体金额，以当地残联公布的标准为准")
    return lines


def _plain(text: str) -> str:
    """"不符合：未满 7 周岁" reads as if the child were under 7: name the condition, then the result."""
    if text.startswith("不符合："):
        return f"条件是“{text.removeprefix('不符合：')}”，孩子不满足"
    return text


_AMOUNT_ONLY = re.compile(r"每(?:人每)?[年月]最高补[助贴]\s*([\d,]+)\s*元")


def _restates_amount(text: str, lines: list[str]) -> bool:
    """A reason that is only an amount the amount lines already give ("每年最高补贴 36000 元"; the lines are
    typeset without the digit gap)."""
    found = _AMOUNT_ONLY.fullmatch(text.strip())
    return found is not None and any(f"{found.group(1)}元" in line for line in lines)


def _fits(lines: list[str], extra: str, tail: str) -> bool:
    return len("\n".join([*lines, extra, tail]).encode("utf-8")) <= MAX_BYTES


# "未满 7 周岁" in the rules' typesetting reads (and is searched) as "未满7周岁" on a phone.
_DIGIT_GAP = re.compile(r"(?<=\d) +(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) +(?=\d)")


def tight_digits(text: str) -> str:
    """"未满 18 周岁" as a parent reads it: "未满18周岁" (the rules keep the documents' spacing)."""
    return _DIGIT_GAP.sub("", text)

MAX_REASONS = 3  # a phone shows the verdict, the amounts and three reasons without scrolling


_MET = "符合："


def _merged_reasons(reasons: list[dict[str, Any]], lines: list[str]) -> list[dict[str, Any]]:
    """The conditions the child meets on one line, first ("符合：年龄在 7—14 周岁；家庭经济困难"), so the
    parent sees why before the provisos; a "no amount" proviso the amount line already says is dropped."""
    met = [r for r in reasons if r.get("text", "").startswith(_MET)]
    said = "\n".join(lines)
    rest = [r for r in reasons if r not in met
            and not ("没有写" in r.get("text", "") and "金额" in r.get("text", "") and "金额" in said)]
    if len(met) < 2:
        return met + rest
    joined = "；".join(r["text"][len(_MET):] for r in sorted(met, key=lambda r: "岁" not in r["text"]))
    merged = {"text": _MET + joined, "sources": [r["source"] for r in met if r.get("source")]}
    return [merged, *rest]


def format_result(result: Any) -> str:
    """WeChat text for a parent: one result line, the amounts, at most three reasons, one 依据 line naming
    the document once, and the disclaimer once (≤ 2048 bytes UTF-8)."""
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    status = result.get("status", "not_covered")
    policy = result.get("policy") or ""
    lines = [_STATUS_HEAD.get(status, _STATUS_HEAD["not_covered"]).format(policy=policy)]
    if status == "need_info" and result.get("next_question"):
        lines.append(result["next_question"])
    lines += [tight_digits(line) for line in _amount_lines(result)]
    tail = result.get("disclaimer") or DISCLAIMER
    cited: list[tuple[str, str]] = []
    reasons = _merged_reasons(result.get("reasons") or [], lines)
    # "每年最高补贴 36000 元" under "· 每年最高补助：36000 元" says it twice: its clause is cited, the line not shown
    restated = [r for r in reasons if _restates_amount(r.get("text", ""), lines)]
    for reason in [r for r in reasons if r not in restated][:MAX_REASONS] + restated:
        line = f"· {tight_digits(_plain(reason.get('text', '')))}"
        if reason not in restated:
            if not _fits(lines, line, tail):
                break
            lines.append(line)
        for source in reason.get("sources") or [reason.get("source") or ""]:
            document, _, clause = source.partition(" ")
            if document:
                cited.append((document, clause))
    citation = citation_body(cited)
    if citation and _fits(lines, citation, tail):
        lines.append(f"依据：{citation}")
    text = "\n".join([*lines, tail])
    while len(text.encode("utf-8")) > MAX_BYTES:  # only if the head itself is too long
        text = text[:-1]
    return text
