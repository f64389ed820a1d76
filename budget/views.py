"""The public pages. Queries live in selectors, figures in charts, downloads in exporter."""

import io
import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget import charts, exporter, review, scoring, selectors
from budget.filters import IndicatorFilter, ProjectFilter
from budget.models import Department
from budget.tables import IndicatorTable, ProjectTable

PROJECTS_PER_PAGE = 20
REVIEW_LISTED = 20  # the weakest projects named on the department page; the project table sorts the rest
INDICATORS_PER_PAGE = 50
DOWNLOADS = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
}


def _year(request, years):
    """The year asked for in ?year=, if it is one the data has; else None (all years)."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if year in years else None


@require_GET
def overview(request):
    years = selectors.table_years()
    year = _year(request, years)
    tables = selectors.tables_overview(year=year)
    funding, sources = selectors.funding_by_table_source(year=year)
    several_years = len({t.year for t in tables}) > 1
    for t in tables:
        t.by_source = [funding.get(t.id, {}).get(s) for s in sources]
    chart_rows = [
        {"label": f"{t.department.name} {t.year}" if several_years else t.department.name,
         "total": t.total, "by_source": funding.get(t.id, {})}
        for t in tables
    ]
    return render(request, "budget/overview.html", {
        "years": years, "year": year, "tables": tables, "sources": sources,
        "chart": charts.funding_by_department(chart_rows, sources) if tables else None,
    })


@require_GET
def department(request, pk, year):
    dept = get_object_or_404(Department, pk=pk)
    table = selectors.table_detail(year=year, department=dept)
    if table is None:
        raise Http404
    funding, sources = selectors.funding_by_table_source(year=year, department=dept)
    projects = selectors.projects_with_funding(year=year, department=dept, sources=sources)
    units = selectors.table_units(year=year, department=dept)
    filterset = ProjectFilter(request.GET or None, queryset=projects, units=units)
    project_table = ProjectTable(filterset.qs, sources=sources, show_unit=units.count() > 1)
    RequestConfig(request, paginate={"per_page": PROJECTS_PER_PAGE}).configure(project_table)
    chart_projects = selectors.project_funding_rows(projects, sources)
    mix = selectors.indicators_mix(year=year, department=dept)
    history = selectors.department_years(department=dept)
    reviewed = selectors.projects_for_review(year=year, department=dept)
    weakest = [p for p in review.ranked_by_findings(reviewed) if p.review_findings]
    return render(request, "budget/department.html", {
        "department": dept, "table": table, "sources": sources,
        "by_source": [(s, funding.get(table.id, {}).get(s)) for s in sources],
        "filter": filterset, "project_table": project_table,
        "funding_chart": charts.funding_per_project(chart_projects, sources) if chart_projects else None,
        "mix": mix, "mix_chart": charts.indicator_mix(mix) if mix else None,
        "flags": selectors.table_flags(year=year, department=dept),
        "weakest": weakest[:REVIEW_LISTED], "weakest_more": len(weakest) - REVIEW_LISTED,
        "scores": _score_distribution([p for p in reviewed if p.evaluated]),
        "history": history if len(history) > 1 else None,
        "history_chart": charts.funding_per_year(history) if len(history) > 1 else None,
        "downloads": [(fmt, reverse("budget:download", args=[dept.pk, year, fmt])) for fmt in DOWNLOADS],
    })


@require_GET
def department_download(request, pk, year, fmt):
    """This table in one of the exporter's formats."""
    if fmt not in DOWNLOADS:
        raise Http404
    dept = get_object_or_404(Department, pk=pk)
    if fmt == "json":
        document = exporter.json_document(year=year, department=dept.name)
        if not document["tables"]:
            raise Http404
        body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        tables = selectors.tables_for_export(year=year, department=dept.name)
        if not tables:
            raise Http404
        if fmt == "txt":
            body = exporter.table_text(tables[0])
        elif fmt == "csv":
            body = io.StringIO()
            exporter.write_csv(exporter.indicator_rows(year=year, department=dept.name), body)
            body = body.getvalue()
        else:
            body = io.BytesIO()
            exporter.write_xlsx(exporter.indicator_rows(year=year, department=dept.name), body)
            body = body.getvalue()
    return _attachment(body, fmt, f"{dept.name}-{year}.{fmt}")


