"""The API's own queries: the indicator search (the explorer's filters, with `q` looking in indicator names and
values, as the explorer does by default), and the tables' kind and review status."""

from django import forms
from django.apps import apps
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from ninja import Schema
from ninja.errors import HttpError
from pydantic import Field

from budget import explorer_queries
from budget.filters import INDICATOR_TEXTS, SEARCH_MAX_CHARS, bounded_search, search_terms, words_in
from budget.models import BudgetTable
from budget.search import indicator_words


class IndicatorQuery(Schema):
    q: str | None = Field(
        None, max_length=SEARCH_MAX_CHARS, description="words that must all appear in the indicator's name or values"
    )
    year: int | None = Field(None, ge=1990, le=2100)
    department: int | None = Field(None, ge=1, le=2**63 - 1, description="department id")
    level1: int | None = Field(None, ge=1, le=2**63 - 1, description="level-1 category id (一级指标)")
    level2: int | None = Field(None, ge=1, le=2**63 - 1, description="level-2 category id (二级指标)")
    unit: str | None = Field(None, description="the target's unit (计量单位), exactly")
    numeric: bool | None = Field(None, description="true: numeric targets only; false: qualitative only")


def indicators(query: IndicatorQuery):
    """The explorer's queryset (its order and joins) narrowed by the query."""
    rows = explorer_queries.indicators_explorer()
    if query.year:
        rows = rows.filter(project__table__year=query.year)
    if query.department:
        rows = rows.filter(project__table__department=query.department)
    if query.level1:
        rows = rows.filter(level2__level1=query.level1)
    if query.level2:
        rows = rows.filter(level2=query.level2)
    if query.unit:
        rows = rows.filter(target_unit=query.unit)
    if query.numeric is not None:
        rows = rows.filter(target_value__isnull=not query.numeric)
    if query.q:
        rows = indicator_words(rows).filter(words_in_indicator(query.q))
    return rows


def words_in_indicator(text: str) -> Q:
    """Every word in the name or a value; the same bounds as the explorer (a 422 past them)."""
    try:
        bounded_search(text)
    except forms.ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return words_in(search_terms(text), INDICATOR_TEXTS)


# Two facts come from features being finished beside this one: a table's kind (BudgetTable.kind, forms) and
# its review status (TableReview per department and year, review; "submitted" where it has no row). Until
# they are merged every table is a project-targets table without a status.
DEFAULT_KIND = "project-targets"


def has_field(name: str) -> bool:
    return any(f.name == name for f in BudgetTable._meta.get_fields())


def with_status(tables):
    """Tables annotated with `review_status`: the review workflow's status, or null without the workflow."""
    try:
        reviews = apps.get_model("budget", "TableReview")
    except LookupError:
        return tables.annotate(review_status=Value(None, output_field=CharField()))
    found = reviews.objects.filter(department=OuterRef("department"), year=OuterRef("year")).values("status")[:1]
    return tables.annotate(review_status=Coalesce(Subquery(found), Value("submitted")))
