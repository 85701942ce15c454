"""政策文件 (admins): each document with its validity, its share of fact-bearing clauses covered and the
drafts waiting, so a centre sees what a new or ending document still needs (issue 16).

Per document, the clause map: every fact-bearing clause with the entries and rules citing it. An entry is
written or edited next to its clause (the quote picked from the clause's text), checked live like
`xingban kb check`, previewed as the parent would read it, and published as YAML into the knowledge folder
the bot serves (XINGBAN_KNOWLEDGE_DIR), which the bot reloads without a restart. Every change is audited
and can be reverted to the version before. A new document is imported here too.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff, require_role
from bot.console.blueprint import bp

IMPORT_SUFFIXES = (".txt", ".docx", ".pdf")
IMPORT_MAX_BYTES = 10 * 1024 * 1024
FIELD_LIMITS = {"answer": 2000, "questions": 3000, "quote": 1000, "clause": 100, "entry_id": 64}


@dataclass(frozen=True)
class PolicyRow:
    """One line of the page."""

    region: str
    document: str
    name: str
    valid_from: str
    valid_to: str
    state: str  # 现行 | 已过期 | 尚未施行
    warning: str
    replaces: str
    percent: float
    uncovered: int
    drafts: int


@dataclass
class ClauseView:
    """One clause of the map: its text, who cites it, the import draft waiting for it."""

    label: str
    heading: str
    text: str
    fact_bearing: bool
    reason: str
    entries: list[str] = field(default_factory=list)
    rules: int = 0
    draft: dict[str, Any] | None = None


@dataclass
class EntryForm:
    """What the write/edit form shows (and posts back)."""

    entry_id: str
    clause: str
    intent: str
    extra_intents: list[str]
    questions: str
    answer: str
    document: str
    quote: str
    more: list[tuple[str, str, str]]  # the entry's other citations, kept as they are
    draft_id: str = ""
    editing: bool = False
    trial: str = ""  # a parent's wording to try before publishing


@bp.get("/policies")
@require_role("admin")
def policies() -> str:
    root = knowledge_root()
    from knowledge.sources import load_sources

    return render_template("console/policies.html", rows=policy_rows(root), writable=writable(),
                           documents=[d.document for d in load_sources(root).values()])


def knowledge_root() -> Path:
    from knowledge.sources import DEFAULT_ROOT

    configured = current_app.config.get("XINGBAN_KNOWLEDGE_DIR") or ""
    return Path(configured) if configured else DEFAULT_ROOT


def writable() -> bool:
    """The console writes only into a knowledge folder set for this deployment, never into the package."""
    return bool(current_app.config.get("XINGBAN_KNOWLEDGE_DIR"))


def policy_rows(root: Path) -> list[PolicyRow]:
    """Read the folder the bot serves; coverage is computed like `xingban kb coverage`."""
    from knowledge.check import squash
    from knowledge.coverage import coverage_report
    from knowledge.drafts import drafts_waiting
    from knowledge.sources import load_sources
    from knowledge.validity import china_today, standings

    sources = load_sources(root)
    today = china_today()
    states = standings(sources, today)
    coverage = {squash(d.document): d for d in coverage_report(root).documents}
    drafts = {path.stem: count for path, count in drafts_waiting(root).items()}
    labels = {"in_force": "现行", "expired": "已过期", "not_yet": "尚未施行"}
    rows = []
    for region, doc in sources.items():
        cov = coverage[squash(doc.document)]
        rows.append(PolicyRow(region, doc.document, doc.name, str(doc.valid_from or "未写明"),
                              str(doc.valid_to or "未写明"), labels[states[squash(doc.document)].state],
                              expiry_warning(doc.valid_to, today), doc.replaces.document if doc.replaces else "",
                              cov.percent, len(cov.uncovered), drafts.get(region, 0)))
    return rows


def expiry_warning(valid_to: dt.date | None, today: dt.date) -> str:
    """"已于…到期" / "N天后到期（…）" within 90 days of the end, else ""."""
    from knowledge.validity import WARN_DAYS

    left = (valid_to - today).days if valid_to else None
    if left is None or left > WARN_DAYS:
        return ""
    return f"已于{valid_to}到期" if left < 0 else f"{left}天后到期（{valid_to}）"


def policy_alerts(root: Path) -> list[tuple[str, str, str]]:
    """(name, document, warning) of current documents past or within 90 days of their end (dashboard)."""
    from knowledge.sources import load_sources
    from knowledge.validity import china_today

    today = china_today()
    found = []
    for doc in load_sources(root).values():
        warning = expiry_warning(doc.valid_to, today)
        if warning:
            found.append((doc.name, doc.document, warning))
    return found


# --- one document: the clause map and the entry form -------------------------------------------------

def clause_map(root: Path, region: str) -> list[ClauseView]:
    from knowledge.authoring import import_drafts
    from knowledge.coverage import collect_quotes, document_coverage, load_exclusions
    from knowledge.sources import load_sources

    doc = load_sources(root)[region]
    quotes, _ = collect_quotes(root)
    exclusions, _ = load_exclusions(root)
    drafts = import_drafts(root, region)
    views = []
    for item in document_coverage(doc, quotes, exclusions).clauses:
        clause = item.clause
        views.append(ClauseView(
            clause.label, " > ".join(clause.path), clause.text.strip(), item.fact_bearing, item.reason,
            [o for o in item.covered_by if not o.startswith("rule:") and ":" not in o],
            sum(1 for o in item.covered_by if o.startswith("rule:")), drafts.get(clause.label)))
    return views


def _document_or_404(region: str) -> Any:
    from knowledge.sources import load_sources

    doc = load_sources(knowledge_root()).get(region)
    return doc if doc is not None else abort(404)


@bp.get("/policies/<region>")
@require_role("admin")
def policy_document(region: str) -> Any:
    doc = _document_or_404(region)
    form = None
    clause = request.args.get("clause", "")
    entry_id = request.args.get("entry", "")
    if entry_id:
        form = _form_for_entry(entry_id, clause)
        clause = form.clause if form else clause
    elif clause:
        form = _form_for_clause(doc, clause)
    return _render_document(doc, form, clause)


def _render_document(doc: Any, form: EntryForm | None, clause: str, checked: Any = None, status: int = 200,
                     trials: list[Any] | None = None) -> Any:
    from bot.console.kb import intent_choices
    from knowledge.authoring import history

    root = knowledge_root()
    clauses = clause_map(root, doc.region)
    fact = [c for c in clauses if c.fact_bearing]
    revertible = {e for c in fact for e in c.entries if history(root, e)}
    if form is not None and not any(c.label == clause for c in fact):
        # An entry's clause as written by hand ("附件 第3项（1）") may name the clause differently from the
        # split: open the form at the clause its quote lies in.
        clause = next((c.label for c in fact if form.entry_id in c.entries), "")
    html = render_template("console/policy_document.html", doc=doc, clauses=fact,
                           others=[c for c in clauses if not c.fact_bearing], form=form, open_clause=clause,
                           checked=checked, intents=intent_choices(), writable=writable(), revertible=revertible,
                           trials=trials or [],
                           covered=sum(1 for c in fact if c.entries or c.rules))
    return (html, status) if status != 200 else html


def _suggest_id(region: str, clause: str) -> str:
    from knowledge.authoring import find_entry

    digits = "-".join(re.findall(r"\d+", clause)) or "1"
    base = f"{region}-clause-{digits}"
    candidate, n = base, 2
    while find_entry(knowledge_root(), candidate) is not None:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _form_for_clause(doc: Any, clause: str) -> EntryForm:
    from knowledge.authoring import import_drafts

    draft = import_drafts(knowledge_root(), doc.region).get(clause)
    quote = draft["sources"][0].get("quote", "") if draft else ""
    return EntryForm(_suggest_id(doc.region, clause), clause, "", [], "", "", doc.document, quote, [],
                     str(draft["id"]) if draft else "")


def _form_for_entry(entry_id: str, clause: str) -> EntryForm | None:
    from knowledge.authoring import raw_entry

    item = raw_entry(knowledge_root(), entry_id)
    if item is None:
        return None
    sources = [(str(s.get("document", "")), str(s.get("clause", "")), str(s.get("quote", "")))
               for s in item.get("sources") or [] if isinstance(s, dict)]
    mine = next((s for s in sources if s[1] == clause), sources[0] if sources else ("", clause, ""))
    intents = [str(i) for i in item.get("intents") or []]
    return EntryForm(entry_id, mine[1], intents[0] if intents else "", intents[1:],
                     "\n".join(str(q) for q in item.get("questions") or []), str(item.get("answer", "")),
                     mine[0], mine[2], [s for s in sources if s != mine], editing=True)


def _posted_form() -> EntryForm:
    f = request.form

    def text(name: str) -> str:
        return f.get(name, "").strip()[:FIELD_LIMITS.get(name, 200)]

    more = list(zip(f.getlist("more_document"), f.getlist("more_clause"), f.getlist("more_quote"), strict=False))
    return EntryForm(text("entry_id"), text("clause"), text("intent"), f.getlist("extra_intent"),
                     text("questions"), text("answer"), text("document"), text("quote"),
                     [(d.strip(), c.strip(), q.strip()) for d, c, q in more if q.strip()],
                     text("draft_id"), f.get("editing") == "1", f.get("trial", "").strip()[:200])


def _draft(region: str, form: EntryForm) -> Any:
    from knowledge.authoring import Draft
    from knowledge.validity import china_today

    intents = tuple(i for i in [form.intent, *form.extra_intents] if i)
    questions = tuple(q.strip() for q in form.questions.splitlines() if q.strip())
    sources = ((form.document, form.clause, form.quote), *form.more)
    return Draft(form.entry_id, region, intents, questions, form.answer, sources, china_today(), form.draft_id)


def _checked(region: str, form: EntryForm) -> Any:
    from knowledge.authoring import Checked, check_draft

    if form.editing is False:
        from knowledge.authoring import find_entry

        if find_entry(knowledge_root(), form.entry_id) is not None:
            return Checked([f"条目编号 {form.entry_id} 已被使用，请换一个"])
    checked = check_draft(knowledge_root(), _draft(region, form))
    return Checked([in_words(p) for p in checked.problems], checked.preview, checked.warning, checked.entry)


def _trials(region: str, form: EntryForm, checked: Any) -> list[Any]:
    """The entry's own questions and the author's trial question, ranked over the bot's knowledge base with
    the entry in it: does a parent's question reach it, or another entry, or a volunteer?"""
    from bot.services import get_services
    from knowledge.authoring import try_questions

    if checked.problems or checked.entry is None:
        return []
    questions = [*checked.entry.questions, *([form.trial] if form.trial else [])]
    return try_questions(get_services(current_app).kb, checked.entry, region, questions)


