"""File -> rows: whatever container and encoding a clerk brings, the importer sees (row number, cells).

Pure: no Django. Every cell comes out as NFKC-normalised, stripped text, so that full-width and
ASCII punctuation read the same and the parsers never meet floats, dates or None. Trailing empty
cells are dropped and rows with no content are skipped, but row numbers stay those of the source,
so an error can point a clerk at the line in their editor or the row in Excel.

Errors surface either from `open_table` (container, encoding, zip limits) or while iterating
`rows` (unclosed quotes, broken sheet XML), always as `ImportFailed`.

XLSX merged cells: read-only openpyxl sees only the top-left cell of a merge; the other cells of
the range come out empty. That is what the importer expects (it fills vertical merges down).
"""

import codecs
import csv
import itertools
import os
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

import openpyxl
from defusedxml.common import DefusedXmlException

from budget.problems import ImportFailed, Problem

# openpyxl parses through defusedxml only when it is installed and not switched off by
# OPENPYXL_DEFUSEDXML=False; without it a crafted .xlsx could expand entities until memory runs out.
if not openpyxl.DEFUSEDXML:
    raise ImportError("budget.readers needs defusedxml installed and OPENPYXL_DEFUSEDXML left unset")

MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# Real workbooks deflate 5-20x; a zip bomb is hundreds or thousands. Small archives are harmless
# whatever their ratio, so the ratio is only judged past a floor.
MAX_XLSX_RATIO = 100
_RATIO_FLOOR = 10 * 1024 * 1024

_CHUNK = 1024 * 1024
_SNIFF_LINES = 100
_DELIMITERS = "\t,;"  # order breaks ties: PDF-extracted text is tab-separated

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class SourceRows:
    filename: str  # the display name used in error messages
    container: str  # "text" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "gb18030" for text; None for xlsx
    # (row number, cells), lazily: the physical line a text record starts on, or the spreadsheet row
    rows: Iterator[tuple[int, list[str]]]
    # A workbook's further sheets, each as its own SourceRows named "book.xlsx 工作表「项目2」", for the
    # readers of forms (one form per sheet); the table importers read the first sheet only.
    more_sheets: Callable[[], list["SourceRows"]] = lambda: []


def open_table(source: str | os.PathLike | BinaryIO, *, filename: str | None = None) -> SourceRows:
    """Open a path or a seekable binary file (a Django UploadedFile); the caller keeps ownership of a file."""
    name = filename or _display_name(source)
    with _binary(source, name) as f:
        head = f.read(8)
        if not head:
            raise _failed(name, None, "文件是空的")
        if head.startswith(XLS_MAGIC):
            raise _failed(
                name,
                None,
                "这是旧版 Excel 97-2003 (.xls) 文件，无法读取；请在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再导入",
            )
        if head.startswith(XLSX_MAGIC):
            _check_zip(f, name)
            return SourceRows(name, "xlsx", None, _xlsx_rows(source, name),
                              more_sheets=lambda: _further_sheets(source, name))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _failed(name, None, "这是 UTF-16 编码的文本(Excel 的“Unicode 文本”)；请另存为 CSV UTF-8 后再导入")
        f.seek(0)
        if b"\0" in f.read(_CHUNK):  # text tables never hold NUL bytes; binaries nearly always do
            raise _failed(name, None, "这不是表格文件；请上传 .xlsx、CSV 或制表符分隔的文本")
        encoding = _detect_encoding(f, name)
        f.seek(_body_start(encoding))
        head_lines = list(itertools.islice(_text_lines(f, encoding), _SNIFF_LINES))
    return SourceRows(name, "text", encoding, _text_rows(source, name, encoding, _sniff_delimiter(head_lines)))


def _failed(name: str, row: int | None, reason: str) -> ImportFailed:
    return ImportFailed([Problem(file=name, row=row, column=None, value=None, reason=reason)])


def _display_name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return os.path.basename(str(getattr(source, "name", None) or "")) or "上传的文件"


@contextmanager
def _binary(source, name: str):
    """Paths are opened and closed here; a caller's file object is only rewound, never closed."""
    if isinstance(source, (str, os.PathLike)):
        try:
            f = open(source, "rb")
        except OSError as exc:
            raise _failed(name, None, "无法打开文件") from exc
        with f:
            yield f
    else:
        source.seek(0)
        yield source


def _clean(cell) -> str:
    if not cell:
        return ""
    text = unicodedata.normalize("NFKC", cell)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


# --- text: TSV from PDF, CSV from Excel (comma or semicolon) --------------------------------------


def _byte_lines(f) -> Iterator[bytes]:
    """Physical lines, ending in \\n, \\r\\n or \\r, read in chunks so a 50 MB file is never whole in memory.

    Splitting bytes before decoding is safe: 0x0A and 0x0D never occur inside a UTF-8 or GB18030 character.
    """
    pending = b""
    while chunk := f.read(_CHUNK):
        lines = (pending + chunk).splitlines(keepends=True)
        pending = lines.pop()  # unfinished, or a \r whose \n may open the next chunk
        yield from lines
    if pending:
        yield pending


def _body_start(encoding: str) -> int:
    return len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0


def _text_lines(f, encoding: str) -> Iterator[str]:
    codec = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM was skipped by seeking past it
    for line in _byte_lines(f):
        yield line.decode(codec)


