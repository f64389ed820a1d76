"""Read queries. Each costs a fixed number of queries whatever the size of the data."""

from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from budget.caching import cached
from budget.models import (
    BudgetTable,
    Flag,
    FundingSource,
    FundingUnit,
    Indicator,
    IndicatorProgress,
    MonitoringReport,
    Project,
    ProjectFunding,
)

ZERO = Value(Decimal(0))

PROJECT_TARGETS = BudgetTable.Kind.PROJECT_TARGETS


def project_tables():
    """The project targets tables (项目支出绩效目标表): what the overview, the charts and the department
    page count. A department's department-wide table (部门整体支出绩效目标表) stands beside its own."""
    return BudgetTable.objects.filter(kind=PROJECT_TARGETS)


def department_targets(*, year, department):
    """The department-wide targets of the year, with their one project's indicators, or None."""
    return (
        BudgetTable.objects.filter(year=year, department=department, kind=BudgetTable.Kind.DEPARTMENT_TARGETS)
        .prefetch_related(
            Prefetch(
                "projects",
                Project.objects.order_by("position").prefetch_related(
                    Prefetch("indicators", Indicator.objects.order_by("position")),
                    Prefetch("funding", ProjectFunding.objects.select_related("source")),
                ),
                to_attr="project_list",
            )
        )
        .first()
    )


def _export_projects():
    return Project.objects.order_by("position").prefetch_related(
        Prefetch(
            "funding", ProjectFunding.objects.select_related("source").order_by("source__position", "source__name")
        ),
        Prefetch("indicators", Indicator.objects.select_related("level2__level1").order_by("position")),
        Prefetch("monitoring", MonitoringReport.objects.order_by("month").prefetch_related("indicators")),
    )


def tables_for_export(*, year=None, department=None, with_projects=True, kind=None):
    """Tables with everything the exports need, in a constant number of queries per call. Without projects,
    the units come bare: the streamed exports read their projects a chunk at a time (project_chunks). A
    department's project table comes before its department-wide table of the same year."""
    tables = BudgetTable.objects.select_related("department").order_by("department__name", "year", "-kind")
    if kind:
        tables = tables.filter(kind=kind)
    if year:
        tables = tables.filter(year=year)
    if department:
        tables = tables.filter(department__name=department)
    units = FundingUnit.objects.order_by("position")
    if with_projects:
        units = units.prefetch_related(Prefetch("projects", _export_projects(), to_attr="project_list"))
    tables = tables.prefetch_related(
        Prefetch("units", units, to_attr="unit_list"),
        Prefetch("flags", Flag.objects.select_related("project").order_by("row", "id")),
    )
    tables = list(tables)
    sources = table_sources([t.id for t in tables])
    for t in tables:
        t.source_names = sources.get(t.id, [])
    return tables


def export_tables(*, year=None, department=None, kind=None):
    return tables_for_export(year=year, department=department, with_projects=False, kind=kind)


def projects_by_unit(*, table_id, size):
    """{unit id: [its projects]} for a table's units in order, filled `size` projects at a time (each chunk read
    with its funding and indicators): one unit's list at a time is held, and a few queries per chunk."""
    ids = list(
        Project.objects.filter(table_id=table_id).order_by("unit__position", "position").values_list("id", "unit_id")
    )
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        projects = {p.id: p for p in _export_projects().filter(id__in=[i for i, _ in chunk])}
        yield [projects[i] for i, _ in chunk]


