"""A year's data in bulk: the canonical JSON (gzip) and CSVs of tables, projects, funding and indicators,
described by a Frictionless data package. Each file is written once per data version, on first request,
and kept beside the table downloads (budget/downloads.py) until a newer version of it is written.

The CSVs are machine data: values exactly as stored (no spreadsheet formula guard, no BOM), amounts in 万元
as exact decimals, empty cells for nothing."""

import csv
import gzip
import io
import json
from pathlib import Path

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Path as PathParam
from ninja import Router
from ninja.errors import HttpError

from budget import caching, downloads, exporter, formats, selectors
from budget.api import schemas
from budget.api.queries import DEFAULT_KIND, with_status
from budget.models import BudgetTable, Indicator, Project, ProjectFunding

router = Router(tags=["bulk"])
# Besides 200, every operation may answer: 304 (the client holds the current ETag or date; no body), and
# problem details for access, a missing item, a bad parameter and throttling.
OTHER = {304: None, 401: schemas.Problem, 404: schemas.Problem, 422: schemas.Problem, 429: schemas.Problem}
JSON_FILE = "budget-performance-targets.json.gz"

# (column, Frictionless type, 中文标题, English title) per CSV.
FIELDS = {
    "tables": [
        ("table_id", "integer", "表编号", "Table id"),
        ("department", "string", "部门", "Department"),
        ("department_code", "string", "部门编码", "Department code"),
        ("year", "integer", "预算年度", "Budget year"),
        ("kind", "string", "表类型", "Kind of table"),
        ("title", "string", "标题", "Title"),
        ("layout", "string", "版式", "Source layout"),
        ("total", "number", "合计(万元)", "Total (10,000 yuan)"),
        ("review_score", "number", "审核得分", "Review score"),
        ("status", "string", "审核状态", "Review status"),
        ("source_filename", "string", "源文件", "Source file"),
        ("source_sha256", "string", "源文件SHA-256", "Source SHA-256"),
        ("imported_at", "datetime", "导入时间", "Imported at"),
    ],
    "projects": [
        ("project_id", "integer", "项目编号", "Project id"),
        ("table_id", "integer", "表编号", "Table id"),
        ("department", "string", "部门", "Department"),
        ("year", "integer", "预算年度", "Budget year"),
        ("unit", "string", "资金使用单位", "Funding unit"),
        ("position", "integer", "顺序", "Position"),
        ("name", "string", "项目名称", "Project name"),
        ("code", "string", "项目编码", "Project code"),
        ("source_row", "integer", "源表行号", "Source row"),
        ("total", "number", "总计(万元)", "Total (10,000 yuan)"),
        ("goal", "string", "绩效目标", "Performance goal"),
        ("review_score", "number", "审核得分", "Review score"),
        ("executed", "number", "全年执行数(万元)", "Executed (10,000 yuan)"),
        ("unparsed_indicator_text", "string", "未能识别的指标文本", "Unparsed indicator text"),
    ],
    "funding": [
        ("project_id", "integer", "项目编号", "Project id"),
        ("table_id", "integer", "表编号", "Table id"),
        ("source", "string", "资金来源", "Funding source"),
        ("amount", "number", "金额(万元)", "Amount (10,000 yuan)"),
    ],
    "indicators": [
        ("indicator_id", "integer", "指标编号", "Indicator id"),
        ("project_id", "integer", "项目编号", "Project id"),
        ("table_id", "integer", "表编号", "Table id"),
        ("seq", "integer", "序号", "Number"),
        ("level1", "string", "一级指标", "Level-1 indicator"),
        ("level2", "string", "二级指标", "Level-2 indicator"),
        ("level2_code", "string", "二级指标编码", "Level-2 code"),
        ("name", "string", "三级指标", "Indicator"),
        ("library_code", "string", "指标库编码", "Library code"),
        ("period_value", "string", "实施周期指标值", "Value for the period"),
        ("annual_value", "string", "年度指标值", "Value for the year"),
        ("comparator", "string", "比较符", "Comparator"),
        ("target_value", "number", "目标值", "Target value"),
        ("target_unit", "string", "计量单位", "Unit"),
        ("weight", "number", "权重", "Weight"),
        ("actual_value", "string", "实际完成值", "Actual value"),
        ("actual_points", "number", "评价得分", "Points scored"),
    ],
}
KEYS = {
    "tables": "table_id",
    "projects": "project_id",
    "funding": ["project_id", "source"],
    "indicators": "indicator_id",
}
# Rows point at their table and project in the same year's files; `frictionless validate` checks they exist.
REFERENCES = {
    "projects": ("table_id", "tables"),
    "funding": ("project_id", "projects"),
    "indicators": ("project_id", "projects"),
}
FILES = [JSON_FILE] + [f"{name}.csv" for name in FIELDS]


def _rows(name: str, year: int):
    """The rows of one CSV for one year, read through a server-side cursor in constant memory."""
    if name == "tables":
        yield from _table_rows(year)
        return
    rows = {"projects": _project_values, "funding": _funding_values}.get(name, _indicator_values)(year)
    for row in rows.iterator(chunk_size=2000):
        yield [formats.number(v) if hasattr(v, "normalize") else v for v in row]


def _table_rows(year: int):
    tables = with_status(BudgetTable.objects.filter(year=year).select_related("department"))
    for t in tables.order_by("department__name"):
        imported = timezone.localtime(t.imported_at).isoformat(timespec="seconds") if t.imported_at else None
        yield [
            t.pk,
            t.department.name,
            t.department.code,
            t.year,
            getattr(t, "kind", None) or DEFAULT_KIND,
            t.title,
            t.layout,
            formats.exact_amount(t.total),
            formats.points(t.review_score),
            t.review_status,
            t.source_filename,
            t.source_sha256,
            imported,
        ]


