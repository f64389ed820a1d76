"""Word .docx: the paragraphs and tables of the body, in document order, as rows.

A paragraph is a row (tabs, which clerks use to push 单位:万元 to the right, separate its cells);
a table row is a row. Rows are numbered in that order, counting empty paragraphs too, so the
numbers stay put when the text changes. Merged cells follow the spreadsheet convention: a
horizontal merge (gridSpan) and a vertical merge (vMerge) carry the value in their first cell
only, the other cells of the merge read empty. python-docx's own `row.cells` repeats the merged
cell instead, so the grid is read from the XML.
"""

import re
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from budget.importing.readers.base import XML_ENTITIES, binary, clean, failed, trimmed, xml_attack

MAX_COLUMNS = 63  # Word's own limit for a table
NOT_DOCX = "不是有效的 .docx 文件(无法读取文档)；请在 Word 中重新保存后再导入"


def docx_rows(source, name: str) -> Iterator[tuple[int, list[str]]]:
    with binary(source, name) as f:
        try:
            body = docx.Document(f).element.body
        except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors on a bad file
            raise failed(name, None, XML_ENTITIES.format(app="Word") if xml_attack(exc) else NOT_DOCX) from exc
    for number, (kind, cells) in enumerate(_blocks(body), start=1):
        if kind == "p":
            cells = re.split(r"\t+", cells[0])
        cells = trimmed([clean(c) for c in cells])
        if cells:
            yield number, cells


def _blocks(parent) -> Iterator[tuple[str, list[str]]]:
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield "p", [Paragraph(child, None).text]
        elif child.tag == qn("w:tbl"):
            for tr in child.iterchildren(qn("w:tr")):
                yield "tr", _row_cells(tr)
        elif child.tag == qn("w:sdt"):  # a content control wraps ordinary paragraphs and tables
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content)


def _row_cells(tr) -> list[str]:
    cells: list[str] = [""] * _int(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
    for tc in _cells(tr):
        properties = tc.find(qn("w:tcPr"))
        span = _int(properties.find(qn("w:gridSpan")) if properties is not None else None, 1)
        merge = properties.find(qn("w:vMerge")) if properties is not None else None
        continued = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
        cells.append("" if continued else _cell_text(tc))
        cells.extend([""] * (span - 1))
    return cells


def _cells(tr):
    for child in tr.iterchildren():
        if child.tag == qn("w:tc"):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from content.iterchildren(qn("w:tc"))


def _cell_text(tc) -> str:
    """Paragraphs of a cell are lines; a table nested in the cell adds its rows as lines."""
    lines = []
    for kind, cells in _blocks(tc):
        lines.append(cells[0] if kind == "p" else " ".join(c for c in cells if c))
    return "\n".join(lines)


def _int(element, default: int) -> int:
    """A span or skip count; bounded, since a crafted file could ask for a billion empty cells."""
    try:
        value = int(element.get(qn("w:val"))) if element is not None else default
    except (TypeError, ValueError):
        return default
    return max(0, min(value, MAX_COLUMNS))
