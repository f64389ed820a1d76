from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save

EDITORS = "部门填报员"
REVIEWERS = "审核员"
# Editors import and correct their own departments' data; the category lists are shared by all.
EDITOR_MODELS = [
    "budgettable",
    "fundingunit",
    "project",
    "projectfunding",
    "indicator",
    "flag",
    "monitoringreport",
    "indicatorprogress",
]
SHARED_MODELS = ["department", "fundingsource", "level1category", "level2category", "importlog"]


def ensure_groups(sender, **kwargs):
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.filter(content_type__app_label="budget")
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        [
            p
            for p in perms
            if p.content_type.model in EDITOR_MODELS
            and p.codename.split("_")[0] in ("add", "change", "delete", "view")
            and p.codename != "view_all_departments"
        ]
        + [p for p in perms if p.content_type.model in SHARED_MODELS and p.codename.startswith("view_")]
    )
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
    reviewers.permissions.set([p for p in perms if p.codename.startswith("view_")])


class BudgetConfig(AppConfig):
    name = "budget"
    verbose_name = "预算绩效目标"

    def ready(self):
        from django.conf import settings
        from django.db.backends.signals import connection_created

        from budget import (  # noqa: F401 - their signal receivers: the security log, the web statement timeout
            middleware,
            security,
        )
        from budget.caching import bump_data_version
        from budget.explorer_queries import forget_trigram_indexes, trigram_indexes

        post_migrate.connect(ensure_groups, sender=self)
        connection_created.connect(trigram_indexes, dispatch_uid="budget:trigram")
        post_migrate.connect(forget_trigram_indexes, sender=self)
        # The app's own classes only: the models migrations build (RunPython) are other classes, and
        # may save before the sequence exists.
        for model in self.get_models():
            post_save.connect(bump_data_version, sender=model, dispatch_uid=f"version:{model._meta.label}")
            post_delete.connect(bump_data_version, sender=model, dispatch_uid=f"version:{model._meta.label}:delete")
        if settings.DATABASES["default"]["ENGINE"] == "budget.embedded_db":
            from budget.embedded_db.base import stop_on_termination

            stop_on_termination()
