"""budget.importing.readers: the published PDF, Word .docx and legacy .xls read as the same rows as the text
edition of the same table, and import to the same data.

The fixtures in tests/data/containers are made by build.py there from real published tables:
the reference table (fixtures/huadu-zwfw-project-targets.txt) and the 2023 single-project form of
湘潭市环境卫生管理处. Expected rows below are written from those sources.
"""

import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pypdfium2
import pytest

from budget import exporter
from budget.importing.importer import import_table
from budget.importing.problems import ImportFailed
from budget.importing.readers import open_table
from budget.importing.readers import pdf as pdf_reader
from budget.importing.readers.numfmt import format_number
from tests.conftest import REFERENCE

DATA = Path(__file__).resolve().parent / "data" / "containers"
HUADU = {suffix: DATA / f"huadu-targets.{suffix}" for suffix in ("pdf", "docx", "xls")}
HUADU["sheet-pdf"] = DATA / "huadu-targets-sheet.pdf"  # printed from a worksheet
HEADER = ["项目名称(资金使用单位)", "总计", "财政拨款", "财政专户拨款", "其他资金", "绩效目标", "绩效指标"]


def cells_of(path) -> list[list[str]]:
    return [cells for _, cells in open_table(path).rows]


def failure_of(path) -> str:
    with pytest.raises(ImportFailed) as failure:
        cells_of(path)
    assert len(failure.value.problems) == 1
    return str(failure.value)


def reference_cells() -> list[list[str]]:
    return cells_of(REFERENCE)


# --- the reference table in every container ------------------------------------------------------


@pytest.mark.parametrize("container", ["pdf", "sheet-pdf", "docx", "xls"])
def test_the_reference_table_reads_as_the_same_rows_as_its_text_edition(container):
    table = open_table(HUADU[container])

    assert table.container == container.removeprefix("sheet-")
    assert [cells for _, cells in table.rows] == reference_cells()


@pytest.mark.parametrize("container", ["pdf", "docx", "xls"])
def test_the_container_is_judged_by_content_not_by_name(tmp_path, container):
    renamed = tmp_path / "附件1.dat"
    renamed.write_bytes(HUADU[container].read_bytes())

    assert open_table(renamed).container == container


def export_without_provenance() -> dict:
    """The export minus what differs between two imports of one table by design: the file's
    name, hash and time, and the source row numbers, which depend on the container's layout."""
    doc = exporter.json_document()
    for table in doc["tables"]:
        table.pop("source")
        for flag in table["flags"]:
            flag.pop("row")
        for unit in table["units"]:
            for project in unit["projects"]:
                project.pop("source_row")
    return doc


@pytest.mark.django_db
@pytest.mark.parametrize("container", ["pdf", "sheet-pdf", "docx", "xls"])
def test_importing_the_reference_table_from_each_container_exports_what_the_text_edition_does(container):
    import_table(REFERENCE, year=2021)
    from_text = export_without_provenance()

    import_table(HUADU[container], year=2021)

    assert export_without_provenance() == from_text
    assert from_text["tables"][0]["funding"]["total"] == "2616.61"
    assert sum(len(u["projects"]) for u in from_text["tables"][0]["units"]) == 13
    assert exporter.json_document()["tables"][0]["source"]["filename"] == HUADU[container].name


# --- PDF -----------------------------------------------------------------------------------------


def raw_pdf_tables() -> list[list[list[str]]]:
    """What pdfplumber alone extracts, page by page: the evidence that the fixture has the hard cases."""
    with pdfplumber.open(HUADU["pdf"]) as pdf:
        return [page.extract_tables()[0] for page in pdf.pages]


def test_the_pdf_table_runs_over_pages_with_its_header_repeated_and_rows_split_by_the_breaks():
    pages = raw_pdf_tables()

    assert len(pages) >= 3
    assert all(unicodedata.normalize("NFKC", p[0][0]).replace("\n", "") == HEADER[0] for p in pages)
    assert any(p[1][0] == "" and p[1][6] for p in pages[1:])  # the rest of a row split by the page break
    rows = cells_of(HUADU["pdf"])
    assert rows.count(HEADER) == 1
    assert [r[0] for r in rows[4:]] == [r[0] for r in reference_cells()[4:]]  # no half rows