def _detect_encoding(f, name: str) -> str:
    """BOM, then strict UTF-8, then GB18030 (a superset of GBK, what Excel writes on Chinese Windows)."""
    f.seek(0)
    has_bom = f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    bad_lines = []
    for encoding, codec in [("utf-8-sig", "utf-8")] if has_bom else [("utf-8", "utf-8"), ("gb18030", "gb18030")]:
        f.seek(_body_start(encoding))
        for number, line in enumerate(_byte_lines(f), start=1):
            try:
                line.decode(codec)
            except UnicodeDecodeError:
                bad_lines.append(number)
                break
        else:
            return encoding
    # The encoding that read furthest is most likely the real one, so its stumble is the line to show.
    raise _failed(
        name,
        max(bad_lines),
        "含有无法识别的字符：文件既不是 UTF-8 也不是 GBK/GB18030 编码；请另存为 CSV UTF-8 后再导入",
    )


def _sniff_delimiter(lines: list[str]) -> str:
    """Tab when it splits at least as many lines as any other delimiter: cell text (goals, indicator
    cells) is full of commas and semicolons but never holds a tab. Between comma and semicolon, the
    one that splits the most lines into the same number (more than one) of cells; ties go to the one
    that splits more lines at all."""
    scores = {}
    for delimiter in _DELIMITERS:
        try:
            widths = Counter(len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1)
        except csv.Error:
            continue
        scores[delimiter] = (max(widths.values(), default=0), widths.total())
    tab_lines = scores.get("\t", (0, 0))[1]
    if tab_lines and all(tab_lines >= total for _, total in scores.values()):
        return "\t"
    return max(scores, key=scores.get, default="\t")  # the first of equals: tab, comma, semicolon


def _text_rows(source, name: str, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with _binary(source, name) as f:
        f.seek(_body_start(encoding))
        exhausted = []

        def lines():
            yield from _text_lines(f, encoding)
            exhausted.append(True)

        # The csv defaults treat '"' as quoting only at the start of a cell, so a stray quote inside
        # PDF-extracted text stays literal. Non-strict csv silently closes a quote left open at end
        # of file; a record that needed lines after the last one is exactly that case.
        reader = csv.reader(lines(), delimiter=delimiter)
        start = 1
        try:
            for record in reader:
                if exhausted:
                    raise _failed(
                        name,
                        start,
                        '单元格以英文双引号(")开头，但直到文件末尾都没有配对的结束引号；请删去这个引号或补上结束引号',
                    )
                cells = _trimmed([_clean(c) for c in record])
                if cells:
                    yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            # In non-strict mode the only error left in practice is the field size limit, which a
            # runaway quoted cell hits long before it eats a 50 MB file.
            raise _failed(
                name, start, '单元格过长：多半是某个英文双引号(")没有配对，把后面的内容都并进了这个单元格'
            ) from exc


# --- xlsx ---------------------------------------------------------------------------------------


def _check_zip(f, name: str) -> None:
    """Judge the archive by its directory before any of it is inflated."""
    f.seek(0)
    try:
        infos = zipfile.ZipFile(f).infolist()
    except Exception as exc:  # zipfile raises BadZipFile, but also EOFError, NotImplementedError, ...
        raise _failed(name, None, "不是有效的 .xlsx 文件(压缩包损坏或不完整)；请在 Excel 中重新保存后再导入") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise _failed(
            name,
            None,
            f"解压后超过 {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB，拒绝读取；请删去无关的工作表或另存为 CSV",
        )
    if unpacked > _RATIO_FLOOR and unpacked > MAX_XLSX_RATIO * packed:
        raise _failed(name, None, "压缩比异常，疑似恶意构造的压缩包(zip 炸弹)，拒绝读取")


def _further_sheets(source, name: str) -> list[SourceRows]:
    with _binary(source, name) as f:
        try:
            book = openpyxl.load_workbook(f, read_only=True, data_only=True)
            titles = book.sheetnames
            book.close()
        except Exception as exc:
            raise _xlsx_failure(name, exc) from exc
    return [SourceRows(f"{name} 工作表「{title}」", "xlsx", None, _xlsx_rows(source, name, index))
            for index, title in enumerate(titles) if index]


def _xlsx_rows(source, name: str, index: int = 0) -> Iterator[tuple[int, list[str]]]:
    with _binary(source, name) as f:
        try:
            book = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises anything from KeyError to zlib.error on a bad file
            raise _xlsx_failure(name, exc) from exc
        try:
            sheet = book.worksheets[index]
            # Some writers declare a wrong <dimension>; read-only mode would silently cut the sheet to it.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = _trimmed([_clean(_xlsx_text(v)) for v in values])
                if cells:
                    yield number, cells
        except Exception as exc:
            raise _xlsx_failure(name, exc) from exc
        finally:
            book.close()


def _xlsx_failure(name: str, exc: BaseException) -> ImportFailed:
    cause = exc
    while cause is not None:  # openpyxl wraps parse errors in its own ValueError
        if isinstance(cause, DefusedXmlException):
            return _failed(name, None, "含有 XML 实体声明，疑似恶意构造的文件，拒绝读取；请在 Excel 中重新保存后再导入")
        cause = cause.__cause__ or cause.__context__
    return _failed(name, None, "不是有效的 .xlsx 文件(无法读取工作表)；请在 Excel 中重新保存后再导入")


def _xlsx_text(value) -> str:
    """Spreadsheet values as the text a clerk sees, so text and xlsx sources parse alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # repr is the shortest text that reads back as the same float (2616.61, not 2616.6099999...);
        # Decimal keeps it positional (0.0000001, not 1e-07).
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
