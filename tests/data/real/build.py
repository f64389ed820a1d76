"""Rebuild the spreadsheet editions of the real tables in this folder.

Each ``<slug>.txt`` is a published table transcribed cell by cell (one row a
line, cells split on ``|``, ``\\n`` inside a cell is a line break in that cell).
This script writes each table the way a clerk holds it:

* ``<slug>.xlsx``: one sheet, with the published merges (title across the form,
  labels and values spanning columns, the 绩效指标 / 一级 / 二级 columns of the
  indicator grid merged downwards).  Plain numbers are stored as numbers with a
  format that shows them as published; for the tables in PERCENT_AS_NUMBER a
  cell such as ``100%`` is stored as 1 with a percent format, as clerks' sheets do.
* ``<slug>.csv``: what Excel on Chinese Windows saves as "CSV": GB18030, comma
  separated, CRLF, quotes only where needed, a merged range as its top-left
  value followed by empty cells, every row padded to the used width.

Plus ``stacked-forms.xlsx`` (three forms down one sheet, a blank row between)
and ``sheet-per-form.xlsx`` (one form per sheet).

Run: /work/main/.venv/bin/python tests/data/real/build.py
"""
import csv
import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import coordinate_to_tuple, get_column_letter

HERE = Path(__file__).resolve().parent

# Per table: the indicator grid (first and last 1-based row of the grid, the
# header row included) and how many leftmost grid columns are merged downwards;
# "rows" gives explicit cell widths for rows whose published spans differ from
# the default (a filled cell spans the empty cells to its right).
# "vmerge" lists extra vertical merges outside the grid: (column, first, last);
# "ranges" lists explicit merged blocks ("J9:K13") that replace any span they meet.
LAYOUT = {
    "hn-xiangtan-2023-wupaoche": {
        "grid": (8, 18, 3),
        "rows": {3: "1 2 1 2", 4: "1 2 1 2", 19: "1 5"},
    },
    "hn-nanyue-2018-tourism": {
        "grid": (9, 25, 3),
        "rows": {2: "1 2 1 2", 3: "1 2 1 2", 4: "1 2 3", 5: "1 2 3",
                 6: "1 2 3", 7: "1 3 2", 8: "1 3 2"},
        "vmerge": [(1, 4, 6), (1, 7, 8)],
    },
    "hn-nanyue-2018-asset-income": {
        "grid": (9, 20, 3),
        "rows": {2: "1 2 1 2", 3: "1 2 1 2", 4: "1 2 3", 5: "1 2 3",
                 6: "1 2 3", 7: "1 3 2", 8: "1 3 2"},
        "vmerge": [(1, 4, 6), (1, 7, 8)],
    },
    "hn-yueyang-2022-farmland": {
        "grid": (9, 21, 3),
        "rows": {3: "1 2 1 1", 4: "1 2 1 1", 5: "1 1 3", 6: "1 1 3",
                 7: "1 1 3", 8: "1 1 3"},
        "vmerge": [(1, 5, 7)],
    },
    "fj-ningde-2019-dept-targets": {
        "grid": (13, 19, 2),
        "rows": {3: "1 2 1 1", 4: "1 1 3", 5: "1 1 3", 6: "1 1 3"},
        "vmerge": [(1, 4, 6), (1, 8, 11)],
    },
    "hb-huangshi-2019-monitoring": {
        "grid": (12, 16, 2),
        "rows": {5: "1 2 1 3", 9: "1 1 1 1 3", 10: "1 1 1 1 3",
                 11: "1 1 1 1 3", 17: "1 6", 18: "1 6"},
        "vmerge": [(1, 7, 8), (1, 9, 11)],
        "ranges": ["D16:E16"],
    },
    "sc-qingshen-2023-self-eval": {
        "grid": (14, 16, 3),
        "rows": {4: "1 4 2 4", 5: "1 2 4 4", 6: "1 2 4 4", 7: "1 2 8",
                 8: "1 2 1 1 1 1 1 1 2", 9: "1 2 1 1 1 1 1 1 2",
                 10: "1 2 1 1 1 1 1 1 2", 11: "1 2 1 1 1 1 1 1 2",
                 12: "1 2 1 1 1 1 1 1 2", 13: "1 2 1 1 1 1 1 1 2",
                 17: "8 1 1 1"},
        "ranges": ["A5:A7", "B5:C6", "A8:A13", "J9:K13"],
    },
}

# Tables whose plain percent cells are stored as numbers with a percent format.
PERCENT_AS_NUMBER = {"hn-yueyang-2022-farmland", "fj-ningde-2019-dept-targets",
                     "sc-qingshen-2023-self-eval"}

STACKED = ["hn-nanyue-2018-tourism", "hn-nanyue-2018-asset-income",
           "hn-xiangtan-2023-wupaoche"]
SHEET_PER_FORM = ["hn-nanyue-2018-tourism", "hn-nanyue-2018-asset-income",
                  "hn-yueyang-2022-farmland"]

