"""Builds the container fixtures beside this file from real published tables.

    python tests/data/containers/build.py      # needs python-docx, xlwt, Pillow, pypdfium2 and LibreOffice

The outputs are committed, so tests and CI need none of the build tools:

- huadu-targets.docx / .pdf / .xls: the reference table (fixtures/huadu-zwfw-project-targets.txt,
  广州市花都区政务服务和数据管理局, originally a PDF) as a clerk holds it: full-width punctuation, a
  few Kangxi-radical characters as PDFs carry them, a ruled table over several landscape pages with
  its header row repeated on each, rows split by the page breaks, cells wrapped, 第 N 页 below. The .xls has amounts as numbers under `#,##0.00`.
- huadu-targets-sheet.pdf: the same table as a worksheet printed to PDF (LibreOffice Calc),
  as tables exported from Excel are published: rows never split, the header as a print title.
- xiangtan-form.docx / .pdf: the 2023 single-project form of 湘潭市环境卫生管理处 (published by
  湘潭市城市管理和综合执法局, http://xtcg.xiangtan.gov.cn/15068/15075/26693/content_1250928.html),
  with its merged cells: labels and values across columns, level-1/2 indicator cells down rows.
- xiangtan-form-20pt.pdf: the same form in 20 pt type, over 4 pages: rows and a merged cell cut
  by page breaks, and a first page whose rows all merge two columns (so it shows 4, not 6).
- encrypted.pdf: xiangtan-form.pdf with an opening password (2023).
- wrapping.docx / .pdf: narrow columns that wrap CJK and Latin text, and a typed line break.
- formats.xls: numbers under percent, thousands, date and text formats, a merged title.
- scanned.pdf: the first page of huadu-targets.pdf as an image only, no text layer.
"""

import math
import re
import subprocess
import tempfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pypdfium2
import xlwt
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.styles import Alignment, Border, Side

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent.parent / "fixtures" / "huadu-zwfw-project-targets.txt"
FONT = "Noto Sans CJK SC"

# The published PDF had Chinese punctuation; the reference text was extracted with NFKC applied.
FULL_WIDTH = str.maketrans({":": "：", ";": "；", "(": "（", ")": "）", ",": "，"})
# What real PDF text layers give for some characters: Kangxi radicals (U+2F00-) and a CJK
# compatibility ideograph, which NFKC maps back to the ordinary characters.
KANGXI = {"一个门": "⼀个门", "大楼水费": "⼤楼水费", "服务人员": "服务⼈员", "不低于": "\uf967低于"}


def reference_rows() -> list[list[str]]:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip()]


def clerk_text(text: str, column: int) -> str:
    """Amount columns keep their ASCII digits and commas; text columns get the clerk's punctuation."""
    if column in (1, 2, 3, 4):
        return text
    text = text.translate(FULL_WIDTH)
    for plain, odd in KANGXI.items():
        text = text.replace(plain, odd, 1)
    return text


def set_font(document):
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(9)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(0)


def landscape(document):
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))


def page_numbers(document):
    """A centred 第 N 页 footer, as published PDFs have."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" 页")


def ruled(table):
    """Every border drawn, as published tables are: pdfplumber finds the cells by their lines."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    table._tbl.tblPr.append(borders)


def repeat_header(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def title(document, text, size=14):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)


def reference_docx(path):
    rows = reference_rows()
    document = docx.Document()
    set_font(document)
    landscape(document)
    page_numbers(document)
    preamble, table_rows = rows[:3], rows[3:]
    title(document, clerk_text(preamble[0][0], 0))
    for cells in preamble[1:]:
        document.add_paragraph(clerk_text(cells[0], 0))
    widths = [Cm(3.6), Cm(1.7), Cm(1.7), Cm(1.7), Cm(1.5), Cm(5.2), Cm(11.3)]
    table = document.add_table(rows=0, cols=7)
    ruled(table)
    table.autofit = False
    for column, width in zip(table.columns, widths):  # LibreOffice lays out by the grid, Word by the cells
        column.width = width
    for index, cells in enumerate(table_rows):
        row = table.add_row()
        if index == 0:
            repeat_header(row)
        for column, cell in enumerate(row.cells):
            cell.width = widths[column]
            text = cells[column] if column < len(cells) else ""
            cell.text = clerk_text(text, column)
            if column in (1, 2, 3, 4):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.save(path)