def part(*rows, room=1.0, lead=9.0):
    """A table part as the PDF reader holds it: one-line cells on a 3-column grid, each ending at
    its bottom with `room` to spare, each starting with a run `lead` wide."""
    grid = [0.0, 100.0, 200.0]
    table = [
        pdf_reader.TableRow(list(cells), [room] * 3, [lead] * 3, [1 if c else 0 for c in cells], list(grid))
        for cells in rows
    ]
    return pdf_reader.Block(0, table=table, box=(0, 0, 300, 500), grid=grid)


def test_the_header_rows_a_table_repeats_are_learnt_on_its_first_continued_page():
    header, total = ("项目名称", "总计", "绩效目标"), ("合计", "30.00", "")
    table = part(header, total, ("甲", "10.00", "目标甲"), room=50.0)
    page2 = part(header, ("乙", "10.00", "目标乙"), room=50.0)
    pdf_reader._continues(table, page2)
    page3 = part(header, total, ("丙", "10.00", "目标丙"))  # the table's own 合计 row again, as data
    pdf_reader._continues(page2, page3)

    assert [row.cells[0] for row in page3.table] == ["项目名称", "合计", "甲", "乙", "合计", "丙"]


def test_a_one_line_category_row_under_another_that_filled_its_cell_stays_a_row_of_its_own():
    held = part(("效益指标", "", ""), ("", "生态效益指标", ""), room=0.5)
    page = part(("", "可持续影响指标", ""))
    pdf_reader._continues(held, page)

    assert [row.cells for row in page.table][-2:] == [["", "生态效益指标", ""], ["", "可持续影响指标", ""]]


def test_text_wrapped_in_a_pdf_cell_is_joined_back_cjk_without_spaces():
    name = "区政府门户网站和政务新媒体运行经费"
    raw = [row[0] for page in raw_pdf_tables() for row in page if row[0] and row[0].startswith("区政府门户")]

    assert raw and "\n" in raw[0]
    assert name in [r[0] for r in cells_of(HUADU["pdf"])]


@pytest.mark.parametrize("container", ["pdf", "docx"])
def test_a_typed_line_break_is_kept_while_lines_the_cell_wrapped_are_joined(container):
    with pdfplumber.open(DATA / "wrapping.pdf") as pdf:
        raw = pdf.pages[0].extract_tables()[0]
    assert raw[1][1] == "受益建档立卡\n贫困人口数" and raw[2][1].count("\n") >= 3  # the PDF wraps them

    assert cells_of(DATA / f"wrapping.{container}") == [
        ["二级指标", "三级指标", "说明"],
        ["社会效益指标", "受益建档立卡贫困人口数", "第一行\n第二行"],
        ["数量指标", "Annual performance targets of the district data bureau", "满意度≥90%"],
    ]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["区政府门户网站和政务", "新媒体运行经费"], "区政府门户网站和政务新媒体运行经费"),
        (["年度指标值:4人。3.1-", "产出指标"], "年度指标值:4人。3.1-产出指标"),
        (["预考评报告(1", "份)。"], "预考评报告(1份)。"),
        (["实施周期指标值:满意度≥", "90%"], "实施周期指标值:满意度≥90%"),
        (["performance", "targets"], "performance targets"),
        (["targets;", "next year"], "targets; next year"),
        (["良好;", "2.1-产出"], "良好;2.1-产出"),
        (["92.6", "0"], "92.60"),  # a narrow amount column breaks the number itself
    ],
)
def test_wrapped_lines_join_cjk_directly_and_latin_words_with_a_space(lines, joined):
    assert pdf_reader._join_lines(lines) == joined


