"""Indicator rows for CSV and XLSX: one row per indicator (a project without indicators still gets one), read
through a server-side cursor per table, with the latest monitoring month's columns; the writers make every text
cell inert in a spreadsheet (no formula) and keep amounts as numbers. The views' explorer download writes its
rows through the same CSV dialect."""

import csv
from decimal import Decimal

from budget import formats
from budget.export_sections import LATEST_HEADER, cell_number, latest_cells
from budget.models import BudgetTable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

ROW_HEADER = [
    "部门",
    "年度",
    "资金使用单位",
    "项目名称",
    "项目编码",
    "源表行号",
    "项目总计(万元)",
    "资金来源明细(万元)",
    "绩效目标",
    "序号",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标库编码",
    "实施周期指标值",
    "年度指标值",
    "比较符",
    "目标值",
    "计量单位",
    "权重",
    *LATEST_HEADER,
]


# Comparators as a spreadsheet shows them: "=" would start a formula, "＝" (NFKC: "=") cannot.
SHEET_COMPARATORS = {">=": "≥", "<=": "≤", "=": "＝", ">": ">", "<": "<"}

ROWS_SQL = """
WITH funding AS (
    SELECT f.project_id, array_agg(s.name ORDER BY s.position, s.name) AS names,
           array_agg(f.amount ORDER BY s.position, s.name) AS amounts
    FROM budget_projectfunding f JOIN budget_fundingsource s ON s.id = f.source_id
    JOIN budget_project p ON p.id = f.project_id
    WHERE p.table_id = %(table)s GROUP BY f.project_id)
SELECT u.name, p.name, p.code, p.source_row, p.total, funding.names, funding.amounts, p.goal,
       i.id, i.seq, COALESCE(NULLIF(i.level1_label, ''), l1.name), COALESCE(NULLIF(i.level2_label, ''), l2.name),
       i.name, i.library_code, i.period_value, i.annual_value, i.comparator, i.target_value, i.target_unit, i.weight,
       m.month, m.budget_initial, m.budget_adjusted, m.executed, m.forecast, m.light,
       (SELECT string_agg(w->>'code', '; ') FROM jsonb_array_elements(m.warnings) w), ip.value, ip.likelihood
FROM budget_project p JOIN budget_fundingunit u ON u.id = p.unit_id
LEFT JOIN LATERAL (SELECT * FROM budget_monitoringreport r WHERE r.project_id = p.id ORDER BY r.month DESC LIMIT 1) m
    ON true
LEFT JOIN funding ON funding.project_id = p.id
LEFT JOIN budget_indicator i ON i.project_id = p.id
LEFT JOIN budget_level2category l2 ON l2.id = i.level2_id
LEFT JOIN budget_level1category l1 ON l1.id = l2.level1_id
LEFT JOIN budget_indicatorprogress ip ON ip.report_id = m.id AND ip.indicator_id = i.id
WHERE p.table_id = %(table)s
ORDER BY u.position, p.position, i.position
"""


def inert(value):
    """A text cell starting with = + - @ or a tab would run as a formula in a spreadsheet; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def indicator_rows(*, year=None, department=None):
    """One row per indicator (a project without indicators still gets one row), read through one server-side
    cursor per table: a 20,000-project table streams in constant memory. Amounts, targets and weights are
    Decimals, so that a spreadsheet gets numbers."""
    from django.db import connection

    tables = BudgetTable.objects.select_related("department").order_by("department__name", "year")
    if year:
        tables = tables.filter(year=year)
    if department:
        tables = tables.filter(department__name=department)
    for table in tables:
        with connection.chunked_cursor() as cursor:
            cursor.execute(ROWS_SQL, {"table": table.pk})
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    yield _sheet_row(table, row)


def _sheet_row(table, row) -> list:
    (
        unit,
        name,
        code,
        source_row,
        total,
        names,
        amounts,
        goal,
        indicator,
        seq,
        level1,
        level2,
        ind_name,
        library_code,
        period_value,
        annual_value,
        comparator,
        target,
        target_unit,
        weight,
        *latest,
    ) = row
    by_source = "; ".join(f"{n}={formats.exact_amount(a)}" for n, a in zip(names or [], amounts or []))
    base = [
        table.department.name,
        table.year,
        unit,
        name,
        code,
        source_row,
        Decimal(formats.exact_amount(total)),
        by_source,
        goal,
    ]
    if indicator is None:
        return base + [""] * 11 + latest_cells(latest)
    return base + [
        seq,
        level1,
        level2,
        ind_name,
        library_code or "",
        period_value or "",
        annual_value or "",
        SHEET_COMPARATORS.get(comparator, "") if target is not None else "",
        cell_number(target),
        target_unit if target is not None else "",
        cell_number(weight),
        *latest_cells(latest),
    ]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return inert(value) if isinstance(value, str) else str(value)


def write_csv(rows, out, header=ROW_HEADER):
    """UTF-8 with BOM so that Excel on Chinese Windows opens it without mojibake."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell_text(v) for v in row])


class _Line:
    def write(self, text):
        return text


def csv_lines(rows, header=ROW_HEADER):
    """write_csv as a stream of lines, for a StreamingHttpResponse."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell_text(v) for v in row])


def write_xlsx(rows, out, header=ROW_HEADER, title="绩效指标"):
    """Write-only (streamed) workbook: numbers as numbers, text as text, no text a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([inert(v) if isinstance(v, str) else v for v in row])
    book.save(out)
