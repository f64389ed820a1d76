"""The published PDF itself: its text layer, read as rows in reading order.

Ruled tables are found by their lines (pdfplumber); each table row is a row, and the text outside
tables (the title, 部门名称, 单位 lines) comes as rows too, one per printed line (a paragraph
wrapped over lines is one), split into cells where a wide gap separates its parts. Rows are
numbered in reading order over the whole document.

A table that ends a page and resumes at the top of the next at the same width is one table, on
one column grid: its header rows repeated on the new page are dropped, and a row the page break
split in two is joined back (see `_continues`). Text wrapped inside a cell is joined back into
one line: CJK without a space, Latin words with one; a line that ends well short of the cell's
right edge was ended by the writer, and that line break is kept.
"""

import bisect
import itertools
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import pdfplumber
from pdfplumber.utils.exceptions import PdfminerException

from budget.importing.readers.base import binary, clean, failed, trimmed

MAX_PDF_PAGES = 500
HEADER_ROWS = 3  # a repeated header is at most this many rows
MAX_PADDING = 6.0  # points between a cell's border and its text; Word's default is 5.4
NOT_PDF = "不是有效的 PDF 文件(无法解析)；请重新下载或另存为 PDF 后再导入"
UNDECODABLE = "请使用 Word 或 Excel 原件，或能复制出文字的 PDF"
SCANNED = "这是扫描件(只有图像，没有文字层)，无法读取其中的表格；请使用可复制文字的 PDF、Word 或 Excel 版本"

PAGE_NUMBER = re.compile(r"[-—\s]*(第\s*\d+\s*页(\s*[,，、]?\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?)[-—\s]*")

# Characters a line may not start with, or end with, in CJK typesetting: the writer moves them
# together with their neighbour, so a wrapped line can end early by their width.
NO_START = set("，。、；：？！）》」』】〕”’%,.;:?!)]}>·…—")
NO_END = set("（《「『【〔“‘([{<")


@dataclass
class TableRow:
    cells: list[str]
    # per cell: the room left after its last line when that line is at the cell's bottom (else
    # infinite), and the width of its first line's first unbreakable run: text went on from one
    # cell to the next only if that run would not fit in that room.
    room: list[float]
    lead: list[float]
    lines: list[int]  # per cell: printed lines
    starts: list[float | None]  # per cell: its left edge; None where a merged cell covers the grid


@dataclass
class Block:
    top: float
    rows: list[list[str]] | None = None  # a printed line outside tables: one row
    table: list[TableRow] | None = None
    box: tuple[float, float, float, float] | None = None  # the table's
    grid: list[float] | None = None  # the table's column starts; its rows have one cell for each
    repeated: int | None = None  # header rows the table repeats on each page, once a page showed it


def _same_table(held: Block, block: Block) -> bool:
    """A table at the top of a page goes on from the one that ended the page before when it spans
    the same width: its columns may differ, as a page whose rows all merge two columns shows no
    line between them."""
    return bool(block.table) and abs(held.box[0] - block.box[0]) < 3 and abs(held.box[2] - block.box[2]) < 3


def pdf_rows(source, name: str) -> Iterator[tuple[int, list[str]]]:
    with binary(source, name) as f:
        try:
            pdf = pdfplumber.open(f)
            pages = pdf.pages
        except PdfminerException as exc:
            if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
                raise failed(name, None, "PDF 设置了打开密码(已加密)，无法读取；请去掉密码后再导入") from exc
            raise failed(name, None, NOT_PDF) from exc
        except Exception as exc:  # pdfminer raises many kinds of error on a damaged file
            raise failed(name, None, NOT_PDF) from exc
        with pdf:
            if len(pages) > MAX_PDF_PAGES:
                raise failed(
                    name,
                    None,
                    f"共 {len(pages)} 页，超过 {MAX_PDF_PAGES} 页的上限，拒绝读取；请只上传绩效目标表所在的页",
                )
            yield from _document_rows(pages, name)


