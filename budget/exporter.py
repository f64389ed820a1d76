"""Tables out: the canonical JSON (budget-performance-targets/1), whole or streamed, and the project-per-row
layout as text (or a workbook) that imports back to the same data. The CSV/XLSX rows are budget/export_rows.py."""

import csv
import io
import json
import re
from decimal import Decimal
from functools import partial

from django.utils import timezone

from budget import formats, selectors, workflow
from budget.evaluation import scoring
from budget.export_sections import (
    actual_dict,
    indicator_monitoring,
    project_monitoring,
    project_review_dict,
    self_evaluation_dict,
    table_review_dict,
)
from budget.importing import indicators as grammar
from budget.models import Indicator

FORMAT = "budget-performance-targets/1"


def funding_dict(total, by_source: dict) -> dict:
    amount = formats.exact_amount
    return {"total": amount(total), "by_source": {k: amount(v) for k, v in by_source.items()}}


def table_document(table, units=None, by_source=None, *, opinions: bool = True) -> dict:
    """One table as the export format describes it; `table` comes from selectors.tables_for_export (or, with
    `units` and `by_source` given, from selectors.export_tables: json_stream writes the units itself)."""
    sources = table.source_names
    table_by_source = dict.fromkeys(sources, Decimal(0)) if by_source is None else by_source
    built = []
    for unit in table.unit_list if units is None else []:
        unit_by_source = dict.fromkeys(sources, Decimal(0))
        projects = []
        for p in unit.project_list:
            for f in p.funding.all():
                unit_by_source[f.source.name] += f.amount
            projects.append(project_dict(p, sources))
        for k, v in unit_by_source.items():
            table_by_source[k] += v
        built.append(
            {
                "name": unit.name,
                "code": unit.code or None,
                "funding": funding_dict(unit.total, unit_by_source),
                "projects": projects,
            }
        )
    imported_at = timezone.localtime(table.imported_at).isoformat(timespec="seconds") if table.imported_at else None
    overall = None
    if table.kind == "department-targets":
        overall, built = overall_dict(table, built, table_by_source), []
    return {
        "kind": table.kind,
        "department": table.department.name,
        "department_code": table.department.code or None,
        "year": table.year,
        "title": table.title,
        "amount_unit": "万元",
        "layout": table.layout,
        "source": {"filename": table.source_filename, "sha256": table.source_sha256, "imported_at": imported_at},
        "funding": funding_dict(table.total, table_by_source),
        "units": built if units is None else units,
        **({"overall": overall} if overall is not None else {}),
        "review": table_review_dict(table) | workflow.export_section(table, opinions=opinions),
        "flags": [
            {
                "severity": f.severity,
                "code": f.code,
                "row": f.row,
                "project": f.project.name if f.project_id else None,
                "message": f.message,
            }
            for f in table.flags.all()
        ],
    }


def project_dict(p, sources) -> dict:
    """One project of the export; `p` carries its funding (with sources) and indicators, prefetched."""
    by_source = dict.fromkeys(sources, Decimal(0))
    for f in p.funding.all():
        by_source[f.source.name] = f.amount
    evaluation = scoring.score_project(p)
    progress = indicator_monitoring(p)
    return {
        "name": p.name,
        "code": p.code or None,
        "source_row": p.source_row,
        "funding": funding_dict(p.total, by_source),
        "goal": p.goal,
        "period_goal": p.period_goal or None,
        "attributes": p.attributes or {},
        "indicators": [
            indicator_dict(s.indicator) | {"actual": actual_dict(s), "monitoring": progress.get(s.indicator.pk, [])}
            for s in evaluation.indicators
        ],
        "unparsed_indicator_text": p.unparsed_indicator_text or None,
        "review": project_review_dict(p),
        "self_evaluation": self_evaluation_dict(p, evaluation),
        "monitoring": project_monitoring(p),
    }


def overall_dict(table, units, by_source) -> dict:
    """A department-wide table keeps its goal, funding and indicators on one project (OVERALL_PROJECT)."""
    projects = [p for u in units for p in u["projects"]]
    whole = projects[0] if projects else {"goal": "", "period_goal": None, "indicators": []}
    details = table.details or {}
    return {
        "goal": whole["goal"],
        "period_goal": whole["period_goal"],
        "funding": funding_dict(table.total, by_source) | {"by_purpose": _by_purpose(details)},
        "duties": details.get("duties", []),
        "indicators": whole["indicators"],
    }


def _by_purpose(details) -> dict:
    """基本支出 / 项目支出 as the export writes amounts ("60.80"); the import keeps them as plain decimals."""
    return {k: formats.exact_amount(Decimal(v)) for k, v in details.get("by_purpose", {}).items()}


def indicator_dict(i) -> dict:
    target = None
    if i.target_value is not None:
        target = {"comparator": i.comparator, "value": formats.number(i.target_value), "unit": i.target_unit}
    return {
        "seq": i.seq,
        "level1": i.level1_label or i.level2.level1.name,
        "level2": i.level2_label or i.level2.name,
        "level2_code": i.level2_code or None,
        "name": i.name,
        "library_code": i.library_code or None,
        "period_value": i.period_value,
        "annual_value": i.annual_value,
        "target": target,
        "weight": formats.number(i.weight),
    } | ({"extra": i.extra} if i.extra else {})


