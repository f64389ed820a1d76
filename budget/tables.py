"""django-tables2 tables: the overview's tables, the department's projects and the indicator explorer."""

import inspect
from operator import attrgetter

import django_tables2 as tables
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budget import formats, peers
from budget.evaluation import scoring
from budget.marking import marked, snippet
from budget.models import BudgetTable, Indicator, Project
from budget.peer_views import peer_link
from budget.templatetags.budget_format import amount, points, target
from budget.wording import known


class AmountColumn(tables.Column):
    attrs = {"th": {"class": "num"}, "td": {"class": "num"}}

    def render(self, value):
        return amount(value)


class CountColumn(tables.Column):
    attrs = {"th": {"class": "num"}, "td": {"class": "num"}}


class ScoreColumn(tables.Column):
    attrs = {"th": {"class": "num"}, "td": {"class": "num"}}

    def render(self, value):
        return points(value)


class OverviewTable(tables.Table):
    """The overview's departments: one row per table with its funding, counts and latest monitoring month.

    Sorting is offered where PostgreSQL answers from the tables alone or one table's rows by index; the
    indicator counts and funding sums would read every indicator or funding row of the year to sort a page.
    """

    # linkify: a Department has no page of its own, so the row's BudgetTable.get_absolute_url.
    department = tables.Column(
        verbose_name=_("部门"), accessor="department__name", linkify=True, order_by=("department__name", "-year")
    )
    year = tables.Column(verbose_name=_("年度"), order_by=("year", "department__name"))
    total = AmountColumn(verbose_name=_("总计(万元)"), order_by=("total", "department__name"))
    project_count = CountColumn(
        verbose_name=pgettext_lazy("plural", "项目"), order_by=("project_count", "department__name")
    )
    indicator_count = CountColumn(verbose_name=_("指标"), orderable=False)
    numeric_count = CountColumn(verbose_name=_("数值目标"), orderable=False)
    flag_count = CountColumn(verbose_name=pgettext_lazy("plural", "提示"), order_by=("flag_count", "department__name"))
    lights = tables.TemplateColumn(
        template_name="budget/_lights.html",
        verbose_name=_("运行监控"),
        orderable=False,
        attrs={"td": {"class": "lights"}},
    )

    class Meta:
        model = BudgetTable
        fields = ()
        attrs = {"class": "data", "id": "tables"}

    def __init__(self, data, *, sources=(), **kwargs):
        # One amount column per funding source, right after the total; the view hides those a page has no money in.
        columns = [
            (f"source_{n}", AmountColumn(verbose_name=known(name), orderable=False)) for n, name in enumerate(sources)
        ]
        sequence = (
            "department",
            "year",
            "total",
            *(c for c, _ in columns),
            "project_count",
            "indicator_count",
            "numeric_count",
            "flag_count",
            "lights",
        )
        super().__init__(data, extra_columns=columns, sequence=sequence, **kwargs)

    def render_flag_count(self, value):
        return format_html('<span class="badge warning">{}</span>', value) if value else "0"


class ProjectTable(tables.Table):
    unit = tables.Column(verbose_name=_("资金使用单位"), accessor="unit__name", order_by=("unit__position", "position"))
    name = tables.Column(linkify=True)  # Project.get_absolute_url
    total = AmountColumn(verbose_name=_("总计(万元)"))
    indicator_count = CountColumn(verbose_name=_("指标数"))
    numeric_count = CountColumn(verbose_name=_("数值目标"))
    review_score = ScoreColumn(verbose_name=_("审核得分"))

    class Meta:
        model = Project
        fields = ("unit", "name", "total", "review_score")
        attrs = {"class": "data", "id": "projects"}
        empty_text = _("没有符合条件的项目")

    def __init__(self, data, *, sources=(), show_unit=True, **kwargs):
        # One amount column per funding source the table has, right after the total.
        columns = [(f"source_{n}", AmountColumn(verbose_name=known(name))) for n, name in enumerate(sources)]
        sequence = (
            "unit",
            "name",
            "total",
            *(c for c, _ in columns),
            "indicator_count",
            "numeric_count",
            "review_score",
        )
        # Most tables have one unit, the department itself: a column repeating it on every row says nothing.
        exclude = () if show_unit else ("unit",)
        super().__init__(data, extra_columns=columns, sequence=sequence, exclude=exclude, **kwargs)


