"""Monitoring in the admin: the upload page (preview, then confirm) and the reports, edited with their
indicator rows; every edit recomputes the warnings and the light.

The upload goes through the targets import's cap and pending-upload folder; an editor may import and edit
only the monitoring of departments they belong to. Monitoring of an approved table is allowed: it reports
against the approved targets and changes none of them (budget/importing/monitoring_import.py).
"""


from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from budget import uploads
from budget.admin import DepartmentScoped, ImportForm
from budget.models import IndicatorProgress, MonitoringReport
from budget.importing.monitoring_import import import_monitoring, refresh
from budget.evaluation.monitoring_text import message

OPTIONS = ("year", "month", "department")


class MonitoringForm(forms.Form):
    file = forms.FileField(label=_("绩效运行监控表文件"),
                           help_text=_("Excel .xlsx/.xls、CSV、PDF(有文字层)或 Word .docx;一个项目一张表,或一行一个指标"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100,
                              help_text=_("表题中没有年份时填写"))
    month = forms.IntegerField(label=_("截至月份"), required=False, min_value=1, max_value=12,
                               help_text=_("表题中没有「1-M月」或「截至M月底」时填写"))
    department = forms.CharField(label=_("部门名称"), required=False, help_text=_("表中没有「部门名称」行时填写"))

    clean_file = ImportForm.clean_file  # the same upload cap as the targets import


def monitoring_import_view(request):
    """Upload → preview (a dry run: each project's light and warnings) → confirm → import."""
    if not request.user.has_perm("budget.add_monitoringreport"):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return uploads.confirm(request, "monitoring", _run, _about, back=reverse("admin:budget_monitoring_import"),
                               done=reverse("admin:budget_monitoringreport_changelist"))
    form = MonitoringForm(request.POST or None, request.FILES or None)
    context = {**admin.site.each_context(request), "title": _("导入绩效运行监控表"), "form": form}
    if request.method == "POST" and form.is_valid():
        options = {k: form.cleaned_data[k] for k in OPTIONS}
        context.update(uploads.preview(request, form.cleaned_data["file"], "monitoring", _run, _about, options))
        if "preview" in context:
            context["rows"] = [{"project": r.project.name, "light": r.get_light_display(), "code": r.light,
                                "messages": [message(w) for w in r.warnings]} for r in context["preview"].reports]
    return TemplateResponse(request, "admin/budget/monitoring_import.html", context)


def _run(source, *, user=None, **options):
    return import_monitoring(source, **options)  # monitoring records no importing user


def _about(result):
    return result.department, result.year


class IndicatorProgressInline(admin.TabularInline):
    model = IndicatorProgress
    fields = ["indicator", "value", "forecast", "likelihood", "deviation_causes", "deviation_note", "measures"]
    readonly_fields = ["indicator"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # rows come with the report's import; an indicator is one the targets set


@admin.register(MonitoringReport)
class MonitoringReportAdmin(DepartmentScoped, admin.ModelAdmin):
    department_path = "project__table__department"
    list_display = ["project", "month", "light", "executed", "forecast", "source_filename"]
    list_select_related = ["project__table__department"]
    list_filter = ["light", "month", "project__table__year"]
    search_fields = ["project__name", "project__table__department__name"]
    fields = ["project", "month", "budget_initial", "budget_adjustment", "budget_adjusted", "executed", "forecast",
              "light", "warnings", "source_filename", "imported_at"]
    readonly_fields = ["project", "month", "light", "warnings", "source_filename", "imported_at"]
    inlines = [IndicatorProgressInline]

    def has_add_permission(self, request):
        return False  # a report comes from a monitoring table (the import page)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh(form.instance)  # the warnings and the light follow every edit

    def get_urls(self):
        view = self.admin_site.admin_view(monitoring_import_view)
        return [path("import/", view, name="budget_monitoring_import")] + super().get_urls()
