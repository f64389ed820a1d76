"""budget.importing.readers: every container and encoding a clerk brings reads as the same rows."""

import csv
import io
import re
import struct
import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.importing import readers
from budget.importing.problems import ImportFailed
from budget.importing.readers import open_table

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "huadu-zwfw-project-targets.txt"

HEADER = ["项目名称(资金使用单位)", "总计", "财政拨款", "财政专户拨款", "其他资金", "绩效目标", "绩效指标"]
INDICATORS = (
    "1.1-产出指标：11-数量指标：工作天数;实施周期指标值：正常工作每月天数22天;年度指标值：22天。\n"
    "2.3-满意度指标：31-服务对象满意度：服务对象满意度;实施周期指标值：满意度≥90％;年度指标值：≥90％。"
)
# As a clerk's file holds it: full-width punctuation, ideographic spaces, the delimiters of every
# format inside cells, quotes and line breaks. Only characters GBK can encode.
SOURCE = [
    ["２０２４年项目支出绩效目标表（含转移支付项目）"],  # row 1, merged across A:G in the xlsx
    ["部门名称：广州市花都区政务服务和数据管理局"],
    [],
    HEADER,
    ["合计", "2,616.61", "2616.61"],
    ["　广州市花都区政务服务和数据管理局　", "2,616.61", "2616.61"],
    ["办证大厅窗口服务经费", "199", "199", "", "", '完成大厅日常工作，按时发放"值班"补贴,保障运转;不误时', INDICATORS],
    ["", "92.60", "92.6", "", "", "第一行\n第二行", "1.1-产出指标:11-数量指标:网站;年度指标值:1个。"],  # A7:A8 merged
    ["注：本表金额单位为万元"],
]
EXPECTED = [
    ["2024年项目支出绩效目标表(含转移支付项目)"],
    ["部门名称:广州市花都区政务服务和数据管理局"],
    HEADER,
    ["合计", "2,616.61", "2616.61"],
    ["广州市花都区政务服务和数据管理局", "2,616.61", "2616.61"],
    [
        "办证大厅窗口服务经费",
        "199",
        "199",
        "",
        "",
        '完成大厅日常工作,按时发放"值班"补贴,保障运转;不误时',
        unicodedata.normalize("NFKC", INDICATORS),
    ],
    ["", "92.60", "92.6", "", "", "第一行\n第二行", "1.1-产出指标:11-数量指标:网站;年度指标值:1个。"],
    ["注:本表金额单位为万元"],
]


def rows_of(source, **kwargs):
    return list(open_table(source, **kwargs).rows)


