"""The self-evaluation form (项目支出绩效自评表) for import_actuals: what stands above its indicator grid.

A 自评表 is a form like a single-project form: the project, its department and unit as labels, a
money block (年初预算数 | 全年预算数 | 全年执行数 | 执行率 …, one row for the total and one per
source), the goal and its result, then the indicator grid that actuals.py reads row by row. A form for
a project whose targets were never imported brings them too: its grid holds the targets.
"""

from decimal import Decimal

from budget.importing.form_tables import TOTAL_ROW, read_money, split_form_code
from budget.importing.forms_layout import FormSplitter, label_of

MONEY_FIELDS = {"initial": "budget_initial", "adjusted": "budget_adjusted", "executed": "executed"}
# The goal block's result column: kept on the project as written, under its label.
RESULT_LABELS = {"实际完成情况", "年度总体目标完成情况", "年度总体目标完成情况综述", "年度目标完成情况"}


def read_form(filename: str, rows_above, problem) -> dict | None:
    """{"project", "department", "money": {"initial", "adjusted", "executed"}} from the labels and money
    block above the grid; None when the rows above hold no form labels (a plain list of actuals).
    `problem(row, column, value, reason)` collects what cannot be read."""
    if not any(label_of(c) for _, cells in rows_above for c in cells if c):
        return None
    forms = FormSplitter(problem, filename).split(rows_above)
    if not forms:
        return None
    form = forms[0]
    project, department = form.first("project"), form.first("department")
    money = read_money(form, Decimal(1), problem).get(TOTAL_ROW, {}) if form.money_header else {}
    return {
        "project": split_form_code(project.value)[1] if project else "",
        "department": split_form_code(department.value)[1] if department else "",
        "money": money,
        "results": {f.label: f.value for f in form.facts.get("attribute", []) if f.label in RESULT_LABELS},
    }


def apply_money(project, money: dict, results: dict | None = None) -> list[str]:
    """Set the project's budget and executed amounts from the money block, and the goal block's result;
    the fields it set."""
    changed = []
    if results:
        project.attributes = {**(project.attributes or {}), **results}
        changed.append("attributes")
    for role, field in MONEY_FIELDS.items():
        if role in money:
            setattr(project, field, money[role])
            changed.append(field)
    return changed


def read_targets(source, filename, *, year, department):
    """The targets of a form whose project has none yet, read from the same file (written by write_targets)."""
    from budget.importing.importer import parse_table

    return parse_table(source, filename=filename, year=year, department=department)


def write_targets(parsed, *, user):
    from budget.importing import writer

    return writer.write(parsed, user=user)