# The xiangtan form as published: (text, columns spanned, vertical merge) per cell, 6 grid columns.
# "restart" opens a vertical merge, "continue" is a cell covered by the one above.
C = "continue"
XIANGTAN = [
    [
        ("项目支出名称", 1, None),
        ("雾炮车降尘抑尘服务", 2, None),
        ("预算部门", 1, None),
        ("湘潭市环境卫生管理处", 2, None),
    ],
    [("年度本级 预算金额", 1, None), ("250万", 2, None), ("该项目支出上级资金", 1, None), ("0", 2, None)],
    [("项目支出实施期", 1, None), ("2023.07-2024.01", 5, None)],
    [
        ("实施期绩效目标", 1, None),
        ("通过采购雾炮车降尘抑尘服务，服务周期2023.07-2024.01，全市空气质量达到优良", 5, None),
    ],
    [
        ("本年度绩效目标", 1, None),
        ("通过采购雾炮车降尘抑尘服务，服务周期2023.07-2024.01，全市空气质量达到优良", 5, None),
    ],
    [
        ("本年度 绩效指标", 1, "restart"),
        ("一级指标", 1, None),
        ("二级指标", 1, None),
        ("三级指标", 1, None),
        ("指标值及单位", 1, None),
        ("绩效标准", 1, None),
    ],
    [
        ("", 1, C),
        ("产出指标", 1, "restart"),
        ("数量指标", 1, "restart"),
        ("雾炮车降尘抑尘服务配备车辆数", 1, None),
        ("10辆", 1, None),
        ("计划标准", 1, None),
    ],
    [("", 1, C), ("", 1, C), ("", 1, C), ("雾炮车风炮射程", 1, None), ("≥80M", 1, None), ("计划标准", 1, None)],
    [
        ("", 1, C),
        ("", 1, C),
        ("质量指标", 1, None),
        ("服务周期内空气质量", 1, None),
        ("优良", 1, None),
        ("计划标准", 1, None),
    ],
    [
        ("", 1, C),
        ("", 1, C),
        ("时效指标", 1, None),
        ("服务周期", 1, None),
        ("2023.07-2024.01", 1, None),
        ("计划标准", 1, None),
    ],
    [
        ("", 1, C),
        ("", 1, C),
        ("成本指标", 1, None),
        ("控制在预算成本内", 1, None),
        ("250万", 1, None),
        ("计划标准", 1, None),
    ],
    [("", 1, C), ("效益指标", 1, "restart"), ("经济效益指标", 1, None), ("", 1, None), ("", 1, None), ("", 1, None)],
    [
        ("", 1, C),
        ("", 1, C),
        ("社会效益指标", 1, None),
        ("服务周期内，市民对空气质量改善的满意程度", 1, None),
        ("≥85%", 1, None),
        ("计划标准", 1, None),
    ],
    [("", 1, C), ("", 1, C), ("生态效益指标", 1, None), ("", 1, None), ("", 1, None), ("", 1, None)],
    [("", 1, C), ("", 1, C), ("可持续影响指标", 1, None), ("", 1, None), ("", 1, None), ("", 1, None)],
    [
        ("", 1, C),
        ("", 1, C),
        ("社会公众或服务对象满意度指标", 1, None),
        ("市民满意度", 1, None),
        ("≥90%", 1, None),
        ("计划标准", 1, None),
    ],
    [("财政部门审核意见", 1, None), ("", 5, None)],
]


