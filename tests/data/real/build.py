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

Run: .venv/bin/python tests/data/real/build.py
"""
import csv
import io
import re
import zipfile
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
    "fj-anxi-2022-water-fund": {
        "vmerge": [(1, 5, 6)],
    },
    "fj-xiuyu-2025-water-fund": {
        "vmerge": [(1, 5, 9), (2, 7, 9)],
    },
    "hb-ezhou-2022-office-building": {
        "grid": (14, 18, 1),
        "rows": {10: "1 1 1 1 1", 13: "1 1 1 1 1"},
        "vmerge": [(5, 12, 13)],
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
    "he-langfang-2019-self-eval": {
        "grid": (13, 38, 2),
        "rows": {5: "1 3 1 3", 6: "1 1 1 1 1 1 1 1", 7: "1 1 1 1 1 1 1 1",
                 8: "1 1 1 1 1 1 1 1", 9: "1 1 1 1 1 1 1 1",
                 10: "1 1 1 1 1 1 1 1", 11: "1 4 3", 12: "1 4 3"},
        "vmerge": [(1, 6, 10), (1, 11, 12)],
    },
    "ah-chizhou-2022-self-eval": {
        "grid": (13, 23, 3),
        "rows": {5: "1 3 1 4", 6: "1 2 1 1 1 1 1 1", 7: "1 2 1 1 1 1 1 1",
                 8: "1 2 1 1 1 1 1 1", 9: "1 2 1 1 1 1 1 1",
                 10: "1 2 1 1 1 1 1 1", 11: "1 4 4", 12: "1 4 4"},
        "vmerge": [(1, 6, 10), (1, 11, 12)],
    },
    "gd-dongguan-2019-approval": {
        "grid": (7, 12, 3),
        "rows": {4: "1 2 1 1 2 1", 5: "1 4 3", 6: "1 4 3"},
        "vmerge": [(1, 5, 6)],
    },
    "cq-fengjie-2023-approval": {
        "grid": (15, 18, 3),
        "rows": {4: "1 3 1 2", 5: "1 3 1 2", 6: "1 2 1 1 1 1",
                 10: "1 1 1 2 2", 11: "1 1 1 2 2", 12: "1 1 1 2 2",
                 13: "1 1 1 2 2", 14: "1 1 1 2 2"},
        "vmerge": [(1, 10, 14)],
    },
    "hb-qingshan-2020-education-infra": {
        "grid": (12, 19, 0),
        "rows": {4: "1 3 1 2", 5: "1 3 1 2", 6: "1 1 2 2 1", 7: "1 1 2 2 1",
                 8: "1 1 2 2 1", 9: "1 3 3", 10: "1 3 3"},
        "vmerge": [(1, 6, 8), (1, 9, 10)],
    },
    "hb-qingshan-2020-rural-schools": {
        "grid": (9, 18, 3),
        "rows": {4: "1 2 1 1", 5: "1 2 2", 6: "1 2 2", 7: "1 4", 8: "1 4"},
        "vmerge": [(1, 5, 6), (1, 7, 8)],
    },
    "sc-zhongjiang-2022-self-eval": {
        "grid": (10, 21, 3),
        "rows": {2: "1 4 2 2", 3: "1 4 2 2", 4: "1 3 1 1 1 1 1",
                 5: "1 3 1 1 1 1 1", 6: "1 3 1 1 1 1 1", 7: "1 3 1 1 1 1 1",
                 8: "1 4 4", 9: "1 4 4", 22: "4 1 1 1 1 1"},
        "vmerge": [(1, 4, 7), (1, 8, 9)],
    },
    "sn-chencang-2020-water": {
        "grid": (10, 15, 3),
        "rows": {4: "1 2 1 1", 5: "1 2 1 1", 6: "1 2 2", 7: "1 2 2", 8: "1 2 2"},
        "vmerge": [(1, 6, 8)],
    },
    "sc-zhaohua-2021-family-aid": {
        "grid": (16, 25, 3),
        "rows": {5: "1 3 1", 6: "1 3 1", 7: "1 3 1", 8: "1 3 1", 9: "1 3 1",
                 10: "1 3 1", 11: "1 3 1", 12: "1 3 1", 13: "1 3 1", 14: "1 4", 15: "1 4"},
        "vmerge": [(1, 5, 13), (1, 14, 15)],
    },
    "ah-mengcheng-2024-public-health": {
        "grid": (10, 12, 3),
        "rows": {4: "1 2 1 1", 5: "1 2 1 1", 6: "1 2 2", 7: "1 2 2", 8: "1 2 2"},
        "vmerge": [(1, 6, 8)],
    },
    "ah-suixi-2019-self-eval": {
        "grid": (10, 19, 3),
        "rows": {4: "1 1 1 1 1 1 1 2", 5: "1 1 1 1 1 1 1 2", 6: "1 1 1 1 1 1 1 2",
                 7: "1 1 1 1 1 1 1 2", 8: "1 4 4", 9: "1 4 4"},
        "vmerge": [(1, 4, 7), (1, 8, 9)],
    },
    "sc-jingyan-2023-indicator-rows": {
        # one row per indicator: unit, project, amount and goal merged down their rows
        "grid": (3, 16, 0),
        "ranges": ["A4:B4", "A5:A16", "B5:B12", "C5:C12", "D5:D12",
                   "B13:B16", "C13:C16", "D13:D16"],
    },
}

# Tables whose plain percent cells are stored as numbers with a percent format.
PERCENT_AS_NUMBER = {"hn-yueyang-2022-farmland", "fj-ningde-2019-dept-targets",
                     "sc-qingshen-2023-self-eval", "he-langfang-2019-self-eval",
                     "cq-fengjie-2023-approval", "hb-qingshan-2020-rural-schools",
                     "sc-zhongjiang-2022-self-eval", "ah-suixi-2019-self-eval"}

# Three 2020 forms (the year is in each title, so one --year fits them all):
# two templates of one district bureau and a third from another province.
STACKED = ["hb-qingshan-2020-education-infra", "hb-qingshan-2020-rural-schools",
           "sn-chencang-2020-water"]
SHEET_PER_FORM = STACKED

NUMBER = re.compile(r"^-?(?:0|[1-9]\d{0,9})(?:\.(\d+))?$")
THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+(?:\.(\d+))?$")
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
    elif THOUSANDS.match(text):
        decimals = THOUSANDS.match(text).group(1) or ""
        cell.value = float(text.replace(",", ""))
        cell.number_format = "#,##0" + ("." + "0" * len(decimals) if decimals else "")
    elif p:
        decimals = len(p.group(2) or "")
        cell.value = float(text[:-1]) / 100
        cell.number_format = "0" + ("." + "0" * decimals if decimals else "") + "%"
    elif text:
        cell.value = text
        if text.startswith("="):
            # A published "=10个" is text ("equal to 10个"): openpyxl would store it as a formula that no
            # program computed, which no clerk's sheet holds (Excel does not accept =10个 as a formula).
            cell.data_type = "s"
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
        covered = [rows[r - 1][c - 1] for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1) if (r, c) != (r1, c1)]
        assert not any(covered), (slug, r1, c1, r2, c2, covered)  # a merge hides no text
        ws.merge_cells(start_row=r1 + offset, start_column=c1,
                       end_row=r2 + offset, end_column=c2)
    ws.cell(row=offset + 1, column=1).font = Font(bold=True, size=14)
    for c in range(1, len(rows[0]) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18
    return len(rows)


def save(wb, name):
    """Save wb under name with fixed timestamps, so a rebuild changes no committed byte."""
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    (HERE / name).write_bytes(out.getvalue())


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
    save(wb, f"{slug}.xlsx")


def write_stacked():
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    offset = 0
    for slug in STACKED:
        offset += write_form(ws, slug, offset) + 1  # one blank row between
    save(wb, "stacked-forms.xlsx")


def write_sheet_per_form():
    wb = Workbook()
    wb.remove(wb.active)
    for n, slug in enumerate(SHEET_PER_FORM, start=1):
        write_form(wb.create_sheet(f"项目{n}"), slug)
    save(wb, "sheet-per-form.xlsx")


def main():
    for path in sorted(HERE.glob("*.txt")):
        write_csv(path.stem)
        write_xlsx(path.stem)
    write_stacked()
    write_sheet_per_form()


if __name__ == "__main__":
    main()
