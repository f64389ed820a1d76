"""The review round (审核流程): each department's state for a year, its transitions and the opinions.

Imported from models.py so that Django finds the classes; kept apart to keep models.py short.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Keyed by department and year, not by BudgetTable: an import replaces the table's row, and the
# review state, its history and the opinions belong to the department's targets for that year.


class TableReview(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    department = models.ForeignKey("budget.Department", models.CASCADE, related_name="reviews", verbose_name=_("部门"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    status = models.CharField(_("审核状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    changed_by = models.CharField(_("状态变更人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("审核状态")
        verbose_name_plural = _("审核状态")
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="one_review_per_department_year")]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self):
        return f"{self.department} {self.year}: {self.get_status_display()}"


class ReviewEvent(models.Model):
    """One transition of the review round: who, when, from, to, and the comment."""

    review = models.ForeignKey(TableReview, models.CASCADE, related_name="events", verbose_name=_("审核状态"))
    action = models.CharField(_("操作"), max_length=10)
    from_status = models.CharField(_("原状态"), max_length=10, choices=TableReview.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=TableReview.Status.choices)
    # The name is kept as text: the history outlives a user account.
    by = models.CharField(_("操作人"), max_length=150)
    at = models.DateTimeField(_("时间"))
    comment = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["review", "at", "id"]

    def __str__(self):
        return f"{self.by} {self.from_status} → {self.to_status}"


class ReviewComment(models.Model):
    """An opinion (审核意见) on the table, one of its projects or one indicator, named as the source
    names them so that it survives a re-import of corrected targets."""

    review = models.ForeignKey(TableReview, models.CASCADE, related_name="comments", verbose_name=_("审核状态"))
    project = models.CharField(_("项目"), max_length=500, blank=True)
    indicator = models.CharField(_("指标"), max_length=500, blank=True)
    # The automatic finding (budget/evaluation/review.py) the reviewer accepted, as it read before any edit.
    code = models.CharField(_("审核发现代码"), max_length=50, blank=True)
    finding = models.TextField(_("审核发现原文"), blank=True)
    text = models.TextField(_("审核意见"))
    by = models.CharField(_("审核人"), max_length=150)
    at = models.DateTimeField(_("时间"))
    resolved = models.BooleanField(_("已修改"), default=False)
    resolved_by = models.CharField(_("修改确认人"), max_length=150, blank=True)
    resolved_at = models.DateTimeField(_("修改确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["review", "id"]

    def __str__(self):
        return self.text
