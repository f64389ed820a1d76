from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from budget import formats, security, totals, uploads
from budget.actuals_admin import SelfEvaluationUpload, template_workbook
from budget.api import admin as api_admin  # noqa: F401 - registers the API tokens
from budget.entry_admin import (
    ClerkNumbers,
    EntryMedia,
    IndicatorInline,
    IndicatorResultsInline,
    apply_target,
    badge,
)
from budget.entry_lists import (
    FindingFilter,
    GradeFilter,
    ProjectColumns,
    TableColumns,
    annotate_projects,
    annotate_tables,
)
from budget.evaluation import applying
from budget.importing import identity, writer
from budget.importing.importer import cyclic_gc_paused, parse_table
from budget.importing.paste import PasteForm, add_pasted
from budget.models import (
    BudgetTable,
    Department,
    Flag,
    FundingSource,
    FundingUnit,
    ImportLog,
    Indicator,
    Level1Category,
    Level2Category,
    Project,
)
from budget.review_admin import ApprovalLock  # the first base of each admin of a table's data: approved is locked
from budget.funding_entry import funding_form, funding_row

ALL_DEPARTMENTS = "budget.view_all_departments"


# The way from a model a form may point at to its department: an editor's choices are their departments' objects.
SCOPE_PATHS = {
    Department: "",
    BudgetTable: "department",
    FundingUnit: "table__department",
    Project: "table__department",
}


def sees_all(user) -> bool:
    """Administrators and reviewers see every department; editors only the ones they belong to."""
    return user.is_superuser or user.has_perm(ALL_DEPARTMENTS)


class DepartmentScoped:
    """An editor can neither see nor reach another department's objects: lists, change pages,
    autocomplete and foreign-key choices all go through get_queryset."""

    department_path = "table__department"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all(request.user):
            return queryset
        prefix = f"{self.department_path}__" if self.department_path else ""
        return queryset.filter(**{f"{prefix}editors": request.user}).distinct()

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history rows of an object the queryset hides.
        self._reachable(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version, to read only. simple-history's revert form saves whatever is POSTed, for an object
        outside the user's departments and without the change permission, even with reverting switched off
        (it only hides the button). Reverting stays off altogether (SIMPLE_HISTORY_REVERT_DISABLED): it
        restores one row without its funding, indicators or totals, past the checks an import or a change
        form makes; a correction goes through the change form or a new import."""
        if request.method not in ("GET", "HEAD"):
            security.denied(request, "history revert")
            raise PermissionDenied
        obj = self._reachable(request, object_id)
        if not self.has_view_permission(request, obj):
            security.denied(request, "history view")
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _reachable(self, request, object_id):
        obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not sees_all(request.user) and related in SCOPE_PATHS:
            path = SCOPE_PATHS[related]
            kwargs["queryset"] = related._default_manager.filter(
                **{f"{path}__editors" if path else "editors": request.user}).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RefreshesReview:
    """Target review is recomputed after every edit, as on import."""

    def review_table(self, obj):
        return obj.project.table if isinstance(obj, Indicator) else obj.table

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        applying.refresh_table(self.review_table(form.instance))

    def delete_model(self, request, obj):
        table = self.review_table(obj)
        super().delete_model(request, obj)
        applying.refresh_table(table)

    def delete_queryset(self, request, queryset):
        tables = {self.review_table(o) for o in queryset}
        super().delete_queryset(request, queryset)
        for table in tables:
            applying.refresh_table(table)


@admin.register(Department)
class DepartmentAdmin(DepartmentScoped, admin.ModelAdmin):
    department_path = ""
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    filter_horizontal = ["editors"]

    def get_readonly_fields(self, request, obj=None):
        # Editors must not add themselves to other departments.
        return () if sees_all(request.user) else ("editors",)


class FundingUnitInline(ClerkNumbers, admin.TabularInline):
    model = FundingUnit
    extra = 0
    fields = ["position", "name", "code", "total_amount"]
    readonly_fields = ["total_amount"]  # the sum of its projects (budget/totals.py)

    @admin.display(description=_("小计(万元)"))
    def total_amount(self, obj):
        return formats.amount(obj.total) if obj and obj.pk else "—"


# -- 导入: the same importer behind an upload page (budget/uploads.py) ------------------------

class ImportForm(uploads.UploadForm):
    file = forms.FileField(label=_("绩效目标表文件"),
                           help_text=_("PDF(有文字层)、Word .docx、Excel .xlsx/.xls、CSV 或 TSV 文本;文本为 UTF-8 或 GBK 编码"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100,
                              help_text=_("表题中没有年份时填写"))
    department = forms.CharField(label=_("部门名称"), required=False, help_text=_("表中没有「部门名称」行时填写"))
    lenient = forms.BooleanField(label=_("宽松模式:金额勾稽不平时仍导入并记为提示"), required=False)


# A national table is a million objects: the cycle collector stays paused while one is read or written.
def read_table(path, **options):
    with cyclic_gc_paused():
        return parse_table(path, **options)


def write_table(parsed, *, user=None, dry_run=False):
    with cyclic_gc_paused():
        return writer.write(parsed, user=user, dry_run=dry_run)


TARGETS = uploads.Upload("import", read_table, write_table, lambda result: (result.table.department, result.table.year))


@admin.register(BudgetTable)
class BudgetTableAdmin(ApprovalLock, uploads.UploadPages, EntryMedia, TableColumns, ClerkNumbers, DepartmentScoped,
                       SimpleHistoryAdmin):
    department_path = "department"
    list_display = ["department", "year", "status", "total_amount", "score", "layout", "source_filename", "imported_at",
                    "template"]
    list_filter = ["year", "layout", ("department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["department"]
    search_fields = ["department__name", "title", "source_filename"]
    readonly_fields = ["total_amount", "source_filename", "source_sha256", "imported_at", "imported_by", "score"]
    exclude = ["total", "review_score"]
    inlines = [FundingUnitInline]

    def get_queryset(self, request):
        return annotate_tables(super().get_queryset(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("import/", view(self.import_view), name="budget_import"),
                path("<path:object_id>/self-evaluation.xlsx", view(self.self_evaluation_template),
                     name="budget_self_evaluation_template"),
                ] + super().get_urls()

    def import_view(self, request):
        """Upload → preview (a dry run showing what would change) → confirm → import."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.upload_page(request, TARGETS, ImportForm, title=_("导入绩效目标表"),
                                template="admin/budget/import.html", url_name="budget_import",
                                done="budget_budgettable_changelist")

    def self_evaluation_template(self, request, object_id):
        """A 自评表 to fill in for one of the tables the user may see (budget/actuals_admin.py)."""
        table = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, table):
            raise PermissionDenied
        if table is None:
            raise Http404
        return template_workbook(table)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        totals.refresh(table_ids=[form.instance.pk])  # a unit deleted inline takes its projects with it