def write_text(path, rows, *, delimiter, encoding, lineterminator="\r\n"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows, *, number_column=2):
    """Cells of `number_column` that look numeric are stored as numbers, the rest as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(
            [float(c) if i == number_column and re.fullmatch(r"-?\d+(\.\d+)?", c) else c for i, c in enumerate(row)]
        )
    book.save(path)
    return path


def write_source_xlsx(path):
    write_xlsx(path, SOURCE)
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("A1:G1")
    book.active.merge_cells("A7:A8")
    book.save(path)
    return path


def replace_member(path, member, data: bytes):
    with zipfile.ZipFile(path) as old:
        parts = {i.filename: old.read(i) for i in old.infolist()}
    parts[member] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, content in parts.items():
            new.writestr(name, content)
    return path


# --- the reference table ---------------------------------------------------------------------------


def test_the_reference_table_yields_its_header_at_line_9_and_15_rows_below_it():
    table = open_table(FIXTURE)
    rows = list(table.rows)

    assert (table.filename, table.container, table.encoding) == ("huadu-zwfw-project-targets.txt", "text", "utf-8")
    assert [n for n, _ in rows] == [3, 5, 7, 9, *range(10, 25)]
    assert rows[3] == (9, HEADER)
    assert rows[4] == (10, ["合计", "2,616.61", "2,616.61"])
    assert rows[-1][0] == 24 and rows[-1][1][:3] == ["机构运行辅助经费", "156.05", "156.05"]
    assert all(len(cells) == 7 for _, cells in rows[6:])


# --- one table, every container and encoding --------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "delimiter", "encoding", "lineterminator", "detected"),
    [
        ("tsv", "\t", "utf-8", "\n", "utf-8"),
        ("tsv", "\t", "utf-8-sig", "\n", "utf-8-sig"),
        ("tsv", "\t", "gb18030", "\r\n", "gb18030"),
        ("tsv", "\t", "gbk", "\r\n", "gb18030"),
        ("csv", ",", "utf-8-sig", "\r\n", "utf-8-sig"),  # Excel's "CSV UTF-8"
        ("csv", ",", "gbk", "\r\n", "gb18030"),  # Excel's "CSV" on Chinese Windows
        ("csv", ",", "utf-8", "\n", "utf-8"),
        ("csv", ";", "utf-8", "\r\n", "utf-8"),  # Excel in a locale whose decimal mark is a comma
    ],
)
def test_the_same_table_as_text_reads_as_the_same_cells(
    tmp_path, suffix, delimiter, encoding, lineterminator, detected
):
    path = write_text(
        tmp_path / f"表.{suffix}", SOURCE, delimiter=delimiter, encoding=encoding, lineterminator=lineterminator
    )

    table = open_table(path)

    assert (table.container, table.encoding) == ("text", detected)
    assert [cells for _, cells in table.rows] == EXPECTED


def test_the_same_table_as_xlsx_reads_as_the_same_cells_at_spreadsheet_row_numbers(tmp_path):
    table = open_table(write_source_xlsx(tmp_path / "表.xlsx"))

    rows = list(table.rows)

    assert (table.container, table.encoding) == ("xlsx", None)
    assert [cells for _, cells in rows] == EXPECTED
    assert [n for n, _ in rows] == [1, 2, 4, 5, 6, 7, 8, 9]


def test_the_container_is_judged_by_content_not_by_name(tmp_path):
    path = write_source_xlsx(tmp_path / "表.xlsx").rename(tmp_path / "其实是表格.csv")

    assert open_table(path).container == "xlsx"


def test_a_file_object_reads_like_a_path_and_is_left_open(tmp_path):
    data = write_source_xlsx(tmp_path / "表.xlsx").read_bytes()
    upload = io.BytesIO(data)

    assert [cells for _, cells in rows_of(upload, filename="上传.xlsx")] == EXPECTED
    assert not upload.closed
    assert open_table(upload).filename == "上传的文件"


# --- row numbers and cells ---------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_row_numbers_are_the_starting_lines_even_after_a_multi_line_cell(tmp_path, newline):
    text = newline.join(["名称,金额", '"第一行', "第二行", '第三行",5', "", "下一项,6", ""])
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())

    assert rows_of(path) == [(1, ["名称", "金额"]), (2, ["第一行\n第二行\n第三行", "5"]), (6, ["下一项", "6"])]


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("部门名称：花都区", "部门名称:花都区"),
        ("（含转移支付项目）", "(含转移支付项目)"),
        ("　单位：万元　", "单位:万元"),
        ("２０２４年", "2024年"),
        ("满意度≥90％", "满意度≥90%"),
        ('"第一行\r\n第二行\r第三行\n"', "第一行\n第二行\n第三行"),
        ("  ", None),
    ],
)
def test_cells_are_normalised_and_stripped(tmp_path, raw, cell):
    path = tmp_path / "t.txt"
    path.write_bytes(f"{raw}\t尾\n".encode())

    assert rows_of(path) == [(1, [cell, "尾"] if cell else ["", "尾"])]


def test_a_quote_inside_a_pdf_cell_stays_literal_and_swallows_nothing(tmp_path):
    path = tmp_path / "pdf.txt"
    path.write_bytes('他说"好\t1\n下一行\t2\n"打造"一网通办\t3\n'.encode())

    assert rows_of(path) == [(1, ['他说"好', "1"]), (2, ["下一行", "2"]), (3, ["打造一网通办", "3"])]


def test_empty_rows_are_skipped_and_trailing_empty_cells_dropped(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("\n\t\t\n合计\t2\t\t\n".encode())

    assert rows_of(path) == [(3, ["合计", "2"])]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (199, "199"),
        (199.0, "199"),
        (2616.61, "2616.61"),
        (-3.5, "-3.5"),
        (1e-07, "0.0000001"),
        (datetime(2021, 12, 31), "2021-12-31 0:00:00"),  # openpyxl stores it as yyyy-mm-dd h:mm:ss
        (date(2021, 12, 31), "2021-12-31"),
        (datetime(2021, 12, 31, 8, 30), "2021-12-31 8:30:00"),
        (True, "TRUE"),
        (False, "FALSE"),
    ],
)
def test_spreadsheet_values_read_as_the_text_a_clerk_sees(tmp_path, value, text):
    book = openpyxl.Workbook()
    book.active.append(["值", value])
    book.save(tmp_path / "v.xlsx")

    assert rows_of(tmp_path / "v.xlsx") == [(1, ["值", text] if text else ["值"])]


def test_a_formula_no_program_computed_is_refused_with_its_cell_never_read_as_empty(tmp_path):
    """openpyxl saves "=10个" typed into a cell as a formula with no computed value: what the sheet means
    there is unknown, and an empty cell would drop it without a word."""
    book = openpyxl.Workbook()
    book.active.append(["三级指标", "指标值"])
    book.active.append(["入股合作社个数", "=10个", "=1+1"])
    book.save(tmp_path / "v.xlsx")

    with pytest.raises(ImportFailed) as caught:
        rows_of(tmp_path / "v.xlsx")
    reason = ("是没有计算结果的公式(文件由程序写出,未经 Excel 计算),无法确定表中显示的内容;"
              "请在 Excel 中打开文件、核对该单元格后重新保存,或把它改为文本后再导入")
    assert [str(p) for p in caught.value.problems] == [
        f"v.xlsx 第2行 「B」列: 值“=10个”{reason}", f"v.xlsx 第2行 「C」列: 值“=1+1”{reason}"]


def test_a_formula_reads_as_the_value_excel_computed_even_an_empty_one(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["合计", "=1+1", '=IF(1,"","x")', "备注"])
    book.save(tmp_path / "v.xlsx")
    with zipfile.ZipFile(tmp_path / "v.xlsx") as archive:  # as Excel saves it: each formula with its result
        sheet = archive.read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<c r="B1"><f>1+1</f><v></v>', b'<c r="B1"><f>1+1</f><v>2</v>').replace(
        b'<c r="C1"><f>', b'<c r="C1" t="str"><f>')
    replace_member(tmp_path / "v.xlsx", "xl/worksheets/sheet1.xml", sheet)

    assert rows_of(tmp_path / "v.xlsx") == [(1, ["合计", "2", "", "备注"])]


def test_excel_float_noise_reads_as_the_shortest_number(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", [["金额", "2616.61"]], number_column=1)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").replace(b"<v>2616.61</v>", b"<v>2616.6100000000001</v>")
    replace_member(path, "xl/worksheets/sheet1.xml", sheet)

    assert rows_of(path) == [(1, ["金额", "2616.61"])]


# --- files that cannot be read -----------------------------------------------------------------------


def billion_laughs(root: str) -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY l0 "ha">{entities}]>'
        f'<{root} xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&l9;</{root}>'
    ).encode()


def forged_size_zip(path, declared: int):
    """A small zip whose directory claims `declared` bytes: what a zip bomb looks like from outside."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", declared)
    path.write_bytes(bytes(data))
    return path


