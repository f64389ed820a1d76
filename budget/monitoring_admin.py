"""Monitoring in the admin: the upload page (preview, then confirm) and the reports, edited with their
indicator rows; every edit recomputes the warnings and the light.

The upload is the targets import's upload → preview → confirm (budget/uploads.py), its preview also saying
what each report changes against the stored one of that month; adding a report is importing one, so the
model's add permission is the import's. An editor may import and edit only the monitoring of departments they
belong to. Monitoring of an approved table is allowed: it reports against the approved targets and changes
none of them (budget/importing/monitoring_import.py).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from budget import uploads
from budget.admin import DepartmentScoped
from budget.evaluation.monitoring_text import message
from budget.importing.monitoring_import import read_monitoring, refresh, write_monitoring
from budget.models import IndicatorProgress, MonitoringReport


class MonitoringForm(uploads.UploadForm):
    file = forms.FileField(label=_("绩效运行监控表文件"),
                           help_text=_("Excel .xlsx/.xls、CSV、PDF(有文字层)或 Word .docx;一个项目一张表,或一行一个指标"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100,
                              help_text=_("表题中没有年份时填写"))
    month = forms.IntegerField(label=_("截至月份"), required=False, min_value=1, max_value=12,
                               help_text=_("表题中没有「1-M月」或「截至M月底」时填写"))
    department = forms.CharField(label=_("部门名称"), required=False, help_text=_("表中没有「部门名称」行时填写"))


def _write(sheet, *, user=None, dry_run=False):
    return write_monitoring(sheet, dry_run=dry_run)  # monitoring records no importing user


MONITORING = uploads.Upload("monitoring", read_monitoring, _write, lambda result: (result.department, result.year))


def preview_rows(result) -> dict:
    """Each project's light and warnings; and against the stored reports of that month, what each changes."""
    rows = [{"project": r.project.name, "light": r.get_light_display(), "code": r.light,
             "messages": [message(w) for w in r.warnings]} for r in result.reports]
    return {"rows": rows, "new_reports": [c.name for c in result.changes if c.new],
            "changed_reports": [c for c in result.changes if c.rows],
            "same_reports": [c.name for c in result.changes if not c.new and not c.rows]}


class IndicatorProgressInline(admin.TabularInline):
    model = IndicatorProgress
    fields = ["indicator", "value", "forecast", "likelihood", "deviation_causes", "deviation_note", "measures"]
    readonly_fields = ["indicator"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # rows come with the report's import; an indicator is one the targets set


@admin.register(MonitoringReport)
class MonitoringReportAdmin(uploads.UploadPages, DepartmentScoped, admin.ModelAdmin):
    department_path = "project__table__department"
    list_display = ["project", "month", "light", "executed", "forecast", "source_filename"]
    list_select_related = ["project__table__department"]
    list_filter = ["light", "month", "project__table__year"]
    search_fields = ["project__name", "project__table__department__name"]
    fields = ["project", "month", "budget_initial", "budget_adjustment", "budget_adjusted", "executed", "forecast",
              "light", "warnings", "source_filename", "imported_at"]
    readonly_fields = ["project", "month", "light", "warnings", "source_filename", "imported_at"]
    inlines = [IndicatorProgressInline]

    def add_view(self, request, form_url="", extra_context=None):
        # A report comes from a monitoring table: adding one is importing it.
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect(reverse(f"{self.admin_site.name}:budget_monitoring_import"))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh(form.instance)  # the warnings and the light follow every edit

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="budget_monitoring_import")] + super().get_urls()

    def import_view(self, request):
        """Upload → preview (a dry run: each project's light and warnings, what changes) → confirm → import."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.upload_page(request, MONITORING, MonitoringForm, title=_("导入绩效运行监控表"),
                                template="admin/budget/monitoring_import.html", url_name="budget_monitoring_import",
                                done="budget_monitoringreport_changelist", extra=preview_rows)