def test_kangxi_radicals_and_compatibility_ideographs_in_the_pdf_read_as_ordinary_characters():
    with pdfplumber.open(HUADU["pdf"]) as pdf:
        raw = "".join(page.extract_text() for page in pdf.pages)
    assert "⼀个门" in raw and "⼤楼水费" in raw and "服务⼈员" in raw and "\uf967低于" in raw

    text = "".join("".join(cells) for cells in cells_of(HUADU["pdf"]))

    assert "一个门" in text and "大楼水费" in text and "服务人员" in text and "不低于503个节点" in text
    assert not [c for c in text if "\u2e80" <= c <= "\u2fdf" or "\uf900" <= c <= "\ufaff"]


def test_every_kangxi_radical_and_the_simplified_radicals_pdfs_carry_read_as_ideographs(tmp_path):
    odd = "".join(chr(c) for c in range(0x2F00, 0x2FD6)) + "⻓⻔⻋⻢⻩⻅"
    path = tmp_path / "radicals.txt"
    path.write_text(f"{odd}\t1\n", encoding="utf-8")

    [[text, _]] = cells_of(path)

    assert len(text) == len(odd)
    assert all(unicodedata.name(c).startswith("CJK UNIFIED IDEOGRAPH") for c in text)
    assert text[:3] == "一丨丶" and text[-6:] == "长门车马黄见"


def test_a_scanned_pdf_is_named_as_a_scan_that_cannot_be_read():
    assert failure_of(DATA / "scanned.pdf") == (
        "scanned.pdf: 这是扫描件(只有图像，没有文字层)，无法读取其中的表格；请使用可复制文字的 PDF、Word 或 Excel 版本"
    )


def test_a_scanned_page_among_text_pages_is_named_not_skipped(tmp_path):
    mixed = pypdfium2.PdfDocument.new()
    mixed.import_pages(pypdfium2.PdfDocument(str(HUADU["pdf"])), [0])
    mixed.import_pages(pypdfium2.PdfDocument(str(DATA / "scanned.pdf")), [0])
    mixed.save(str(tmp_path / "混合.pdf"))

    assert (
        failure_of(tmp_path / "混合.pdf") == "混合.pdf: 第2页是扫描图像，没有文字层，无法读取；请使用可复制文字的版本"
    )