def _document_rows(pages, name: str) -> Iterator[tuple[int, list[str]]]:
    numbers, any_text, scanned = itertools.count(1), False, []
    held: Block | None = None  # the table that ended the last page, until the next page shows if it goes on
    for page_number, page in enumerate(pages, start=1):
        try:
            blocks = _page_blocks(page)
        except Exception as exc:
            raise failed(name, None, f"第{page_number}页无法解析；请重新下载或另存为 PDF 后再导入") from exc
        if _undecodable(page):
            raise failed(
                name, None, f"第{page_number}页的文字无法解码(字体没有 Unicode 对照表)，无法读取；{UNDECODABLE}"
            )
        if not blocks and page.images:
            scanned.append(page_number)
        if scanned and (blocks or any_text):
            raise failed(name, None, f"第{scanned[0]}页是扫描图像，没有文字层，无法读取；请使用可复制文字的版本")
        any_text = any_text or bool(blocks)
        if held and blocks and _same_table(held, blocks[0]):
            _continues(held, blocks[0])
        elif held:
            blocks.insert(0, held)
        held = blocks.pop() if blocks and blocks[-1].table else None
        for block in blocks:
            yield from _numbered(numbers, block.rows or [row.cells for row in block.table])
        page.close()  # frees the page's parsed objects: a 500-page file is never whole in memory
    if not any_text:
        raise failed(name, None, SCANNED if scanned else "PDF 中没有任何文字，无法读取")
    yield from _numbered(numbers, [row.cells for row in held.table] if held else [])


def _undecodable(page) -> bool:
    """pdfminer names a glyph it cannot map to a character `(cid:N)`: text that is not there."""
    unknown = sum(1 for c in page.chars if c["text"].startswith("(cid:"))
    return unknown > 0.1 * len(page.chars)


