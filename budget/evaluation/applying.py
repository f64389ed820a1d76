"""The review rules applied to the database: every project's review and the table's score, stored.

The rules themselves are pure (budget/evaluation/review.py); this is the one place that reads
indicators and writes scores for them outside an import.
"""

import json
from types import SimpleNamespace

from django.db import connection

from budget.caching import bump_data_version
from budget.evaluation import review
from budget.models import BudgetTable, Flag, Indicator, Project

INDICATOR_COLUMNS = (
    "project_id", "seq", "name", "level1_label", "level2_label", "period_value", "annual_value",
    "target_value", "target_unit", "comparator", "level2__name", "level2__level1__kind",
)  # fmt: skip


def refresh_table(table) -> None:
    """Recompute and store every project's review and the table's score in five queries.

    Plain rows in, one UPDATE … FROM unnest(…) out: a national table holds a hundred thousand
    indicators, where model instances and bulk_update's CASE per row took most of a minute.
    An import does not call this: the writer computes the same review from the parsed rows and
    stores it with them (writer._reviews); this is for edits, self-evaluation and refresh_all.
    """
    projects = list(Project.objects.filter(table_id=table.pk).order_by("position").values_list("id", "total"))
    indicators: dict[int, list] = {project_id: [] for project_id, _ in projects}
    rows = Indicator.objects.filter(project__table_id=table.pk).order_by("project_id", "position")
    for project_id, *values, level2, level1_kind in rows.values_list(*INDICATOR_COLUMNS):
        item = SimpleNamespace(**dict(zip(INDICATOR_COLUMNS[1:-2], values, strict=True)))
        item.level2 = SimpleNamespace(name=level2, level1=SimpleNamespace(kind=level1_kind))
        indicators[project_id].append(item)
    flags: dict[int, list[str]] = {}
    for project_id, message in (
        Flag.objects.filter(table_id=table.pk, code="reconciliation", project__isnull=False)
        .order_by("row", "id")
        .values_list("project_id", "message")
    ):
        flags.setdefault(project_id, []).append(message)

    newer = review.uses_newer_framework(indicators.values())
    rule_weights = review.weights()
    reviews = {
        project_id: review.review_project(
            items, newer_framework=newer, reconciliation=flags.get(project_id, ()), rule_weights=rule_weights
        )
        for project_id, items in indicators.items()
    }
    if reviews:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Project._meta.db_table} AS p SET review_score = v.score, review_findings = v.findings "
                "FROM unnest(%s::bigint[], %s::numeric[], %s::jsonb[]) AS v(id, score, findings) WHERE p.id = v.id",
                [
                    list(reviews),
                    [r.score for r in reviews.values()],
                    [json.dumps(r.findings, ensure_ascii=False) for r in reviews.values()],
                ],
            )
    table.review_score = review.table_score((reviews[project_id].score, total) for project_id, total in projects)
    BudgetTable.objects.filter(pk=table.pk).update(review_score=table.review_score)
    bump_data_version(BudgetTable)  # written behind the ORM's signals: the pages showing the scores are stale


def refresh_all() -> None:
    """For tables imported before the review existed, and after a Level1Category's kind changes."""
    for table in BudgetTable.objects.only("pk"):
        refresh_table(table)