def _project_values(year: int):
    return (
        Project.objects.filter(table__year=year)
        .order_by("table__department__name", "position")
        .values_list(
            "pk",
            "table_id",
            "table__department__name",
            "table__year",
            "unit__name",
            "position",
            "name",
            "code",
            "source_row",
            "total",
            "goal",
            "review_score",
            "executed",
            "unparsed_indicator_text",
        )
    )


def _funding_values(year: int):
    return (
        ProjectFunding.objects.filter(project__table__year=year)
        .order_by("project__table__department__name", "project__position", "source__position", "source__name")
        .values_list("project_id", "project__table_id", "source__name", "amount")
    )


def _indicator_values(year: int):
    """The level names as the source wrote them, else the category's own (as the exports write them)."""
    return (
        Indicator.objects.filter(project__table__year=year)
        .order_by("project__table__department__name", "project__position", "position")
        .values_list(
            "pk",
            "project_id",
            "project__table_id",
            "seq",
            Coalesce(NullIf("level1_label", Value("")), F("level2__level1__name")),
            Coalesce(NullIf("level2_label", Value("")), F("level2__name")),
            "level2_code",
            "name",
            "library_code",
            "period_value",
            "annual_value",
            "comparator",
            "target_value",
            "target_unit",
            "weight",
            "actual_value",
            "actual_points",
        )
    )


def _write(name: str, year: int, out) -> None:
    if name == JSON_FILE:
        _write_json(year, out)
        return
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([field[0] for field in FIELDS[name.removesuffix(".csv")]])
    for row in _rows(name.removesuffix(".csv"), year):
        writer.writerow(["" if v is None else v for v in row])
    text.flush()
    text.detach()


def _write_json(year: int, out) -> None:
    """The export of every table of the year, written table by table (the export's own code), so that a
    province's year never has to fit in memory at once."""
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8")
        text.write(f'{{"format": {json.dumps(exporter.FORMAT)}, "tables": [')
        names = (
            BudgetTable.objects.filter(year=year)
            .order_by("department__name")
            .values_list("department__name", flat=True)
        )
        for n, department in enumerate(names.iterator()):
            for table in selectors.tables_for_export(year=year, department=department):
                text.write(
                    (",\n" if n else "\n")
                    + json.dumps(exporter.table_document(table, opinions=False), ensure_ascii=False)
                )
        text.write("\n]}\n")
        text.flush()
        text.detach()


def bulk_file(year: int, name: str, version: str) -> Path:
    return kept_file(f"{year}-{name}", version, lambda out: _write(name, year, out))


def kept_file(stem: str, version: str, write) -> Path:
    return downloads.kept_file(stem, version, write, folder=downloads.export_dir() / "bulk")


def datapackage(years: list[int], *, base: str) -> dict:
    """The Frictionless descriptor: per year, the JSON and one resource per CSV with its field types and
    titles. Paths are relative to the descriptor, so a mirrored copy of the folder validates as well."""
    resources = []
    for year in years:
        resources.append(
            {
                "name": f"budget-performance-targets-{year}",
                "type": "file",
                "path": f"bulk/{year}/{JSON_FILE}",
                "title": f"{year}年绩效目标表(规范 JSON) / {year} tables, canonical JSON",
                "format": "json",
                "compression": "gz",
                "mediatype": "application/gzip",
                "description": "budget-performance-targets/1, gzip",
            }
        )
        for name, fields in FIELDS.items():
            schema = {
                "fields": [{"name": n, "type": t, "title": f"{zh} / {en}"} for n, t, zh, en in fields],
                "primaryKey": KEYS[name],
            }
            if name in REFERENCES:
                column, target = REFERENCES[name]
                reference = {"resource": f"{target}-{year}", "fields": column}
                schema["foreignKeys"] = [{"fields": column, "reference": reference}]
            resources.append(
                {
                    "name": f"{name}-{year}",
                    "type": "table",
                    "path": f"bulk/{year}/{name}.csv",
                    "title": f"{year} {name}",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": schema,
                }
            )
    return {
        "name": "budget-performance-targets",
        "title": "预算绩效目标表 / Budget performance targets",
        "homepage": base,
        "resources": resources,
    }


@router.get("/datapackage.json", url_name="datapackage", response={200: dict, **OTHER})
def package(request):
    """The Frictionless data package of every year's bulk files."""
    return datapackage(selectors.table_years(), base=request.build_absolute_uri(reverse("budget:open_data")))


FILE_ANSWER = {
    "description": "the file",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/gzip": {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.get("/bulk/{year}/{name}", url_name="bulk", response=OTHER, openapi_extra={"responses": {"200": FILE_ANSWER}})
def bulk(request, year: int = PathParam(..., ge=1990, le=2100), name: str = PathParam(...)):
    """One bulk file of one year: budget-performance-targets.json.gz, tables.csv, projects.csv, funding.csv or
    indicators.csv."""
    if name not in FILES or not BudgetTable.objects.filter(year=year).exists():
        raise HttpError(404, f"没有 {year} 年的 {name}。No such file.")
    path = bulk_file(year, name, caching.request_version(request))
    content_type = "application/gzip" if name == JSON_FILE else "text/csv; charset=utf-8"
    return FileResponse(open(path, "rb"), content_type=content_type, as_attachment=True, filename=f"{year}-{name}")
