"""The department page (one table: its projects, funding, charts, review, self-evaluation scores, monitoring and
years) and the download of that table. The views share paging with budget/views.py; queries live in selectors,
figures in charts and score_charts, the files themselves in downloads."""

from django.db.models import Case, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from budget import caching, charts, downloads, monitoring_pages, score_charts, selectors, workflow, yearly
from budget.evaluation import scoring
from budget.filters import ProjectFilter
from budget.models import BudgetTable, Department
from budget.tables import ProjectTable
from budget.views import BoundedRequestConfig, CountedPaginator

FLAGS_LISTED = 100
PROJECTS_PER_PAGE = 20
REVIEW_LISTED = 20  # the weakest projects named on the department page; the project table sorts the rest


@require_safe
@caching.visitor_page
def department(request, pk, year):
    """One table. Whatever reads every project or indicator of it (counts, funding per source, the chart's
    largest projects, the mix, the review ranking, the years) is cached under the data version, so that a
    20,000-project table costs what a 30-project one does once it has been shown."""
    dept = get_object_or_404(Department, pk=pk)
    version = caching.request_version(request)
    table = selectors.table_detail(year=year, department=dept, version=version)
    if table is None:
        return _department_overall_only(request, dept, year)
    funding, sources = caching.cached(
        f"funding:{table.pk}", version, lambda: selectors.funding_by_table_source(table_ids=[table.pk])
    )
    projects = selectors.projects_with_funding(table_id=table.pk, sources=sources)
    units = selectors.table_units(year=year, department=dept)
    filterset = ProjectFilter(request.GET or None, queryset=projects, units=units)
    project_table = ProjectTable(filterset.qs, sources=sources, show_unit=units.count() > 1)
    # The table's own count says how many projects there are unless a filter narrows them.
    paginate = {"per_page": PROJECTS_PER_PAGE}
    narrowed = filterset.is_bound and (not filterset.is_valid() or any(filterset.form.cleaned_data.values()))
    if not narrowed:
        paginate.update(paginator_class=CountedPaginator, count=table.project_count)
    BoundedRequestConfig(request, paginate=paginate).configure(project_table)
    return render(
        request,
        "budget/department.html",
        {
            "department": dept,
            "table": table,
            "version": version,
            "filter": filterset,
            "project_table": project_table,
            "sections": _DepartmentSections(dept, table, version, funding.get(table.id, {}), sources, projects),
        },
    )


def _department_overall_only(request, dept, year):
    """A department that published only its department-wide table this year still has its page."""
    overall = _overall(selectors.department_targets(year=year, department=dept))
    if overall is None:
        raise Http404
    return render(request, "budget/department_overall.html", {"department": dept, "year": year, "overall": overall})


def _overall(table):
    if table is None:
        return None
    whole = table.project_list[0] if table.project_list else None
    details = table.details or {}
    return {
        "table": table,
        "goal": whole.goal if whole else "",
        "period_goal": whole.period_goal if whole else "",
        "by_source": [(f.source.name, f.amount) for f in whole.funding.all()] if whole else [],
        "by_purpose": list(details.get("by_purpose", {}).items()),
        "duties": details.get("duties", []),
        "indicators": list(whole.indicators.all()) if whole else [],
    }


class _DepartmentSections:
    """What the department page shows around its project table. The template keeps those sections per table,
    data version and language (they do not change with the table's sort, filter or page), so each part is
    computed only when a section is rendered, not when it comes from the fragment cache."""

    def __init__(self, dept, table, version, funding, sources, projects):
        self.dept, self.table, self.version = dept, table, version
        self.funding, self.sources, self.projects = funding, sources, projects

    @cached_property
    def by_source(self):
        return [(s, self.funding.get(s)) for s in self.sources]

    @cached_property
    def downloads(self):
        return [
            (fmt, reverse("budget:download", args=[self.dept.pk, self.table.year, fmt])) for fmt in downloads.FORMATS
        ]

    @cached_property
    def funding_chart(self):
        # The largest projects and one sum for the rest, so that it costs the same at 20,000 projects.
        top, rest = caching.cached(
            f"chart:{self.table.pk}",
            self.version,
            lambda: selectors.project_funding_rows(self.projects, self.sources, limit=charts.TOP_PROJECTS),
        )
        if not top:
            return None
        if rest is not None:
            rest["by_source"] = {
                s: (self.funding.get(s) or 0) - sum(p["by_source"].get(s) or 0 for p in top) for s in self.sources
            }
        return charts.funding_per_project(top, self.sources, rest=rest)

    @cached_property
    def overall(self):
        """The department-wide targets of the same year (部门整体支出绩效目标表), shown beside the projects."""
        return _overall(selectors.department_targets(year=self.table.year, department=self.dept))

    @cached_property
    def monitoring(self):
        return monitoring_pages.department_monitoring(self.table)

    @cached_property
    def mix(self):
        return selectors.indicators_mix(year=self.table.year, department=self.dept, version=self.version)

    @cached_property
    def mix_chart(self):
        return charts.indicator_mix(self.mix) if self.mix else None

    @cached_property
    def _weakest(self):
        # Ranking reads the findings of every project: cached until the data changes.
        return caching.cached(
            f"weakest:{self.table.pk}",
            self.version,
            lambda: selectors.weakest_projects(table_id=self.table.pk, limit=REVIEW_LISTED),
        )

    @cached_property
    def weakest(self):
        return self._weakest[0]

    @cached_property
    def weakest_more(self):
        return self._weakest[1] - len(self.weakest)

    @cached_property
    def scores(self):
        return _score_distribution(selectors.projects_for_review(table_id=self.table.pk, version=self.version))

    @cached_property
    def flags(self):
        return selectors.table_flags(table_id=self.table.pk, limit=FLAGS_LISTED)

    @cached_property
    def flags_more(self):
        return self.table.flag_count - len(self.flags)

    @cached_property
    def _years(self):
        return caching.cached(
            f"years:{self.dept.pk}", self.version, lambda: selectors.department_years(department=self.dept)
        )

    @cached_property
    def history(self):
        return self._years if len(self._years) > 1 else None

    @cached_property
    def history_chart(self):
        return charts.funding_per_year(self.history) if self.history else None

    @cached_property
    def year_on_year(self):
        # Reads both years' projects and targets: cached until the data changes, as the page's fragment is.
        if not self.history:
            return None
        return caching.cached(
            f"year-on-year:{self.table.pk}",
            self.version,
            lambda: yearly.compare(self.table, [y["year"] for y in self.history]),
        )


@require_safe
def department_download(request, pk, year, fmt):
    """This table in one of the exporter's formats, streamed from the file kept for this data version."""
    if fmt not in downloads.FORMATS:
        raise Http404
    # The department page's table: its project targets (the department-wide table is in the JSON beside it),
    # or the department-wide table when that is all the department published that year.
    table = (
        BudgetTable.objects.select_related("department")
        .filter(department_id=pk, year=year)
        .order_by(Case(When(kind=BudgetTable.Kind.PROJECT_TARGETS, then=0), default=1))
        .first()
    )
    if table is None:
        raise Http404
    # The review opinions go to the bureau and the department only (budget/workflow.py).
    opinions = fmt == "json" and workflow.can_view(request.user, table.department_id)
    path = downloads.table_file(table, fmt, caching.data_version(), opinions=opinions)
    response = FileResponse(open(path, "rb"), content_type=downloads.FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{table.department.name}-{year}.{fmt}")
    return response


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
        "chart": score_charts.score_distribution(rows, cfg["grades"]) if rows else None,
    }
