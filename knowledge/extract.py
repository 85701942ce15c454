"""Read a policy document (plain text, .docx or text-layer .pdf) into the plain text the splitter reads.

Normalising is deliberately light: the stored text is what `kb check` matches quotes against, so
full-width digits and punctuation stay as printed; only what a file format adds (BOM, CR, zero-width
characters, trailing blanks) goes. Narrow table cells that wrap every few characters are kept as lines:
`knowledge/clauses.py` undoes the wrapping inside each clause, and quotes ignore line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from knowledge.yamlload import KnowledgeError

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00]")
_BLANK_RUN = re.compile(r"\n{4,}")
TEXT_SUFFIXES = (".txt", ".text", "")


def read_document(path: Path) -> str:
    """The document's text, normalised; a KnowledgeError names the file when it cannot be read."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise KnowledgeError(f"{path}:1: no such file")
    if suffix == ".docx":
        text = _read_docx(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    elif suffix in TEXT_SUFFIXES:
        text = _read_text(path)
    else:
        raise KnowledgeError(f"{path}:1: unsupported file type {suffix!r} (use .txt, .docx or a text-layer .pdf)")
    text = normalise(text)
    if not text.strip():
        raise KnowledgeError(f"{path}:1: the document has no text"
                             + (" (a scanned PDF without a text layer needs OCR first)" if suffix == ".pdf" else ""))
    return text


def normalise(text: str) -> str:
    """Unix line ends, NFC, no invisible characters or trailing blanks; full-width forms untouched."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n\n", "\n".join(lines)).strip("\n") + "\n"


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese government sites still publish GBK text
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise KnowledgeError(f"{path}:1: not UTF-8 or GB18030 text")


def _read_docx(path: Path) -> str:
    """Paragraphs and tables in document order; a table row becomes one tab-separated line."""
    import docx  # python-docx: only the import command needs it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError for a broken file
        raise KnowledgeError(f"{path}:1: cannot read the .docx file: {exc}") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend("\t".join(_cell_text(c.text) for c in _unique_cells(row.cells)) for row in block.rows)
            lines.append("")
    return "\n".join(lines)


def _unique_cells(cells: list[Any]) -> list[Any]:
    """Merged cells repeat in python-docx's row.cells: keep each once."""
    seen: list[Any] = []
    for cell in cells:
        if not any(cell._tc is other._tc for other in seen):
            seen.append(cell)
    return seen


def _cell_text(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text).strip()


def _read_pdf(path: Path) -> str:
    """Each page's text layer; a form feed marks the page break the splitter knows about."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise KnowledgeError(f"{path}:1: cannot read the PDF: {exc}") from None
    return "\n\f".join(page.lstrip("\n") for page in pages)
