"""Text tables: TSV as extracted from PDF, CSV from Excel (comma or semicolon), UTF-8 or GB18030."""

import codecs
import csv
import itertools
from collections import Counter
from collections.abc import Iterator

from budget.importing.readers.base import binary, clean, failed, trimmed

_CHUNK = 1024 * 1024
_SNIFF_LINES = 100
_DELIMITERS = "\t,;"  # order breaks ties: PDF-extracted text is tab-separated


def open_text(f, name: str) -> tuple[str, str]:
    """The encoding and delimiter of a text table whose file `f` is open."""
    f.seek(0)
    if b"\0" in f.read(_CHUNK):  # text tables never hold NUL bytes; binaries nearly always do
        raise failed(name, None, "这不是表格文件；请上传 .xlsx、.xls、.docx、PDF、CSV 或制表符分隔的文本")
    encoding = _detect_encoding(f, name)
    f.seek(_body_start(encoding))
    head_lines = list(itertools.islice(_text_lines(f, encoding), _SNIFF_LINES))
    return encoding, _sniff_delimiter(head_lines)


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
    raise failed(
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


def text_rows(source, name: str, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with binary(source, name) as f:
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
                    raise failed(
                        name,
                        start,
                        '单元格以英文双引号(")开头，但直到文件末尾都没有配对的结束引号；请删去这个引号或补上结束引号',
                    )
                cells = trimmed([clean(c) for c in record])
                if cells:
                    yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            # In non-strict mode the only error left in practice is the field size limit, which a
            # runaway quoted cell hits long before it eats a 50 MB file.
            raise failed(
                name, start, '单元格过长：多半是某个英文双引号(")没有配对，把后面的内容都并进了这个单元格'
            ) from exc