def json_document(*, year=None, department=None, opinions=True) -> dict:
    tables = workflow.attach(selectors.tables_for_export(year=year, department=department))
    return {"format": FORMAT, "tables": [table_document(t, opinions=opinions) for t in tables]}


# -- the original layout ---------------------------------------------------------------


def table_text(table) -> str:
    """The project-per-row layout as tab-separated text, as the importer reads it back; a department-wide
    table as its own form."""
    if not hasattr(table, "unit_list") or (table.unit_list and not hasattr(table.unit_list[0], "project_list")):
        (table,) = selectors.tables_for_export(year=table.year, department=table.department.name, kind=table.kind)
    if table.kind == "department-targets":
        return department_form_text(table)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    sources = table.source_names
    unit_sums = []
    for unit in table.unit_list:
        sums = dict.fromkeys(sources, Decimal(0))
        for p in unit.project_list:
            for f in p.funding.all():
                sums[f.source.name] += f.amount
        unit_sums.append(sums)
    _text_head(writer, table, sources, {s: sum(u[s] for u in unit_sums) for s in sources})
    for unit, sums in zip(table.unit_list, unit_sums):
        writer.writerow([_coded(unit.name, unit.code), *_amounts(unit.total, sums, sources), "", ""])
        for p in unit.project_list:
            _project_line(writer, p, sources)
    return out.getvalue()


PLAIN_NUMBER = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


def write_table_xlsx(table, out) -> None:
    """table_text in a workbook, as a clerk would keep the original layout in Excel: the same rows and cells,
    amounts as numbers, every text a text cell (never a formula, and without the ' a CSV needs). It imports
    back as the text does."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("原表版式")
    for row in csv.reader(io.StringIO(table_text(table)), delimiter="\t"):
        cells = []
        for text in row:
            if PLAIN_NUMBER.fullmatch(text):
                cells.append(Decimal(text))
                continue
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    book.save(out)


def _text_head(writer, table, sources, grand):
    writer.writerow([table.title or f"{table.year}年项目支出绩效目标表"])
    writer.writerow([f"部门名称: {_coded(table.department.name, table.department.code)}"])
    writer.writerow([f"{table.year}年度"] if str(table.year) not in (table.title or "") else [])
    writer.writerow(["单位: 万元"])
    writer.writerow(["项目名称(资金使用单位)", "总计", *sources, "绩效目标", "绩效指标"])
    writer.writerow(["合计", *_amounts(table.total, grand, sources), "", ""])


def _amounts(total, by_source, sources):
    return [formats.exact_amount(total), *[formats.exact_amount(by_source.get(s, Decimal(0))) for s in sources]]


def _project_line(writer, p, sources):
    by_source = {f.source.name: f.amount for f in p.funding.all()}
    writer.writerow([_coded(p.name, p.code), *_amounts(p.total, by_source, sources), p.goal or "", indicator_cell(p)])


def department_form_text(table) -> str:
    """部门整体支出绩效目标表 as tab-separated text in the shape the form reader reads back (layout 4)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    whole = next((p for u in table.unit_list for p in u.project_list), None)
    details = table.details or {}
    writer.writerow([table.title or "部门整体支出绩效目标表"])
    writer.writerow([f"({table.year}年度)"] if str(table.year) not in (table.title or "") else [])
    code = ["部门预算编码", table.department.code] if table.department.code else []
    writer.writerow(["部门名称", table.department.name, *code])
    writer.writerow(["年度预算安排(万元)", "资金总额", formats.exact_amount(table.total)])
    for name, value in _by_purpose(details).items():
        writer.writerow(["", name, value])
    for f in whole.funding.all() if whole else []:
        writer.writerow(["", f"其中:{f.source.name}", formats.exact_amount(f.amount)])
    writer.writerow(["年度总体目标", whole.goal if whole else ""])
    if whole and whole.period_goal:
        writer.writerow(["实施期目标", whole.period_goal])
    if details.get("duties"):
        writer.writerow(["年度履职目标", "部门职能", "年度目标任务", "支出项目名称", "预算金额(万元)"])
        for duty in details["duties"]:
            writer.writerow(["", *(duty.get(key, "") for key in ("name", "tasks", "project", "amount"))])
    indicators = list(whole.indicators.all()) if whole else []
    extra = list(dict.fromkeys(k for i in indicators for k in (i.extra or {})))
    periods = any(i.period_value is not None for i in indicators)
    writer.writerow(["一级指标", "二级指标", "三级指标", *(["长期指标值"] if periods else []), "指标值", *extra])
    for i in indicators:
        writer.writerow(
            [
                i.level1_label,
                i.level2_label,
                _coded(i.name, i.library_code),
                *([i.period_value or ""] if periods else []),
                i.annual_value or "",
                *[(i.extra or {}).get(k, "") for k in extra],
            ]
        )
    return out.getvalue()