def unit_source_sums(*, table_id, sources) -> tuple[dict[int, dict[str, Decimal]], dict[str, Decimal]]:
    """({unit id: {source: sum of its projects}}, {source: sum of the table}), every source present, in SQL."""
    rows = (
        ProjectFunding.objects.filter(project__table_id=table_id)
        .values_list("project__unit_id", "source__name")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    units = {
        u: dict.fromkeys(sources, Decimal(0))
        for u in FundingUnit.objects.filter(table_id=table_id).values_list("id", flat=True)
    }
    table = dict.fromkeys(sources, Decimal(0))
    for unit, source, total in rows:
        units[unit][source] += total
        table[source] += total
    return units, table


def table_sources(table_ids) -> dict[int, list[str]]:
    """The funding-source columns each table has, in the usual column order."""
    rows = (
        ProjectFunding.objects.filter(project__table_id__in=table_ids)
        .values_list("project__table_id", "source__name", "source__position")
        .distinct()
        .order_by("source__position", "source__name")
    )
    result: dict[int, list[str]] = {}
    for table_id, name, _ in rows:
        result.setdefault(table_id, []).append(name)
    return result


# -- the web pages -------------------------------------------------------------------------
# Counts come from correlated subqueries rather than joins, so that counting indicators does
# not multiply the rows that funding sums run over.


def _count(queryset, outer="pk"):
    counted = queryset.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def table_years() -> list[int]:
    return list(project_tables().order_by("-year").values_list("year", flat=True).distinct())


def tables_overview(*, year=None, department=None, latest=False):
    """Every table with its counts, latest year first.

    Lazy: sliced (paginated), PostgreSQL evaluates the count subqueries only for the rows the
    LIMIT lets through, after the sort (they are costly target-list entries).
    """
    tables = (
        project_tables()
        .select_related("department")
        .annotate(
            project_count=_count(Project.objects.filter(table=OuterRef("pk")), "table"),
            indicator_count=_count(Indicator.objects.filter(project__table=OuterRef("pk")), "project__table"),
            numeric_count=_count(
                Indicator.objects.filter(project__table=OuterRef("pk"), target_value__isnull=False), "project__table"
            ),
            flag_count=_count(Flag.objects.filter(table=OuterRef("pk")), "table"),
        )
        .order_by("-year", "department__name")
    )
    if year or latest:
        tables = tables.filter(pk__in=year_tables(year).values("pk"))
    if department:
        tables = tables.filter(department=department)
    return tables


def source_names() -> list[str]:
    return list(FundingSource.objects.order_by("position", "name").values_list("name", flat=True))


def _source_sums(sources):
    """One `source_<n>` sum per source, per table: correlated subqueries, so that for a page of tables
    PostgreSQL walks the page's projects by index instead of hashing every funding row of the year."""
    return {
        f"source_{n}": Subquery(
            ProjectFunding.objects.filter(project__table=OuterRef("pk"), source__name=name)
            .order_by()
            .values("project__table")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        for n, name in enumerate(sources)
    }


def with_source_sums(tables, sources):
    return tables.annotate(**_source_sums(sources))


def year_tables(year=None):
    """The year's tables; without a year each department's latest, so that a department that has not yet
    published this year's table is shown with the one it has, not left out."""
    if year:
        return project_tables().filter(year=year)
    newest = project_tables().filter(department=OuterRef("department")).order_by("-year").values("pk")[:1]
    return project_tables().filter(pk=Subquery(newest))


def year_summary(*, year) -> dict:
    """{"count", "total"} of the year's tables (each department's latest without one), in one query."""
    return year_tables(year).aggregate(count=Count("pk"), total=Coalesce(Sum("total"), ZERO))


def top_tables(*, year, limit, sources) -> list[dict]:
    """The year's `limit` largest tables by total: [{"label", "total", "by_source": {source: amount}}]."""
    fields = [f"source_{n}" for n in range(len(sources))]
    rows = (
        with_source_sums(year_tables(year), sources)
        .order_by("-total", "department__name")
        .values("department__name", "total", *fields)[:limit]
    )
    return [
        {
            "label": r["department__name"],
            "total": r["total"],
            "by_source": {s: r[f] for s, f in zip(sources, fields) if r[f] is not None},
        }
        for r in rows
    ]


def funding_by_table_source(
    *, year=None, department=None, table_ids=None
) -> tuple[dict[int, dict[str, Decimal]], list[str]]:
    """({table id: {source name: amount}}, the source names in their usual order), summed in SQL."""
    rows = ProjectFunding.objects.values("project__table_id", "source__name", "source__position")
    if table_ids is not None:
        rows = rows.filter(project__table_id__in=table_ids)
    if year:
        rows = rows.filter(project__table__year=year, project__table__kind=PROJECT_TARGETS)
    if department:
        rows = rows.filter(project__table__department=department)
    rows = rows.annotate(amount_sum=Sum("amount")).order_by("source__position", "source__name")
    by_table: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        by_table.setdefault(row["project__table_id"], {})[row["source__name"]] = row["amount_sum"]
    sources = list(dict.fromkeys(row["source__name"] for row in rows))
    return by_table, sources


COUNTS = ("project_count", "indicator_count", "numeric_count", "flag_count")


def table_detail(*, year, department, version):
    """One department's table for one year with its counts, or None.

    The counts read every indicator of the table: cached until the data changes.
    """
    table = project_tables().select_related("department").filter(year=year, department=department).first()
    if table is not None:
        counts = cached(
            f"counts:{table.pk}", version, lambda: tables_overview().filter(pk=table.pk).values(*COUNTS).first()
        )
        for name in COUNTS:
            setattr(table, name, counts[name])
    return table


def projects_with_funding(*, table_id, sources):
    """The table's projects with one `source_<n>` amount per entry of `sources` and indicator counts.

    Filtered on table_id itself, so that the (table, position) index gives the order and a page's
    LIMIT stops the scan; the subqueries then run for the page's rows only.
    """
    projects = Project.objects.filter(table_id=table_id).select_related("unit")
    per_source = {
        f"source_{n}": Subquery(
            ProjectFunding.objects.filter(project=OuterRef("pk"), source__name=name).order_by().values("amount")[:1]
        )
        for n, name in enumerate(sources)
    }
    return projects.annotate(
        **per_source,
        indicator_count=_count(Indicator.objects.filter(project=OuterRef("pk")), "project"),
        numeric_count=_count(Indicator.objects.filter(project=OuterRef("pk"), target_value__isnull=False), "project"),
    ).order_by("position")


def project_funding_rows(projects, sources, *, limit) -> tuple[list[dict], dict | None]:
    """The `limit` largest projects [{"name", "total", "by_source"}] of a projects_with_funding queryset, and
    {"count", "total"} of the rest, or None: two queries however many projects the table has."""
    fields = [f"source_{n}" for n in range(len(sources))]
    top = [
        {"name": p["name"], "total": p["total"], "by_source": {s: p[f] for s, f in zip(sources, fields)}}
        for p in projects.order_by("-total", "position").values("name", "total", *fields)[:limit]
    ]
    if len(top) < limit:
        return top, None
    whole = projects.order_by().aggregate(count=Count("pk"), total=Coalesce(Sum("total"), ZERO))
    if whole["count"] <= len(top):
        return top, None
    return top, {"count": whole["count"] - len(top), "total": whole["total"] - sum(p["total"] for p in top)}


def projects_for_review(*, table_id, version):
    """The table's projects with self-evaluation data, with their indicators: the ones budget.evaluation.scoring
    can say something about. Two queries; which projects they are is cached (finding them reads every
    indicator of the table; entering actuals writes history rows, which moves the version)."""
    evaluated = Indicator.objects.filter(project=OuterRef("pk")).filter(
        ~Q(actual_value="") | Q(actual_points__isnull=False) | ~Q(deviation_reason="")
    )
    ids = cached(
        f"evaluated:{table_id}",
        version,
        lambda: list(
            Project.objects.filter(table_id=table_id)
            .filter(Q(executed__isnull=False) | Exists(evaluated))
            .values_list("pk", flat=True)
        ),
    )
    if not ids:
        return []
    projects = list(
        Project.objects.filter(pk__in=ids)
        .only("position", "name", "total", "executed", "budget_adjusted", "review_score", "review_findings")
        .annotate(evaluated=ExpressionWrapper(Value(True), BooleanField()))
        .order_by("position")
    )
    prefetch_related_objects(
        projects, Prefetch("indicators", Indicator.objects.select_related("level2__level1").order_by("position"))
    )
    return projects


_ERRORS = RawSQL(
    """jsonb_array_length(jsonb_path_query_array("budget_project"."review_findings",
                 '$[*] ? (@.severity == "error")'))""",
    [],
    output_field=IntegerField(),
)
_FINDINGS = RawSQL('jsonb_array_length("budget_project"."review_findings")', [], output_field=IntegerField())


def ranked_by_findings(projects):
    """The projects weakest first: most errors among their review findings, then most findings, then the lower
    score, then source order. The department page and the review page rank by this one order."""
    return projects.annotate(errors=_ERRORS, findings=_FINDINGS).order_by(
        F("errors").desc(), F("findings").desc(), Coalesce("review_score", Value(Decimal(101))), "position"
    )


def weakest_projects(*, table_id, limit) -> tuple[list, int]:
    """The `limit` projects with the most review findings, weakest first, and how many have findings."""
    projects = Project.objects.filter(table_id=table_id).exclude(review_findings=[])
    weakest = list(
        ranked_by_findings(projects.only("position", "name", "total", "review_score", "review_findings"))[:limit]
    )
    if len(weakest) < limit:
        return weakest, len(weakest)
    return weakest, projects.count()


def table_units(*, year, department):
    """The table's funding units, id and name: a large table has hundreds, each one an option of the filter."""
    return (
        FundingUnit.objects.filter(table__year=year, table__department=department, table__kind=PROJECT_TARGETS)
        .only("id", "name")
        .order_by("position")
    )


def indicators_mix(*, year, department=None, version=None):
    """Indicator counts per level-1 and level-2 category; cached under `version` when one is given."""
    if version is not None:
        return cached(
            f"mix:{year}:{getattr(department, 'pk', department)}",
            version,
            lambda: indicators_mix(year=year, department=department),
        )
    rows = Indicator.objects.filter(project__table__year=year, project__table__kind=PROJECT_TARGETS)
    if department:
        rows = rows.filter(project__table__department=department)
    rows = (
        rows.values("level2__level1__name", "level2__name")
        .annotate(count=Count("pk"))
        .order_by("level2__level1__code", "level2__level1__name", "level2__code", "level2__name")
    )
    return [{"level1": r["level2__level1__name"], "level2": r["level2__name"], "count": r["count"]} for r in rows]


def table_flags(*, table_id, limit):
    """The table's first `limit` flags in row order."""
    # Only the project's name: its row carries the indicator text, goal and findings, ten times the flag.
    return list(
        Flag.objects.filter(table_id=table_id)
        .select_related("project")
        .only("severity", "code", "message", "row", "table_id", "project_id", "project__name")
        .order_by("row", "id")[:limit]
    )


def department_years(*, department):
    """Funding and project counts per year, and which projects each year added or dropped."""
    years = list(
        project_tables()
        .filter(department=department)
        .order_by("year")
        .values("year", "total")
        .annotate(project_count=_count(Project.objects.filter(table=OuterRef("pk")), "table"))
    )
    names: dict[int, set[str]] = {}
    if len(years) < 2:
        return years  # nothing to compare: the page shows no history
    for year, name in Project.objects.filter(table__department=department, table__kind=PROJECT_TARGETS).values_list(
        "table__year", "name"
    ):
        names.setdefault(year, set()).add(name)
    previous = None
    for row in years:
        current = names.get(row["year"], set())
        row["added"] = sorted(current - previous) if previous is not None else []
        row["dropped"] = sorted(previous - current) if previous is not None else []
        previous = current
    return years


def project_detail(*, pk):
    """A project with its table, funding, indicators and flags, or None."""
    return (
        Project.objects.select_related("table__department", "unit")
        .prefetch_related(
            Prefetch("funding", ProjectFunding.objects.select_related("source").order_by("source__position")),
            Prefetch("indicators", Indicator.objects.select_related("level2__level1").order_by("position")),
            Prefetch("flags", Flag.objects.order_by("row", "id")),
            Prefetch(
                "monitoring",
                MonitoringReport.objects.order_by("month").prefetch_related(
                    Prefetch(
                        "indicators",
                        IndicatorProgress.objects.select_related("indicator").order_by("indicator__position"),
                    )
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
