"""Self-evaluation actuals (绩效自评): rows → validated → one transaction.

Two layouts, columns recognised by meaning:

- the simple list: 项目名称, 三级指标, 实际完成值, 偏差原因 and optionally 得分;
- the 绩效自评表: 一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分,
  偏差原因分析及改进措施, with 项目名称 as a column (merged cells are filled down) or as a
  「项目名称: …」 line above the header.

A row whose 三级指标 is 全年执行数 gives the project's executed amount in 万元 (a value
ending in 元 is converted). 预算执行率 rows are skipped: the rate is computed from 全年执行数
and the budget. Projects are matched by name within the department's table for the year,
indicators by name within their project.

Like the target importer: every row is checked first and all problems are reported with
file, row, column and value; nothing is written unless there are none. The file is read once
(read_actuals, into an ActualsSheet the admin keeps between preview and confirmation); matching the rows to
the stored targets and writing them happen in one transaction under the target importer's lock for the
department and year (write_actuals). Only the columns the file has are written: a file without 得分 leaves
the evaluator's points as they were.

Column roles, names, amounts, the preamble and the lock are reading.py's and the problems problems.py's,
so a 自评表 reads as the target importer reads the same table; this module matches and writes.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from simple_history.utils import bulk_update_with_history

from budget.caching import bump_data_version
from budget.formats import amount
from budget.importing import indicators as grammar
from budget.importing import self_evaluation
from budget.importing.importer import locate_header
from budget.importing.problems import Collector, ImportFailed, Problem
from budget.importing.readers import open_table
from budget.importing.reading import (
    TOTAL_WORDS,
    bare_key,
    department_lock,
    is_blank,
    is_note,
    name_key,
    parse_number,
    read_preamble,
    resolve_year,
    result_column_role,
    wan_amount,
)
from budget.models import BudgetTable, Indicator, Project

EXECUTED_NAMES = {"全年执行数", "执行数", "全年执行金额", "预算执行数"}
SKIPPED_NAMES = {"预算执行率"}
# A self-evaluation closes with its score: those rows are neither indicators nor results.
SCORE_TOTALS = TOTAL_WORDS | {"总分", "小计", "自评总分"}


@dataclass
class ActualsResult:
    filename: str
    department: str
    year: int
    indicators: int = 0
    projects: set = field(default_factory=set)
    executed: int = 0
    changes: list = field(default_factory=list)  # on a dry run: (project, indicator or field, old, new)

    def summary(self) -> str:
        return (
            f"{self.filename}: {self.department} {self.year}年 项目{len(self.projects)}个 "
            f"实际完成值{self.indicators}条 全年执行数{self.executed}条"
        )


def cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def find_header(rows) -> int | None:
    for index, (_, cells) in enumerate(rows):
        roles = {result_column_role(c) for c in cells if c}
        if {"level3", "actual"} <= roles:
            return index
    return None


@dataclass
class ActualsSheet:
    """A self-evaluation file read and checked as far as the file alone allows: its header, the rows below it, the
    year and department; and, for a 自评表 whose project had no targets when it was read, the targets it brings.
    Plain data, so that the admin can keep it between the preview and the confirmation."""

    filename: str
    header: list
    roles: dict
    preamble: dict
    form: dict | None
    rows: list  # (row number, cells) below the header
    year: int
    department: str
    targets: object = None  # a ParsedTable


def import_actuals(source, *, filename=None, year=None, department=None, user=None, dry_run=False) -> ActualsResult:
    """Read, validate and write one file of actuals; raises ImportFailed with every problem found."""
    return write_actuals(
        read_actuals(source, filename=filename, year=year, department=department), user=user, dry_run=dry_run
    )


def read_actuals(source, *, filename=None, year=None, department=None) -> ActualsSheet:
    """The file's part of the work, done once: an explicit year or department wins over what the file says."""
    table_rows = open_table(source, filename=filename)
    name = table_rows.filename
    head, found, rows = locate_header(
        table_rows, find_header, "需要「三级指标」和「实际完成值」列(以及「项目名称」列或「项目名称:」行)"
    )
    header_row, header = head[found]
    check = Collector(name, header)
    preamble, form = _above_header(name, head[:found], check)
    roles: dict[str, int] = {}
    for index, text in enumerate(header):
        role = result_column_role(text)
        if role and role not in roles:
            roles[role] = index
    if "project" not in roles and not preamble["project"]:
        check.problem(header_row, "项目名称", None, "表头中找不到「项目名称」列,表头前也没有「项目名称:」行")

    table_year = resolve_year(preamble["year"], year, preamble["year_row"], check.problem)
    dept_name = grammar.split_code(department or preamble["department"] or "")[1]
    if not dept_name:
        check.problem(None, None, None, "无法确定部门名称(表头前没有「部门名称:」行),请用 --department 指定")
    if check.problems:
        raise ImportFailed(check.problems)
    sheet = ActualsSheet(name, header, roles, preamble, form, [*head[found + 1 :], *rows], table_year, dept_name)
    if form and _targets(dept_name, table_year) is None:
        sheet.targets = self_evaluation.read_targets(source, name, year=table_year, department=dept_name)
    return sheet


