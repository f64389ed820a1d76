"""django-filter sets for the department's project table and the indicator explorer."""

from functools import reduce
from operator import and_

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budget import selectors
from budget.indicators import normalize
from budget.models import Department, FundingUnit, Level1Category, Level2Category

# Every text the explorer search looks through; migration 0004 gives each a trigram index
# where pg_trgm is installed.
SEARCHED = ("name", "period_value", "annual_value", "project__name", "project__goal")


class ProjectFilter(filters.FilterSet):
    unit = filters.ModelChoiceFilter(label=_("资金使用单位"), queryset=FundingUnit.objects.none(),
                                     empty_label=_("全部单位"))
    name = filters.CharFilter(label=_("项目名称"), lookup_expr="icontains")

    def __init__(self, data=None, queryset=None, *, units, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["unit"].queryset = units


def _year_choices():
    return [(year, year) for year in selectors.table_years()]


def _unit_choices():
    return [(unit, unit) for unit in selectors.target_units()]


class IndicatorFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("搜索"), method="search")
    department = filters.ModelChoiceFilter(label=_("部门"), field_name="project__table__department",
                                           queryset=Department.objects.all(), empty_label=_("全部部门"))
    year = filters.ChoiceFilter(label=_("年度"), field_name="project__table__year", choices=_year_choices,
                                empty_label=_("全部年度"))
    level1 = filters.ModelChoiceFilter(label=_("一级指标"), field_name="level2__level1",
                                       queryset=Level1Category.objects.all(), empty_label=_("全部"))
    level2 = filters.ModelChoiceFilter(label=_("二级指标"), field_name="level2",
                                       queryset=Level2Category.objects.select_related("level1"), empty_label=_("全部"))
    unit = filters.ChoiceFilter(label=_("计量单位"), field_name="target_unit", choices=_unit_choices,
                                empty_label=_("全部"))
    kind = filters.ChoiceFilter(label=_("目标类型"), method="by_kind", empty_label=_("全部"),
                                choices=[("numeric", _("数值目标")), ("qualitative", _("定性目标"))])

    def search(self, queryset, name, value):
        # icontains, not PostgreSQL's text search: that one does not split Chinese into words.
        terms = normalize(value).split()
        if not terms:
            return queryset
        each = [reduce(lambda a, b: a | b, (Q(**{f"{field}__icontains": term}) for field in SEARCHED)) for term in terms]
        return queryset.filter(reduce(and_, each))

    def by_kind(self, queryset, name, value):
        return queryset.filter(target_value__isnull=(value == "qualitative"))