@bp.post("/policies/<region>/check")
@require_role("admin")
def policy_check(region: str) -> Response:
    """The live check while an entry is written: the problems `kb check` would report, and the reply."""
    _document_or_404(region)
    checked = _checked(region, _posted_form())
    return jsonify(problems=checked.problems, preview=checked.preview, warning=checked.warning)


@bp.post("/policies/<region>/entries")
@require_role("admin")
def policy_publish(region: str) -> Any:
    """预览 re-shows the form with the checks and the reply; 发布 writes the entry when every check passes."""
    from knowledge.authoring import publish
    from knowledge.yamlload import KnowledgeError

    doc = _document_or_404(region)
    form = _posted_form()
    checked = _checked(region, form)
    if request.form.get("action") != "publish" or checked.problems:
        if request.form.get("action") == "publish":
            flash("还不能发布：" + "；".join(checked.problems[:3]), "error")
        return _render_document(doc, form, form.clause, checked, 200 if not checked.problems else 422,
                                _trials(region, form, checked))
    if not writable():
        flash("只有设置了知识库文件夹（XINGBAN_KNOWLEDGE_DIR）的部署才能在工作台发布条目。", "error")
        return _render_document(doc, form, form.clause, checked, 409)
    staff = current_staff()
    try:
        publish(knowledge_root(), _draft(region, form), staff.name if staff else "")
    except KnowledgeError as exc:
        flash("还不能发布：" + in_words(str(exc)), "error")
        return _render_document(doc, form, form.clause, checked, 422)
    _reload()
    record("policy_publish", target=f"entry:{form.entry_id}", detail=f"doc:{form.document}")
    first = next((q.strip() for q in form.questions.splitlines() if q.strip()), "")
    flash(f"已发布条目 {form.entry_id}，机器人已在使用。可在对话模拟器里问：{first}", "ok")
    return redirect(url_for("console.policy_document", region=region, _anchor=f"entry-{form.entry_id}",
                            asked=first))


