"""Knowledge-base candidates from volunteers' answers, checked by the same rules as `xingban kb check`.

A candidate needs a verbatim quote from its region's document, and every number in the answer must appear
in that quote. Published candidates stay in the database; `export_yaml` turns them into entries for review
in a pull request (the running app never writes into the repository).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import yaml
from sqlmodel import Session, col, select

from bot.storage.accounts import KbCandidate
from knowledge.check import _check_quote, squash  # the checker's own quote rule, not a copy
from knowledge.config import load_settings
from knowledge.numbers import extract_numbers, stated_values
from knowledge.sources import DEFAULT_ROOT, SourceDoc, load_sources


@cache
def _sources() -> dict[str, SourceDoc]:
    return load_sources(DEFAULT_ROOT)


@cache
def _texts() -> dict[str, str]:
    return {squash(doc.document): squash(doc.file.read_text(encoding="utf-8")) for doc in _sources().values()}


@cache
def _intents() -> tuple[str, ...]:
    return load_settings(DEFAULT_ROOT / "data").intents


def source_choices() -> list[tuple[str, str]]:
    """(document number, label) for the form's select."""
    return [(doc.document, f"{doc.name}：{doc.document}") for doc in _sources().values()]


@dataclass(frozen=True)
class SourceText:
    """One region's policy document, for the viewer next to a candidate form."""

    region: str
    label: str
    document: str
    text: str


@cache
def source_texts() -> tuple[SourceText, ...]:
    return tuple(SourceText(region, doc.name, doc.document, doc.file.read_text(encoding="utf-8").strip())
                 for region, doc in _sources().items())


def region_choices() -> list[str]:
    return list(_sources())


def intent_choices() -> tuple[str, ...]:
    return _intents()


def check_candidate(candidate: KbCandidate) -> list[str]:
    """Problems that block publishing (empty = publishable), in Chinese for the reviewer."""
    problems = []
    if not candidate.question.strip() or not candidate.answer.strip():
        problems.append("问题和回答都不能为空")
    if candidate.intent not in _intents():
        problems.append("请选择一个问题类型（意图）")
    doc = _sources().get(candidate.region)
    if doc is None:
        problems.append("请选择地区")
    elif squash(doc.document) != squash(candidate.document):
        problems.append(f"{doc.name}的回答必须引用 {doc.document}")
    if _check_quote("candidate", candidate.document, candidate.quote, _texts()):
        problems.append("引文为空，或在来源文件中找不到原文（须逐字摘录）")
    supported = {round(v, 6) for v in stated_values(candidate.quote)}
    for surface, value in extract_numbers(candidate.answer):
        if round(value, 6) not in supported:
            problems.append(f"回答中的数字 {surface!r} 不在引文中")
    limit = load_settings(DEFAULT_ROOT / "data").answer_max_bytes
    if len(candidate.answer.encode("utf-8")) > limit:
        problems.append(f"回答超过 {limit} 字节")
    return problems


def export_yaml(db: Session) -> str:
    """Published candidates as knowledge entries (YAML), ready to paste into knowledge/entries/."""
    rows = db.exec(select(KbCandidate).where(KbCandidate.status == "published").order_by(col(KbCandidate.id))).all()
    entries = [{
        "id": f"cand-{row.id}",
        "regions": [row.region],
        "intents": [row.intent],
        "questions": [row.question],
        "answer": row.answer,
        "sources": [{"document": row.document, "clause": row.clause or "", "quote": row.quote}],
        "reviewed": (row.reviewed_at.date() if row.reviewed_at else date.today()).isoformat(),
    } for row in rows]
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000) if entries else ""