def write_actuals(sheet: ActualsSheet, *, user=None, dry_run=False) -> ActualsResult:
    """Match the rows to the stored targets and write them, in one transaction under the target importer's
    lock. Every changed indicator and project gets a history record naming the file, so a score can be traced
    to its source."""

    check, name = Collector(sheet.filename, sheet.header), sheet.filename
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The target importer's lock: a table replaced between reading and writing would lose these rows.
            department_lock(cursor, sheet.department, sheet.year)
        table = _targets(sheet.department, sheet.year)
        if table is None and sheet.targets is not None:
            self_evaluation.write_targets(sheet.targets, user=user)
            table = _targets(sheet.department, sheet.year)
        if table is None:
            raise ImportFailed(
                [
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        f"没有「{sheet.department}」{sheet.year}年的绩效目标表,请先导入绩效目标表",
                    )
                ]
            )
        projects: dict[str, list] = {}
        for p in Project.objects.filter(table=table).order_by("position").prefetch_related("indicators"):
            projects.setdefault(name_key(p.name), []).append(p)
        result = ActualsResult(name, sheet.department, sheet.year)
        updates = _validate(check, sheet.roles, sheet.preamble["project"], sheet.rows, (), projects, sheet.year, result)
        money_fields = _form_money(check, sheet.form, projects, updates, result)
        if check.problems:
            raise ImportFailed(check.problems)

        if dry_run:
            result.changes = _changes(updates, money_fields)
            transaction.set_rollback(True)  # a table brought by the form goes too: the preview writes nothing
            return result
        _save(updates, sheet.roles, money_fields, name, user)
        # Bulk updates send no signals, and the history rows' ids alone may not move the data version:
        # another writer can commit a later id first. The bump runs after this commit.
        bump_data_version(Indicator)
    return result


def _save(updates, roles, money_fields, name, user):
    """Every changed indicator and project with a history record naming the file."""

    fields = ["actual_value"] + [
        f for role, f in (("reason", "deviation_reason"), ("points", "actual_points")) if role in roles
    ]
    history = {
        "default_user": user if user and user.is_authenticated else None,
        "default_change_reason": f"导入绩效自评数据 {name}"[:100],
    }
    if updates["indicators"]:
        bulk_update_with_history(updates["indicators"], Indicator, fields, **history)
    if updates["projects"]:
        bulk_update_with_history(
            updates["projects"], Project, list(dict.fromkeys(["executed", *money_fields])), **history
        )


