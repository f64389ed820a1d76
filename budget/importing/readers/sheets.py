"""Spreadsheets: .xlsx (openpyxl) and legacy .xls (xlrd), every cell as the text Excel shows.

Merged cells: only the top-left cell of a merge holds the value; the other cells of the range come
out empty (read-only openpyxl already sees them so; in .xls they are blanked explicitly, since some
writers leave stale values there that Excel does not show). The importer fills vertical merges down.
"""

from collections.abc import Iterator
from datetime import date, datetime, time

import openpyxl
import xlrd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from budget.importing.problems import ImportFailed, Problem
from budget.importing.readers.base import XML_ENTITIES, binary, clean, failed, trimmed, xml_attack
from budget.importing.readers.numfmt import format_datetime, format_number, is_date_format

# openpyxl parses through defusedxml only when it is installed and not switched off by
# OPENPYXL_DEFUSEDXML=False; without it a crafted .xlsx could expand entities until memory runs out.
if not openpyxl.DEFUSEDXML:
    raise ImportError("budget.importing.readers needs defusedxml installed and OPENPYXL_DEFUSEDXML left unset")

# Built-in formats Chinese Excel shows as dates and times but that openpyxl knows only as General.
CJK_BUILTIN_FORMATS = {
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}



def _parse_cell(self, element, _parse=WorkSheetParser.parse_cell):
    """openpyxl's cell, except that a formula with no computed value (written by a program, never opened in
    Excel) comes out as its formula text marked "f" instead of as an empty cell, which would drop whatever
    the sheet means there without a word."""
    cell = _parse(self, element)
    # Excel writes a formula's result in <v>, an empty text result as t="str" with an empty <v>;
    # openpyxl writes an empty <v> with no type, and some writers no <v> at all.
    if self.data_only and cell["value"] is None and element.get("t") != "str":
        formula = element.find(FORMULA_TAG)
        if formula is not None:
            cell["value"], cell["data_type"] = "=" + (formula.text or ""), "f"
    return cell


# The read-only reader builds its parser inside openpyxl: the class is the one place the rule can go.
WorkSheetParser.parse_cell = _parse_cell

UNCOMPUTED = ("是没有计算结果的公式(文件由程序写出,未经 Excel 计算),无法确定表中显示的内容;"
              "请在 Excel 中打开文件、核对该单元格后重新保存,或把它改为文本后再导入")
NOT_XLSX = "不是有效的 .xlsx 文件(无法读取工作表)；请在 Excel 中重新保存后再导入"
NOT_XLS = "不是有效的 .xls 文件(无法读取工作表)；请在 Excel 中重新保存或另存为 .xlsx 后再导入"
ENCRYPTED = "文件设置了打开密码(已加密)，无法读取；请在 Excel/Word 中取消密码后再导入"


def cell_text(value, number_format: str | None = None) -> str:
    """A spreadsheet value as the text a clerk sees, so text and spreadsheet sources parse alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value, number_format)
    if isinstance(value, (datetime, date, time)):
        return format_datetime(value, number_format)
    return str(value)


def xlsx_sheet_names(source, name: str) -> list[str]:
    with binary(source, name) as f:
        try:
            book = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:
            raise _xlsx_failure(name, exc) from exc
        names = book.sheetnames
        book.close()
        return names


def xlsx_rows(source, name: str, index: int = 0) -> Iterator[tuple[int, list[str]]]:
    with binary(source, name) as f:
        try:
            book = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises anything from KeyError to zlib.error on a bad file
            raise _xlsx_failure(name, exc) from exc
        try:
            sheet = book.worksheets[index]
            # Some writers declare a wrong <dimension>; read-only mode would silently cut the sheet to it.
            sheet.reset_dimensions()
            for number, row in enumerate(sheet.iter_rows(), start=1):
                uncomputed = [c for c in row if getattr(c, "data_type", None) == "f"]
                if uncomputed:
                    raise ImportFailed([Problem(name, number, get_column_letter(c.column), c.value, UNCOMPUTED)
                                        for c in uncomputed])
                cells = trimmed([clean(_xlsx_cell_text(c)) for c in row])
                if cells:
                    yield number, cells
        except ImportFailed:
            raise
        except Exception as exc:
            raise _xlsx_failure(name, exc) from exc
        finally:
            book.close()


def _xlsx_cell_text(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None or isinstance(value, str):
        return value or ""
    number_format = cell.number_format
    if number_format == "General" and cell.style_array.numFmtId in CJK_BUILTIN_FORMATS:
        number_format = CJK_BUILTIN_FORMATS[cell.style_array.numFmtId]
    return cell_text(value, number_format)


def _xlsx_failure(name: str, exc: BaseException) -> Exception:
    return failed(name, None, XML_ENTITIES.format(app="Excel") if xml_attack(exc) else NOT_XLSX)


def xls_rows(source, name: str) -> Iterator[tuple[int, list[str]]]:
    """The first sheet of an Excel 97-2003 workbook. The file is read whole: xlrd needs it in
    memory, and uploads are bounded by IMPORT_MAX_UPLOAD_BYTES."""
    with binary(source, name) as f:
        data = f.read()
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
        sheet = book.sheet_by_index(0)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise failed(name, None, ENCRYPTED) from exc
        raise failed(name, None, NOT_XLS) from exc
    except Exception as exc:  # xlrd raises struct.error, IndexError, ... on a damaged file
        raise failed(name, None, NOT_XLS) from exc
    covered = {
        (r, c)
        for r0, r1, c0, c1 in sheet.merged_cells
        for r in range(r0, r1)
        for c in range(c0, c1)
        if (r, c) != (r0, c0)
    }
    for rowx in range(sheet.nrows):
        values = [
            "" if (rowx, colx) in covered else clean(_xls_cell_text(book, cell))
            for colx, cell in enumerate(sheet.row(rowx))
        ]
        cells = trimmed(values)
        if cells:
            yield rowx + 1, cells


def _xls_cell_text(book, cell) -> str:
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#N/A")
    format_key = book.xf_list[cell.xf_index].format_key
    known = book.format_map.get(format_key)
    # xlrd leaves the locale-dependent built-ins (the CJK dates) without a format string.
    number_format = (known and known.format_str) or CJK_BUILTIN_FORMATS.get(format_key, "General")
    if book.datemode and is_date_format(number_format):  # the 1904 system counts from another day 0
        return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode), number_format)
    return cell_text(float(cell.value), number_format)
