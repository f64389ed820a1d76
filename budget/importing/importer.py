"""Rows → validated table → one transaction.

Like pretix's importer: every row is checked first and *all* problems are collected as
(file, row, column, value, reason); nothing is written unless there are none. The web
upload, the admin and the command line all call `import_table`.
"""

import gc
import hashlib
import io
import itertools
import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from budget.importing import indicators as grammar
from budget.importing.form_tables import FormTables
from budget.importing.forms_layout import FormSplitter, has_form_labels, looks_like_form
from budget.importing.layouts import AMOUNT_RE, WAN, Columns, LayoutReader, Reader
from budget.importing.problems import ImportFailed, Problem
from budget.importing.readers import open_table
from budget.importing.reading import (  # noqa: F401 (header_key and split_label are re-exported)
    ROLE_SYNONYMS,
    SYNONYM_ROLE,
    department_note,
    header_key,
    read_preamble,
    resolve_year,
    split_label,
)
from budget.importing.records import ImportResult, ParsedFlag, ParsedTable

HEADER_SCAN_ROWS = 30
FORM_SCAN_ROWS = 200
TARGETS_NEED = (
    "需要「项目名称」列,以及「绩效指标」列或「三级指标」与「指标值」列;"
    "或者一张表单:「项目名称」「主管部门」「年度资金总额」等标签,以及「一级指标 | 二级指标 | 三级指标 | 指标值」指标表头"
)

SOURCE_GROUP_WORDS = {"资金来源", "其中"}


def find_header(rows: list[tuple[int, list[str]]]) -> int | None:
    for index, (_, cells) in enumerate(rows):
        roles = {SYNONYM_ROLE.get(header_key(c)) for c in cells}
        if ("project" in roles or "unit" in roles) and ("indicators" in roles or "level3" in roles):
            return index
    return None


