"""`kb coverage`: which fact-bearing clauses of each policy no entry or rule quotes yet.

A clause is fact-bearing when its own text (children excluded) states something a parent could ask
about. The heuristic, deliberately generous so gaps show up rather than hide:
  * a digit outside document numbers (〔2024〕19号) and titles in 《》: amounts, ages, dates, counts,
    rates, phone numbers; or
  * one of KEYWORDS (money, eligibility, places, who is responsible, procedures, services).
It is not fact-bearing when it is structural (附件列表, 版记), a pure container (a heading whose
sub-clauses carry the text, e.g. "二、工作任务"), or listed in data/coverage.yaml with a one-line
reason (exhortation, organisation, targets for officials).

A clause is covered when a quote of an entry (entries/*.yaml) or rule (rules/*.yaml) falls inside it:
the quote is located in the source with whitespace and line breaks ignored (NFKC, as `kb check` does),
and every source line it touches maps to the clause owning that line. Identical text printed twice
(body and annex task list) covers both places: it is the same fact.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.check import squash
from knowledge.clauses import Clause, line_owners, split_clauses
from knowledge.sources import DEFAULT_ROOT, SourceDoc, load_sources
from knowledge.yamlload import KnowledgeError, line_of, load_yaml

KEYWORDS: tuple[str, ...] = (
    "补助", "补贴", "救助", "资助", "申请", "免费", "免除", "减免", "报销", "医保", "元", "岁",
    "条件", "户籍", "居住证", "残疾人证", "标准", "机构", "医院", "卫生院", "学校", "幼儿园", "残联",
    "负责", "提供", "办理", "定点", "筛查", "诊断", "评估", "送教", "上门", "托养", "托育", "入学",
    "就读", "热线", "有效期", "施行", "实施",
)
STRUCTURAL_KINDS = {"attachments": "附件列表，不是政策内容", "colophon": "版记（抄送、印发），不是政策内容"}
_DOC_NUMBER = re.compile(r"〔\s*\d+\s*〕\s*\d+\s*号|\(\s*\d+\s*\)\s*\d+\s*号")
_TITLE = re.compile(r"《[^》]*》|«[^»]*»")
_DIGIT = re.compile(r"\d")
_EXCERPT = 60


@dataclass(frozen=True)
class Quote:
    """One quoted passage and who quotes it (an entry id or `rule:<region>/<name>`)."""

    owner: str
    document: str
    quote: str
    where: str = ""


@dataclass(frozen=True)
class ClauseCoverage:
    """A clause with its verdict: fact-bearing or why not, and the entries/rules covering it."""

    clause: Clause
    fact_bearing: bool
    reason: str
    covered_by: tuple[str, ...] = ()

    @property
    def uncovered(self) -> bool:
        return self.fact_bearing and not self.covered_by


@dataclass(frozen=True)
class DocumentCoverage:
    """Coverage of one policy document."""

    region: str
    document: str
    clauses: tuple[ClauseCoverage, ...]
    unplaced: tuple[Quote, ...] = ()  # quotes naming this document that are not in its text
    stale: tuple[str, ...] = ()  # coverage.yaml labels this document does not have

    @property
    def fact_bearing(self) -> list[ClauseCoverage]:
        return [c for c in self.clauses if c.fact_bearing]

    @property
    def uncovered(self) -> list[ClauseCoverage]:
        return [c for c in self.clauses if c.uncovered]

    @property
    def percent(self) -> float:
        total = len(self.fact_bearing)
        return 100.0 if total == 0 else 100.0 * (total - len(self.uncovered)) / total


@dataclass
class Report:
    """Coverage of every document plus problems reading the knowledge files."""

    documents: list[DocumentCoverage]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(not d.uncovered and not d.stale for d in self.documents)


def fact_signals(text: str) -> list[str]:
    """Why a text is fact-bearing: "digit" and/or the keywords found (empty = no signal)."""
    plain = _TITLE.sub("", _DOC_NUMBER.sub("", unicodedata.normalize("NFKC", text)))
    found = ["digit"] if _DIGIT.search(plain) else []
    return found + [k for k in KEYWORDS if k in plain]


def load_exclusions(root: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """data/coverage.yaml: squashed document number -> {clause label: reason}, plus format problems."""
    path = root / "data" / "coverage.yaml"
    if not path.exists():
        return {}, []
    try:
        data = load_yaml(path)
    except KnowledgeError as exc:
        return {}, [str(exc)]
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    items = (data or {}).get("not_fact_bearing", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return {}, [f"{path}:{line_of(data)}: expected `not_fact_bearing:` with a list of document/clause/reason"]
    for item in items:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k].strip()
                                                 for k in ("document", "clause", "reason")):
            problems.append(f"{path}:{line_of(item)}: each item needs string document, clause and reason")
            continue
        out.setdefault(squash(item["document"]), {})[item["clause"].strip()] = item["reason"].strip()
    return out, problems


def collect_quotes(root: Path) -> tuple[list[Quote], list[str]]:
    """Every quote in entries/*.yaml and rules/*.yaml, read loosely: coverage must run on work in progress."""
    quotes: list[Quote] = []
    problems: list[str] = []
    for path in sorted((root / "entries").glob("*.yaml")):
        try:
            data = load_yaml(path)
        except KnowledgeError as exc:
            problems.append(str(exc))
            continue
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("sources"), list):
                continue
            owner = str(item.get("id") or f"{path.name}:{line_of(item)}")
            quotes.extend(Quote(owner, src["document"], src["quote"], f"{path}:{line_of(src)}")
                          for src in item["sources"] if _is_citation(src))
    for path in sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []:
        try:
            data = load_yaml(path)
        except KnowledgeError as exc:
            problems.append(str(exc))
            continue
        for name, src in _rule_citations(data, ""):
            quotes.append(Quote(f"rule:{path.stem}/{name}", src["document"], src["quote"], f"{path}:{line_of(src)}"))
    return quotes, problems


def _is_citation(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("document"), str) and isinstance(node.get("quote"), str) \
        and bool(node["quote"].strip())


def _rule_citations(node: Any, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, citation) for every citation in a rules file; name = rule id, condition name or top-level key."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            name = node["id"]
        if _is_citation(node):
            yield name or "policy", node
        for key, value in node.items():
            yield from _rule_citations(value, str(key) if name in ("", "conditions") else name)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _rule_citations(value, f"{name}[{i}]" if name in ("notes", "not_eligible_notes") else name)


class _Locator:
    """Whitespace- and width-insensitive search in a source that answers with source line numbers."""

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        self.line_at: list[int] = []
        for number, line in enumerate(text.split("\n"), 1):
            flat = squash(line)
            parts.append(flat)
            self.line_at.extend([number] * len(flat))
        self.flat = "".join(parts)

    def lines(self, quote: str) -> list[set[int]]:
        """For each occurrence of the quote, the set of source lines it spans."""
        needle = squash(quote)
        found: list[set[int]] = []
        start = self.flat.find(needle) if needle else -1
        while start >= 0:
            found.append(set(self.line_at[start:start + len(needle)]))
            start = self.flat.find(needle, start + 1)
        return found


def document_coverage(doc: SourceDoc, quotes: list[Quote], exclusions: dict[str, dict[str, str]]) -> DocumentCoverage:
    """Verdict and covering quotes for every clause of one document."""
    text = doc.file.read_text(encoding="utf-8")
    clauses = split_clauses(text)
    owners = line_owners(clauses)
    locator = _Locator(text)
    covered: dict[str, list[str]] = {}
    unplaced: list[Quote] = []
    key = squash(doc.document)
    for quote in quotes:
        if squash(quote.document) != key:
            continue
        spans = locator.lines(quote.quote)
        if not spans:
            unplaced.append(quote)
        for span in spans:
            for label in sorted({owners[n].label for n in span if n in owners}):
                if quote.owner not in covered.setdefault(label, []):
                    covered[label].append(quote.owner)
    excluded = exclusions.get(key, {})
    labels = {c.label for c in clauses}
    verdicts = [_verdict(c, excluded, tuple(covered.get(c.label, ()))) for c in clauses]
    return DocumentCoverage(doc.region, doc.document, tuple(verdicts), tuple(unplaced),
                            tuple(label for label in excluded if label not in labels))


def _verdict(clause: Clause, excluded: dict[str, str], covered_by: tuple[str, ...]) -> ClauseCoverage:
    if clause.kind in STRUCTURAL_KINDS:
        return ClauseCoverage(clause, False, STRUCTURAL_KINDS[clause.kind], covered_by)
    if clause.children and not clause.body:
        return ClauseCoverage(clause, False, "标题，内容在下级条款", covered_by)
    if clause.label in excluded:
        return ClauseCoverage(clause, False, excluded[clause.label], covered_by)
    signals = fact_signals(clause.text)
    if not signals:
        return ClauseCoverage(clause, False, "无数字或事实关键词", covered_by)
    return ClauseCoverage(clause, True, "、".join(signals[:6]), covered_by)


def coverage_report(root: Path = DEFAULT_ROOT) -> Report:
    """Coverage of every document in sources/index.yaml by the entries and rules under `root`."""
    sources = load_sources(root)
    quotes, problems = collect_quotes(root)
    exclusions, more = load_exclusions(root)
    problems += more
    known = {squash(d.document) for d in sources.values()}
    for doc_key in exclusions:
        if doc_key not in known:
            problems.append(f"{root / 'data' / 'coverage.yaml'}:1: unknown document {doc_key!r}")
    return Report([document_coverage(doc, quotes, exclusions) for doc in sources.values()], problems)


def excerpt(text: str, size: int = _EXCERPT) -> str:
    """First `size` characters on one line."""
    flat = re.sub(r"\s*\n\s*", " ", text).strip()
    return flat if len(flat) <= size else flat[:size] + "…"


def format_report(report: Report) -> str:
    """Human-readable report: per document the percentage, then each fact-bearing clause."""
    out: list[str] = []
    for doc in report.documents:
        facts = doc.fact_bearing
        out.append(f"{doc.document} ({doc.region}): {len(facts) - len(doc.uncovered)}/{len(facts)} "
                   f"fact-bearing clauses covered, {doc.percent:.0f}%")
        for item in facts:
            owners = ", ".join(item.covered_by) if item.covered_by else "UNCOVERED"
            out.append(f"  {item.clause.label}  [{owners}]  {excerpt(item.clause.text)}")
        for label in doc.stale:
            out.append(f"  coverage.yaml names {label!r}, which {doc.document} does not have")
        for quote in doc.unplaced:
            out.append(f"  quote of {quote.owner} not found in the text ({quote.where}): {excerpt(quote.quote, 30)}")
    out.extend(report.problems)
    total = sum(len(d.uncovered) for d in report.documents)
    out.append(f"{total} uncovered fact-bearing clause(s)")
    return "\n".join(out)


def report_json(report: Report) -> str:
    """The report as JSON for CI and tooling."""
    docs = []
    for doc in report.documents:
        docs.append({
            "region": doc.region, "document": doc.document, "percent": round(doc.percent, 1),
            "fact_bearing": len(doc.fact_bearing), "uncovered": len(doc.uncovered),
            "clauses": [{
                "label": c.clause.label, "kind": c.clause.kind, "path": list(c.clause.path),
                "lines": [c.clause.start_line, c.clause.end_line], "fact_bearing": c.fact_bearing,
                "reason": c.reason, "covered_by": list(c.covered_by), "excerpt": excerpt(c.clause.text),
            } for c in doc.clauses],
            "stale_exclusions": list(doc.stale),
            "unplaced_quotes": [{"owner": q.owner, "where": q.where, "quote": q.quote} for q in doc.unplaced],
        })
    return json.dumps({"documents": docs, "problems": report.problems, "ok": report.ok},
                      ensure_ascii=False, indent=2)


def _find_doc(sources: dict[str, SourceDoc], document: str) -> SourceDoc:
    for doc in sources.values():
        if document in (doc.region, doc.name) or squash(document) == squash(doc.document):
            return doc
    raise KnowledgeError(f"unknown document {document!r}; use a region ({', '.join(sources)}) or a document number")


def _draft_quote(clause: Clause, lines: list[str]) -> str:
    """A quote `kb check` will find: a table row's longest cell, else the clause's first unbroken run."""
    source = squash("".join(lines))
    if clause.kind == "row":
        cells = [p for p in clause.text.split("\n") if squash(p) in source]
        if cells:
            return max(cells, key=len)
    own = set(clause.lines)
    text = ""
    for number in range(clause.lines[0], len(lines) + 1):
        line = lines[number - 1].strip()
        if not line:
            continue
        if number not in own:
            break
        pair = text[-1:].isascii() and text[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum()
        text += (" " if pair else "") + line
    for prefix in (clause.marker, clause.heading):  # the draft quotes what the clause says, not its name
        rest = text[len(prefix):].lstrip(" 。.：:") if prefix and text.startswith(prefix) else text
        text = rest or text
    return text


def draft_entries(document: str, root: Path = DEFAULT_ROOT) -> str:
    """YAML drafts, one per uncovered fact-bearing clause, quote filled in, answer empty, `draft: true`.

    `draft` is not an entry field, so a draft pasted into entries/ unedited fails `kb check` on purpose.
    """
    sources = load_sources(root)
    doc = _find_doc(sources, document)
    quotes, _ = collect_quotes(root)
    exclusions, _ = load_exclusions(root)
    coverage = document_coverage(doc, quotes, exclusions)
    lines = doc.file.read_text(encoding="utf-8").split("\n")
    blocks = [f"# Drafts for {doc.document} ({doc.region}): {len(coverage.uncovered)} uncovered clause(s).",
              "# Write the answer and questions, trim the quote to what the answer needs, drop `draft`."]
    for index, item in enumerate(coverage.uncovered, 1):
        clause = item.clause
        draft = {
            "id": f"draft-{doc.region}-{index:02d}", "draft": True, "regions": [doc.region], "intents": [],
            "questions": [], "answer": "",
            "sources": [{"document": doc.document, "clause": clause.label, "quote": _draft_quote(clause, lines)}],
            "reviewed": None,
        }
        heading = " > ".join(clause.path)
        blocks.append(f"\n# {heading} (lines {clause.start_line}-{clause.end_line})\n"
                      + yaml.safe_dump([draft], allow_unicode=True, sort_keys=False, width=100).rstrip())
    return "\n".join(blocks) + "\n"