def ratio_bomb_zip(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (11 * 1024 * 1024))
    return path


def truncated_xlsx(path):
    data = write_source_xlsx(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def not_a_workbook_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", b"<w/>")
    return path


def neither_workbook_nor_document_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", b"application/zip")
    return path


def bytes_file(data: bytes):
    def write(path):
        path.write_bytes(data)
        return path

    return write


UTF8_THEN_BAD = "中:\n正常\n".encode() + b"\xff\n"  # GB18030 stumbles on line 1, UTF-8 only on line 3
XML_ENTITIES = "含有 XML 实体声明，疑似恶意构造的文件，拒绝读取；请在 Excel 中重新保存后再导入"
NOT_XLSX = "不是有效的 .xlsx 文件(无法读取工作表)；请在 Excel 中重新保存后再导入"


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "旧表.xls",
            bytes_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
            "旧表.xls: 不是有效的 .xls 文件(无法读取工作表)；请在 Excel 中重新保存或另存为 .xlsx 后再导入",
        ),
        ("空.csv", bytes_file(b""), "空.csv: 文件是空的"),
        (
            "乱码.bin",
            bytes_file(bytes(range(256)) * 8),
            "乱码.bin: 这不是表格文件；请上传 .xlsx、.xls、.docx、PDF、CSV 或制表符分隔的文本",
        ),
        (
            "u16.txt",
            bytes_file("项目\t金额\n".encode("utf-16")),
            "u16.txt: 这是 UTF-16 编码的文本(Excel 的“Unicode 文本”)；请另存为 CSV UTF-8 后再导入",
        ),
        (
            "编码.txt",
            bytes_file(UTF8_THEN_BAD),
            "编码.txt 第3行: 含有无法识别的字符：文件既不是 UTF-8 也不是 GBK/GB18030 编码；请另存为 CSV UTF-8 后再导入",
        ),
        (
            "引号.tsv",
            bytes_file('项目\t金额\n"未闭合\t199\n其他\t1\n'.encode()),
            '引号.tsv 第2行: 单元格以英文双引号(")开头，但直到文件末尾都没有配对的结束引号；请删去这个引号或补上结束引号',
        ),
        (
            "长.tsv",
            bytes_file(('项目\n"' + ("x" * 999 + "\n") * 200).encode()),
            '长.tsv 第2行: 单元格过长：多半是某个英文双引号(")没有配对，把后面的内容都并进了这个单元格',
        ),
        (
            "断.xlsx",
            truncated_xlsx,
            "断.xlsx: 不是有效的 .xlsx 文件(压缩包损坏或不完整)；请在 Excel 中重新保存后再导入",
        ),
        (
            "大.xlsx",
            lambda p: forged_size_zip(p, 300 * 1024 * 1024),
            "大.xlsx: 解压后超过 200 MB，拒绝读取；请删去无关的工作表或另存为 CSV",
        ),
        ("炸弹.xlsx", ratio_bomb_zip, "炸弹.xlsx: 压缩比异常，疑似恶意构造的压缩包(zip 炸弹)，拒绝读取"),
        ("文档.xlsx", not_a_workbook_zip, "文档.xlsx: 不是有效的 .docx 文件(无法读取文档)；请在 Word 中重新保存后再导入"),
        ("空包.xlsx", neither_workbook_nor_document_zip, f"空包.xlsx: {NOT_XLSX}"),
        (
            "笑.xlsx",
            lambda p: replace_member(write_source_xlsx(p), "xl/worksheets/sheet1.xml", billion_laughs("worksheet")),
            f"笑.xlsx: {XML_ENTITIES}",
        ),
        (
            "笑2.xlsx",
            lambda p: replace_member(write_source_xlsx(p), "xl/workbook.xml", billion_laughs("workbook")),
            f"笑2.xlsx: {XML_ENTITIES}",
        ),
    ],
)
def test_a_file_that_cannot_be_read_fails_with_a_message_a_clerk_can_act_on(tmp_path, name, make, message):
    path = make(tmp_path / name)

    with pytest.raises(ImportFailed) as failure:
        rows_of(path)

    assert str(failure.value) == message
    assert len(failure.value.problems) == 1


