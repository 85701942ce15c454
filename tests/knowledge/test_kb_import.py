"""`xingban kb import`: the five seed documents split by their own numbering, bad files refused untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import knowledge
from knowledge.clauses import split_clauses
from knowledge.cli import kb_group
from knowledge.regions import load_region_table

SOURCES = Path(knowledge.__file__).resolve().parent / "sources"
DATA = Path(__file__).parent.parent / "data"

# (file, region, document, name, [(label, first words)]): labels and words as each document prints them.
SEEDS = [
    ("qijiang.txt", "qijiang", "綦残联发〔2025〕7号", "重庆綦江区", [
        ("二、1", "1、加强健康教育"), ("三、（三）", "（三）广泛宣传动员"),
        ("附件 第3项（3）", "（3）提供听觉言语功能训练"), ("附件 第5项", "医康教托融合")]),
    ("chongqing.txt", "chongqing", "渝民〔2025〕24号", "重庆市", [
        ("一、", "一、充分认识做好困境孤独症儿童"), ("二、（二）", "（二）强化主动救助"),
        ("三、（三）", "（三）强化宣传引导")]),
    ("guangxi.txt", "guangxi", "桂残联字〔2024〕36号", "广西", [
        ("二、（一）1", "1.完善孤独症儿童康复服务网"), ("二、（二）3", "3.健全孤独症儿童普惠保障"),
        ("三、（四）", "（四）抓好监督落实")]),
    ("zhuji.txt", "zhuji", "诸政办发〔2023〕38号", "浙江诸暨", [
        ("二、（五）", "（五）共富先行"), ("四、（三）3", "3. 提高融合教育质量"),
        ("附件1 二、", "二、康复治疗服务体系"), ("附件1 四、开展职业培训", "开展职业培训")]),
    ("shanghai.txt", "shanghai", "沪府发〔2025〕1号", "上海", [
        ("一、(一)", "(一)救助对象"), ("二、(九)", "(九)创新科技助残体系"), ("四、", "四、其他")]),
]


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(kb_group, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("file", "region", "document", "name", "expected"), SEEDS, ids=[s[1] for s in SEEDS])
def test_seed_document_imports_into_an_empty_folder_with_its_own_numbering(
        tmp_path: Path, file: str, region: str, document: str, name: str, expected: list[tuple[str, str]]) -> None:
    root = tmp_path / "kb"
    code, out = run("import", SOURCES / file, "--region", region, "--document", document, "--name", name,
                    "--root", root)
    assert code == 0, out
    index = yaml.safe_load((root / "sources" / "index.yaml").read_text(encoding="utf-8"))
    assert index[region]["document"] == document
    stored = (root / "sources" / index[region]["file"]).read_text(encoding="utf-8")
    clauses = {c.label: c for c in split_clauses(stored)}
    for label, words in expected:
        assert label in clauses, f"{file}: no clause {label} in {sorted(clauses)}"
        assert clauses[label].text.startswith(words), (label, clauses[label].text[:40])
    # The import changes no clause: the split of the stored text is the split of the shipped one.
    shipped = [c.label for c in split_clauses((SOURCES / file).read_text(encoding="utf-8"))]
    assert list(clauses) == shipped
    table = load_region_table(root / "data" / "regions.yaml")
    assert table.regions[region].name == name and table.find(name) == region
    assert (root / "drafts" / f"{region}.yaml").exists()


def test_a_sixth_county_joins_the_region_table_of_the_shipped_folder(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "data").mkdir(parents=True)
    shipped = (SOURCES.parent / "data" / "regions.yaml").read_text(encoding="utf-8")
    (root / "data" / "regions.yaml").write_text(shipped, encoding="utf-8")
    code, out = run("import", DATA / "xinghe_county.txt", "--region", "xinghe", "--document", "星残联发〔2026〕3号",
                    "--name", "星河县", "--root", root)
    assert code == 0, out
    table = load_region_table(root / "data" / "regions.yaml")
    assert table.find("星河县的康复补助怎么领") == "xinghe"
    assert table.find("綦江区的补助") == "qijiang"  # the five are untouched
    assert table.menu_order[-1] == "xinghe" and len(table.regions) == 6
    assert "# The one region table" in (root / "data" / "regions.yaml").read_text(encoding="utf-8")


def test_a_docx_document_is_split_by_its_numbering_and_table_rows(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "county.docx"
    document = docx.Document()
    for text in ("测县残联文件", "测残联发〔2026〕1号", "一、补助对象", "本县户籍未满7周岁的孤独症儿童。",
                 "二、补助标准", "（一）每人每年补助12000元。", "附件", "任务分工表"):
        document.add_paragraph(text)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("序号", "任务", "责任单位"), ("1", "开展筛查", "县卫健局"),
                                       ("2", "发放补助", "县残联")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(str(path))
    root = tmp_path / "kb"
    code, out = run("import", path, "--region", "ceshi", "--document", "测残联发〔2026〕1号", "--name", "测县",
                    "--root", root)
    assert code == 0, out
    labels = {c.label: c.text for c in split_clauses((root / "sources" / "ceshi.txt").read_text(encoding="utf-8"))}
    assert labels["二、（一）"].startswith("（一）每人每年补助12000元")
    assert any("发放补助" in text and "县残联" in text for label, text in labels.items() if label.startswith("附件"))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"\n \n", "has no text"),
    ("broken.pdf", b"%PDF-1.4 this is not a pdf", "cannot read the PDF"),
    ("scan.pdf", None, "has no text"),
    ("prose.txt", "星残联发〔2026〕3号\n\n这是一段没有编号的说明文字。\n".encode(), "no clause numbering"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "unsupported file type"),
])
def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path: Path, name: str, content: bytes | None,
                                                      message: str) -> None:
    path = tmp_path / name
    if content is None:  # a PDF page without a text layer (a scan)
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
        with path.open("wb") as out:
            writer.write(out)
    else:
        path.write_bytes(content)
    root = tmp_path / "kb"
    code, out = run("import", path, "--region", "xinghe", "--document", "星残联发〔2026〕3号", "--name", "星河县",
                    "--root", root)
    assert code != 0
    assert message in out and str(path) in out
    assert not root.exists()


def test_an_unknown_region_without_a_name_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    code, out = run("import", DATA / "xinghe_county.txt", "--region", "xinghe", "--document", "星残联发〔2026〕3号",
                    "--root", root)
    assert code != 0 and "unknown region 'xinghe'" in out and "--name" in out
    assert not root.exists()


def test_a_region_with_a_document_needs_replaces_and_the_right_number(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    args = ("--region", "xinghe", "--name", "星河县", "--root", root)
    assert run("import", DATA / "xinghe_county.txt", "--document", "星残联发〔2026〕3号", *args)[0] == 0
    before = (root / "sources" / "index.yaml").read_text(encoding="utf-8")
    code, out = run("import", DATA / "xinghe_county_2028.txt", "--document", "星残联发〔2027〕9号", *args)
    assert code != 0 and "--replaces 星残联发〔2026〕3号" in out
    code, out = run("import", DATA / "xinghe_county_2028.txt", "--document", "星残联发〔2027〕9号",
                    "--replaces", "星残联发〔2020〕1号", *args)
    assert code != 0 and "has 星残联发〔2026〕3号" in out
    assert (root / "sources" / "index.yaml").read_text(encoding="utf-8") == before


def test_a_sixth_county_in_the_shipped_folder_keeps_kb_check_green_and_all_entries_off_it(tmp_path: Path) -> None:
    """`regions: [all]` entries quote the five documents, not the new one: they must not reach its parents."""
    import shutil

    root = tmp_path / "kb"
    for part in ("sources", "entries", "rules", "data"):
        shutil.copytree(SOURCES.parent / part, root / part)
    code, out = run("import", DATA / "xinghe_county.txt", "--region", "xinghe", "--document", "星残联发〔2026〕3号",
                    "--name", "星河县", "--root", root)
    assert code == 0, out
    common = yaml.safe_load((root / "entries" / "common.yaml").read_text(encoding="utf-8"))
    assert all("all" not in e["regions"] and "xinghe" not in e["regions"] for e in common)
    assert common[0]["regions"] == ["qijiang", "chongqing", "guangxi", "zhuji", "shanghai"]
    code, out = run("check", "--root", root)
    assert code == 0, out
    assert "7 draft(s) waiting" in out


def test_a_text_layer_pdf_is_read_page_by_page_and_split(tmp_path: Path) -> None:
    path = tmp_path / "county.pdf"
    path.write_bytes(text_pdf([["测残联发〔2026〕1号", "一、补助对象", "本县户籍未满7周岁的孤独症", "儿童。"],
                               ["二、补助标准", "（一）每人每年补助12000元。"]]))
    root = tmp_path / "kb"
    code, out = run("import", path, "--region", "ceshi", "--document", "测残联发〔2026〕1号", "--name", "测县",
                    "--root", root)
    assert code == 0, out
    clauses = {c.label: c.text for c in split_clauses((root / "sources" / "ceshi.txt").read_text(encoding="utf-8"))}
    assert clauses["一、"] == "一、补助对象\n本县户籍未满7周岁的孤独症儿童。"
    assert clauses["二、（一）"] == "（一）每人每年补助12000元。"

def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose text layer holds `pages` (lines of Chinese), through a ToUnicode map as real ones do."""
    chars = sorted({c for page in pages for line in page for c in line})
    code = {c: i + 1 for i, c in enumerate(chars)}
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + "".join(f"1 beginbfchar <{code[c]:04X}> <{ord(c):04X}> endbfchar\n" for c in chars)
            + "endcmap CMapName currentdict /CMap defineresource pop end end")
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
               "/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
               "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) "
               "/Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
               f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream"]
    kids = []
    for page in pages:
        body = "BT /F1 12 Tf 1 0 0 1 50 800 Tm 14 TL " + " ".join(
            "<" + "".join(f"{code[c]:04X}" for c in line) + "> Tj T*" for line in page) + " ET"
        objects.append(f"<< /Length {len(body)} >>\nstream\n{body}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