def locate_header(table_rows, finder, needs: str):
    """The first rows up to the header, the header's index among them, and the rest of the rows.
    The header may stand anywhere in the first HEADER_SCAN_ROWS rows, after title lines."""
    rows = iter(table_rows.rows)
    head: list[tuple[int, list[str]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    found = finder(head)
    if found is None:
        raise ImportFailed([header_not_found(table_rows.filename, head, needs)])
    return head, found, rows


def header_not_found(filename, head, needs) -> Problem:
    """What the clerk needs to change: what was looked for, and what the first rows actually hold."""
    shown = "; ".join(f"第{row}行「{' | '.join(c for c in cells if c)[:60]}」" for row, cells in head[:5])
    return Problem(
        filename,
        None,
        None,
        None,
        f"前{HEADER_SCAN_ROWS}行中找不到表头:{needs}。" + (f"文件开头是:{shown}" if shown else "文件中没有任何内容"),
    )


def _head(rows) -> tuple[list, int | None]:
    """The first rows and the index of the header among them; a form's labels may run on past the first
    rows (a long list of duties) before its grid, so a file with form labels is read further."""
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    found = find_header(head)
    if found is None and has_form_labels(head):
        head += itertools.islice(rows, FORM_SCAN_ROWS - len(head))
        found = find_header(head)
    return head, found


def parse_forms(sheets, name, sha256, *, year, department, lenient) -> ParsedTable:
    """Layouts 3 and 4: forms, each with labels and an indicator grid, stacked down a sheet or one per sheet."""
    reader = Reader(name, Decimal(1))
    forms = []
    for sheet_name, rows in sheets:
        reader.filename = sheet_name  # problems name the sheet they were found on
        forms += FormSplitter(reader.problem, sheet_name).split(rows)
    reader.filename = name
    table = FormTables(reader, lenient).build(forms, filename=name, sha256=sha256, year=year, department=department)
    if reader.problems or table is None:
        raise ImportFailed(reader.problems)
    return table


def merge_header(upper: list[str], lower: list[str]) -> list[str]:
    """A two-row header: a group heading (资金来源, 指标值) merged over the columns below it."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    merged, group = [], ""
    for top, bottom in zip(upper, lower):
        group = top or group
        if bottom:
            # 指标值 over 2021年实际实现值 | 预期2022年实现值: the expected value is the target.
            if header_key(group) in ("指标值", "目标值") and not SYNONYM_ROLE.get(header_key(bottom)):
                bottom = "年度指标值" if "预期" in bottom or "目标" in bottom else f"{group}/{bottom}"
            merged.append(bottom)
        else:
            merged.append(top)
    return merged


def is_subheader(header: list[str], cells: list[str]) -> bool:
    """A second header row names only columns the first leaves open or groups (资金来源, 指标值); a data
    row fills a column the header names (the project's name), whether or not it holds a number."""
    if not any(cells) or any(AMOUNT_RE.fullmatch(c.replace(",", "")) for c in cells if c):
        return False
    groups = SOURCE_GROUP_WORDS | {"指标值", "目标值"}
    return all(
        i >= len(header) or not header[i] or header_key(header[i]) in groups or header_key(c) in SYNONYM_ROLE
        for i, c in enumerate(cells)
        if c
    )


def map_columns(header: list[str], reader: Reader, header_row: int) -> Columns:
    roles: dict[str, int] = {}
    for index, text in enumerate(header):
        role = SYNONYM_ROLE.get(header_key(text))
        if role == "unit" and header_key(text) == "单位" and "level3" in roles:
            role = "measure"  # a bare 单位 after the indicator columns is the unit of measure
        if role and role not in roles:
            roles[role] = index
    sources = []
    if "total" in roles:
        stop = min([i for r, i in roles.items() if r in ("goal", "indicators", "level1", "level3")] or [len(header)])
        for index in range(roles["total"] + 1, stop):
            name = header_key(header[index])
            if name and index not in roles.values():
                sources.append((name, index))
    used = set(roles.values()) | {i for _, i in sources}
    extra = [(header[i], i) for i in range(len(header)) if header[i] and i not in used]
    missing = []
    if "project" not in roles:
        missing.append("项目名称")
    if "total" not in roles:
        missing.append("总计 或 预算数")
    if "indicators" not in roles and not ("level3" in roles and "value" in roles):
        missing.append("绩效指标(或 三级指标 与 指标值)")
    for name in missing:
        reader.problem(header_row, name, None, f"表头中找不到「{name}」列")
    return Columns(header, roles, sources, extra)


def parse_table(
    source,
    *,
    filename: str | None = None,
    year: int | None = None,
    department: str | None = None,
    lenient: bool = False,
    progress=None,
) -> ParsedTable:
    """Read and validate a whole table; raises ImportFailed with every problem found."""
    display = filename or Path(str(getattr(source, "name", source))).name
    if hasattr(source, "read") and not (hasattr(source, "seekable") and source.seekable()):
        source = io.BytesIO(source.read())  # the reader reads a file more than once
    sha256 = file_sha256(source)
    table_rows = open_table(source, filename=display)
    name = table_rows.filename
    rows = iter(table_rows.rows)
    head, found = _head(rows)
    if found is None and looks_like_form(head):
        sheets = [(name, _chain(head, rows))] + [(more.filename, more.rows) for more in table_rows.more_sheets()]
        return parse_forms(sheets, name, sha256, year=year, department=department, lenient=lenient)
    if found is None:
        raise ImportFailed([header_not_found(name, head, TARGETS_NEED)])
    preamble = read_preamble(head[:found])
    header_row, header, rest = _header(head, found)
    unit_word = preamble["unit"] or _unit_in_header(header)
    reader = Reader(name, WAN if unit_word == "元" else Decimal(1))
    columns = map_columns(header, reader, header_row)
    if reader.problems:
        raise ImportFailed(reader.problems)
    body = _chain(rest, rows)
    layout = "project-per-row" if "indicators" in columns.roles else "indicator-per-row"
    state = LayoutReader(reader, columns, lenient, progress, department or preamble["department"])
    if layout == "project-per-row":
        state.read_project_rows(body)
    else:
        state.read_indicator_rows(body)

    table_year = resolve_year(preamble["year"], year, preamble["year_row"], reader.problem)
    dept_code, dept_name = _department(department, preamble["department"], state, reader)
    state.finish(dept_name)
    if reader.problems:
        raise ImportFailed(reader.problems)
    return ParsedTable(
        filename=name,
        sha256=sha256,
        department=dept_name,
        department_code=dept_code,
        year=table_year,
        title=preamble["title"],
        amount_unit=unit_word,
        layout=layout,
        sources=[s for s, _ in columns.sources],
        total=state.grand_total,
        units=state.units,
        flags=state.flags,
    )


def _header(head, found: int) -> tuple[int, list[str], list]:
    """The header's row number and cells, and the rows after it; a second header row under a group heading
    (资金来源, 指标值) is merged into the first."""
    header_row, header = head[found]
    rest = head[found + 1 :]
    if rest and is_subheader(header, rest[0][1]):
        header = merge_header(header, rest[0][1])
        rest = rest[1:]
    return header_row, header, rest


def _unit_in_header(header: list[str]) -> str:
    """The amount unit a column heading names, 总计(元) or 预算数(万元); 万元 when none does."""
    return next((m.group(1) for h in header for m in [re.search(r"\((万元|元)\)", h)] if m), "万元")


def _department(given: str | None, stated: str | None, state: LayoutReader, reader: Reader) -> tuple[str, str]:
    """The department's code and name: the one given to the import, else the table's 部门名称 line, else
    its first total row. A given name wins, with a note when the table states another."""
    name = given or stated or state.first_total_name
    if not name:
        reader.problem(None, None, None, "无法确定部门名称(没有「部门名称:」行或合计行),请用 --department 指定")
    note = department_note(stated, given)
    if note:
        state.flags.append(ParsedFlag("info", "department-differs", note))
    code, name = grammar.split_code(name or "")
    return code or "", name


def file_sha256(source) -> str:
    """Hashed in chunks: the whole file is never in memory beside the rows read from it."""
    digest = hashlib.sha256()
    if hasattr(source, "read"):
        source.seek(0)
        while chunk := source.read(1 << 20):
            digest.update(chunk)
        source.seek(0)
    else:
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _chain(first, then):
    yield from first
    yield from then


def import_table(
    source, *, filename=None, year=None, department=None, lenient=False, dry_run=False, user=None, progress=None
) -> ImportResult:
    from budget.importing import writer

    with cyclic_gc_paused():
        parsed = parse_table(
            source, filename=filename, year=year, department=department, lenient=lenient, progress=progress
        )
        return writer.write(parsed, user=user, dry_run=dry_run)


@contextmanager
def cyclic_gc_paused():
    """A national table is a million objects that all live until the import ends: the cycle collector
    would walk them over and over (a tenth of the import's time) and free nothing. Reference
    counting still frees everything else as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