def test_the_uncompressed_bound_is_read_when_the_file_is_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_XLSX_UNCOMPRESSED", 1024 * 1024)
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(range(256)) * 5000)

    with pytest.raises(ImportFailed, match="解压后超过 1 MB"):
        open_table(tmp_path / "t.xlsx")


# --- properties --------------------------------------------------------------------------------------

MESSY_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from('\t,;"\r\n 　：，中a1'), st.characters(codec="utf-8")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(MESSY_TEXT)
def test_any_utf8_text_reads_or_fails_with_import_failed_only(text):
    try:
        rows = rows_of(io.BytesIO(text.encode()), filename="x.txt")
    except ImportFailed:
        return
    numbers = [n for n, _ in rows]
    assert numbers == sorted(set(numbers)) and all(n >= 1 for n in numbers)
    for _, cells in rows:
        assert cells and cells[-1]
        assert all(c == c.strip() and "\r" not in c for c in cells)


PLAIN_CELL = (
    st.text(st.characters(codec="utf-8", exclude_characters='\t\r\n"\x00\ufeff'), min_size=1, max_size=8)
    .map(lambda s: unicodedata.normalize("NFKC", s).strip())
    .filter(lambda s: s and "\r" not in s and "\n" not in s and '"' not in s and "\t" not in s)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(PLAIN_CELL, min_size=2, max_size=4), min_size=1, max_size=6))
def test_tab_separated_cells_read_back_as_written(grid):
    data = "".join("\t".join(row) + "\n" for row in grid).encode()

    assert rows_of(io.BytesIO(data)) == list(enumerate(grid, start=1))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_read_or_fail_with_import_failed_only(data):
    try:
        rows_of(io.BytesIO(data), filename="x.bin")
    except ImportFailed:
        pass


def small_xlsx() -> bytes:
    book = openpyxl.Workbook()
    for i in range(5):
        book.active.append([f"项目{i}", i * 1.5, "目标"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SMALL_XLSX = small_xlsx()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(SMALL_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=5),
    st.integers(1, len(SMALL_XLSX)),
)
def test_a_damaged_xlsx_reads_or_fails_with_import_failed_only(damage, length):
    data = bytearray(SMALL_XLSX)
    for position, byte in damage:
        data[position] = byte
    try:
        rows_of(io.BytesIO(bytes(data[:length])), filename="x.xlsx")
    except ImportFailed:
        pass


def test_a_tab_separated_file_whose_cells_hold_one_semicolon_each_is_read_by_tabs():
    # Found by the property above: ';' split every line into two cells as consistently as the tab.
    data = "0\t;\n0\t0\t;\n".encode()
    assert rows_of(io.BytesIO(data)) == [(1, ["0", ";"]), (2, ["0", "0", ";"])]
