"""Monitoring import: read (monitoring_read), match to the department's targets, check, write.

Every problem of every file is collected first with its file, row, column and value; nothing is
written unless there are none. A month reported again replaces that month of the projects in the
file; other months stay. Monitoring reports against approved targets, so an approved (locked)
table does not refuse it: the targets themselves are not touched.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from budget.caching import bump_data_version
from budget.evaluation import monitoring
from budget.formats import LOWER_IS_BETTER
from budget.importing.indicators import parse_target, split_code
from budget.importing.monitoring_changes import changes
from budget.importing.monitoring_read import MonitoringReader
from budget.importing.problems import Collector, ImportFailed
from budget.importing.readers import open_table
from budget.importing.reading import department_lock, is_blank, name_key, parse_number, resolve_year, wan_amount
from budget.models import BudgetTable, IndicatorProgress, MonitoringReport

SOURCE_FILENAME = MonitoringReport._meta.get_field("source_filename").max_length
AMOUNT_FIELDS = {
    "budget_initial": "年初预算数",
    "adjustment": "年度预算调整",
    "budget_adjusted": "调整后预算数",
    "executed": "执行数",
    "forecast": "全年预计执行数",
}
CAUSE_SPLIT = re.compile(r"[、,;/\s]+")


@dataclass
class MonitoringResult:
    filename: str
    department: str
    year: int
    month: int
    reports: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # on a dry run: what each report changes (monitoring_changes)

    def summary(self) -> str:
        lights = {light: sum(r.light == light for r in self.reports) for light in ("red", "yellow", "green")}
        return (
            f"{self.filename}: {self.department} {self.year}年1-{self.month}月 项目{len(self.reports)}个 "
            f"红灯{lights['red']} 黄灯{lights['yellow']} 绿灯{lights['green']}"
        )


@dataclass
class MonitoringSheet:
    """A monitoring file read once: its blocks, year and month, and the department it names or was given.
    Plain data, so that the admin can keep it between the preview and the confirmation."""

    filename: str
    reading: object  # monitoring_read.Reading
    year: int
    month: int
    department: str | None


def import_monitoring(source, *, filename=None, year=None, month=None, department=None, dry_run=False):
    """Read, match, check and (unless dry_run) write one monitoring file; ImportFailed lists every problem."""
    sheet = read_monitoring(source, filename=filename, year=year, month=month, department=department)
    return write_monitoring(sheet, dry_run=dry_run)


def read_monitoring(source, *, filename=None, year=None, month=None, department=None) -> MonitoringSheet:
    table_rows = open_table(source, filename=filename)
    name = table_rows.filename
    reading = MonitoringReader().read([table_rows, *table_rows.more_sheets()])
    collected = Collector(name)
    problem, problems = collected.problem, collected.problems

    table_year = resolve_year(reading.year, year, reading.year_row, problem)
    table_month = month or reading.month
    if not table_month:
        problem(None, None, None, "无法从标题中确定监控月份(如「2021年1-6月」「截至6月底」),请用 --month 指定")
    if not reading.blocks:
        problem(None, None, None, "找不到监控表:需要「项目名称」和「1-M月执行数」或「三级指标」「完成值」等列")
    if problems:
        raise ImportFailed(problems)
    return MonitoringSheet(name, reading, table_year, table_month, department)


def write_monitoring(sheet: MonitoringSheet, *, dry_run=False) -> MonitoringResult:
    """Match the blocks to the department's targets, check them and (unless dry_run) write them; a dry run says
    what each report changes against the stored one (budget/importing/monitoring_changes.py)."""

    collected = Collector(sheet.filename)
    problem, problems = collected.problem, collected.problems

    with transaction.atomic():
        table = _table(sheet.reading, sheet.department, sheet.year, problem)
        if table is None:
            raise ImportFailed(problems)
        with connection.cursor() as cursor:
            department_lock(cursor, table.department.name, sheet.year)
        projects = list(table.projects.order_by("position").prefetch_related("indicators"))
        reports = [_report(block, table, projects, sheet.month, problem) for block in sheet.reading.blocks]
        _no_repeats(reports, problem)
        if problems:
            raise ImportFailed(problems)
        result = MonitoringResult(sheet.filename, table.department.name, sheet.year, sheet.month)
        result.reports = [report for report, _ in reports]
        rules = monitoring.settings_rules()
        for report, rows in reports:
            report.warnings = monitoring.evaluate(figures(report, rows), rules)
            report.light = monitoring.light(report.warnings)
        if dry_run:
            result.changes = changes(reports, sheet.month)
        else:
            _write(reports, sheet.month, sheet.filename)
    return result


def _table(reading, department, year, problem):
    """The department's targets for the year: named by --department or the file, else the one
    department of that year whose projects include every project the file names."""

    tables = BudgetTable.objects.filter(year=year, kind=BudgetTable.Kind.PROJECT_TARGETS).select_related("department")
    wanted = department or reading.department
    if wanted:
        key = name_key(split_code(wanted)[1])
        found = [t for t in tables if name_key(t.department.name) == key]
        if not found:
            names = "、".join(t.department.name for t in tables) or "无"
            problem(None, "部门", wanted, f"没有{year}年的绩效目标表(该年已导入的部门:{names}),请先导入绩效目标表")
        return found[0] if found else None
    keys = {name_key(b.project) for b in reading.blocks}
    found = [t for t in tables if keys <= {name_key(n) for n in t.projects.values_list("name", flat=True)}]
    if len(found) != 1:
        problem(
            None,
            None,
            None,
            f"表中没有部门名称,{year}年也没有唯一一个部门的绩效目标表包含这些项目,请用 --department 指定",
        )
        return None
    return found[0]


def _candidates(text: str, names: list[str]) -> str:
    """The names a misspelt one could have been, closest first; all of them when none is close."""
    by_key = {name_key(n): n for n in names}
    close = difflib.get_close_matches(name_key(text), list(by_key), n=3, cutoff=0.5)
    return "、".join(by_key[k] for k in close) or "、".join(names) or "无"


def _match(text, items, key=lambda item: item.name):
    exact = [item for item in items if name_key(key(item)) == name_key(text)]
    return exact[0] if len(exact) == 1 else None


def _report(block, table, projects, month, problem):

    project = _match(block.project, projects)
    if project is None:
        names = [p.name for p in projects]
        problem(
            block.row,
            "项目名称",
            block.project,
            f"不是「{table.department.name}」{table.year}年绩效目标表中的项目(可能是:{_candidates(block.project, names)})",
            file=block.source,
        )
        return None, []
    report = MonitoringReport(
        project=project, month=month, source_filename=block.source[:SOURCE_FILENAME], source_row=block.row
    )
    for row, column, text, first in block.conflicts:
        problem(row, column, text, f"与第{first}行填写的同一项目的金额不一致", file=block.source)
    for role, (row, column, text) in block.money.items():
        if role in AMOUNT_FIELDS and not is_blank(text):
            setattr(
                report,
                "budget_adjustment" if role == "adjustment" else role,
                _amount(text, row, column, problem, block.source),
            )
    if report.budget_adjusted is None and report.budget_initial is not None and report.budget_adjustment is not None:
        report.budget_adjusted = report.budget_initial + report.budget_adjustment
    if report.executed is None and "rate" in block.money and not is_blank(block.money["rate"][2]):
        _executed_from_rate(report, block.money, problem, block.source)
    rows = [_progress(project, row, cells, problem, block.source) for row, cells in block.indicators]
    return report, [r for r in rows if r is not None]


def _no_repeats(reports, problem):
    """A project twice in one file, or an indicator twice in one project, would be two answers for one month."""
    seen = {}
    for report, rows in reports:
        if report is None:
            continue
        first = seen.setdefault(report.project.pk, report)
        if first is not report:
            problem(
                report.source_row,
                "项目名称",
                report.project.name,
                f"与第{first.source_row}行重复:同一项目在一个文件中只能填报一次",
                file=report.source_filename,
            )
        indicators = {}
        for row in rows:
            earlier = indicators.setdefault(row.indicator.pk, row.source_row)
            if earlier != row.source_row:
                problem(
                    row.source_row,
                    "三级指标",
                    row.indicator.name,
                    f"与第{earlier}行重复:同一项目的同一指标只能填写一次",
                    file=report.source_filename,
                )


def _executed_from_rate(report, money, problem, source):
    """1-M月执行率 without 1-M月执行数: the amount is the rate of the budget."""
    budget = report.budget_adjusted if report.budget_adjusted is not None else report.budget_initial
    row, column, text = money["rate"]
    raw = text.replace(" ", "")
    number = parse_number(raw.removesuffix("%"))
    if number is None or not raw.endswith("%"):
        problem(row, column, text, "不是有效的执行率(应为百分数,如 37.5%)", file=source)
    elif budget is not None:
        report.executed = budget * number / 100


def _amount(text, row, column, problem, source) -> Decimal | None:
    number = wan_amount(text)
    if number is None:
        problem(row, column, text, "不是有效的金额(应为以万元为单位的数字,如 87.57)", file=source)
    return number


def _progress(project, row, cells, problem, source):

    column, name = cells.get("indicator", ("三级指标", ""))
    indicators = list(project.indicators.all())
    indicator = _match(name, indicators)
    if indicator is None:
        problem(
            row,
            column,
            name,
            f"不是项目「{project.name}」的三级指标(可能是:{_candidates(name, [i.name for i in indicators])})",
            file=source,
        )
        return None
    text = {role: value for role, (_, value) in cells.items()}
    likelihood = re.sub(r"\s+", "", text.get("likelihood", ""))
    if likelihood and likelihood not in monitoring.LIKELIHOOD_SEVERITY:
        problem(
            row,
            cells["likelihood"][0],
            likelihood,
            "不是有效的完成可能性(应为 确定能、有可能 或 完全不可能)",
            file=source,
        )
    causes = [c for c in CAUSE_SPLIT.split(text.get("causes", "")) if c and not is_blank(c)]
    return IndicatorProgress(
        indicator=indicator,
        value=_kept(text.get("value")),
        forecast=_kept(text.get("value_forecast")),
        likelihood=likelihood,
        deviation_causes=causes,
        deviation_note=_kept(text.get("note")),
        measures=_kept(text.get("measures")),
        source_row=row,
    )


def _kept(text):
    return "" if not text or is_blank(text) else text


def _write(reports, month, name):

    MonitoringReport.objects.filter(project__in=[r.project for r, _ in reports], month=month).delete()
    MonitoringReport.objects.bulk_create([r for r, _ in reports])
    for report, rows in reports:
        for row in rows:
            row.report = report
    IndicatorProgress.objects.bulk_create([row for _, rows in reports for row in rows])
    bump_data_version(MonitoringReport)


def figures(report, rows) -> monitoring.ProjectFigures:
    """The rule's input from a report and its indicator rows (saved or not)."""

    indicators = []
    for row in rows:
        ind = row.indicator
        value = parse_target(row.value)
        # "已使用约40%" against "年度预算220万元" measures another thing: progress only in the target's unit.
        if value and value.unit and ind.target_unit and value.unit != ind.target_unit:
            value = None
        indicators.append(
            monitoring.IndicatorFigures(
                name=ind.name,
                target=ind.target_value,
                lower_is_better=ind.comparator in LOWER_IS_BETTER,
                value=value.value if value else None,
                likelihood=row.likelihood,
                causes=row.deviation_causes,
            )
        )
    return monitoring.ProjectFigures(
        report.month, report.budget_initial, report.budget_adjusted, report.executed, report.forecast, indicators
    )


def refresh(report) -> None:
    """Recompute a saved report's warnings and light, after an edit in the admin."""
    rows = list(report.indicators.select_related("indicator"))
    report.warnings = monitoring.evaluate(figures(report, rows), monitoring.settings_rules())
    report.light = monitoring.light(report.warnings)
    report.save(update_fields=["warnings", "light"])
