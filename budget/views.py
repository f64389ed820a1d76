"""The public pages: the overview, a project, the indicator explorer and its CSV, the language switch. The
department page and its download are in department_views. Queries live in selectors, figures in charts and
score_charts, downloads in exporter and export_rows."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig
from django_tables2.rows import BoundRows

from budget import (
    caching,
    charts,
    downloads,
    explorer_queries,
    export_rows,
    export_sections,
    formats,
    monitoring_pages,
    peer_views,
    score_charts,
    selectors,
)
from budget.evaluation import scoring
from budget.filters import IndicatorFilter
from budget.models import RemovedProject
from budget.tables import IndicatorTable, OverviewTable

TABLES_PER_PAGE = 50
CHART_DEPARTMENTS = 30  # the overview charts the largest; the rest are one bar
INDICATORS_PER_PAGE = 50
EXPLORER_COUNT_CAP = 1000
EXPLORER_CSV_ROWS = 200_000  # a CSV of a whole province's indicators is the bulk files' job, not a request's
MAX_PER_PAGE = 100  # ?per_page= must not ask a whole large table onto one page


def year_asked(request, years):
    """The year asked for in ?year=, if it is one the data has; else the latest (None without data)."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    return year if year in years else (years[0] if years else None)


class BoundedRequestConfig(RequestConfig):
    """django-tables2's RequestConfig, with ?per_page= held to 1..MAX_PER_PAGE."""

    def configure(self, table):
        field = table.prefixed_per_page_field
        try:
            asked = int(self.request.GET.get(field, ""))
        except ValueError:
            asked = None
        if asked is not None and not 1 <= asked <= MAX_PER_PAGE:
            query = self.request.GET.copy()
            query[field] = str(min(max(asked, 1), MAX_PER_PAGE))
            self.request.GET = query
        return super().configure(table)