def _numbered(numbers, rows: list[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Every row takes a number, so numbers stay put; rows left empty after cleaning are skipped."""
    for cells, number in zip(rows, numbers):  # rows first: zip stops before taking a number too many
        cells = trimmed([clean(c) for c in cells])
        if cells:
            yield number, cells


def _continues(held: Block, block: Block) -> None:
    """`block`, the table at the top of a page, becomes the held table with its own rows after.

    Both parts are put on the union of their columns first (see `_regridded`); the held part is
    already on one grid and moves only when the new part adds columns, so a table over hundreds
    of pages is not re-read page after page. A header repeated on the new page is the table's own
    first rows again. A row that the page break split goes on in the new page's first row; see
    `_split` for how that row is told from a genuine next row.
    """
    grid = _grid([*held.grid, *block.grid])
    table = held.table if grid == held.grid else [_regridded(row, grid) for row in held.table]
    rest = [_regridded(row, grid) for row in block.table]
    # The first continued page shows how many header rows the table repeats; later pages drop as
    # many, so a data row that happens to equal a row under the header is not taken for one.
    limit = HEADER_ROWS if held.repeated is None else held.repeated
    repeated = 0
    while repeated < min(limit, len(rest), len(table)) and rest[repeated].cells == table[repeated].cells:
        repeated += 1
    rest = rest[repeated:]
    block.repeated = repeated if held.repeated is None else held.repeated
    if rest and len(table) > 1:
        _rejoin_merged_cells(table[-1], rest)
    if rest and len(table) > 1 and _split(table[-1], rest[0]):
        last, first = table[-1], rest.pop(0)
        joined = [_join_lines([a, b]) if a and b else a or b for a, b in zip(last.cells, first.cells)]
        lines = [a + b for a, b in zip(last.lines, first.lines)]
        table[-1] = TableRow(joined, first.room, last.lead, lines, first.starts)
    table.extend(rest)
    block.table, block.grid = table, grid


def _grid(starts) -> list[float]:
    """Column starts, those within 3 points of each other taken as one."""
    grid: list[float] = []
    for x in sorted(x for x in starts if x is not None):
        if not grid or x - grid[-1] >= 3:
            grid.append(x)
    return grid


def _regridded(row: TableRow, grid: list[float]) -> TableRow:
    """The row with one cell for each column of `grid`: a cell spanning columns that another part
    of the table splits keeps its text in the first of them and leaves the others empty, as merged
    cells read everywhere."""
    width = len(grid)
    new = TableRow([""] * width, [math.inf] * width, [0.0] * width, [0] * width, [None] * width)
    for cell in zip(row.cells, row.room, row.lead, row.lines, row.starts):
        if cell[-1] is not None:
            column = min(range(width), key=lambda i: abs(grid[i] - cell[-1]))
            new.cells[column], new.room[column], new.lead[column], new.lines[column], new.starts[column] = cell
    return new


def _rejoin_merged_cells(last: TableRow, rest: list[TableRow]) -> None:
    """A cell merged down over rows that the page break cut goes on in the new page's first row
    as a cell covering the rows below it: its text there is the rest of the text above."""
    first, below = rest[0], rest[1] if len(rest) > 1 else None
    for column, text in enumerate(first.cells):
        if text and _goes_on(last, first, column) and below is not None and below.starts[column] is None:
            last.cells[column] = _join_lines([last.cells[column], text])
            first.cells[column] = ""


def _goes_on(last: TableRow, first: TableRow, column: int) -> bool:
    """Text goes on into the next page's cell only if the cell above ends in a line at its bottom
    that left no room for the first unbreakable run of the text below (give or take half a
    character: writers keep a little more together than the run estimated here)."""
    return last.room[column] < first.lead[column] + MAX_PADDING / 2


def _split(last: TableRow, first: TableRow) -> bool:
    """Whether `first` is the rest of `last`, cut by the page break. Every cell with text in
    `first` must go on from `last` (see `_goes_on`), and either some cell of `last` ended there (a
    total, a value) or several cells go on. A genuine next row has text where the row above ended
    short; the one case geometry cannot tell, a one-line category row under another whose line
    exactly filled its cell, is taken as two rows."""
    going_on = [column for column, text in enumerate(first.cells) if text]
    ended = any(above and not below for above, below in zip(last.cells, first.cells))
    return bool(going_on) and all(_goes_on(last, first, c) for c in going_on) and (ended or len(going_on) > 1)


def _page_blocks(page) -> list[Block]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    blocks = []
    for t in tables:
        rows = _table_rows(page, t)
        grid = _grid(x for row in rows for x in row.starts)
        blocks.append(Block(t.bbox[1], table=[_regridded(row, grid) for row in rows], box=t.bbox, grid=grid))
    outside = [c for c in page.chars if not any(_inside(c, box) for box in boxes)]
    # Margins are the same on both sides: the text area ends as far from the right edge as the
    # leftmost text starts from the left one (tables may reach into the margin by their padding).
    right = page.width - min((c["x0"] for c in page.chars), default=0)
    for top, cells in _paragraphs(_lines(outside), right, boxes):
        if not PAGE_NUMBER.fullmatch(" ".join(cells)):  # page furniture, not part of the table
            blocks.append(Block(top, rows=[cells]))
    return sorted(blocks, key=lambda b: b.top)


def _paragraphs(lines: list[list[dict]], right: float, boxes) -> list[tuple[float, list[str]]]:
    """Printed lines outside tables as rows; a line that runs to the right margin and the line
    right below it are one wrapped paragraph (a long title), so one row."""
    rows: list[tuple[float, list[str]]] = []
    previous = None
    for line in lines:
        cells = _line_cells(line)
        if previous and _runs_on(previous, line, right, boxes):
            top, above = rows[-1]
            rows[-1] = (top, [*above[:-1], _join_lines([above[-1], cells[0]]), *cells[1:]])
        else:
            rows.append((line[0]["top"], cells))
        previous = line
    return rows


def _runs_on(line: list[dict], below: list[dict], right: float, boxes) -> bool:
    """`below` goes on from `line`: it follows close, in the same type size (a title above the
    部门名称 line is larger), and `line` ran out of room before its first word."""
    size = line[-1]["size"]
    gap = below[0]["top"] - line[-1]["bottom"]
    between = any(line[-1]["bottom"] <= box[1] and box[3] <= below[0]["top"] for box in boxes)
    full = right - line[-1]["x1"] < _first_chunk_width(below) + size
    return full and abs(below[0]["size"] - size) < 0.5 and gap < size and not between


def _inside(char, box) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _lines(chars) -> list[list[dict]]:
    """Chars grouped into printed lines, top to bottom, each left to right."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(char["top"] - lines[-1][0]["top"]) < char["size"] * 0.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _line_text(line: list[dict]) -> str:
    text, previous = "", None
    for char in line:
        if previous and char["x0"] - previous["x1"] > char["size"] * 0.3 and " " not in (char["text"], text[-1:]):
            text += " "  # a gap drawn instead of a space glyph
        text += char["text"]
        previous = char
    # A space glyph ending the line is where the writer wrapped at a typed space: kept for the join.
    return text.lstrip()


def _line_cells(line: list[dict]) -> list[str]:
    """A line outside a table split where a gap of two characters or more separates its parts,
    like `填报单位:(盖章)          单位:万元`."""
    parts: list[list[dict]] = [[]]
    for char in line:
        if parts[-1] and char["x0"] - parts[-1][-1]["x1"] > char["size"] * 2:
            parts.append([])
        parts[-1].append(char)
    return [_line_text(part) for part in parts]


def _table_rows(page, table) -> list[TableRow]:
    # Chars by their middle's height, so each row looks only at its own band of the page.
    chars = sorted((c for c in page.chars if _inside(c, table.bbox)), key=_middle)
    middles = [_middle(c) for c in chars]
    rows = []
    for row in table.rows:
        band = chars[bisect.bisect_left(middles, row.bbox[1]) : bisect.bisect_right(middles, row.bbox[3])]
        cells = [_cell_text([c for c in band if _inside(c, box)], box) if box else _NO_CELL for box in row.cells]
        texts, room, lead, lines = (list(column) for column in zip(*cells))
        rows.append(TableRow(texts, room, lead, lines, [box[0] if box else None for box in row.cells]))
    return rows


def _middle(char) -> float:
    return (char["top"] + char["bottom"]) / 2


_NO_CELL = ("", math.inf, 0.0, 0)


def _cell_text(chars, box) -> tuple[str, float, float, int]:
    """The cell's text; the room after its last line if that line is at the cell's bottom; the
    width its first line needs before it could break; how many lines it has."""
    lines = _lines(chars)
    if not lines:
        return _NO_CELL
    # Padding is the same on both sides, and a few points: centred text must not pass for padding.
    inset = min(min(line[0]["x0"] for line in lines) - box[0], MAX_PADDING)
    right = max(box[2] - inset, max(line[-1]["x1"] for line in lines))
    texts = [_line_text(lines[0])]
    for before, after in itertools.pairwise(lines):
        room = right - before[-1]["x1"]
        wrapped = room < _first_chunk_width(after) + after[0]["size"]
        texts[-1:] = (
            [_join_lines([texts[-1], _line_text(after)])] if wrapped else [texts[-1].rstrip(), _line_text(after)]
        )
    last = lines[-1]
    # A line that wrapped spans the cell: right-aligned amounts and centred names leave room on the left.
    free = (last[0]["x0"] - box[0] - inset) + (right - last[-1]["x1"])
    # Within about a line of the bottom: a line in another font (digits, Latin) can be taller than
    # the space left, so the writer moves it to the next page with room to spare on this one.
    at_bottom = box[3] - last[-1]["bottom"] < last[-1]["size"] * 2.4
    return "\n".join(texts), free if at_bottom else math.inf, _first_chunk_width(lines[0]), len(lines)


def _first_chunk_width(line: list[dict]) -> float:
    """Width of what the writer could not have put on the line above: the next line's text up to
    its first break opportunity."""
    end = 1
    while end < len(line) and not _breakable(line[end - 1]["text"], line[end]["text"]):
        end += 1
    return line[end - 1]["x1"] - line[0]["x0"]


def _breakable(a: str, b: str) -> bool:
    """A line may break before `b`: after a space, or beside an ideograph unless punctuation
    forbids it. `。5.1-` holds together, as writers keep CJK punctuation with the number after it."""
    if a == " ":
        return True
    if a in NO_END or b in NO_START or "“" in (a, b) or "”" in (a, b):
        return False
    return _is_ideograph(a) or _is_ideograph(b)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _is_ideograph(char: str) -> bool:
    return bool(_CJK.match(char)) and unicodedata.category(char) == "Lo"


def _join_lines(parts: list[str]) -> str:
    """Wrapped lines back into one: a line that ended in a space keeps it, two Latin words keep
    their space (`data;` + `next` too); everything else joins directly: CJK, and numbers a narrow
    column broke (`92.6` + `0`)."""
    text = parts[0]
    for part in parts[1:]:
        left, right = text[-1:], part[:1]
        spaced = _LETTER.match(right) and (_LETTER.match(left) or (left and left in ",.;:!?)"))
        text += (" " if spaced else "") + part
    return text
