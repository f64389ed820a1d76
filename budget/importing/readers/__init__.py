"""File -> rows: whatever container and encoding a clerk brings, the importer sees (row number, cells).

Pure: no Django. Every cell comes out as NFKC-normalised, stripped text, so that full-width and
ASCII punctuation read the same and the parsers never meet floats, dates or None. Trailing empty
cells are dropped and rows with no content are skipped, but row numbers stay those of the source
(the line in a text file, the row of a sheet; for PDF and Word, the row's place in reading order),
so an error can point a clerk at the line in their editor or the row in Excel.

The container is judged by content, never by name: `%PDF`, a zip holding word/document.xml
(.docx) or xl/workbook.xml (.xlsx), an OLE2 compound file (.xls), else text. Errors surface
either from `open_table` (container, encoding, zip limits) or while iterating `rows` (unclosed
quotes, broken sheet XML, a scanned PDF page), always as `ImportFailed`.

Merged cells, in every container: only the first (top-left) cell of a merge holds the value; the
other cells of the range come out empty. That is what the importer expects (it fills vertical
merges down).
"""

import codecs
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from budget.importing.readers.base import binary, display_name, failed
from budget.importing.readers.pdf import pdf_rows
from budget.importing.readers.sheets import ENCRYPTED, xls_rows, xlsx_rows, xlsx_sheet_names
from budget.importing.readers.text import open_text, text_rows
from budget.importing.readers.word import docx_rows

MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # for .docx too: both are zip archives of XML
# Real workbooks deflate 5-20x; a zip bomb is hundreds or thousands. Small archives are harmless
# whatever their ratio, so the ratio is only judged past a floor.
MAX_XLSX_RATIO = 100
_RATIO_FLOOR = 10 * 1024 * 1024

PDF_MAGIC = b"%PDF"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class SourceRows:
    filename: str  # the display name used in error messages
    container: str  # "text", "xlsx", "xls", "docx" or "pdf"
    encoding: str | None  # "utf-8", "utf-8-sig" or "gb18030" for text; None otherwise
    # (row number, cells), lazily: the physical line a text record starts on, or the spreadsheet row
    rows: Iterator[tuple[int, list[str]]]
    # A workbook's further sheets, each as its own SourceRows named "book.xlsx 工作表「项目2」", for the
    # readers of forms (one form per sheet); the table importers read the first sheet only.
    more_sheets: Callable[[], list["SourceRows"]] = lambda: []


def open_table(source: str | os.PathLike | BinaryIO, *, filename: str | None = None) -> SourceRows:
    """Open a path or a seekable binary file (a Django UploadedFile); the caller keeps ownership of a file."""
    name = filename or display_name(source)
    with binary(source, name) as f:
        head = f.read(8)
        if not head:
            raise failed(name, None, "文件是空的")
        if head.startswith(PDF_MAGIC):
            return SourceRows(name, "pdf", None, pdf_rows(source, name))
        if head.startswith(OLE2_MAGIC):
            _check_ole2(f, name)
            return SourceRows(name, "xls", None, xls_rows(source, name))
        if head.startswith(ZIP_MAGIC):
            container = _zip_container(f, name)
            if container == "docx":
                return SourceRows(name, container, None, docx_rows(source, name))
            return SourceRows(
                name,
                container,
                None,
                xlsx_rows(source, name),
                more_sheets=lambda: [
                    SourceRows(f"{name} 工作表「{title}」", container, None, xlsx_rows(source, name, index))
                    for index, title in enumerate(xlsx_sheet_names(source, name))
                    if index
                ],
            )
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise failed(name, None, "这是 UTF-16 编码的文本(Excel 的“Unicode 文本”)；请另存为 CSV UTF-8 后再导入")
        encoding, delimiter = open_text(f, name)
    return SourceRows(name, "text", encoding, text_rows(source, name, encoding, delimiter))


def _check_ole2(f, name: str) -> None:
    """An OLE2 compound file is a legacy .xls, or a .doc, or an .xlsx/.docx with an opening password
    (Office wraps the encrypted package in OLE2): the directory's stream names tell which."""
    f.seek(0)
    head = f.read(1024 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in head:
        raise failed(name, None, ENCRYPTED)
    if "WordDocument".encode("utf-16-le") in head and "Workbook".encode("utf-16-le") not in head:
        raise failed(name, None, "这是旧版 Word 97-2003 (.doc) 文件，无法读取；请在 Word 中另存为 .docx 后再导入")


def _zip_container(f, name: str) -> str:
    """Judge the archive by its directory before any of it is inflated."""
    f.seek(0)
    try:
        infos = zipfile.ZipFile(f).infolist()
    except Exception as exc:  # zipfile raises BadZipFile, but also EOFError, NotImplementedError, ...
        kind, app = ("docx", "Word") if name.lower().endswith(".docx") else ("xlsx", "Excel")
        raise failed(name, None, f"不是有效的 .{kind} 文件(压缩包损坏或不完整)；请在 {app} 中重新保存后再导入") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise failed(
            name,
            None,
            f"解压后超过 {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB，拒绝读取；请删去无关的工作表或另存为 CSV",
        )
    if unpacked > _RATIO_FLOOR and unpacked > MAX_XLSX_RATIO * packed:
        raise failed(name, None, "压缩比异常，疑似恶意构造的压缩包(zip 炸弹)，拒绝读取")
    names = {i.filename for i in infos}
    return "docx" if "word/document.xml" in names and "xl/workbook.xml" not in names else "xlsx"
