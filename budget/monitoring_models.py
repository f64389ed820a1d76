"""Monitoring reports (绩效运行监控): one per project and month, one progress row per indicator.

Imported from models.py so that Django finds the classes; kept apart to keep models.py short.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 20, "decimal_places": 6}


class MonitoringReport(models.Model):
    class Light(models.TextChoices):
        RED = "red", _("红灯")
        YELLOW = "yellow", _("黄灯")
        GREEN = "green", _("绿灯")

    project = models.ForeignKey("budget.Project", models.CASCADE, related_name="monitoring", verbose_name=_("项目"))
    month = models.PositiveSmallIntegerField(_("截至月份"))
    budget_initial = models.DecimalField(_("年初预算数(万元)"), **AMOUNT, null=True, blank=True)
    budget_adjustment = models.DecimalField(_("年度预算调整(万元)"), **AMOUNT, null=True, blank=True)
    budget_adjusted = models.DecimalField(_("调整后预算数(万元)"), **AMOUNT, null=True, blank=True)
    executed = models.DecimalField(_("执行数(万元)"), **AMOUNT, null=True, blank=True)
    forecast = models.DecimalField(_("全年预计执行数(万元)"), **AMOUNT, null=True, blank=True)
    light = models.CharField(_("信号灯"), max_length=10, choices=Light.choices, default=Light.GREEN)
    # [{"code", "severity", "indicator", "params"}]: rendered in the reader's language (monitoring_text.py).
    warnings = models.JSONField(_("预警"), default=list, blank=True)
    source_filename = models.CharField(_("源文件"), max_length=300, blank=True)
    source_row = models.PositiveIntegerField(_("源表行号"), null=True, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("绩效运行监控")
        verbose_name_plural = _("绩效运行监控")
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="monitoring_project_month_unique"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="monitoring_month_range"),
        ]

    def __str__(self):
        return f"{self.project} 1-{self.month}月"


class IndicatorProgress(models.Model):
    report = models.ForeignKey(MonitoringReport, models.CASCADE, related_name="indicators", verbose_name=_("监控"))
    indicator = models.ForeignKey("budget.Indicator", models.CASCADE, related_name="monitoring",
                                  verbose_name=_("绩效指标"))
    value = models.TextField(_("当前完成值"), blank=True)
    forecast = models.TextField(_("全年预计完成值"), blank=True)
    likelihood = models.CharField(_("完成可能性"), max_length=10, blank=True)
    deviation_causes = models.JSONField(_("偏差原因"), default=list, blank=True)
    deviation_note = models.TextField(_("偏差原因说明"), blank=True)
    measures = models.TextField(_("改进措施"), blank=True)
    source_row = models.PositiveIntegerField(_("源表行号"), null=True, blank=True)

    class Meta:
        verbose_name = _("指标完成进度")
        verbose_name_plural = _("指标完成进度")
        ordering = ["report", "indicator__position"]
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="progress_report_indicator_unique")]

    def __str__(self):
        return f"{self.indicator} ({self.report.month}月)"


def _rate(report) -> str:
    """1-M月执行率 in percent as the export writes it ("37.5"); "" when it cannot be worked out."""
    from budget import formats
    from budget.evaluation import monitoring

    rate = monitoring.execution_rate(monitoring.ProjectFigures(
        report.month, report.budget_initial, report.budget_adjusted, report.executed))
    return formats.rounded(rate) if rate is not None else ""


MonitoringReport.execution_rate = property(_rate)