@bp.post("/policies/entries/<entry_id>/revert")
@require_role("admin")
def policy_revert(entry_id: str) -> Response:
    from knowledge.authoring import revert
    from knowledge.yamlload import KnowledgeError

    region = request.form.get("region", "")
    if not writable():
        abort(409)
    staff = current_staff()
    try:
        version = revert(knowledge_root(), entry_id, staff.name if staff else "")
    except KnowledgeError:
        flash(f"条目 {entry_id} 没有更早的版本可以恢复。", "error")
        return redirect(url_for("console.policy_document", region=region) if region else url_for("console.policies"))
    _reload()
    record("policy_revert", target=f"entry:{entry_id}")
    flash(f"已撤销条目 {entry_id} 的上一次修改" + ("（恢复为修改前的版本）。" if version.before else "（该条目已移除）。"),
          "ok")
    return redirect(url_for("console.policy_document", region=region) if region else url_for("console.policies"))


@bp.get("/policies/entries/<entry_id>")
@require_role("admin")
def policy_entry(entry_id: str) -> Response:
    """An entry named in the audit log: its document's page with the entry open."""
    from knowledge.authoring import raw_entry

    item = raw_entry(knowledge_root(), entry_id)
    if item is None or not item.get("regions") or not item.get("sources"):
        abort(404)
    region = str(item["regions"][0])
    clause = str(item["sources"][0].get("clause", ""))
    return redirect(url_for("console.policy_document", region=region, entry=entry_id, clause=clause))