def xiangtan_docx(path, size: float = 9):
    document = docx.Document()
    set_font(document)
    document.styles["Normal"].font.size = Pt(size)
    title(document, "2023年项目支出绩效目标申报表", 12)
    document.add_paragraph("填报单位：（盖章）\t\t\t\t\t\t单位：万元")
    widths = [Cm(2.4), Cm(2.2), Cm(2.6), Cm(4.6), Cm(2.6), Cm(2.0)]
    table = document.add_table(rows=len(XIANGTAN), cols=6)
    ruled(table)
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row, cells in zip(table.rows, XIANGTAN):
        column = 0
        for text, span, merge in cells:
            cell = row.cells[column]
            if span > 1:
                cell = cell.merge(row.cells[column + span - 1])
            if merge:
                v_merge = OxmlElement("w:vMerge")
                if merge == "restart":
                    v_merge.set(qn("w:val"), "restart")
                cell._tc.get_or_add_tcPr().append(v_merge)
            cell.text = text
            column += span
        for column, cell in enumerate(row.cells):
            cell.width = widths[column]
    document.add_paragraph("填表人：宋云花 联系电话：[电话已隐去] 填报日期： 单位负责人签字：")  # spaced as published
    document.save(path)


# Line breaks a writer typed against lines the cell width wrapped: the reader keeps the first
# and joins the second. Narrow columns make every long text wrap.
WRAPPING = [
    ["二级指标", "三级指标", "说明"],
    ["社会效益指标", "受益建档立卡贫困人口数", "第一行\n第二行"],
    ["数量指标", "Annual performance targets of the district data bureau", "满意度≥90%"],
]


def wrapping_docx(path):
    document = docx.Document()
    set_font(document)
    table = document.add_table(rows=0, cols=3)
    ruled(table)
    table.autofit = False
    for column in table.columns:
        column.width = Cm(2.6)
    for cells in WRAPPING:
        row = table.add_row()
        for cell, text in zip(row.cells, cells):
            cell.width = Cm(2.6)
            first, *more = text.split("\n")
            cell.text = first
            for line in more:  # a new paragraph: a line break the clerk typed
                cell.add_paragraph(line)
    document.save(path)


SHEET_WIDTHS = [18, 10, 10, 10, 9, 30, 60]  # characters, as Excel counts column widths


def reference_sheet_pdf(path: Path):
    """The reference table as a clerk's worksheet printed to PDF: wrapped cells with borders, rows
    as tall as their text (never split by a page), the header row repeated as a print title."""
    book = openpyxl.Workbook()
    sheet = book.active
    rows = reference_rows()
    for cells in rows[:3]:
        sheet.append([clerk_text(cells[0], 0)])
    sheet.merge_cells("A1:G1")
    for number, cells in enumerate(rows[3:]):
        sheet.append(
            [
                float(c.replace(",", "")) if number and c and i in (1, 2, 3, 4) else clerk_text(c, i)
                for i, c in enumerate(cells)
            ]
        )
    line = Side(style="thin")
    for row in sheet.iter_rows(min_row=4):
        lines = max(math.ceil(len(str(c.value or "")) / (w * 0.45)) for c, w in zip(row, SHEET_WIDTHS))
        sheet.row_dimensions[row[0].row].height = 14 * max(lines, 1) + 4
        for cell in row:
            cell.border = Border(left=line, right=line, top=line, bottom=line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    for letter, width in zip("ABCDEFG", SHEET_WIDTHS):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_title_rows = "4:4"
    with tempfile.TemporaryDirectory() as scratch:
        book.save(Path(scratch) / "huadu-targets.xlsx")
        to_pdf(Path(scratch) / "huadu-targets.xlsx", path)


def reference_xls(path):
    rows = reference_rows()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("绩效目标表")
    amount = xlwt.easyxf(num_format_str="#,##0.00")
    sheet.write_merge(0, 0, 0, 6, rows[0][0])
    for r, cells in enumerate(rows[1:], start=1):
        for c, text in enumerate(cells):
            if c in (1, 2, 3, 4) and text and r > 3:
                sheet.write(r, c, float(text.replace(",", "")), amount)
            elif text:
                sheet.write(r, c, clerk_text(text, c))
    book.save(path)


def formats_xls(path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("格式")
    sheet.write_merge(0, 0, 0, 3, "格式")
    styles = ["0%", "0.0%", "#,##0.00", 'yyyy"年"m"月"d"日"', "yyyy-mm-dd", "0.00", "@", "General"]
    values = [0.9, 0.955, 2616.61, 44561, 44561, 199, "0.90", 2616.61]
    for r, (fmt, value) in enumerate(zip(styles, values), start=1):
        sheet.write(r, 0, fmt)
        sheet.write(r, 1, value, xlwt.easyxf(num_format_str=fmt))
    book.save(path)


def to_pdf(source: Path, target: Path | None = None, options: str = ""):
    """LibreOffice's PDF export; `options` as its JSON filter options (a password, say)."""
    target = target or source.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                f"pdf:writer_pdf_Export:{options}" if options else "pdf",
                "--outdir",
                out,
                str(source),
            ],
            check=True,
            capture_output=True,
        )
        target.write_bytes((Path(out) / source.with_suffix(".pdf").name).read_bytes())