def test_a_pdf_over_the_page_cap_is_refused_before_any_page_is_read(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PDF_PAGES", 3)

    assert (
        failure_of(HUADU["pdf"]) == "huadu-targets.pdf: 共 4 页，超过 3 页的上限，拒绝读取；请只上传绩效目标表所在的页"
    )


def test_a_pdf_whose_fonts_map_no_characters_says_so_rather_than_reading_glyph_numbers(tmp_path):
    path = tmp_path / "无对照表.pdf"
    path.write_bytes(HUADU["pdf"].read_bytes().replace(b"/ToUnicode", b"/ToUnicodX"))  # same length: offsets hold

    assert failure_of(path) == (
        "无对照表.pdf: 第1页的文字无法解码(字体没有 Unicode 对照表)，无法读取；请使用 Word 或 Excel 原件，或能复制出文字的 PDF"
    )


def test_a_pdf_with_an_opening_password_says_so():
    assert (
        failure_of(DATA / "encrypted.pdf") == "encrypted.pdf: PDF 设置了打开密码(已加密)，无法读取；请去掉密码后再导入"
    )


def test_a_damaged_pdf_fails_with_a_message_naming_the_file(tmp_path):
    path = tmp_path / "损坏.pdf"
    path.write_bytes(HUADU["pdf"].read_bytes()[:2000])

    assert failure_of(path) == "损坏.pdf: 不是有效的 PDF 文件(无法解析)；请重新下载或另存为 PDF 后再导入"


# --- the single-project form: merged cells in Word and PDF ----------------------------------------

# The 2023 form of 湘潭市环境卫生管理处 as published, cell by cell: a merge keeps its text in its
# first cell, the cells it covers are empty (trailing empty cells are not kept).
XIANGTAN = [
    ["2023年项目支出绩效目标申报表"],
    ["填报单位:(盖章)", "单位:万元"],
    ["项目支出名称", "雾炮车降尘抑尘服务", "", "预算部门", "湘潭市环境卫生管理处"],
    ["年度本级 预算金额", "250万", "", "该项目支出上级资金", "0"],
    ["项目支出实施期", "2023.07-2024.01"],
    ["实施期绩效目标", "通过采购雾炮车降尘抑尘服务,服务周期2023.07-2024.01,全市空气质量达到优良"],
    ["本年度绩效目标", "通过采购雾炮车降尘抑尘服务,服务周期2023.07-2024.01,全市空气质量达到优良"],
    ["本年度 绩效指标", "一级指标", "二级指标", "三级指标", "指标值及单位", "绩效标准"],
    ["", "产出指标", "数量指标", "雾炮车降尘抑尘服务配备车辆数", "10辆", "计划标准"],
    ["", "", "", "雾炮车风炮射程", "≥80M", "计划标准"],
    ["", "", "质量指标", "服务周期内空气质量", "优良", "计划标准"],
    ["", "", "时效指标", "服务周期", "2023.07-2024.01", "计划标准"],
    ["", "", "成本指标", "控制在预算成本内", "250万", "计划标准"],
    ["", "效益指标", "经济效益指标"],
    ["", "", "社会效益指标", "服务周期内,市民对空气质量改善的满意程度", "≥85%", "计划标准"],
    ["", "", "生态效益指标"],
    ["", "", "可持续影响指标"],
    ["", "", "社会公众或服务对象满意度指标", "市民满意度", "≥90%", "计划标准"],
    ["财政部门审核意见"],
    ["填表人:宋云花 联系电话:[电话已隐去] 填报日期: 单位负责人签字:"],
]


@pytest.mark.parametrize("container", ["docx", "pdf"])
def test_a_single_project_form_reads_cell_by_cell_with_merges_empty_after_their_first_cell(container):
    assert cells_of(DATA / f"xiangtan-form.{container}") == XIANGTAN


def test_a_form_over_several_pages_reads_as_the_same_cells():
    """In 20 pt type the form runs over 4 pages: a label and its value, a merged category and
    placeholder rows are cut by page breaks, the first page, whose rows all merge the value
    columns, shows 4 columns where the rest show 6, and the 填报单位 and 填表人 lines wrap. Spaces typed inside CJK text at the very end
    of a printed line cannot be told from a wrap and are lost, so they are left out here."""
    with pdfplumber.open(DATA / "xiangtan-form-20pt.pdf") as pdf:
        widths = [[len(table[0]) for table in page.extract_tables()] for page in pdf.pages]
    assert widths == [[4], [6], [6], []]  # the last page holds the 填表人 line alone

    def unspaced(rows):
        return [[cell.replace(" ", "") for cell in row] for row in rows]

    assert unspaced(cells_of(DATA / "xiangtan-form-20pt.pdf")) == unspaced(XIANGTAN)


def test_word_merges_are_in_the_fixture_xml_not_made_up_by_the_reader():
    body = zipfile.ZipFile(DATA / "xiangtan-form.docx").read("word/document.xml").decode()

    assert body.count('<w:vMerge w:val="restart"/>') == 4 and body.count("<w:vMerge/>") == 19
    assert '<w:gridSpan w:val="5"/>' in body


def test_paragraphs_and_several_tables_read_in_document_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("2024年项目支出绩效目标表")
    first = document.add_table(rows=2, cols=2)
    first.cell(0, 0).text, first.cell(0, 1).text = "项目名称", "金额"
    first.cell(1, 0).text, first.cell(1, 1).text = "道路养护", "500"
    document.add_paragraph("部门名称：某县交通运输局\t\t单位：万元")
    second = document.add_table(rows=2, cols=3)
    second.cell(0, 0).merge(second.cell(0, 2)).text = "续表"
    second.cell(1, 0).text = "第一行\n第二行"
    second.cell(1, 2).text = "Ｘ"
    document.save(tmp_path / "两表.docx")

    assert cells_of(tmp_path / "两表.docx") == [
        ["2024年项目支出绩效目标表"],
        ["项目名称", "金额"],
        ["道路养护", "500"],
        ["部门名称:某县交通运输局", "单位:万元"],
        ["续表"],
        ["第一行\n第二行", "", "X"],
    ]


def forged_docx(path, declared: int):
    """A .docx whose directory claims `declared` bytes unpacked: a zip bomb seen from outside."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    assert failure_of(forged_docx(tmp_path / "炸弹.docx", 300 * 1024 * 1024)) == (
        "炸弹.docx: 解压后超过 200 MB，拒绝读取；请删去无关的工作表或另存为 CSV"
    )


def test_a_docx_with_an_entity_bomb_is_refused(tmp_path):
    source = zipfile.ZipFile(DATA / "xiangtan-form.docx")
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "ha">{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    with zipfile.ZipFile(tmp_path / "笑.docx", "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, bomb if info.filename == "word/document.xml" else source.read(info))

    assert failure_of(tmp_path / "笑.docx") == (
        "笑.docx: 含有 XML 实体声明，疑似恶意构造的文件，拒绝读取；请在 Word 中重新保存后再导入"
    )


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("name", "stream", "message"),
    [
        (
            "旧文档.doc",
            "WordDocument",
            "这是旧版 Word 97-2003 (.doc) 文件，无法读取；请在 Word 中另存为 .docx 后再导入",
        ),
        ("加密.xlsx", "EncryptedPackage", "文件设置了打开密码(已加密)，无法读取；请在 Excel/Word 中取消密码后再导入"),
        ("坏.xls", "Workbook", "不是有效的 .xls 文件(无法读取工作表)；请在 Excel 中重新保存或另存为 .xlsx 后再导入"),
    ],
)
def test_ole2_files_that_are_not_readable_workbooks_say_what_they_are(tmp_path, name, stream, message):
    path = tmp_path / name
    path.write_bytes(OLE2 + stream.encode("utf-16-le") + bytes(512))

    assert failure_of(path) == f"{name}: {message}"


# --- spreadsheets: numbers as Excel shows them -----------------------------------------------------


def test_xls_cells_read_as_excel_shows_them_by_their_number_format():
    # formats.xls: column A names the format, column B holds the value under it.
    assert cells_of(DATA / "formats.xls") == [
        ["格式"],  # merged across A1:D1
        ["0%", "90%"],
        ["0.0%", "95.5%"],
        ["#,##0.00", "2,616.61"],
        ['yyyy"年"m"月"d"日"', "2021年12月31日"],
        ["yyyy-mm-dd", "2021-12-31"],
        ["0.00", "199.00"],
        ["@", "0.90"],  # text stays as typed
        ["General", "2616.61"],
    ]


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (0.9, "0%", "90%"),
        (0.955, "0.0%", "95.5%"),
        (1, "0%", "100%"),
        (2616.61, "#,##0.00", "2,616.61"),
        (199, "#,##0.00", "199.00"),
        (-1234.5, "#,##0.00_);(#,##0.00)", "(1,234.50)"),
        (-3.5, "0.0", "-3.5"),
        (0, '#,##0.00;-#,##0.00;"-"', "-"),
        (12345.678, '"¥"#,##0.00', "¥12,345.68"),
        (16, '0"人"', "16人"),
        (2.675, "0.00", "2.68"),  # Excel rounds the decimal as written, half up
        (datetime(2021, 12, 31), 'yyyy"年"m"月"d"日"', "2021年12月31日"),
        (datetime(2021, 12, 31), "yyyy/m/d", "2021/12/31"),
        (datetime(2021, 12, 31), "mm-dd-yy", "2021/12/31"),  # built-in 14: the system date, as in China
        (2616.61, "General", "2616.61"),
    ],
)
def test_xlsx_numbers_read_as_excel_shows_them_by_their_number_format(tmp_path, value, number_format, shown):
    book = openpyxl.Workbook()
    book.active.append(["值", value])
    book.active["B1"].number_format = number_format
    book.save(tmp_path / "v.xlsx")

    assert cells_of(tmp_path / "v.xlsx") == [["值", shown]]


def test_a_chinese_builtin_date_format_reads_as_the_date(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["填报日期", 44561])
    book.save(tmp_path / "d.xlsx")
    styles = zipfile.ZipFile(tmp_path / "d.xlsx").read("xl/styles.xml").decode()
    # numFmtId 31 is 'yyyy"年"m"月"d"日"' in Chinese Excel and unknown to openpyxl
    styles = styles.replace('<cellXfs count="1"><xf', '<cellXfs count="2"><xf').replace(
        "</cellXfs>", '<xf numFmtId="31" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'
    )
    sheet = zipfile.ZipFile(tmp_path / "d.xlsx").read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace('<c r="B1" t="n">', '<c r="B1" s="1" t="n">').replace('<c r="B1">', '<c r="B1" s="1">')
    with zipfile.ZipFile(tmp_path / "d.xlsx") as old:
        parts = {i.filename: old.read(i) for i in old.infolist()}
    parts["xl/styles.xml"], parts["xl/worksheets/sheet1.xml"] = styles.encode(), sheet.encode()
    with zipfile.ZipFile(tmp_path / "d.xlsx", "w") as new:
        for member, content in parts.items():
            new.writestr(member, content)

    assert cells_of(tmp_path / "d.xlsx") == [["填报日期", "2021年12月31日"]]


REAL = Path(__file__).resolve().parent / "data" / "real"
# Its `=10个` cells were written by openpyxl as formulas with no cached value, which no clerk's
# Excel or WPS file holds (they keep the text); read as empty, they cannot match the CSV.
FORMULA_ARTIFACT = {"hn-nanyue-2018-asset-income"}


@pytest.mark.parametrize(
    "workbook",
    [p for p in sorted(REAL.glob("*.xlsx")) if p.with_suffix(".csv").exists() and p.stem not in FORMULA_ARTIFACT],
    ids=lambda p: p.stem,
)
def test_real_workbooks_read_as_excel_saved_them_to_csv(workbook):
    """The corpus's xlsx editions keep percents, amounts and plain numbers as numbers under their
    formats (tests/data/real/README.md); Excel's CSV of the same sheet is the text it shows."""
    assert cells_of(workbook) == cells_of(workbook.with_suffix(".csv"))


@pytest.mark.django_db
def test_an_xlsx_with_amounts_as_formatted_numbers_imports_like_the_text_edition(tmp_path):
    """Amounts stored as numbers under #,##0.00 read as `2,616.61`, which the amount reader takes."""
    import_table(REFERENCE, year=2021)
    from_text = export_without_provenance()
    book = openpyxl.Workbook()
    for row in reference_cells():
        book.active.append(row)
    for row in book.active.iter_rows(min_row=5):
        for cell in row[1:5]:
            if cell.value:
                cell.value, cell.number_format = float(cell.value.replace(",", "")), "#,##0.00"
    book.save(tmp_path / "金额为数字.xlsx")

    import_table(tmp_path / "金额为数字.xlsx", year=2021)

    assert export_without_provenance() == from_text


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (0.123456, "0.00%", "12.35%"),
        (1234567, "#,##0,", "1,235"),
        (1.5, "0.0#", "1.5"),
        (1.256, "0.0#", "1.26"),
        (0.5, "h:mm AM/PM", "12:00 PM"),
        (44561.75, 'yyyy"年"m"月"d"日" h:mm', "2021年12月31日 18:00"),
        (44561, '[$-804]yyyy"年"m"月"', "2021年12月"),
        (3.25, "# ?/?", "3.25"),  # fractions are not modelled: the plain number, nothing lost
        (1e-07, "General", "0.0000001"),
    ],
)
def test_number_formats_render_as_excel_does(value, number_format, shown):
    assert format_number(value, number_format) == shown
