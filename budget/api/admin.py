"""API tokens in the admin: administrators create them for a user; the key is shown once, then only its hash
and first characters are kept."""

import hashlib
import secrets

from django.contrib import admin, messages
from django.utils.translation import gettext

from budget import security
from budget.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]

    # Superusers only: a token reads everything its user can, so only administrators hand them out.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_delete_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        if not change:
            key = secrets.token_urlsafe(32)
            obj.prefix, obj.key_hash = key[:8], hashlib.sha256(key.encode()).hexdigest()
            super().save_model(request, obj, form, change)
            security.event("api-token-created", request, user=obj.user.get_username(), token=obj.prefix)
            messages.warning(request, gettext("API 令牌(只显示这一次,请立即复制保存): %(key)s") % {"key": key})
            return
        super().save_model(request, obj, form, change)
