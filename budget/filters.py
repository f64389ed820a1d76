"""django-filter sets for the department's project table and the indicator explorer."""

from functools import reduce
from operator import and_, or_

import django_filters as filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from budget import explorer_queries, selectors
from budget.importing.indicators import normalize
from budget.models import Department, FundingUnit, Level1Category, Level2Category, Project
from budget.search import indicator_words, of_projects

# The texts a search looks through. By default an indicator's own name and values, which its row shows (the
# API's `q` too), as one text with one trigram index (budget.search, migration 0013); a reader may add the
# project's name and goal (migration 0005's indexes), which the row shows as the project and a line of its goal.
INDICATOR_TEXTS = ("indicator_text",)
PROJECT_TEXTS = ("project__name", "project__goal")
SEARCHED = INDICATOR_TEXTS + PROJECT_TEXTS


def search_terms(value: str) -> list[str]:
    return normalize(value or "").split()


def words_in(terms, fields) -> Q:
    """Every term in one of the fields. LIKE, not PostgreSQL's text search: that does not split Chinese."""
    if not terms:
        return Q()
    return reduce(
        and_,
        [
            reduce(or_, (Q(**{f"{field}__{explorer_queries.text_lookup(term)}": term}) for field in fields))
            for term in terms
        ],
    )


class PlainSelect(forms.Select):
    """A <select> written in Python: Django renders each option through a template, which is slow for
    the explorer's thousands of departments and a large table's units (README, Performance)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>{escape(label)}</option>'
            for v, label in self.choices
        )
        attrs = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        return mark_safe(f"<select{attrs}>{options}</select>")  # noqa: S308 every part is escaped above


class ProjectFilter(filters.FilterSet):
    unit = filters.ModelChoiceFilter(
        label=_("资金使用单位"), queryset=FundingUnit.objects.none(), empty_label=_("全部单位"), widget=PlainSelect
    )
    name = filters.CharFilter(label=_("项目名称"), lookup_expr="icontains")

    def __init__(self, data=None, queryset=None, *, units, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["unit"].queryset = units


def _year_choices():
    return [(year, year) for year in selectors.table_years()]


def _department_choices():
    # (id, name) rows, not model instances: a province lists thousands on every explorer page.
    return list(Department.objects.order_by("name").values_list("id", "name"))


def _unit_choices():
    return [(unit, unit) for unit in explorer_queries.target_units()]


# A search is bounded: each word adds a LIKE over five columns, and a URL of thousands of words once held a
# database process for minutes.
SEARCH_MAX_WORDS = 8
SEARCH_MAX_CHARS = 100


def bounded_search(value: str) -> str:
    words = normalize(value).split()
    if len(value) > SEARCH_MAX_CHARS:
        raise forms.ValidationError(_("搜索内容最多 %(limit)s 个字符。"), params={"limit": SEARCH_MAX_CHARS})
    if len(words) > SEARCH_MAX_WORDS:
        raise forms.ValidationError(_("搜索词最多 %(limit)s 个,请减少搜索词。"), params={"limit": SEARCH_MAX_WORDS})
    return value


class IndicatorFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), method="search", validators=[bounded_search])
    scope = filters.ChoiceFilter(
        label=_("搜索范围"),
        method="keep",
        empty_label=_("指标名称和指标值"),
        choices=[("projects", _("也搜索项目名称和绩效目标"))],
        widget=PlainSelect,
    )
    department = filters.ChoiceFilter(
        label=_("部门"),
        method="in_department",
        choices=_department_choices,
        empty_label=_("全部部门"),
        widget=PlainSelect,
    )
    year = filters.ChoiceFilter(
        label=_("年度"), method="in_year", choices=_year_choices, empty_label=_("全部年度"), widget=PlainSelect
    )
    level1 = filters.ModelChoiceFilter(
        label=_("一级指标"),
        field_name="level2__level1",
        queryset=Level1Category.objects.all(),
        empty_label=_("全部"),
        widget=PlainSelect,
    )
    level2 = filters.ModelChoiceFilter(
        label=_("二级指标"),
        field_name="level2",
        queryset=Level2Category.objects.select_related("level1"),
        empty_label=_("全部"),
        widget=PlainSelect,
    )
    unit = filters.ChoiceFilter(
        label=_("计量单位"), field_name="target_unit", choices=_unit_choices, empty_label=_("全部"), widget=PlainSelect
    )
    kind = filters.ChoiceFilter(
        label=_("目标类型"),
        method="by_kind",
        empty_label=_("全部"),
        choices=[("numeric", _("数值目标")), ("qualitative", _("定性目标"))],
    )

    def filter_queryset(self, queryset):
        # A search refused as too long finds nothing, rather than everything with its words ignored.
        if "q" in self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        # LIKE, not PostgreSQL's text search: that one does not split Chinese into words. Projects are
        # matched through the join, not in a subquery: in the explorer's index order a common word stops
        # the scan within the first pages, where matching every project first reads the whole table.
        fields = SEARCHED if self.form.cleaned_data.get("scope") == "projects" else INDICATOR_TEXTS
        return indicator_words(queryset).filter(words_in(search_terms(value), fields))

    def keep(self, queryset, name, value):
        return queryset  # the scope changes what `q` reads (search), not the rows by itself

    def terms(self) -> list[str]:
        """The words searched for, for the page to mark them; none when the search was refused."""
        if not self.is_bound or not self.form.is_valid():
            return []
        return search_terms(self.form.cleaned_data.get("q"))

    def with_projects(self) -> bool:
        return self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("scope") == "projects"

    def in_department(self, queryset, name, value):
        # The year, when chosen, narrows the projects too: the one table's, not the department's every year's.
        projects = Project.objects.filter(table__department=value)
        if year := self.form.cleaned_data.get("year"):
            projects = projects.filter(table__year=year)
        return of_projects(queryset, projects)

    def in_year(self, queryset, name, value):
        # With a department the year is in its projects (in_department): a join on it would be the planner's to
        # drive the search from, through every table of the year.
        return queryset if self.form.cleaned_data.get("department") else queryset.filter(project__table__year=value)

    def by_kind(self, queryset, name, value):
        return queryset.filter(target_value__isnull=(value == "qualitative"))
