"""The approval lock in the admin: an approved table's data (the table, its units, projects, indicators and
flags) cannot be saved, added to or deleted until a reviewer reopens it (budget/workflow.py).

Kept out of budget/admin.py as ApprovalLock, the first base of those five model admins: the lock is one rule
over five admins, and a refused form says why — approved, by whom and when.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from budget import workflow
from budget.models import BudgetTable, Indicator, Project


def table_key(obj) -> tuple[int, int] | None:
    """(department id, year) of the table an object belongs to, or None when it belongs to none yet."""
    if obj is None:
        return None
    if isinstance(obj, BudgetTable):
        return (obj.department_id, obj.year) if obj.department_id and obj.year else None
    if isinstance(obj, Indicator):
        obj = obj.project if obj.project_id else None
    table = obj.table if obj is not None and getattr(obj, "table_id", None) else None
    return (table.department_id, table.year) if table else None


def _cleaned_key(model, cleaned: dict) -> tuple[int, int] | None:
    """The table a submitted form would put the object in (a project moved into an approved table)."""
    if model is BudgetTable:
        department = cleaned.get("department")
        return (department.pk, cleaned["year"]) if department and cleaned.get("year") else None
    if model is Indicator:
        project = cleaned.get("project")
        return table_key(project) if isinstance(project, Project) else None
    table = cleaned.get("table")
    return table_key(table) if isinstance(table, BudgetTable) else None


def refusal(*objects_or_keys) -> str | None:
    for key in objects_or_keys:
        found = key and workflow.lock_refusal(*key)
        if found:
            return found
    return None


class ApprovalLock:
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        model, before = self.model, table_key(obj)

        class LockedForm(form):
            def clean(self):
                cleaned = super().clean()
                found = refusal(before, _cleaned_key(model, cleaned or {}))
                if found:
                    raise ValidationError(found)
                return cleaned

        return LockedForm

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            found = refusal(table_key(self.get_object(request, unquote(object_id))))
            if found:
                messages.warning(request, found)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        # The bulk delete action asks for each object it would delete, related ones included.
        return super().has_delete_permission(request, obj) and not refusal(table_key(obj))

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        found = refusal(table_key(obj))
        if found:
            messages.error(request, found)
            info = self.model._meta.app_label, self.model._meta.model_name
            return redirect(reverse(f"{self.admin_site.name}:{info[0]}_{info[1]}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)