@admin.register(FundingUnit)
class FundingUnitAdmin(ApprovalLock, EntryMedia, ClerkNumbers, DepartmentScoped, SimpleHistoryAdmin):
    list_display = ["name", "table", "position", "total_amount"]
    list_select_related = ["table__department"]
    list_filter = ["table__year", ("table__department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    readonly_fields = ["total_amount"]  # the sum of its projects (budget/totals.py)
    exclude = ["total"]

    @admin.display(description=_("小计(万元)"), ordering="total")
    def total_amount(self, obj):
        return formats.amount(obj.total)

    def get_readonly_fields(self, request, obj=None):
        # Its projects belong to its table: a unit cannot move to another one.
        return [*super().get_readonly_fields(request, obj), *(["table"] if obj else [])]

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        totals.refresh(table_ids=[obj.table_id])

    def delete_queryset(self, request, queryset):
        tables = set(queryset.values_list("table_id", flat=True))
        super().delete_queryset(request, queryset)
        totals.refresh(table_ids=tables)


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]


@admin.register(Project)
class ProjectAdmin(ApprovalLock, EntryMedia, ProjectColumns, ClerkNumbers, RefreshesReview, DepartmentScoped,
                   SimpleHistoryAdmin):
    list_display = ["name", "unit", "department", "year", "total_amount", "sources", "indicators", "score", "grade"]
    list_select_related = ["unit", "table__department"]
    list_filter = ["table__year", GradeFilter, FindingFilter, ("table", admin.RelatedOnlyFieldListFilter),
                   ("table__department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code", "goal"]
    autocomplete_fields = ["table", "unit"]
    readonly_fields = ["indicator_text", "unparsed_indicator_text", "score", "grade", "findings"]
    exclude = ["review_score", "review_findings"]
    inlines = [IndicatorInline, IndicatorResultsInline]  # funding: one row of the form (budget/funding_entry.py)
    form = PasteForm  # paste to parse: the 绩效指标 cell or spreadsheet lines, read before they are added

    def get_queryset(self, request):
        return annotate_projects(super().get_queryset(request))

    def get_inlines(self, request, obj):
        # A new project has no indicators yet to weigh or evaluate.
        return self.inlines if obj else [i for i in self.inlines if i is not IndicatorResultsInline]

    # A project's unit is one of its own table's units (the database refuses any other): on a change page
    # the choices are that table's units, in a plain list rather than the autocomplete over every table.
    def get_form(self, request, obj=None, change=False, **kwargs):
        request.budget_project_table = obj.table_id if obj else None
        if not hasattr(request, "budget_sources"):
            request.budget_sources = list(FundingSource.objects.all())
        kwargs["form"] = funding_form(self.form, request.budget_sources, bool(obj and obj.table.has_source_breakdown))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        # 总计 and every funding source side by side, where 总计 stood.
        return [(None, {"fields": funding_row(self.get_fields(request, obj))})]

    def get_autocomplete_fields(self, request):
        fields = super().get_autocomplete_fields(request)
        return [f for f in fields if f != "unit"] if getattr(request, "budget_project_table", None) else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        table = getattr(request, "budget_project_table", None)
        if db_field.name == "unit" and table and field is not None:
            field.queryset = field.queryset.filter(table_id=table)
        return field

    # Unit subtotals and the table total follow, in the same transaction as the edit (budget/totals.py).
    def save_model(self, request, obj, form, change):
        before = Project.objects.filter(pk=obj.pk).values_list("unit_id", "table_id").first() if change else None
        obj.budget_before = before or (None, None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        project = form.instance
        unit, table = getattr(project, "budget_before", (None, None))
        totals.refresh(unit_ids=[project.unit_id, unit], table_ids=[project.table_id, table])
        identity.refresh_refs(project.table_id)  # a new name or code is a new stable path
        if form.cleaned_data.get("paste_confirmed") and add_pasted(project, form.pasted, form.unread):
            applying.refresh_table(project.table)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        totals.refresh(unit_ids=[obj.unit_id], table_ids=[obj.table_id])
        identity.refresh_refs(obj.table_id)

    def delete_queryset(self, request, queryset):
        touched = list(queryset.values_list("unit_id", "table_id"))
        super().delete_queryset(request, queryset)
        totals.refresh(unit_ids=[u for u, _t in touched], table_ids=[t for _u, t in touched])
        for table in {t for _u, t in touched}:
            identity.refresh_refs(table)

    @admin.display(description=_("部门"), ordering="table__department__name")
    def department(self, obj):
        return obj.table.department

    @admin.display(description=_("年度"), ordering="table__year")
    def year(self, obj):
        return obj.table.year


@admin.register(Level1Category)
class Level1CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "kind" in form.changed_data:
            # The review reads the kind (产出, 成本 …): every table with an indicator under it is reviewed again.
            affected = Indicator.objects.filter(level2__level1=obj).values("project__table_id")
            for table in BudgetTable.objects.filter(pk__in=affected).only("pk"):
                applying.refresh_table(table)


@admin.register(Level2Category)
class Level2CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level1"]
    list_select_related = ["level1"]
    list_filter = ["level1"]
    search_fields = ["name", "level1__name"]


@admin.register(Indicator)
class IndicatorAdmin(ApprovalLock, SelfEvaluationUpload, EntryMedia, ClerkNumbers, RefreshesReview, DepartmentScoped,
                     SimpleHistoryAdmin):
    department_path = "project__table__department"
    list_display = ["name", "project", "level2", "annual_value", "target_display"]
    exclude = ["comparator", "target_value", "target_unit"]
    readonly_fields = ["target_display"]

    @admin.display(description=_("解析出的目标"))
    def target_display(self, obj):
        return formats.target_of(obj) if obj else ""

    def save_model(self, request, obj, form, change):
        # The target is read from the value text, as on import: the two cannot disagree.
        super().save_model(request, apply_target(obj), form, change)
    list_select_related = ["project", "level2__level1"]
    list_filter = ["project__table__year", "level2__level1", "level2", ("project__table__department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "annual_value", "project__name"]
    autocomplete_fields = ["project", "level2"]


@admin.register(Flag)
class FlagAdmin(ApprovalLock, EntryMedia, RefreshesReview, DepartmentScoped, admin.ModelAdmin):
    list_display = ["code", "severity_badge", "row", "project", "table", "message"]

    @admin.display(description=_("严重程度"), ordering="severity")
    def severity_badge(self, obj):
        return badge(obj.severity)
    list_select_related = ["project", "table__department"]
    list_filter = ["severity", "code", "table__year"]
    search_fields = ["message", "project__name"]


@admin.register(ImportLog)
class ImportLogAdmin(DepartmentScoped, admin.ModelAdmin):
    department_path = "department"
    list_display = ["imported_at", "department", "year", "filename", "user", "unchanged"]
    list_select_related = ["department", "user"]
    list_filter = ["year", ("department", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = [f.name for f in ImportLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from budget import monitoring_admin  # noqa: E402,F401 - registers the monitoring pages