@bp.post("/policies/import")
@require_role("admin")
def policy_import() -> Response:
    """A new document (text, Word or text-layer PDF), checked and split like `xingban kb import`."""
    from knowledge.importer import ImportRequest, import_document
    from knowledge.yamlload import KnowledgeError

    if not writable():
        abort(409)
    upload = request.files.get("file")
    f = request.form
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    region, document = f.get("region", "").strip(), f.get("document", "").strip()
    if upload is None or suffix not in IMPORT_SUFFIXES:
        flash("请选择 .txt、.docx 或 .pdf 格式的政策文件。", "error")
        return redirect(url_for("console.policies"))
    try:
        dates = [dt.date.fromisoformat(f[k]) if f.get(k) else None for k in ("valid_from", "valid_to")]
    except ValueError:
        flash("日期格式应为 2026-01-01。", "error")
        return redirect(url_for("console.policies"))
    with tempfile.TemporaryDirectory(prefix="xingban-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        if path.stat().st_size > IMPORT_MAX_BYTES:
            flash("文件太大（上限 10 MB）。", "error")
            return redirect(url_for("console.policies"))
        try:
            result = import_document(ImportRequest(
                path, region, document, knowledge_root(), name=f.get("name", "").strip() or None,
                valid_from=dates[0], valid_to=dates[1], replaces=f.get("replaces", "").strip() or None))
        except KnowledgeError as exc:
            flash("导入失败：" + str(exc).replace(str(path), "上传的文件"), "error")
            return redirect(url_for("console.policies"))
    _reload()
    record("policy_import", target=f"doc:{document}")
    flash(f"已导入 {document}：{len(result.clauses)} 个条款，{result.draft_count} 个未覆盖条款已生成草稿。", "ok")
    return redirect(url_for("console.policy_document", region=region))


def _reload() -> None:
    from bot.services import reload_knowledge

    reload_knowledge(current_app._get_current_object())  # type: ignore[attr-defined]


# `kb check` says what is wrong in English, for developers; the console says it in Chinese.
_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r'entry \S+ quotes "([^"]+)" but the answer does not say it'),
     r"引文写有“\1”，回答里没有说：请写进回答"),
    (re.compile(r"number '([^']+)' in answer of \S+ is not in its quotes"), r"回答中的数字 \1 不在引文中"),
    (re.compile(r"quote not found in (\S+):.*"), r"引文在 \1 原文中找不到：须和原文一字不差（可在左边的条款原文里选中）"),
    (re.compile(r"answer of \S+ is (\d+) bytes, limit (\d+)"), r"回答太长：\1 字节，上限 \2 字节"),
    (re.compile(r"\S+ claims \S+ but quotes nothing from (\S+)"), r"这个地区的条目必须引用 \1"),
    (re.compile(r"\S+ quotes (\S+), which is not one of its regions"), r"\1 不是这个地区的文件"),
    (re.compile(r"questions needs at least (\d+) item\(s\), has (\d+)"), r"至少写 \1 个家长的问法（一行一个，现有 \2 个）"),
    (re.compile(r"questions must be a list of non-empty strings"), "至少写 3 个家长的问法（一行一个）"),
    (re.compile(r"intents (needs at least|must be a list).*|unknown intent.*"), "请选择问题类型"),
    (re.compile(r"answer must be a non-empty string"), "回答不能为空"),
    (re.compile(r"source (document|clause|quote) must be a non-empty string"), "引文、条款和文号都不能为空"),
    (re.compile(r"duplicate question '([^']+)' \(also in (\S+) .*"), r"问法“\1”和条目 \2 重复"),
    (re.compile(r"answer of \S+ duplicates (\S+) .*"), r"回答和条目 \1 几乎一样"),
    (re.compile(r"entry id .* must be lower-case.*"), "条目编号只能用小写字母、数字和连字符（如 xinghe-amount）"),
    (re.compile(r"unknown document '([^']+)'"), r"没有收录文件 \1"),
]


def in_words(problem: str) -> str:
    for pattern, words in _WORDS:
        match = pattern.search(problem)
        if match:
            return match.expand(words)
    return problem