def _changes(updates, money_fields) -> list[tuple[str, str, str, str]]:
    """What a dry run would write, field by field against the stored values (one query per model)."""

    def text(value):
        return "—" if value in (None, "") else amount(value) if isinstance(value, Decimal) else str(value)

    out = []
    labels = {"actual_value": "实际完成值", "deviation_reason": "偏差原因", "actual_points": "评价得分"}
    stored = {
        row[0]: row[1:]
        for row in Indicator.objects.filter(id__in=[i.pk for i in updates["indicators"]]).values_list("id", *labels)
    }
    for i in updates["indicators"]:
        for field_name, old in zip(labels, stored.get(i.pk, ())):
            if old != getattr(i, field_name):
                out.append(
                    (i.project.name, f"{i.name} · {labels[field_name]}", text(old), text(getattr(i, field_name)))
                )
    names = list(dict.fromkeys(["executed", *money_fields]))
    projects = {
        row[0]: row[1:]
        for row in Project.objects.filter(id__in=[p.pk for p in updates["projects"]]).values_list("id", *names)
    }
    for p in updates["projects"]:
        for field_name, old in zip(names, projects.get(p.pk, ())):
            if old != getattr(p, field_name):
                out.append(
                    (
                        p.name,
                        str(Project._meta.get_field(field_name).verbose_name),
                        text(old),
                        text(getattr(p, field_name)),
                    )
                )
    return out


def _above_header(name, rows, check) -> tuple[dict, dict | None]:
    """The preamble, and the 绩效自评表's labels and money block when the rows above the grid are a form."""
    preamble = read_preamble(rows)
    form = self_evaluation.read_form(name, rows, check.problem)
    if form:  # the project and department are labels above the grid
        preamble["project"] = preamble["project"] or form["project"]
        preamble["department"] = preamble["department"] or form["department"]
    return preamble, form


def _targets(department, year):

    return BudgetTable.objects.filter(
        department__name=department, year=year, kind=BudgetTable.Kind.PROJECT_TARGETS
    ).first()


def _form_money(check, form, projects, updates, result) -> list[str]:
    """The money block of a 绩效自评表 (年初预算数, 全年预算数, 全年执行数) goes to its project."""
    if not form or not (form["money"] or form["results"]) or not form["project"]:
        return []
    project = _match_project(check, None, None, form["project"], projects, result, result.year)
    if project is None:
        return []
    fields = self_evaluation.apply_money(project, form["money"], form["results"])
    if "executed" in fields:
        result.executed += 1
    if project not in updates["projects"]:
        updates["projects"].append(project)
    result.projects.add(project.pk)
    return fields


def _validate(check, roles, default_project, first_rows, more_rows, projects, year, result) -> dict:
    col = roles.get
    seen: dict[tuple, int] = {}
    updates = {"indicators": [], "projects": []}
    current = default_project
    for row, cells in _chain(first_rows, more_rows):
        first = next((c for c in cells if c), "")
        if re.sub(r"\s+", "", first) in SCORE_TOTALS or is_note(first):
            continue
        current = cell(cells, col("project")) or current
        indicator_name = cell(cells, col("level3"))
        actual = cell(cells, col("actual"))
        reason = cell(cells, col("reason"))
        points_text = cell(cells, col("points"))
        # The 自评表 writes 预算执行率 and 全年执行数 under 一级指标 with the 三级指标 cell merged away.
        label = indicator_name or cell(cells, col("level2")) or cell(cells, col("level1"))
        key = bare_key(name_key(label))  # 全年执行数(万元) is 全年执行数
        if key in SKIPPED_NAMES or key in SCORE_TOTALS:
            continue
        if is_blank(grammar.clean_name(indicator_name)) and not (actual or points_text or reason):
            continue  # a template's empty row ("指标2", "……")
        if not indicator_name and key not in EXECUTED_NAMES:
            if actual or points_text or reason:
                check.problem(row, col("level3"), None, "缺少三级指标名称")
            continue
        if not current:
            check.problem(row, col("project") if "project" in roles else "项目名称", None, "缺少项目名称")
            continue
        project = _match_project(check, row, col("project"), current, projects, result, year)
        if project is None:
            continue
        previous = seen.setdefault((project.pk, key if key in EXECUTED_NAMES else name_key(label)), row)
        if previous != row:
            check.problem(row, col("level3"), label, f"与第{previous}行重复:同一项目的同一指标只能填写一次")
            continue
        result.projects.add(project.pk)
        if key in EXECUTED_NAMES:
            valid, executed = _executed(check, row, col("actual"), actual)
            if valid:
                project.executed = executed
                updates["projects"].append(project)
                result.executed += 1
            continue
        indicator = _match_indicator(check, row, col("level3"), indicator_name, project)
        if indicator is None:
            continue
        indicator.actual_value = actual
        if "reason" in roles:
            indicator.deviation_reason = reason
        if "points" in roles:
            indicator.actual_points = _points(
                check, row, col("points"), points_text, cell(cells, col("weight")), col("weight")
            )
        updates["indicators"].append(indicator)
        result.indicators += 1
    return updates