@require_GET
def project(request, pk):
    project = selectors.project_detail(pk=pk)
    if project is None:
        raise Http404
    table = project.table
    funding, _ = selectors.funding_by_table_source(year=table.year, department=table.department_id)
    department_funding = funding.get(table.id, {})
    indicators = list(project.indicators.all())
    targets = [
        {"label": _label(i), "level1": i.level2.level1.name,
         "comparator": i.comparator, "value": i.target_value, "unit": i.target_unit}
        for i in indicators if i.target_value is not None
    ]
    return render(request, "budget/project.html", {
        "project": project, "table": table,
        "funding": [(f.source.name, f.amount, department_funding.get(f.source.name)) for f in project.funding.all()],
        "groups": _grouped(indicators),
        "target_panels": charts.numeric_targets(targets),
        "evaluation": _self_evaluation(project, indicators),
        "edit_url": reverse("admin:budget_project_change", args=[project.pk]) if request.user.is_staff else None,
    })


def _score_distribution(projects):
    """The self-evaluation scores of the department's projects by grade, or None when none has data."""
    if not projects:
        return None
    cfg = scoring.config()
    scored = [(p, scoring.score_project(p, cfg)) for p in projects]
    rows = [{"pk": p.pk, "name": p.name, "score": s.score, "grade": s.grade} for p, s in scored if s.score is not None]
    grades = [name for _, name in sorted(cfg["grades"], key=lambda g: -g[0])]
    return {
        "grades": [(g, sorted((r for r in rows if r["grade"] == g), key=lambda r: -r["score"])) for g in grades],
        "unscored": [p for p, s in scored if s.score is None],
        "chart": charts.score_distribution(rows, cfg["grades"]) if rows else None,
    }


def _self_evaluation(project, indicators):
    """The 绩效自评 section: each indicator's actual and points, the execution rate, score and grade.

    None unless the project has actuals, evaluator points, deviation reasons or an executed amount.
    """
    if project.executed is None and not any(
            i.actual_value or i.actual_points is not None or i.deviation_reason for i in indicators):
        return None
    cfg = scoring.config()
    scored = scoring.score_project(project, cfg)
    rows, chart_rows = [], []
    for s in scored.indicators:
        i = s.indicator
        row = {"indicator": i, "label": _label(i), "score": s, "attainment": None}
        if i.target_value is not None and s.actual is not None:
            chart_rows.append({"label": row["label"], "level1": i.level2.level1.name, "comparator": i.comparator,
                               "target": i.target_value, "actual": s.actual, "unit": i.target_unit})
            row["attainment"] = charts.attainment(i.comparator, i.target_value, s.actual)
            row["lower"] = i.comparator in charts.LOWER_IS_BETTER
        rows.append(row)
    own = [f for s in scored.indicators for f in s.findings]
    return {
        "score": scored, "rows": rows, "execution_weight": cfg["weights"]["execution"],
        "scale": ",".join(f"{name} ≥{t}" for t, name in sorted(cfg["grades"], key=lambda g: -g[0]) if t > 0),
        "findings": [f for f in scored.findings if f not in own],
        "chart": charts.target_vs_actual(chart_rows) if chart_rows else None,
    }


def _label(indicator) -> str:
    return f"{indicator.seq}. {indicator.name or indicator.level2.name}"


def _grouped(indicators):
    """[(level-1 name, [(level-2 name, [indicators])])] in the order they first appear."""
    groups: dict[str, dict[str, list]] = {}
    for i in indicators:
        level2 = i.level2
        groups.setdefault(level2.level1.name, {}).setdefault(level2.name, []).append(i)
    return [(level1, list(children.items())) for level1, children in groups.items()]


@require_GET
def explorer(request):
    filterset = IndicatorFilter(request.GET or None, queryset=selectors.indicators_explorer())
    if request.GET.get("format") == "csv":
        return _attachment(_explorer_csv(filterset.qs), "csv", "indicators.csv")
    indicator_table = IndicatorTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": INDICATORS_PER_PAGE}).configure(indicator_table)
    return render(request, "budget/explorer.html", {"filter": filterset, "indicator_table": indicator_table})


EXPLORER_HEADER = ["部门", "年度", "项目名称", "一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值",
                   "比较符", "目标值", "计量单位"]


def _explorer_csv(indicators) -> str:
    """The filtered set in the exporter's CSV dialect (BOM for Excel, formulas made inert)."""
    rows = (
        [i.project.table.department.name, i.project.table.year, i.project.name, i.level2.level1.name,
         i.level2.name, i.name, i.period_value, i.annual_value, i.comparator,
         exporter.number(i.target_value), i.target_unit]
        for i in indicators.iterator(chunk_size=2000)
    )
    out = io.StringIO()
    exporter.write_csv(rows, out, header=EXPLORER_HEADER)
    return out.getvalue()


def _attachment(body, fmt, filename) -> HttpResponse:
    response = HttpResponse(body, content_type=DOWNLOADS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
