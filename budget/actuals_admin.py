"""The self-evaluation upload (自评表, issue 11 item 3 / issue 20): the same upload → preview → confirm as the
targets import (budget/admin.py import_view), with the preview saying what each indicator's result becomes."""

import secrets
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budget import security
from budget.actuals import import_actuals
from budget.problems import ImportFailed

CHANGES_SHOWN = 500


class ActualsForm(forms.Form):
    file = forms.FileField(label=_("绩效自评表文件"), help_text=_("Excel .xlsx/.xls、Word .docx、PDF、CSV 或 TSV"))
    year = forms.IntegerField(label=_("预算年度"), required=False, min_value=1990, max_value=2100)
    department = forms.CharField(label=_("部门名称"), required=False)

    def clean_file(self):
        from budget.admin import ImportForm

        return ImportForm.clean_file(self)  # the same size cap


def actuals_view(request):
    from budget.admin import PROBLEMS_SHOWN, check_department, forget_stale_uploads, pending_dir

    if not request.user.has_perm("budget.change_indicator"):
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": _("导入绩效自评表")}
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = ActualsForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        forget_stale_uploads()
        token = secrets.token_hex(16)
        saved = pending_dir() / token
        with saved.open("wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        options = {k: form.cleaned_data[k] or None for k in ("year", "department")}
        name = Path(form.cleaned_data["file"].name).name
        try:
            with security.unbounded_statements():
                result = import_actuals(saved, filename=name, dry_run=True, **options)
            check_department(request.user, result.department, name)
        except ImportFailed as failed:
            saved.unlink()
            context.update(problems=failed.problems[:PROBLEMS_SHOWN], problem_count=failed.total)
        else:
            request.session[f"actuals-{token}"] = {"name": name, **options}
            context.update(preview=result, changes=result.changes[:CHANGES_SHOWN], token=token)
    return TemplateResponse(request, "admin/budget/actuals_import.html", context)


def _confirm(request):
    from budget.admin import check_department, pending_dir

    token = request.POST["token"]
    options = request.session.pop(f"actuals-{token}", None)
    saved = pending_dir() / token
    if options is None or not token.isalnum() or not saved.exists():
        messages.error(request, _("预览已过期,请重新上传"))
        return redirect("admin:budget_actuals")
    name = options.pop("name")
    try:
        with security.unbounded_statements():
            preview = import_actuals(saved, filename=name, dry_run=True, **options)
            check_department(request.user, preview.department, name)
            result = import_actuals(saved, filename=name, user=request.user, **options)
    except ImportFailed as failed:
        messages.error(request, "\n".join(str(p) for p in failed.problems[:20]))
        return redirect("admin:budget_actuals")
    finally:
        saved.unlink(missing_ok=True)
    security.event("import-actuals", request, file=name, department=result.department, year=result.year)
    messages.success(request, _("导入完成: ") + result.summary())
    return redirect(reverse("admin:budget_project_changelist"))


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
