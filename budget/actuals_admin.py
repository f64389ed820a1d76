"""The self-evaluation upload (自评表, issue 11 item 3 / issue 20): the same upload → preview → confirm as the
targets import (budget/uploads.py), with the preview saying what each indicator's result becomes; and the
pre-filled 自评表 to download for a table (BudgetTableAdmin.self_evaluation_template).

The upload writes indicators' results: it is a page of the indicator admin, open to whoever may change
indicators (SelfEvaluationUpload, a base of IndicatorAdmin in budget/admin.py).
"""

import io

import openpyxl
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from budget import uploads
from budget.importing.actuals import read_actuals, write_actuals

CHANGES_SHOWN = 500

ACTUALS = uploads.Upload("actuals", read_actuals, write_actuals, lambda result: (result.department, result.year),
                         event="import-actuals")


class ActualsForm(uploads.UploadForm):
    file = forms.FileField(label=_("绩效自评表文件"), help_text=_("Excel .xlsx/.xls、Word .docx、PDF、CSV 或 TSV"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100)
    department = forms.CharField(label=_("部门名称"), required=False)


class SelfEvaluationUpload(uploads.UploadPages):
    def get_urls(self):
        # /admin/budget/indicator/import-actuals/, linked by its name from the admin home.
        view = self.admin_site.admin_view(self.actuals_view)
        return [path("import-actuals/", view, name="budget_actuals")] + super().get_urls()

    def actuals_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return self.upload_page(request, ACTUALS, ActualsForm, title=_("导入绩效自评表"),
                                template="admin/budget/actuals_import.html", url_name="budget_actuals",
                                done="budget_project_changelist",
                                extra=lambda result: {"changes": result.changes[:CHANGES_SHOWN]})


TEMPLATE_HEADER = ["项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", "实际完成值", "得分", "偏差原因"]


def template_workbook(table) -> HttpResponse:
    """A 自评表 to fill in: every indicator of the table with its target and 分值 (weight), the result columns
    empty; the upload above reads it back as it is."""
    from budget.models import Indicator

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
