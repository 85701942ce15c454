"""Split a policy text into its own numbered clauses, so citations and coverage can name them.

A pure function of the text: it knows Chinese official-document conventions, not any one document.

Numbering styles, in whatever nesting order the document uses them (the first style met is the
outermost; a style already open closes everything below it):
  第一章 / 第一节 / 第一条, 一、, （一） or (一), 1. / 1． / 1、, （1） or (1), ①.
A marker only counts when it continues its level's sequence (1 for a new level, previous + 1 for
an open one), so a wrapped line that happens to start with "2、" cannot open a clause.

Other structure:
  * text before the first marker is the "前言" (title, number, addressees, preamble);
  * "附件：…" lines (with their numbered continuation lines) are the "附件列表";
  * a line "附件" / "附件1" opens an annex; numbering restarts inside it and labels get its prefix;
  * "抄送…" or "…年…月…日印发" opens the "版记" (colophon) up to the next annex;
  * a "序号 …" header opens a task-list table whose rows are standalone number lines (1, 2, 3 …)
    and whose cells are blocks separated by blank lines, each cell wrapped every few characters.
    Wrapping is undone inside a cell. A PDF page break (a line starting with whitespace or a form
    feed) can continue a cell that the previous page cut mid-sentence; such a cell is found as the
    latest multi-line cell of the row that does not end a sentence and whose last line is nearly
    full width. Markers inside a cell open sub-items of the row ("附件 第3项（1）"); a "短标题：" line
    after a finished sentence returns to the row itself;
  * tab-separated lines form a table whose rows are clauses named by their second cell
    ("附件1 一、完善筛查机制"), grouped by a numbered first cell.

Each clause keeps its own text only (children have theirs), with line wrapping undone and the source's
own characters (full-width digits and punctuation are kept); paragraph and cell breaks are "\\n".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

_CN = "零〇一二三四五六七八九十百"
_DIG = "0-9０-９"
# (style, pattern, label part): the label part is "all" (the whole marker) or "num" (the digits only).
_MARKERS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("chapter", re.compile(rf"^第(?P<num>[{_CN}{_DIG}]+)章"), "all"),
    ("part", re.compile(rf"^第(?P<num>[{_CN}{_DIG}]+)节"), "all"),
    ("article", re.compile(rf"^第(?P<num>[{_CN}{_DIG}]+)条"), "all"),
    ("cn_section", re.compile(rf"^(?P<num>[{_CN}]+)、"), "all"),
    ("cn_paren", re.compile(rf"^[（(]\s*(?P<num>[{_CN}]+)\s*[）)]"), "all"),
    ("arabic_paren", re.compile(rf"^[（(]\s*(?P<num>[{_DIG}]{{1,3}})\s*[）)]"), "all"),
    ("arabic_dot", re.compile(rf"^(?P<num>[{_DIG}]{{1,3}})\s*[.．](?![{_DIG}])"), "num"),
    ("arabic_dun", re.compile(rf"^(?P<num>[{_DIG}]{{1,3}})\s*、"), "num"),
    ("circled", re.compile(r"^(?P<num>[①-⑳])"), "all"),
)
_ANNEX = re.compile(rf"^附\s*件\s*(?P<num>[{_DIG}一二三四五六七八九十]*)$")
_ATTACH_LIST = re.compile(rf"^[-•·\s]*附件\s*[：:]\s*(?:(?P<num>[{_DIG}]+)\s*[.．、])?")
_ATTACH_ITEM = re.compile(rf"^(?P<num>[{_DIG}]+)\s*[.．、]")
_COLOPHON = re.compile(rf"^(抄\s*送|.*[{_DIG}]+\s*年\s*[{_DIG}]+\s*月\s*[{_DIG}]+\s*日\s*印\s*发$)")
_PAGE_NO = re.compile(rf"^[-—–－]\s*[{_DIG}]+\s*[-—–－]$")
_ROW_NO = re.compile(rf"^[{_DIG}]{{1,3}}$")
_LABELLED = re.compile(r"^[\u4e00-\u9fff]{2,12}[：:]")
_CLOSERS = "”’」』）)》〉】]"
_ENDERS = "。！？!?；;：:"
_HEADING_MAX = 30


@dataclass(frozen=True)
class Clause:
    """One clause: `label` is how a parent-facing citation names it, e.g. "二、（一）1" or "附件 第3项（1）"."""

    label: str
    kind: str  # preamble | section | annex | row | attachments | colophon
    marker: str  # the numbering as printed ("（一）", "1.", "第3项"), "" when unnumbered
    heading: str  # short title after the marker, "" when the clause has none
    path: tuple[str, ...]  # headings from the outermost ancestor down to this clause
    text: str  # own text (children excluded), wrapping undone, "\n" between paragraphs/cells
    start_line: int  # 1-based, first line of the clause
    end_line: int  # last line of the clause or of any of its descendants
    lines: tuple[int, ...]  # the source lines whose text belongs to this clause itself
    parent: str | None = None
    depth: int = 0
    children: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        """Own text without the marker and heading: empty for a pure container such as "二、工作任务"."""
        rest = self.text
        for prefix in (self.marker, self.heading):
            rest = rest.lstrip()
            if prefix and rest.startswith(prefix):
                rest = rest[len(prefix):]
        return rest.strip(" \n。.：:")


@dataclass(eq=False)
class _Piece:
    line: int
    text: str
    para: bool = False
    heading: bool = False


@dataclass(eq=False)
class _Builder:
    parts: tuple[tuple[str, str], ...]  # (kind, component) from the root down
    kind: str
    marker: str = ""
    heading: str = ""
    title: str = ""  # how this level shows in a heading path
    parent: _Builder | None = None
    pieces: list[_Piece] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    children: list[_Builder] = field(default_factory=list)
    label: str = ""

    def add(self, line: int, text: str, para: bool = False, heading: bool = False,
            after: _Piece | None = None) -> _Piece:
        if self.pieces and not para:
            prev = self.pieces[-1] if after is None else after
            para = prev.heading or _ends_sentence(prev.text)
        piece = _Piece(line, text, para, heading)
        if after is not None and any(p is after for p in self.pieces):
            index = next(i for i, p in enumerate(self.pieces) if p is after) + 1
            self.pieces.insert(index, piece)
        else:
            self.pieces.append(piece)
        self.lines.append(line)
        return piece


@dataclass
class _Level:
    style: str
    number: int
    builder: _Builder


class _Stack:
    """Open numbering levels under a base clause (None = document top level)."""

    CONTINUOUS = ("article",)  # 第N条 count on through chapters and sections

    def __init__(self, base: _Builder | None) -> None:
        self.base = base
        self.levels: list[_Level] = []
        self.last: dict[str, int] = {}

    def top(self) -> _Builder | None:
        return self.levels[-1].builder if self.levels else self.base

    def fits(self, style: str, number: int) -> int | None:
        """Index the new level would take, or None when it breaks the sequence."""
        for i, level in enumerate(self.levels):
            if level.style == style:
                return i if number == level.number + 1 else None
        return len(self.levels) if number == self.last.get(style, 0) + 1 or (
            number == 1 and style not in self.CONTINUOUS) else None

    def enter(self, index: int, style: str, number: int, builder: _Builder) -> None:
        del self.levels[index:]
        self.levels.append(_Level(style, number, builder))
        if style in self.CONTINUOUS:
            self.last[style] = number

    def parent_at(self, index: int) -> _Builder | None:
        return self.levels[index - 1].builder if index > 0 else self.base


@dataclass
class _Cell:
    stack: _Stack
    owner: _Builder
    texts: list[str] = field(default_factory=list)
    last: _Piece | None = None
    title: bool = False


@dataclass
class _Table:
    parent: _Builder | None
    expected: int = 1
    row: _Builder | None = None
    cells: list[_Cell] = field(default_factory=list)
    cell: _Cell | None = None


@dataclass
class _TabTable:
    parent: _Builder | None
    header: list[str] | None = None
    group: _Builder | None = None
    rows: int = 0


def to_int(numeral: str) -> int:
    """Arabic (half- or full-width), circled or Chinese numeral to int; 0 when unreadable."""
    text = unicodedata.normalize("NFKC", numeral)
    if text.isdigit():
        return int(text)
    if len(numeral) == 1 and "①" <= numeral <= "⑳":
        return ord(numeral) - ord("①") + 1
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
    total, current = 0, 0
    for ch in numeral:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total, current = total + (current or 1) * 10, 0
        elif ch == "百":
            total, current = total + (current or 1) * 100, 0
        else:
            return 0
    return total + current


def _match_marker(line: str) -> tuple[str, int, str, str] | None:
    """(style, number, label part, marker as printed) for a line that starts with a numbering marker."""
    for style, pattern, part in _MARKERS:
        m = pattern.match(line)
        if m:
            number = to_int(m.group("num"))
            if number:
                return style, number, m.group(0) if part == "all" else m.group("num"), m.group(0)
    return None


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS)
    if not stripped:
        return False
    if stripped[-1] in _ENDERS:
        return True
    return stripped[-1] == "." and not (len(stripped) > 1 and stripped[-2].isdigit())


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def _heading(line: str, rest: str, wrap: int) -> tuple[str, bool]:
    """(heading, whole line is the heading) for the text `rest` after a marker on its `line`.

    A line without a sentence end is a heading only when clearly shorter than the document's wrapped
    lines (`wrap`, display width) or a few characters without digits ("总体要求"); otherwise it is the
    first piece of a wrapped paragraph.
    """
    m = re.search(r"[。！？；]|\.(?![0-9])", rest)
    if m:
        head = rest[:m.start()].strip()
        return (head, False) if 0 < len(head) <= _HEADING_MAX else ("", False)
    if not rest or len(rest) > _HEADING_MAX or rest[-1] in "，、,：:（(":
        return "", False
    if _width(line) < 0.8 * wrap or (len(rest) <= 10 and not re.search(r"\d", rest)):
        return rest, True
    return "", False


def _join(parts: tuple[tuple[str, str], ...]) -> str:
    """Label from components: "附件" and rows are set off by a space, articles drop their chapter."""
    kept = list(parts)
    for i, (kind, _) in enumerate(parts):
        if kind == "article":
            kept = [p for p in parts[:i] if p[0] not in ("chapter", "part")] + list(parts[i:])
    label = ""
    for i, (kind, text) in enumerate(kept):
        spaced = i > 0 and (kept[i - 1][0] == "annex" or kind == "row")
        label += (" " if spaced else "") + text
    return label


def _assemble(pieces: list[_Piece]) -> str:
    out = ""
    for piece in pieces:
        if not out:
            out = piece.text
        elif piece.para:
            out += "\n" + piece.text
        else:
            ascii_pair = out[-1].isascii() and out[-1].isalnum() and piece.text[:1].isascii() \
                and piece.text[:1].isalnum()
            out += (" " if ascii_pair else "") + piece.text
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.lines = [line.rstrip("\r") for line in text.split("\n")]
        widths = sorted(_width(line.strip()) for line in self.lines if line.strip())
        self.wrap = widths[int(0.9 * (len(widths) - 1))] if widths else 0  # typical full line
        self.builders: list[_Builder] = []
        self.stack = _Stack(None)
        self.preamble: _Builder | None = None
        self.override: _Builder | None = None  # 附件列表 / 版记 take lines until structure resumes
        self.attach_next = 0
        self.colophon: _Builder | None = None  # once the 版记 starts, only an annex ends it
        self.title_pending: _Builder | None = None
        self.table: _Table | None = None
        self.tabs: _TabTable | None = None
        self.blank = False

    def new(self, parent: _Builder | None, part: tuple[str, str], kind: str, marker: str = "",
            heading: str = "", title: str = "") -> _Builder:
        parts = (parent.parts if parent else ()) + (part,)
        builder = _Builder(parts, kind, marker, heading, title or f"{marker}{heading}", parent)
        if parent:
            parent.children.append(builder)
        self.builders.append(builder)
        return builder

    def owner(self) -> _Builder:
        found = self.override or self.stack.top()
        if found is None:
            if self.preamble is None:
                self.preamble = self.new(None, ("pre", "前言"), "preamble", title="前言")
            found = self.preamble
        return found

    def run(self) -> list[Clause]:
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            if not line:
                self.blank = True
                continue
            if not _PAGE_NO.match(line):
                self.line(number, raw, line)
            self.blank = False
        return self.result()

    def line(self, n: int, raw: str, line: str) -> None:
        annex = _ANNEX.match(line)
        if annex:
            self.close_tables()
            self.colophon, self.override = None, None
            label = "附件" + annex.group("num")
            builder = self.new(None, ("annex", label), "annex", marker=label, title=label)
            builder.lines.append(n)
            self.stack, self.title_pending = _Stack(builder), builder
            return
        if self.colophon is not None:
            self.colophon.add(n, line)
            return
        if _COLOPHON.match(line):
            self.close_tables()
            self.colophon = self.new(None, ("pre", "版记"), "colophon", title="版记")
            self.colophon.add(n, line)
            return
        attach = _ATTACH_LIST.match(line)
        if attach:
            self.close_tables()
            self.override = self.new(None, ("pre", "附件列表"), "attachments", title="附件列表")
            self.override.add(n, line)
            self.attach_next = to_int(attach.group("num")) + 1 if attach.group("num") else 0
            return
        item = _ATTACH_ITEM.match(line)
        if self.override is not None and self.override.kind == "attachments" and item \
                and to_int(item.group("num")) == self.attach_next:
            self.override.add(n, line, para=True)
            self.attach_next += 1
            return
        if "\t" in raw.strip(" \u3000"):
            self.tab_row(n, raw)
            return
        if self.tabs is not None:
            self.tabs = None
        if self.table is None and line.startswith("序号") and len(line.split()) >= 3:
            self.table = _Table(self.override or self.stack.top())
            (self.table.parent or self.owner()).lines.append(n)
            self.title_pending = None
            return
        if self.table is not None and self.table_line(n, raw, line):
            return
        marker = _match_marker(line)
        if self.title_pending is not None and marker is None:
            titled, self.title_pending = self.title_pending, None
            titled.heading, titled.title = line, f"{titled.marker} {line}"
            titled.add(n, line, heading=True)
            return
        self.title_pending = None
        if marker is not None:
            style, number, part, printed = marker
            index = self.stack.fits(style, number)
            if index is not None:
                parent = self.stack.parent_at(index)
                heading, whole = _heading(line, line[len(printed):].strip(), self.wrap)
                kind = style if style in ("chapter", "part", "article") else "marker"
                builder = self.new(parent, (kind, part), "section", printed, heading)
                builder.add(n, line, para=True, heading=whole)
                self.stack.enter(index, style, number, builder)
                self.override = None
                return
        self.owner().add(n, line)

    def close_tables(self) -> None:
        self.table, self.tabs = None, None

    def table_line(self, n: int, raw: str, line: str) -> bool:
        """Handle a line inside a 序号 table; False when the line ends the table."""
        table = self.table
        assert table is not None
        if _ROW_NO.match(line) and to_int(line) == table.expected:
            row = self.new(table.parent, ("row", f"第{line}项"), "row", f"第{line}项", title=f"第{line}项")
            row.lines.append(n)
            table.expected += 1
            table.row, table.cells, table.cell = row, [], None
            return True
        marker = _match_marker(line)
        if marker is not None and self.blank and self.stack.levels:
            style, number = marker[0], marker[1]
            if any(level.style == style for level in self.stack.levels) and self.stack.fits(style, number) is not None:
                self.table = None
                return False
        if table.row is None:
            (table.parent or self.owner()).add(n, line)
            return True
        page_break = raw[:1].isspace() or "\f" in raw
        cell = table.cell
        if page_break and (cell is None or self.blank or not self._continuable(cell)):
            resumed = self._resumable(table)
            if resumed is not None:
                cell = table.cell = resumed
                self._cell_text(table, cell, n, line)
                return True
        if cell is None or self.blank:
            cell = _Cell(_Stack(table.row), table.row, title=not table.cells)
            table.cells.append(cell)
            table.cell = cell
            self._cell_text(table, cell, n, line, new_cell=True)
            return True
        self._cell_text(table, cell, n, line)
        return True

    @staticmethod
    def _continuable(cell: _Cell) -> bool:
        """Did a page break cut this cell: several lines, no sentence end, last line near full width?"""
        if len(cell.texts) < 2 or _ends_sentence(cell.texts[-1]):
            return False
        return _width(cell.texts[-1]) >= 0.7 * max(_width(t) for t in cell.texts)

    def _resumable(self, table: _Table) -> _Cell | None:
        for cell in reversed(table.cells):
            if self._continuable(cell):
                return cell
        return None

    def _cell_text(self, table: _Table, cell: _Cell, n: int, line: str, new_cell: bool = False) -> None:
        assert table.row is not None
        row = table.row
        if cell.title:
            cell.texts.append(line)
            row.heading = _assemble([_Piece(0, t) for t in cell.texts]).rstrip(_ENDERS + "。.")
            row.title = f"{row.marker} {row.heading}"
            cell.last = row.add(n, line, para=new_cell, after=None if new_cell else cell.last)
            return
        owner = cell.stack.top() or row
        if cell.texts and _ends_sentence(cell.texts[-1]) and _LABELLED.match(line):
            cell.stack.levels.clear()
            owner = row
        marker = _match_marker(line)
        if marker is not None:
            style, number, part, printed = marker
            index = cell.stack.fits(style, number)
            if index is not None:
                parent = cell.stack.parent_at(index) or row
                # a narrow cell wraps every few characters: its first line is no heading
                sub = self.new(parent, ("marker", part), "section", printed)
                cell.last = sub.add(n, line, para=True)
                cell.stack.enter(index, style, number, sub)
                cell.texts.append(line)
                cell.owner = sub
                return
        after = cell.last if (not new_cell and cell.last is not None and owner is cell.owner) else None
        cell.last = owner.add(n, line, para=new_cell, after=after)
        cell.owner = owner
        cell.texts.append(line)

    def tab_row(self, n: int, raw: str) -> None:
        cells = [c.strip() for c in raw.strip("\r\n").split("\t")]
        if self.tabs is None:
            self.table = None
            self.tabs = _TabTable(self.override or self.stack.top())
        tabs = self.tabs
        host = tabs.parent or self.owner()
        if tabs.header is None and tabs.rows == 0 and len(cells) >= 2 and all(
                0 < len(c) <= 8 and not re.search(r"\d", c) for c in cells):
            tabs.header = cells
            host.lines.append(n)
            return
        if cells == tabs.header:
            host.lines.append(n)
            return
        first = cells[0]
        if first:
            marker = _match_marker(first)
            if marker is not None:
                heading = first[len(marker[3]):].strip()
                tabs.group = self.new(tabs.parent, ("marker", marker[2]), "section", marker[3], heading)
            else:
                tabs.group = self.new(tabs.parent, ("name", first[:20]), "section", "", first[:20])
            tabs.group.add(n, first, para=True, heading=True)
            tabs.group.lines.remove(n)  # the line's own text is the row's; the group only names it
        tabs.rows += 1
        rest = [c for c in cells[1:] if c]
        named = len(cells) > 1 and 0 < len(cells[1]) <= 20
        name = cells[1] if named else f"第{tabs.rows}行"
        row = self.new(tabs.group or tabs.parent, ("name", name), "row", "", name if named else "")
        for text in rest:
            row.add(n, text, para=True)
        if not rest:
            row.lines.append(n)

    def result(self) -> list[Clause]:
        labels = Counter[str]()
        for builder in self.builders:
            label = _join(builder.parts)
            labels[label] += 1
            builder.label = label if labels[label] == 1 else f"{label} #{labels[label]}"
        return [self._clause(b) for b in self.builders if b.lines or b.children]

    def _clause(self, builder: _Builder) -> Clause:
        path: list[str] = []
        node: _Builder | None = builder
        depth = -1
        while node is not None:
            path.insert(0, node.title or node.label)
            node, depth = node.parent, depth + 1
        spans = [builder.lines]
        stack = list(builder.children)
        while stack:
            child = stack.pop()
            spans.append(child.lines)
            stack.extend(child.children)
        every = [line for span in spans for line in span]
        own = tuple(sorted(set(builder.lines)))
        return Clause(
            label=builder.label, kind=builder.kind, marker=builder.marker, heading=builder.heading,
            path=tuple(path), text=_assemble(builder.pieces), start_line=min(every), end_line=max(every),
            lines=own, parent=builder.parent.label if builder.parent else None, depth=depth,
            children=tuple(c.label for c in builder.children),
        )


def split_clauses(text: str) -> list[Clause]:
    """All clauses of a policy text in document order (a parent before its children)."""
    return _Parser(text).run()


def line_owners(clauses: list[Clause]) -> dict[int, Clause]:
    """Source line number -> the clause whose own text it is."""
    return {line: clause for clause in clauses for line in clause.lines}
