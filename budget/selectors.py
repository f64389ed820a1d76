"""Read queries. Each costs a fixed number of queries whatever the size of the data."""

from django.db.models import Prefetch

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
