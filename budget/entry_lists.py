"""The admin lists a clerk reads (issue 20): the project list with total, sources, indicator count, review
score and grade, filtered by grade, finding code and table; the table list with its review status and total.
Each column is an annotation of the list's one query, not a query per row."""

from django.contrib import admin
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from budget import formats
from budget.evaluation import scoring
from budget.models import Indicator, ProjectFunding, TableReview

GRADES = sorted(scoring.DEFAULTS["grades"], key=lambda g: -g[0])  # [[90, "优"], [80, "良"] …]


def annotate_projects(queryset):
    sources = (ProjectFunding.objects.filter(project=OuterRef("pk"), amount__gt=0).order_by()
               .values("project").annotate(names=StringAgg("source__name", "、", order_by="source__position"))
               .values("names"))
    count = (Indicator.objects.filter(project=OuterRef("pk")).order_by().values("project")
             .annotate(n=Count("pk")).values("n"))
    return queryset.annotate(
        source_names=Subquery(sources, output_field=TextField()),
        indicator_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
    )


def grade_of(score) -> str:
    return "—" if score is None else scoring.grade(score, GRADES)


class ProjectColumns:
    @admin.display(description=_("总计(万元)"), ordering="total")
    def total_amount(self, obj):
        return formats.amount(obj.total)

    @admin.display(description=_("资金来源"))
    def sources(self, obj):
        return getattr(obj, "source_names", None) or "—"

    @admin.display(description=_("指标数"), ordering="indicator_count")
    def indicators(self, obj):
        return getattr(obj, "indicator_count", "—")

    @admin.display(description=_("审核得分"), ordering=F("review_score").desc(nulls_last=True))
    def score(self, obj):
        return formats.points(obj.review_score) or "—"

    @admin.display(description=_("等级"))
    def grade(self, obj):
        return grade_of(obj.review_score)

    @admin.display(description=_("审核发现"))
    def findings(self, obj):
        from budget.entry_admin import findings_html

        return findings_html(obj.review_findings if obj else [])


class GradeFilter(admin.SimpleListFilter):
    title = _("审核等级")
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(name, name) for _, name in GRADES] + [("none", _("未评分"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(review_score__isnull=True)
        bands = [(threshold, name) for threshold, name in GRADES]
        for i, (threshold, name) in enumerate(bands):
            if name == value:
                above = bands[i - 1][0] if i else None
                q = Q(review_score__gte=threshold) if i < len(bands) - 1 else Q(review_score__isnull=False)
                return queryset.filter(q & (Q(review_score__lt=above) if above is not None else Q()))
        return queryset


class FindingFilter(admin.SimpleListFilter):
    title = _("审核发现")
    parameter_name = "finding"

    def lookups(self, request, model_admin):
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT f->>'code' FROM budget_project, jsonb_array_elements(review_findings) f "
                           "ORDER BY 1")
            return [(code, code) for (code,) in cursor.fetchall() if code]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(review_findings__contains=[{"code": value}]) if value else queryset


class TableColumns:
    @admin.display(description=_("合计(万元)"), ordering="total")
    def total_amount(self, obj):
        return formats.amount(obj.total)

    @admin.display(description=_("审核状态"))
    def status(self, obj):
        return dict(TableReview.Status.choices).get(obj.review_status or TableReview.Status.SUBMITTED)

    @admin.display(description=_("审核得分"))
    def score(self, obj):
        return formats.points(obj.review_score) or "—"

    @admin.display(description=_("自评表模板"))
    def template(self, obj):
        url = reverse("admin:budget_self_evaluation_template", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


def annotate_tables(queryset):
    status = TableReview.objects.filter(department=OuterRef("department"), year=OuterRef("year")).values("status")
    return queryset.annotate(review_status=Subquery(status[:1]))