class CountedPaginator(Paginator):
    """A paginator told its count, so that it sends no COUNT(*) of its own."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count


@require_safe  # GET, and HEAD for link checkers and monitors
@caching.visitor_page
def overview(request):
    """One year (the latest by default): a page of its tables with their counts, and a chart of the largest.

    A fixed number of queries, each bounded by the page or the year's tables, never by projects or indicators.
    """
    years = selectors.table_years()
    # No year asked for: each department's latest year, so that one that has not yet published the newest
    # year's table is shown with the one it has.
    year = year_asked(request, years) if request.GET.get("year", "") in {str(y) for y in years} else None
    if not years:
        return render(request, "budget/overview.html", {"years": years, "year": None, "table": None})
    summary = selectors.year_summary(year=year)
    sources = selectors.source_names()
    version = caching.request_version(request)
    table = OverviewTable(
        selectors.with_source_sums(selectors.tables_overview(year=year, latest=True), sources), sources=sources
    )
    BoundedRequestConfig(
        request, paginate={"per_page": TABLES_PER_PAGE, "paginator_class": CountedPaginator, "count": summary["count"]}
    ).configure(table)
    # A page of tables sums the funding of their projects: a large table on it costs a scan of them.
    key = f"overview:{year}:{','.join(table.order_by or ())}:{table.paginator.per_page}:{table.page.number}"
    rows = caching.cached(key, version, lambda: list(table.page.object_list.data))
    top = caching.cached(
        f"top:{year}", version, lambda: selectors.top_tables(year=year, limit=CHART_DEPARTMENTS, sources=sources)
    )
    # A source no table of the page or chart has money in gets no column.
    used = [
        n
        for n, s in enumerate(sources)
        if any(getattr(t, f"source_{n}") is not None for t in rows) or any(s in t["by_source"] for t in top)
    ]
    for n in set(range(len(sources))) - set(used):
        table.columns.hide(f"source_{n}")
    lights = monitoring_pages.lights_by_table([t.pk for t in rows])
    for t in rows:
        t.lights = lights.get(t.pk)
    table.page.object_list = BoundRows(rows, table)
    sources = [sources[n] for n in used]
    rest = None
    if summary["count"] > len(top):
        rest = {"count": summary["count"] - len(top), "total": summary["total"] - sum(t["total"] for t in top)}
    return render(
        request,
        "budget/overview.html",
        {
            "years": years,
            "year": year,
            "table": table,
            "chart": charts.funding_by_department(top, sources, rest=rest),
            "chart_rest": rest,
        },
    )


@require_safe
@caching.visitor_page
def project(request, pk):
    project = selectors.project_detail(pk=pk)
    if project is None:
        raise Http404
    table = project.table
    funding, _ = selectors.funding_by_table_source(year=table.year, department=table.department_id)
    department_funding = funding.get(table.id, {})
    indicators = list(project.indicators.all())
    targets = [
        {
            "label": _label(i),
            "level1": i.level2.level1.name,
            "comparator": i.comparator,
            "value": i.target_value,
            "unit": i.target_unit,
        }
        for i in indicators
        if i.target_value is not None
    ]
    return render(
        request,
        "budget/project.html",
        {
            "project": project,
            "table": table,
            "funding": [
                (f.source.name, f.amount, department_funding.get(f.source.name)) for f in project.funding.all()
            ],
            "groups": _grouped(indicators),
            "target_panels": charts.numeric_targets(targets),
            "evaluation": _self_evaluation(project, indicators),
            "monitoring": monitoring_pages.project_months(project),
            "peers": peer_views.project_peers(indicators, table, caching.request_version(request)),
            "edit_url": reverse("admin:budget_project_change", args=[project.pk]) if request.user.is_staff else None,
        },
    )


def _self_evaluation(project, indicators):
    """The 绩效自评 section: each indicator's actual and points, the execution rate, score and grade.

    None unless the project has actuals, evaluator points, deviation reasons or an executed amount.
    """
    if project.executed is None and not any(
        i.actual_value or i.actual_points is not None or i.deviation_reason for i in indicators
    ):
        return None
    cfg = scoring.config()
    scored = scoring.score_project(project, cfg)
    rows, chart_rows = [], []
    for s in scored.indicators:
        i = s.indicator
        row = {"indicator": i, "label": _label(i), "score": s, "attainment": None}
        if i.target_value is not None and s.actual is not None:
            chart_rows.append(
                {
                    "label": row["label"],
                    "level1": i.level2.level1.name,
                    "comparator": i.comparator,
                    "target": i.target_value,
                    "actual": s.actual,
                    "unit": i.target_unit,
                }
            )
            row["attainment"] = scoring.attainment(i.comparator, i.target_value, s.actual) * 100
            row["lower"] = i.comparator in formats.LOWER_IS_BETTER
        rows.append(row)
    own = [f for s in scored.indicators for f in s.findings]
    return {
        "score": scored,
        "rows": rows,
        "execution_weight": cfg["weights"]["execution"],
        "scale": ",".join(f"{name} ≥{t}" for t, name in sorted(cfg["grades"], key=lambda g: -g[0]) if t > 0),
        "findings": [f for f in scored.findings if f not in own],
        "chart": score_charts.target_vs_actual(chart_rows) if chart_rows else None,
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


@require_safe
def explorer(request):
    filterset = IndicatorFilter(request.GET or None, queryset=explorer_queries.indicators_explorer())
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_explorer_csv(filterset.qs), content_type=downloads.FORMATS["csv"])
        response["Content-Disposition"] = content_disposition_header(True, "indicators.csv")
        return response
    return _explorer_page(request, filterset)


@caching.visitor_page  # not the CSV: a download is not kept, so it need not read the data version
def _explorer_page(request, filterset):
    ids = explorer_queries.ids_up_to(filterset.qs, EXPLORER_COUNT_CAP + 1)
    count = len(ids)
    # The page is read back by id, so that the search runs once: a rare word's few matches take a scan of every
    # indicator to find, and a narrowed search's page planned afresh read every indicator of a large table.
    # Past the cap the pages list the first EXPLORER_COUNT_CAP ids read, unless the reader sorts by a column,
    # which orders every match.
    by_id = count <= EXPLORER_COUNT_CAP or not request.GET.get("sort")
    rows = explorer_queries.indicators_explorer().filter(pk__in=ids[:EXPLORER_COUNT_CAP]) if by_id else filterset.qs
    indicator_table = IndicatorTable(
        rows,
        terms=filterset.terms(),
        with_projects=filterset.with_projects(),
        actuals=explorer_queries.has_actuals(caching.request_version(request)),
        version=caching.request_version(request),
    )
    BoundedRequestConfig(
        request,
        paginate={
            "per_page": INDICATORS_PER_PAGE,
            "paginator_class": CountedPaginator,
            "count": min(count, EXPLORER_COUNT_CAP),
        },
    ).configure(indicator_table)
    return render(
        request,
        "budget/explorer.html",
        {
            "filter": filterset,
            "indicator_table": indicator_table,
            "more_than": EXPLORER_COUNT_CAP if count > EXPLORER_COUNT_CAP else None,
        },
    )


EXPLORER_HEADER = [
    "部门",
    "年度",
    "项目名称",
    "一级指标",
    "二级指标",
    "三级指标",
    "实施周期指标值",
    "年度指标值",
    "比较符",
    "目标值",
    "计量单位",
]


def _explorer_csv(indicators):
    """The filtered set in the export's CSV dialect (BOM for Excel, formulas made inert), streamed row by row
    from a server-side cursor, at most EXPLORER_CSV_ROWS rows (a last line says when more were left out)."""
    rows = (
        [
            i.project.table.department.name,
            i.project.table.year,
            i.project.name,
            i.level2.level1.name,
            i.level2.name,
            i.name,
            i.period_value,
            i.annual_value,
            export_rows.SHEET_COMPARATORS.get(i.comparator, "") if i.target_value is not None else "",
            export_sections.cell_number(i.target_value),
            i.target_unit,
        ]
        for i in indicators[: EXPLORER_CSV_ROWS + 1].iterator(chunk_size=2000)
    )
    return export_rows.csv_lines(_capped(rows), header=EXPLORER_HEADER)


def _capped(rows):
    for n, row in enumerate(rows):
        if n == EXPLORER_CSV_ROWS:
            yield [gettext("……超过 {n} 行,其余未列出;请按部门或年度筛选后分别下载。").format(n=EXPLORER_CSV_ROWS)]
            return
        yield row


@require_safe
def language(request, code):
    """Switch the language and go back to the page. A link rather than Django's set_language form: pages for
    visitors then carry no form and no CSRF token, so one rendering can be served to every visitor."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("budget:overview")
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# -- project links that survive editions --------------------------------------------------------


