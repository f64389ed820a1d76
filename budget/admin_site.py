"""The admin site: its titles in one place, as the attributes of Django's AdminSite.

BudgetAdminConfig (in INSTALLED_APPS instead of django.contrib.admin) makes BudgetAdminSite the default site, so
`admin.site`, `@admin.register` and autodiscovery work as usual.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class BudgetAdminSite(AdminSite):
    site_header = _("预算绩效目标看板 · 管理")
    site_title = _("预算绩效目标看板")
    index_title = _("数据管理")


class BudgetAdminConfig(AdminConfig):
    default_site = "budget.admin_site.BudgetAdminSite"
