"""Turn an entry into the text a parent receives: answer, 依据 line, disclaimer, expiry note."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from knowledge.config import Settings
from knowledge.entries import ALL, Entry
from knowledge.sources import SourceDoc

_MONEY = re.compile(r"\d[\d.]*\s*万?\s*元")
_VERDICT = re.compile(r"^(可以|能|符合|不符合|不能|不可以|有。|没有。|属于|不属于)")
_DEADLINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月|\d+\s*(个工作日|日内|天内)|截止|有效期|期限")


def needs_disclaimer(entry: Entry, s: Settings) -> bool:
    """The disclaimer follows the content, not the tag: an amount, a verdict or a deadline (or an
    eligibility/amount entry) carries it."""
    answer = unicodedata.normalize("NFKC", entry.answer)
    return bool(set(entry.intents) & s.disclaimer_intents or _MONEY.search(answer)
                or _VERDICT.search(answer) or _DEADLINE.search(answer))


def render_answer(entry: Entry, region: str | None, sources: dict[str, SourceDoc], s: Settings,
                  today: dt.date | None = None) -> str:
    """Answer text + citation line (+ disclaimer for money/eligibility, + expiry note)."""
    parts = []
    if region is None and ALL not in entry.regions:
        names = "、".join(sources[r].name for r in entry.regions)
        parts.append(s.messages["region_label"].format(name=names))
    parts.append(entry.answer)
    text = "".join(parts) + "\n" + citation_line(entry, region, sources, s)
    if needs_disclaimer(entry, s):
        text += "\n" + s.disclaimer
    valid_to = entry.valid_to
    if valid_to is not None and (today or dt.date.today()) > valid_to:
        text += "\n" + s.messages["expired"].format(date=valid_to.isoformat())
    return text


def citation_line(entry: Entry, region: str | None, sources: dict[str, SourceDoc], settings: Settings) -> str:
    """依据 line naming the documents and clauses; only the asked region's document when it has one."""
    wanted = sources[region].document if region in sources else None
    cited = [c for c in entry.sources if c.document == wanted] or list(entry.sources)
    return settings.messages["citation_prefix"] + citation_body([(c.document, c.clause) for c in cited])


def citation_body(cited: list[tuple[str, str]]) -> str:
    """"文号 clause、clause；文号 clause": each document named once, its clauses folded (entries and
    eligibility verdicts cite the same way)."""
    clauses: dict[str, list[str]] = {}
    for document, clause in cited:
        clause = clause.strip().rstrip("、")
        if clause not in clauses.setdefault(document, []):
            clauses[document].append(clause)
    return "；".join(f"{doc} {'、'.join(fold_clauses(cl))}".strip() for doc, cl in clauses.items())


def fold_clauses(clauses: list[str]) -> list[str]:
    """"附件 第3项 X（1）", "附件 第3项 X（2）" -> "附件 第3项 X（1）（2）": a phone line names each clause
    once, without repeating the heading they share. A clause a more specific one lies under ("附件 第3项 X"
    next to "附件 第3项 X（2）", or "附件 第3项（区残联）" next to "附件 第3项 X（2）") is not repeated."""
    heads: dict[str, list[str]] = {}  # heading -> its numbered parts, in first-seen order
    for clause in clauses:
        cut = clause.rfind("（")
        head, tail = (clause[:cut], clause[cut:]) if cut > 0 else (clause, "")
        tails = heads.setdefault(head, [])
        if tail and tail not in tails:
            tails.append(tail)
    specific = [h for h, tails in heads.items() if tails]
    return [head + "".join(sorted(tails, key=_part_number)) for head, tails in heads.items()
            if not any(other.startswith(head + " ") for other in specific)]


def _part_number(tail: str) -> int:
    """"（3）" -> 3, so folded parts read in order; other tails keep their place (sorted is stable)."""
    digits = tail.strip("（）")
    return int(digits) if digits.isdigit() else 0
