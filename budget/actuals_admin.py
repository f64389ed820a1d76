"""The self-evaluation upload (自评表, issue 11 item 3 / issue 20): the same upload → preview → confirm as the
targets import (budget/admin.py import_view), with the preview saying what each indicator's result becomes."""


from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budget import uploads
from budget.importing.actuals import import_actuals

CHANGES_SHOWN = 500


class ActualsForm(forms.Form):
    file = forms.FileField(label=_("绩效自评表文件"), help_text=_("Excel .xlsx/.xls、Word .docx、PDF、CSV 或 TSV"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100)
    department = forms.CharField(label=_("部门名称"), required=False)

    def clean_file(self):
        from budget.admin import ImportForm

        return ImportForm.clean_file(self)  # the same size cap


def actuals_view(request):
    if not request.user.has_perm("budget.change_indicator"):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return uploads.confirm(request, "actuals", import_actuals, _about, back=reverse("admin:budget_actuals"),
                               done=reverse("admin:budget_project_changelist"), event="import-actuals")
    form = ActualsForm(request.POST or None, request.FILES or None)
    context = {**admin.site.each_context(request), "title": _("导入绩效自评表"), "form": form}
    if request.method == "POST" and form.is_valid():
        options = {k: form.cleaned_data[k] or None for k in ("year", "department")}
        context.update(uploads.preview(request, form.cleaned_data["file"], "actuals", import_actuals, _about, options))
        if "preview" in context:
            context["changes"] = context["preview"].changes[:CHANGES_SHOWN]
    return TemplateResponse(request, "admin/budget/actuals_import.html", context)


def _about(result):
    return result.department, result.year


TEMPLATE_HEADER = ["项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", "实际完成值", "得分", "偏差原因"]


def template_view(request, object_id):
    """A 自评表 to fill in: every indicator of the table with its target and 分值 (weight), the result columns
    empty; the upload above reads it back as it is."""
    import io

    import openpyxl
    from django.http import Http404, HttpResponse

    from budget.admin import BudgetTableAdmin  # noqa: F401 - the scope below is the table admin's
    from budget.models import BudgetTable, Indicator

    table_admin = admin.site._registry[BudgetTable]
    table = table_admin.get_queryset(request).filter(pk=object_id).select_related("department").first()
    if table is None:
        raise Http404
    if not table_admin.has_view_permission(request, table):
        raise PermissionDenied
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("绩效自评表")
    sheet.append([f"部门名称:{table.department.name}"])
    sheet.append(TEMPLATE_HEADER)
    rows = (Indicator.objects.filter(project__table=table).order_by("project__position", "position")
            .values_list("project__name", "level1_label", "level2_label", "name", "annual_value", "weight",
                         "actual_value", "actual_points", "deviation_reason"))
    for project, level1, level2, name, annual, weight, actual, points, reason in rows.iterator():
        sheet.append([project, level1, level2, name, annual or "", float(weight) if weight is not None else None,
                      actual or None, float(points) if points is not None else None, reason or None])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    filename = f"self-evaluation-{table.year}-{table.department_id}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
