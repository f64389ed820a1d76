from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# 万元 with six decimals holds any amount in 元 with two decimals exactly (3,309,840.00 元 = 330.984 万元).
AMOUNT = {"max_digits": 20, "decimal_places": 6}
ZERO = Decimal("0")


class Department(models.Model):
    name = models.CharField(_("部门名称"), max_length=200, unique=True)
    code = models.CharField(_("部门编码"), max_length=50, blank=True)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="edited_departments", verbose_name=_("编辑人员"),
        help_text=_("可以导入和修改本部门数据的用户(需属于「部门填报员」组)"),
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BudgetTable(models.Model):
    """One department's published targets for one budget year (项目支出绩效目标表)."""

    class Layout(models.TextChoices):
        PROJECT_PER_ROW = "project-per-row", _("每行一个项目")
        INDICATOR_PER_ROW = "indicator-per-row", _("每行一个指标")
        SINGLE_PROJECT_FORM = "single-project-form", _("每个项目一张表单")
        DEPARTMENT_TARGETS = "department-targets", _("部门整体支出绩效目标表")

    class Kind(models.TextChoices):
        PROJECT_TARGETS = "project-targets", _("项目支出绩效目标表")
        DEPARTMENT_TARGETS = "department-targets", _("部门整体支出绩效目标表")

    department = models.ForeignKey(Department, models.CASCADE, related_name="tables", verbose_name=_("部门"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    kind = models.CharField(_("种类"), max_length=30, choices=Kind.choices, default=Kind.PROJECT_TARGETS)
    title = models.CharField(_("标题"), max_length=300, blank=True)
    amount_unit = models.CharField(_("源表金额单位"), max_length=10, default="万元")
    layout = models.CharField(_("版式"), max_length=30, choices=Layout.choices, default=Layout.PROJECT_PER_ROW)
    total = models.DecimalField(_("合计(万元)"), **AMOUNT, default=ZERO)
    has_source_breakdown = models.BooleanField(_("分资金来源"), default=True)
    source_filename = models.CharField(_("源文件"), max_length=300, blank=True)
    source_sha256 = models.CharField(_("源文件SHA-256"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入人")
    )
    review_score = models.DecimalField(_("审核得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    # A department-wide table's split of its total by purpose and its duties: {"by_purpose": {…}, "duties": […]}.
    details = models.JSONField(_("部门整体信息"), default=dict, blank=True)
    history = HistoricalRecords(excluded_fields=["review_score"])

    class Meta:
        verbose_name = _("绩效目标表")
        verbose_name_plural = _("绩效目标表")
        permissions = [("view_all_departments", _("可查看所有部门的数据(审核员、管理员)"))]
        ordering = ["-year", "department__name"]
        constraints = [
            # One table of each kind: a department's project targets and its department-wide targets.
            models.UniqueConstraint(fields=["department", "year", "kind"], name="one_table_per_department_year_kind"),
            models.CheckConstraint(condition=Q(total__gte=0), name="table_total_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="table_year_plausible"),
        ]

    def __str__(self):
        return f"{self.department} {self.year}"

    def get_absolute_url(self):  # either kind: the department-wide table is shown on the same page
        return reverse("budget:department", args=[self.department_id, self.year])


class FundingUnit(models.Model):
    """资金使用单位: a group of projects within a table, in source order."""

    table = models.ForeignKey(BudgetTable, models.CASCADE, related_name="units", verbose_name=_("绩效目标表"))
    position = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("单位名称"), max_length=300)
    code = models.CharField(_("单位编码"), max_length=50, blank=True)
    total = models.DecimalField(_("小计(万元)"), **AMOUNT, default=ZERO)
    source_row = models.PositiveIntegerField(_("源表行号"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资金使用单位")
        verbose_name_plural = _("资金使用单位")
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="unit_position_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="unit_total_not_negative"),
        ]

    def __str__(self):
        return self.name


class FundingSource(models.Model):
    """财政拨款, 财政专户拨款, 其他资金 …; new columns in later tables extend the list."""

    name = models.CharField(_("资金来源"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Project(models.Model):
    table = models.ForeignKey(BudgetTable, models.CASCADE, related_name="projects", verbose_name=_("绩效目标表"))
    unit = models.ForeignKey(FundingUnit, models.CASCADE, related_name="projects", verbose_name=_("资金使用单位"))
    position = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("项目名称"), max_length=500)
    code = models.CharField(_("项目编码"), max_length=50, blank=True)
    goal = models.TextField(_("绩效目标"), blank=True)
    period_goal = models.TextField(_("实施期目标"), blank=True)
    # A form's other labelled facts (项目负责人, 项目属性, 实施期 …) as {label as written: value}.
    attributes = models.JSONField(_("其他信息"), default=dict, blank=True)
    total = models.DecimalField(_("总计(万元)"), **AMOUNT, default=ZERO)
    source_row = models.PositiveIntegerField(_("源表行号"), null=True, blank=True)
    indicator_text = models.TextField(_("绩效指标原文"), blank=True)
    unparsed_indicator_text = models.TextField(_("未能识别的指标文本"), blank=True)
    # Self-evaluation (绩效自评): 全年执行数 in 万元.
    executed = models.DecimalField(_("全年执行数(万元)"), **AMOUNT, null=True, blank=True)
    # A 绩效自评表's money block: 年初预算数 and 全年预算数 (调整后预算数), in 万元.
    budget_initial = models.DecimalField(_("年初预算数(万元)"), **AMOUNT, null=True, blank=True)
    budget_adjusted = models.DecimalField(_("全年预算数(万元)"), **AMOUNT, null=True, blank=True)
    # Target review (绩效目标审核), recomputed on import and after every edit (budget/evaluation/review.py).
    review_score = models.DecimalField(_("审核得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_findings = models.JSONField(_("审核发现"), default=list, blank=True)
    # What the project's rows held when imported (budget/importing/identity.py): a re-import compares it, not the rows.
    # Empty once edited elsewhere; the next import then computes it from the rows.
    fingerprint = models.CharField(max_length=32, blank=True, editable=False)
    # The last part of the project's stable path: its code, or its name (~2 for a second namesake).
    ref = models.CharField(_("固定链接标识"), max_length=520, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["review_score", "review_findings", "fingerprint", "ref"])

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="project_position_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="project_total_not_negative"),
            models.CheckConstraint(
                condition=Q(executed__isnull=True) | Q(executed__gte=0), name="project_executed_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["unit", "position"]), models.Index(fields=["table", "ref"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("budget:project", args=[self.pk])

    def clean(self):
        # The database refuses it too (migration 0008: a foreign key on (unit, table)); this says it in words.
        if self.unit_id and self.table_id and self.unit.table_id != self.table_id:
            raise ValidationError({"unit": _("资金使用单位「{unit}」属于「{other}」,不属于本项目的绩效目标表「{table}」").format(
                unit=self.unit.name, other=self.unit.table, table=self.table)})

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is None:
            self.fingerprint = ""
        super().save(*args, **kwargs)


class EditedWithProject(models.Model):
    """Funding and indicators: saving or deleting one by itself makes its project's fingerprint stale."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from budget.importing.identity import clear_fingerprint
        clear_fingerprint([self.project_id])

    def delete(self, *args, **kwargs):
        project_id = self.project_id
        result = super().delete(*args, **kwargs)
        from budget.importing.identity import clear_fingerprint
        clear_fingerprint([project_id])
        return result


class ProjectFunding(EditedWithProject):
    project = models.ForeignKey(Project, models.CASCADE, related_name="funding", verbose_name=_("项目"))
    source = models.ForeignKey(FundingSource, models.PROTECT, related_name="+", verbose_name=_("资金来源"))
    amount = models.DecimalField(_("金额(万元)"), **AMOUNT, default=ZERO)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目资金")
        verbose_name_plural = _("项目资金")
        ordering = ["project", "source__position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="one_amount_per_project_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_not_negative"),
        ]

    def __str__(self):
        from budget.formats import amount  # as finance staff write them: 2,616.61

        return f"{self.source}: {amount(self.amount)}"


class Level1Category(models.Model):
    """一级指标: 产出, 效益, 满意度, 成本 …; unknown names extend the list."""

    class Kind(models.TextChoices):
        OUTPUT = "output", _("产出")
        OUTCOME = "outcome", _("效益")
        SATISFACTION = "satisfaction", _("满意度")
        COST = "cost", _("成本")

    name = models.CharField(_("一级指标"), max_length=100, unique=True)
    code = models.CharField(_("编码"), max_length=10, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, blank=True)

    class Meta:
        verbose_name = _("一级指标")
        verbose_name_plural = _("一级指标")
        ordering = ["code", "name"]

    def __str__(self):
        return self.name


class Level2Manager(models.Manager):
    # Every label of a level-2 category names its level 1; fetch it in the same query.
    def get_queryset(self):
        return super().get_queryset().select_related("level1")


class Level2Category(models.Model):
    objects = Level2Manager()

    level1 = models.ForeignKey(Level1Category, models.PROTECT, related_name="children", verbose_name=_("一级指标"))
    name = models.CharField(_("二级指标"), max_length=100)
    code = models.CharField(_("编码"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("二级指标")
        verbose_name_plural = _("二级指标")
        ordering = ["level1__code", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["level1", "name"], name="level2_unique_within_level1")]

    def __str__(self):
        return f"{self.level1.name} / {self.name}"


class Indicator(EditedWithProject):
    class Comparator(models.TextChoices):
        GE = ">=", "≥"
        LE = "<=", "≤"
        EQ = "=", "="
        GT = ">", ">"
        LT = "<", "<"

    project = models.ForeignKey(Project, models.CASCADE, related_name="indicators", verbose_name=_("项目"))
    position = models.PositiveIntegerField(_("顺序"))
    seq = models.PositiveIntegerField(_("序号"))
    level2 = models.ForeignKey(Level2Category, models.PROTECT, related_name="+", verbose_name=_("二级指标"))
    # The category words as the source wrote them ("产出" or "产出指标"); the foreign key groups them.
    level1_label = models.CharField(_("一级指标(原文)"), max_length=100, blank=True)
    level2_label = models.CharField(_("二级指标(原文)"), max_length=100, blank=True)
    level2_code = models.CharField(_("二级指标编码(原文)"), max_length=10, blank=True)
    name = models.CharField(_("三级指标"), max_length=500, blank=True)
    library_code = models.CharField(_("指标库编码"), max_length=50, blank=True)
    period_value = models.TextField(_("实施周期指标值"), null=True, blank=True)
    annual_value = models.TextField(_("年度指标值"), null=True, blank=True)
    comparator = models.CharField(_("比较符"), max_length=2, choices=Comparator.choices, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=24, decimal_places=8, null=True, blank=True)
    target_unit = models.CharField(_("计量单位"), max_length=50, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=8, decimal_places=4, null=True, blank=True)
    # A form's further grid columns (绩效标准, 备注, 指标解释 …) as {header: text}.
    extra = models.JSONField(_("其他列"), null=True, blank=True)
    # Self-evaluation (绩效自评), filled after the year.
    actual_value = models.TextField(_("实际完成值"), blank=True)
    actual_points = models.DecimalField(_("评价得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    deviation_reason = models.TextField(_("偏差原因及改进措施"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="indicator_position_unique"),
            # A target is all three of comparator and value, or none.
            models.CheckConstraint(
                condition=Q(target_value__isnull=True, comparator="") | Q(target_value__isnull=False) & ~Q(comparator=""),
                name="indicator_target_complete",
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0), name="indicator_weight_not_negative"
            ),
        ]

    def __str__(self):
        return self.name or f"#{self.seq}"

    @property
    def level1(self):
        return self.level2.level1


class Flag(models.Model):
    """A data-quality finding of an import: kept and shown, never silently dropped."""

    class Severity(models.TextChoices):
        ERROR = "error", _("错误")
        WARNING = "warning", _("警告")
        INFO = "info", _("提示")

    table = models.ForeignKey(BudgetTable, models.CASCADE, related_name="flags", verbose_name=_("绩效目标表"))
    project = models.ForeignKey(
        Project, models.CASCADE, null=True, blank=True, related_name="flags", verbose_name=_("项目")
    )
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    code = models.CharField(_("代码"), max_length=50)
    message = models.TextField(_("说明"))
    row = models.PositiveIntegerField(_("源表行号"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据质量提示")
        verbose_name_plural = _("数据质量提示")
        ordering = ["table", "row", "id"]

    def __str__(self):
        return f"[{self.code}] {self.message}"


class ImportLog(models.Model):
    """Who imported which file into which table, and what it changed: the import history."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="imports", verbose_name=_("部门"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    filename = models.CharField(_("源文件"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入人")
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    added = models.JSONField(_("新增项目"), default=list)
    changed = models.JSONField(_("修改项目"), default=list)
    removed = models.JSONField(_("删除项目"), default=list)
    unchanged = models.BooleanField(_("无变化"), default=False)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.filename} → {self.department} {self.year}"


# -- the finance bureau's review round (budget/workflow.py) ---------------------------------
class ApiToken(models.Model):
    """A key a user's scripts send as `Authorization: Bearer …` to read the API when the site is not public.
    Only its SHA-256 is kept: the key itself is shown once, when an administrator creates it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens",
                             verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=100, help_text=_("例如使用它的程序或系统"))
    prefix = models.CharField(_("密钥开头"), max_length=8, editable=False)
    key_hash = models.CharField(_("密钥SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["user", "name"]

    def __str__(self):
        return f"{self.user} · {self.name} ({self.prefix}…)"


class DataVersionSeen(models.Model):
    """When each data version was first served: the API's Last-Modified. The version itself (caching.py) is
    read from ids and a sequence, which carry no time."""

    version = models.CharField(max_length=300, primary_key=True)
    seen_at = models.DateTimeField(default=timezone.now)


class RemovedProject(models.Model):
    """A project a re-import dropped: its old links answer 410 and name the edition that removed it."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="+", verbose_name=_("部门"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    project_id = models.BigIntegerField(_("原项目编号"), unique=True)
    unit_name = models.CharField(_("单位名称"), max_length=300)
    name = models.CharField(_("项目名称"), max_length=500)
    code = models.CharField(_("项目编码"), max_length=50, blank=True)
    ref = models.CharField(_("固定链接标识"), max_length=520)
    removed_by = models.ForeignKey(ImportLog, models.SET_NULL, null=True, related_name="+", verbose_name=_("导入记录"))
    removed_at = models.DateTimeField(_("删除时间"))

    class Meta:
        verbose_name = _("已删除项目")
        verbose_name_plural = _("已删除项目")
        indexes = [models.Index(fields=["department", "year", "ref"])]

    def __str__(self):
        return self.name


from budget.monitoring_models import IndicatorProgress, MonitoringReport  # noqa: E402,F401 - registered with the app
from budget.review_models import ReviewComment, ReviewEvent, TableReview  # noqa: E402,F401 - registered with the app