OPEN_PASSWORD = (
    '{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"2023"}}'
)


# Real PDF text layers map a glyph back to the first code point a font's table gives it: for 一,
# 大 and 人 the Kangxi radical (U+2F00, U+2F24, U+2F08), for 不 a compatibility ideograph.
ODD_CODE_POINTS = {"4E00": "2F00", "5927": "2F24", "4EBA": "2F08", "4E0D": "F967"}


def odd_to_unicode(path: Path):
    """Rewrites the PDF's ToUnicode maps as such writers make them, then its xref table."""
    data = path.read_bytes()
    body_end = data.rindex(b"\nxref\n") + 1
    # xref entry n is object n; the objects sit in the file in another order.
    offsets = [int(m.group(1)) for m in re.finditer(rb"(\d{10}) \d{5} [nf]", data[body_end:])][1:]
    ends = {a: b for a, b in zip(sorted(offsets), sorted(offsets)[1:] + [body_end])}
    objects = {number: data[offset : ends[offset]] for number, offset in enumerate(offsets, start=1)}
    for number in map(int, re.findall(rb"/ToUnicode (\d+) 0 R", data)):
        head, rest = objects[number].split(b"stream\n", 1)
        text = zlib.decompress(rest[: rest.rindex(b"endstream")].rstrip(b"\n")).decode("latin-1")
        for plain, odd in ODD_CODE_POINTS.items():
            text = text.replace(f"> <{plain}>", f"> <{odd}>")
        packed = zlib.compress(text.encode("latin-1"))
        head = re.sub(rb"/Length \d+", b"/Length %d" % len(packed), head)
        objects[number] = head + b"stream\n" + packed + b"\nendstream\nendobj\n"
    out, new_offsets = bytearray(data[: min(offsets)]), {}
    for offset in sorted(offsets):  # same order as before, new places
        number = offsets.index(offset) + 1
        new_offsets[number] = len(out)
        out += objects[number]
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % new_offsets[n] for n in range(1, len(offsets) + 1))
    trailer = data[data.index(b"trailer", body_end) : data.rindex(b"startxref")]
    out += trailer + b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))


def scanned_pdf(source: Path, path: Path):
    page = pypdfium2.PdfDocument(str(source))[0]
    image = page.render(scale=100 / 72).to_pil().convert("L")
    image.save(path, "PDF", resolution=100, quality=60)


if __name__ == "__main__":
    reference_docx(HERE / "huadu-targets.docx")
    to_pdf(HERE / "huadu-targets.docx")
    odd_to_unicode(HERE / "huadu-targets.pdf")
    reference_xls(HERE / "huadu-targets.xls")
    reference_sheet_pdf(HERE / "huadu-targets-sheet.pdf")
    xiangtan_docx(HERE / "xiangtan-form.docx")
    to_pdf(HERE / "xiangtan-form.docx")
    to_pdf(HERE / "xiangtan-form.docx", HERE / "encrypted.pdf", OPEN_PASSWORD)
    with tempfile.TemporaryDirectory() as scratch:
        xiangtan_docx(Path(scratch) / "xiangtan-form.docx", size=20)
        to_pdf(Path(scratch) / "xiangtan-form.docx", HERE / "xiangtan-form-20pt.pdf")
    formats_xls(HERE / "formats.xls")
    wrapping_docx(HERE / "wrapping.docx")
    to_pdf(HERE / "wrapping.docx")
    scanned_pdf(HERE / "huadu-targets.pdf", HERE / "scanned.pdf")
    for built in sorted(HERE.glob("*.*")):
        print(f"{built.name:24} {built.stat().st_size:>8} bytes")