def target_of(i):
    if i.target_value is None:
        return None
    return grammar.Target(i.comparator, i.target_value.normalize(), i.target_unit)


def _target_marker(i) -> str:
    """The target as the text layout reads it back: its comparator always written (=22天), no thousands grouping."""
    if i.target_value is None:
        return "无"
    return f"{Indicator.Comparator(i.comparator).label}{formats.number(i.target_value)}{i.target_unit}"


def _coded(name, code):
    return f"{code}-{name}" if code else name


def indicator_cell(project) -> str:
    parts = []
    for i in project.indicators.all():
        level1 = i.level1_label or i.level2.level1.name
        code1 = i.level2.level1.code or "0"
        code2 = f"{i.level2_code}-" if i.level2_code else ""
        name = _coded(i.name, i.library_code)
        # A line break inside a category name would end the item it stands in.
        level1, level2 = re.sub(r"\s+", "", level1), re.sub(r"\s+", "", i.level2_label or i.level2.name)
        item = f"{i.seq}.{code1}-{level1}:{code2}{level2}:"
        values = []
        if i.period_value is not None:
            values.append(f"实施周期指标值:{i.period_value}")
        if i.annual_value is not None:
            values.append(f"年度指标值:{i.annual_value}")
        # A weight, and a target read with another column's help (指标性质 ≥, 计量单位 %), would be lost.
        if i.weight is not None:
            values.append(f"权重:{formats.number(i.weight)}")
        written = i.annual_value if i.annual_value is not None else i.period_value
        if values and target_of(i) != grammar.parse_target(written):
            values.append(f"目标:{_target_marker(i)}")
        parts.append(item + (f"{name};" if name else "") + ";".join(values) + "。")
    text = "".join(parts)
    if project.unparsed_indicator_text:
        text = (text + "\n" if text else "") + project.unparsed_indicator_text
    return text


# -- streamed: a table of any size in bounded memory --------------------------------------------
# The same dictionaries as table_document, written a unit and a chunk of projects at a time: a 20,000-project
# table held whole took 840 MB. Sums that come before the projects in the document are summed in SQL.

CHUNK = 500


def json_stream(*, year=None, department=None, opinions=True):
    """json_document as compact JSON text, piece by piece (what the download writes to its file)."""
    dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    yield dumps({"format": FORMAT})[:-1] + ',"tables":['
    for n, table in enumerate(workflow.attach(selectors.export_tables(year=year, department=department))):
        if table.kind == "department-targets":  # one project: written whole, in its own shape
            (whole,) = workflow.attach(
                selectors.tables_for_export(year=table.year, department=table.department.name, kind=table.kind)
            )
            yield ("," if n else "") + dumps(table_document(whole, opinions=opinions))
            continue
        sources = table.source_names
        unit_sums, table_sums = selectors.unit_source_sums(table_id=table.pk, sources=sources)
        document = table_document(table, units=[], by_source=table_sums, opinions=opinions)
        head, tail = _around(dumps, document, "units")
        yield ("," if n else "") + head
        for m, (unit, projects) in enumerate(_units_with_projects(table)):
            unit_doc = {
                "name": unit.name,
                "code": unit.code or None,
                "funding": funding_dict(unit.total, unit_sums[unit.pk]),
                "projects": [],
            }
            unit_head, unit_tail = _around(dumps, unit_doc, "projects")
            yield ("," if m else "") + unit_head
            for k, p in enumerate(projects):
                yield ("," if k else "") + dumps(project_dict(p, sources))
            yield unit_tail
        yield tail
    yield "]}\n"


def _units_with_projects(table):
    """(unit, iterator of its projects) in order, the projects read a chunk at a time across units."""
    projects = (p for chunk in selectors.projects_by_unit(table_id=table.pk, size=CHUNK) for p in chunk)
    pending = next(projects, None)
    for unit in table.unit_list:

        def own(unit_id=unit.pk):
            nonlocal pending
            while pending is not None and pending.unit_id == unit_id:
                yield pending
                pending = next(projects, None)

        yield unit, own()


def _around(dumps, document: dict, key: str) -> tuple[str, str]:
    """The JSON text of `document` split where its empty list `key` opens and closes."""
    text = dumps(document)
    marker = dumps(key) + ":[]"
    at = (
        text.index(marker) + len(marker) - 1
    )  # an escaped key inside a string value cannot match: its quotes are escaped
    return text[:at], text[at:]


def text_stream(table):
    """table_text line by line, its units' sums from SQL and its projects a chunk at a time."""
    if table.kind == "department-targets":
        yield table_text(table)
        return
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    sources = table.source_names
    unit_sums, table_sums = selectors.unit_source_sums(table_id=table.pk, sources=sources)

    def flush():
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    _text_head(writer, table, sources, table_sums)
    yield flush()
    for unit, projects in _units_with_projects(table):
        writer.writerow([_coded(unit.name, unit.code), *_amounts(unit.total, unit_sums[unit.pk], sources), "", ""])
        for n, p in enumerate(projects, 1):
            _project_line(writer, p, sources)
            if n % CHUNK == 0:
                yield flush()
        yield flush()