def _match_project(check, row, column, text, projects, result, year):
    found = projects.get(name_key(text), [])
    if len(found) == 1:
        return found[0]
    if found:
        check.problem(row, column or "项目名称", text, f"在绩效目标表中出现了{len(found)}次,无法确定是哪一个项目")
    else:
        check.problem(row, column or "项目名称", text, f"不是「{result.department}」{year}年绩效目标表中的项目")
    return None


def _match_indicator(check, row, column, text, project):
    """By the whole name first; then by the name without a closing bracket on either side, so that
    目标群体满意度 finds 目标群体满意度(%) and 足额保障率(参保率) finds itself."""
    indicators = list(project.indicators.all())
    full = name_key(text)
    found = [i for i in indicators if name_key(i.name) == full]
    if not found:
        short = bare_key(full)
        found = [i for i in indicators if bare_key(name_key(i.name)) == short]
    if len(found) == 1:
        return found[0]
    if found:
        check.problem(row, column, text, f"在项目「{project.name}」中出现了{len(found)}次,无法确定是哪一个指标")
        return None
    names = "、".join(i.name for i in indicators if i.name)
    check.problem(row, column, text, f"不是项目「{project.name}」的三级指标(该项目的指标有:{names or '无'})")
    return None


def _executed(check, row, column, text) -> tuple[bool, Decimal | None]:
    """(valid, amount); an empty cell is valid and clears the amount: not known yet."""
    if not text.replace(" ", ""):
        return True, None
    amount = wan_amount(text)
    if amount is None:
        check.problem(row, column, text, "不是有效的全年执行数(应为以万元为单位的数字,如 0.95)")
        return False, None
    if amount < 0:
        check.problem(row, column, text, "是负数,全年执行数不能为负")
        return False, None
    if amount.as_tuple().exponent < -6 or amount >= Decimal(10) ** 14:
        check.problem(row, column, text, "超出可保存的范围(最多14位整数、6位小数的万元数)")
        return False, None
    return True, amount


def _points(check, row, column, text, max_text, max_column) -> Decimal | None:
    if not text:
        return None
    points = parse_number(text)
    if points is None:
        check.problem(row, column, text, "不是有效的得分(应为数字,如 8.5)")
        return None
    if points < 0:
        check.problem(row, column, text, "是负数,得分不能为负")
        return None
    if points.as_tuple().exponent < -2 or points >= 10**6:
        check.problem(row, column, text, "超出可保存的范围(得分最多两位小数)")
        return None
    if max_text:
        maximum = parse_number(max_text)
        if maximum is None:
            check.problem(row, max_column, max_text, "不是有效的分值(应为数字,如 10)")
        elif points > maximum:
            check.problem(row, column, text, f"超过了该指标的分值 {max_text}")
            return None
    return points


def _chain(first, then):
    yield from first
    yield from then
