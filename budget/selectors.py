"""Read queries. Each costs a fixed number of queries whatever the size of the data."""

from decimal import Decimal

from django.db.models import (BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, Subquery, Sum,
                              prefetch_related_objects)
from django.db.models.functions import Coalesce

from budget.models import BudgetTable, Flag, FundingUnit, Indicator, Project, ProjectFunding


def tables_for_export(*, year=None, department=None):
    """Tables with everything the exports need, in a constant number of queries per call."""
    tables = BudgetTable.objects.select_related("department").order_by("department__name", "year")
    if year:
        tables = tables.filter(year=year)
    if department:
        tables = tables.filter(department__name=department)
    projects = Project.objects.order_by("position").prefetch_related(
        Prefetch("funding", ProjectFunding.objects.select_related("source").order_by("source__position", "source__name")),
        Prefetch("indicators", Indicator.objects.select_related("level2__level1").order_by("position")),
    )
    tables = tables.prefetch_related(
        Prefetch("units", FundingUnit.objects.order_by("position").prefetch_related(
            Prefetch("projects", projects, to_attr="project_list")), to_attr="unit_list"),
        Prefetch("flags", Flag.objects.select_related("project").order_by("row", "id")),
    )
    tables = list(tables)
    sources = table_sources([t.id for t in tables])
    for t in tables:
        t.source_names = sources.get(t.id, [])
    return tables


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
    return list(BudgetTable.objects.order_by("-year").values_list("year", flat=True).distinct())


def tables_overview(*, year=None, department=None):
    """Every table with its counts, latest year first."""
    tables = BudgetTable.objects.select_related("department").annotate(
        project_count=_count(Project.objects.filter(table=OuterRef("pk")), "table"),
        indicator_count=_count(Indicator.objects.filter(project__table=OuterRef("pk")), "project__table"),
        numeric_count=_count(
            Indicator.objects.filter(project__table=OuterRef("pk"), target_value__isnull=False), "project__table"),
        flag_count=_count(Flag.objects.filter(table=OuterRef("pk")), "table"),
    ).order_by("-year", "department__name")
    if year:
        tables = tables.filter(year=year)
    if department:
        tables = tables.filter(department=department)
    return list(tables)


def funding_by_table_source(*, year=None, department=None) -> tuple[dict[int, dict[str, Decimal]], list[str]]:
    """({table id: {source name: amount}}, the source names in their usual order), summed in SQL."""
    rows = ProjectFunding.objects.values("project__table_id", "source__name", "source__position")
    if year:
        rows = rows.filter(project__table__year=year)
    if department:
        rows = rows.filter(project__table__department=department)
    rows = rows.annotate(amount_sum=Sum("amount")).order_by("source__position", "source__name")
    by_table: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        by_table.setdefault(row["project__table_id"], {})[row["source__name"]] = row["amount_sum"]
    sources = list(dict.fromkeys(row["source__name"] for row in rows))
    return by_table, sources


def table_detail(*, year, department):
    """One department's table for one year with its counts, or None."""
    tables = tables_overview(year=year, department=department)
    return tables[0] if tables else None


def projects_with_funding(*, year, department, sources):
    """The table's projects with one `source_<n>` amount per entry of `sources` and indicator counts."""
    projects = Project.objects.filter(table__year=year, table__department=department).select_related("unit")
    per_source = {
        f"source_{n}": Subquery(
            ProjectFunding.objects.filter(project=OuterRef("pk"), source__name=name).values("amount")[:1])
        for n, name in enumerate(sources)
    }
    return projects.annotate(
        **per_source,
        indicator_count=_count(Indicator.objects.filter(project=OuterRef("pk")), "project"),
        numeric_count=_count(
            Indicator.objects.filter(project=OuterRef("pk"), target_value__isnull=False), "project"),
    ).order_by("position")


def project_funding_rows(projects, sources) -> list[dict]:
    """[{"name", "total", "by_source": {source: amount}}] from a projects_with_funding queryset, in one query."""
    fields = [f"source_{n}" for n in range(len(sources))]
    return [
        {"name": p["name"], "total": p["total"], "by_source": {s: p[f] for s, f in zip(sources, fields)}}
        for p in projects.values("name", "total", *fields)
    ]


def projects_for_review(*, year, department):
    """The table's projects with their review, and their indicators when they have self-evaluation data.

    Two queries at most: indicators are fetched only for projects with actuals or an executed
    amount, the ones budget.scoring can say something about (`p.evaluated`).
    """
    evaluated = Indicator.objects.filter(project=OuterRef("pk")).filter(
        ~Q(actual_value="") | Q(actual_points__isnull=False) | ~Q(deviation_reason=""))
    projects = list(
        Project.objects.filter(table__year=year, table__department=department)
        .only("position", "name", "total", "executed", "review_score", "review_findings")
        .annotate(evaluated=ExpressionWrapper(Q(executed__isnull=False) | Exists(evaluated), BooleanField()))
        .order_by("position")
    )
    prefetch_related_objects(
        [p for p in projects if p.evaluated],
        Prefetch("indicators", Indicator.objects.select_related("level2__level1").order_by("position")),
    )
    return projects


def table_units(*, year, department):
    return FundingUnit.objects.filter(table__year=year, table__department=department).order_by("position")


def indicators_mix(*, year, department=None):
    """Indicator counts per level-1 and level-2 category."""
    rows = Indicator.objects.filter(project__table__year=year)
    if department:
        rows = rows.filter(project__table__department=department)
    rows = (
        rows.values("level2__level1__name", "level2__name")
        .annotate(count=Count("pk"))
        .order_by("level2__level1__code", "level2__level1__name", "level2__code", "level2__name")
    )
    return [{"level1": r["level2__level1__name"], "level2": r["level2__name"], "count": r["count"]} for r in rows]


def table_flags(*, year, department):
    return list(Flag.objects.filter(table__year=year, table__department=department)
                .select_related("project").order_by("row", "id"))


def department_years(*, department):
    """Funding and project counts per year, and which projects each year added or dropped."""
    years = list(
        BudgetTable.objects.filter(department=department).order_by("year").values("year", "total")
        .annotate(project_count=_count(Project.objects.filter(table=OuterRef("pk")), "table"))
    )
    names: dict[int, set[str]] = {}
    for year, name in Project.objects.filter(table__department=department).values_list("table__year", "name"):
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
        )
        .filter(pk=pk)
        .first()
    )


def indicators_explorer():
    """Every indicator with what the explorer shows beside it; filters narrow it down."""
    return Indicator.objects.select_related("project__table__department", "level2__level1").order_by(
        "-project__table__year", "project__table__department__name", "project__position", "position")


def target_units() -> list[str]:
    return list(Indicator.objects.exclude(target_unit="").order_by("target_unit")
                .values_list("target_unit", flat=True).distinct())