@require_safe
def project_page(request, pk):
    """A project by id, as every page links it; one a re-import dropped answers 410 saying which edition did."""
    try:
        return project(request, pk)
    except Http404:
        gone = RemovedProject.objects.select_related("department", "removed_by").filter(project_id=pk).first()
        if gone is None:
            raise
        # Dropped, then back in a later edition (under a new id): the old link leads to it.
        from budget.importing.identity import find_project

        back = find_project(gone.department_id, gone.year, gone.ref)
        if back is not None:
            return HttpResponseRedirect(reverse("budget:project", args=[back]))
        return _gone(request, gone)


@require_safe
def project_by_ref(request, pk, year, ref):
    """The same page at a path that reads: department / year / project code (or name, ~2 for a second namesake)."""
    from budget.importing.identity import find_project

    if "\x00" in ref or len(ref) > 600:  # no project has such a name, and PostgreSQL refuses NUL in text
        raise Http404
    found = find_project(pk, year, ref)
    if found is not None:
        return project(request, found)
    gone = (
        RemovedProject.objects.select_related("department", "removed_by")
        .filter(department_id=pk, year=year, ref=ref)
        .order_by("-removed_at")
        .first()
    )
    if gone is None:
        raise Http404
    return _gone(request, gone)


def _gone(request, gone):
    still = gone.department.tables.filter(year=gone.year).exists()
    return render(
        request,
        "budget/gone.html",
        {
            "gone": gone,
            "department_url": reverse("budget:department", args=[gone.department_id, gone.year]) if still else None,
        },
        status=410,
    )