class PlainRowsTable(tables.Table):
    """A table whose body rows are written by Python, the header, sorting and pagination staying django-tables2's.

    django-tables2 renders each cell by inspecting its render method's signature, computing the column's
    attributes and going through the template: fifty rows of twelve columns took most of a rendered explorer
    search (README, Performance). Here each column's accessor, render method, link and <td> attributes are
    worked out once per page, and a cell is its render call, escaped as the template would. The cells are the
    same: td attributes may not depend on the record, and no column may show a choices field's display.
    """

    class Meta:
        template_name = "budget/_plain_rows_table.html"

    def body_html(self):
        columns = [(self._cell(bound), bound.attrs["td"].as_html()) for bound in self.columns]
        rows = (
            '<tr class="{}">{}</tr>'.format(
                "odd" if n % 2 else "even", "".join(f"<td {td}>{cell(row.record)}</td>" for cell, td in columns)
            )
            for n, row in enumerate(self.paginated_rows)
        )
        return mark_safe("".join(rows))  # noqa: S308 each cell is escaped by _cell

    def _cell(self, bound):
        """A function of the record giving the cell's escaped HTML, as BoundRow.get_cell and the template do."""
        column, render, link = bound.column, bound.render, bound.link
        accessor, default = tables.A(bound.accessor), bound.default
        read = attrgetter(".".join(accessor.bits))
        wanted = set(inspect.signature(render).parameters)
        shown = localize if column.localize is None else (lambda v: localize(v, use_l10n=column.localize))

        def cell(record):
            try:  # a model's attributes read directly; Accessor.resolve, which also calls and indexes, costs more
                value = read(record)
            except AttributeError:  # a relation along the way is None
                value = None
            if callable(value):
                value = accessor.resolve(record, quiet=True)
            if value in column.empty_values:
                content = default
            else:
                context = {"value": value, "record": record, "column": column, "bound_column": bound, "table": self}
                content = render(**{k: v for k, v in context.items() if k in wanted})
                if link:
                    content = link(content, **context)
            # the template's {{ cell }}: numbers and dates localized (a text is itself), then escaped unless safe
            return conditional_escape(content if isinstance(content, str) else shown(content))

        return cell


class IndicatorTable(PlainRowsTable):
    department = tables.Column(verbose_name=_("部门"), accessor="project__table__department__name")
    year = tables.Column(verbose_name=_("年度"), accessor="project__table__year")
    project = tables.Column(
        verbose_name=_("项目"), accessor="project__name", linkify=lambda record: record.project.get_absolute_url()
    )
    level1 = tables.Column(
        verbose_name=_("一级指标"),
        accessor="level2__level1__name",
        order_by=("level2__level1__code", "level2__level1__name"),
    )
    level2 = tables.Column(
        verbose_name=_("二级指标"), accessor="level2__name", order_by=("level2__code", "level2__name")
    )
    name = tables.Column(verbose_name=_("三级指标"))
    period_value = tables.Column(verbose_name=_("实施周期指标值"))
    annual_value = tables.Column(verbose_name=_("年度指标值"))
    target = tables.Column(
        verbose_name=_("目标"),
        empty_values=(),
        order_by=("target_unit", "target_value"),
        attrs={"td": {"class": "nowrap"}},
    )
    actual_value = tables.Column(verbose_name=_("实际完成值"))
    attainment = tables.Column(
        verbose_name=_("达成度"),
        empty_values=(),
        orderable=False,
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )
    peers = tables.Column(
        verbose_name=_("同类目标"), empty_values=(), orderable=False, attrs={"td": {"class": "nowrap"}}
    )

    class Meta:
        model = Indicator
        fields = ()
        sequence = (
            "department",
            "year",
            "project",
            "level1",
            "level2",
            "name",
            "period_value",
            "annual_value",
            "target",
            "peers",
            "actual_value",
            "attainment",
        )
        attrs = {"class": "data", "id": "indicators"}
        empty_text = _("没有符合条件的指标")
        template_name = PlainRowsTable.Meta.template_name

    def __init__(self, data, *, terms=(), with_projects=False, actuals=False, version=None, **kwargs):
        # The words searched for are marked where the row shows them; a project's goal, searched only when
        # the reader asks, shows as a line under the project when a word was found there.
        self.terms, self.with_projects, self.version = list(terms), with_projects, version
        exclude = () if actuals else ("actual_value", "attainment")
        super().__init__(data, exclude=exclude, **kwargs)

    def render_project(self, record, value):
        shown = marked(value, self.terms)
        goal = snippet(record.project.goal, self.terms) if self.with_projects else None
        return format_html('{}<br><small class="goal-match">{}</small>', shown, goal) if goal else shown

    def render_level1(self, value):
        return known(value)

    def render_level2(self, value):
        return known(value)

    def render_name(self, value):
        return marked(value, self.terms)

    def render_period_value(self, value):
        return marked(value, self.terms)

    def render_annual_value(self, value):
        return marked(value, self.terms)

    def render_target(self, record):
        return target(record)

    def render_peers(self, record):
        """How many departments set the same target that year, their median, and a link to all of them."""
        if record.target_value is None:
            return "—"
        group = peers.year_groups(record.project.table.year, self.version).get(
            peers.key(record.name, record.level2.name if record.level2_id else "", record.target_unit)
        )
        if group is None:
            return "—"
        text = _("%(n)s 个部门 · 中位数 %(median)s") % {
            "n": group["count"],
            "median": formats.quantity(group["median"], record.target_unit),
        }
        far = peers.far_below(record.comparator, record.target_value, group)
        return format_html(
            '<a href="{}">{}</a>{}',
            peer_link(record.project.table.year, group),
            text,
            format_html(' <span class="badge warning">{}</span>', _("远低于同类")) if far else "",
        )

    def render_attainment(self, record):
        if record.target_value is None:
            return "—"
        actual = scoring.parse_actual(record.actual_value, record.target_unit)
        if actual is None or not scoring.units_agree(record.target_unit, actual.unit):
            return "—"
        return formats.percent(scoring.attainment(record.comparator, record.target_value, actual.value) * 100)