NUMBER = re.compile(r"^-?(?:0|[1-9]\d{0,9})(?:\.(\d+))?$")
PERCENT = re.compile(r"^(\d+)(?:\.(\d+))?%$")


def read_table(slug):
    """The transcribed rows of one table, all padded to the same width."""
    lines = (HERE / f"{slug}.txt").read_text(encoding="utf-8").splitlines()
    rows = [[c.replace("\\n", "\n") for c in line.split("|")] for line in lines]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def spans(slug, rows):
    """Merged ranges as (first_row, first_col, last_row, last_col), 1-based."""
    layout = LAYOUT.get(slug, {})
    g_first, g_last, g_cols = layout.get("grid", (0, -1, 0))
    width = len(rows[0])
    merges = []
    for r, row in enumerate(rows, start=1):
        if g_first <= r <= g_last:
            continue
        widths = layout.get("rows", {}).get(r)
        if widths:
            merges += _explicit(r, [int(w) for w in widths.split()], width)
        else:
            merges += _default(r, row)
    for col, first, last in layout.get("vmerge", []):
        merges.append((first, col, last, col))
    merges += _grid(rows, g_first, g_last, g_cols)
    blocks = [_block(ref) for ref in layout.get("ranges", [])]
    merges = [m for m in merges if not any(_meets(m, b) for b in blocks)]
    return [m for m in merges + blocks if m[0] != m[2] or m[1] != m[3]]


def _block(ref):
    first, last = (coordinate_to_tuple(part) for part in ref.split(":"))
    return (first[0], first[1], last[0], last[1])


def _meets(a, b):
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _explicit(r, widths, width):
    assert sum(widths) == width, (r, widths, width)
    out, col = [], 1
    for w in widths:
        out.append((r, col, r, col + w - 1))
        col += w
    return out


def _default(r, row):
    """A filled cell spans the empty cells to its right (titles, footers)."""
    out, start = [], None
    for c, value in enumerate(row, start=1):
        if value:
            if start:
                out.append((r, start, r, c - 1))
            start = c
    if start:
        out.append((r, start, r, len(row)))
    return out


def _grid(rows, first, last, ncols):
    """Blank cells of the leftmost grid columns continue the cell above, but
    only while every column to their left continues too (a new 一级 starts its
    二级 afresh)."""
    out = []
    for c in range(ncols):
        top = None
        for r in range(first, last + 1):
            cells = rows[r - 1]
            continues = not cells[c] and all(not cells[k] for k in range(c))
            if continues and top:
                continue
            if top and r - 1 > top:
                out.append((top, c + 1, r - 1, c + 1))
            top = r if cells[c] else None
        if top and last > top:
            out.append((top, c + 1, last, c + 1))
    return out


def put(ws, r, c, text, percent):
    """Write one cell as a clerk's sheet holds it: numbers as numbers with a
    format that shows them as published."""
    cell = ws.cell(row=r, column=c)
    m = NUMBER.match(text)
    p = PERCENT.match(text) if percent else None
    if m:
        cell.value = float(text) if m.group(1) else int(text)
        cell.number_format = "0." + "0" * len(m.group(1)) if m.group(1) else "General"
    elif p:
        decimals = len(p.group(2) or "")
        cell.value = float(text[:-1]) / 100
        cell.number_format = "0" + ("." + "0" * decimals if decimals else "") + "%"
    elif text:
        cell.value = text
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_form(ws, slug, offset=0):
    """Write one table into ws starting below row `offset`; return rows used."""
    rows = read_table(slug)
    percent = slug in PERCENT_AS_NUMBER
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            put(ws, r + offset, c, text, percent)
    for r1, c1, r2, c2 in spans(slug, rows):
        ws.merge_cells(start_row=r1 + offset, start_column=c1,
                       end_row=r2 + offset, end_column=c2)
    ws.cell(row=offset + 1, column=1).font = Font(bold=True, size=14)
    for c in range(1, len(rows[0]) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18
    return len(rows)


def write_csv(slug):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(read_table(slug))
    (HERE / f"{slug}.csv").write_bytes(buf.getvalue().encode("gb18030"))


def write_xlsx(slug):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    write_form(ws, slug)
    wb.save(HERE / f"{slug}.xlsx")


def write_stacked():
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    offset = 0
    for slug in STACKED:
        offset += write_form(ws, slug, offset) + 1  # one blank row between
    wb.save(HERE / "stacked-forms.xlsx")


def write_sheet_per_form():
    wb = Workbook()
    wb.remove(wb.active)
    for n, slug in enumerate(SHEET_PER_FORM, start=1):
        write_form(wb.create_sheet(f"项目{n}"), slug)
    wb.save(HERE / "sheet-per-form.xlsx")


def main():
    for path in sorted(HERE.glob("*.txt")):
        write_csv(path.stem)
        write_xlsx(path.stem)
    write_stacked()
    write_sheet_per_form()


if __name__ == "__main__":
    main()
