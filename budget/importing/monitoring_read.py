"""Monitoring tables (绩效运行监控表) → rows of figures per project, before matching.

Both layouts read alike, row by row: a header row sets the columns (money, indicators or both);
a 「项目名称」 label (or a 项目名称 column) says which project the rows below belong to. So one
form per project, several forms down a sheet or one per sheet, and one row per indicator with
merged money cells all come out as the same Block list. Pure: no Django.
"""

import re
from dataclasses import dataclass, field

from budget.importing.reading import (
    DEPARTMENT_LABELS,
    SYNONYM_ROLE,
    header_key,
    is_blank,
    is_footer,
    is_note,
    label_value,
    read_preamble,
    split_label,
)

# The columns a monitoring table shares with a target table (project, categories, indicator, its target), under
# the names this module gives them.
SHARED_ROLES = {"project": "project", "level1": "level1", "level2": "level2", "level3": "indicator", "value": "target"}
# Header text (blanks, a leading "1-6月" and a trailing unit removed) → column role.
EXACT = {word: SHARED_ROLES[role] for word, role in SYNONYM_ROLE.items() if role in SHARED_ROLES} | {
    "年初预算数": "budget_initial", "年初预算": "budget_initial",
    "年度预算调整": "adjustment", "预算调整数": "adjustment", "调整数": "adjustment",
    "调整后预算数": "budget_adjusted", "全年预算数": "budget_adjusted", "调整后预算": "budget_adjusted",
    "偏差原因": "causes", "偏差原因说明": "note", "改进措施": "measures", "完成可能性": "likelihood",
}
# Otherwise a key word decides, in this order.
WORDS = [("预计执行", "forecast"), ("预计完成", "value_forecast"), ("执行率", "rate"), ("执行数", "executed"),
         ("可能", "likelihood"), ("原因说明", "note"), ("原因分析", "note"), ("偏差原因", "causes"),
         ("改进", "measures"), ("举措", "measures"), ("完成值", "value"), ("执行情况", "value")]
MONEY = {"budget_initial", "adjustment", "budget_adjusted", "executed", "rate", "forecast"}
MONTH_RANGE = re.compile(r"1\s*[-—~至到]\s*(1[0-2]|[1-9])\s*月")
MONTH_UNTIL = re.compile(r"截[至止]\s*(?:(?:19|20)\d{2}\s*年\s*)?(1[0-2]|[1-9])\s*月")
# Lines of a form's head: a new form starts, whatever grid came before it.
FORM_LABELS = {"项目名称", "主管部门", "实施单位", "项目单位", "部门名称", "预算部门", "填报单位", "项目执行单位"}


def column_key(text: str) -> str:
    key = re.sub(r"\([^()]*\)", "", header_key(text))
    return MONTH_RANGE.sub("", key).replace("当前", "")


def column_role(text: str) -> str | None:
    key = column_key(text)
    if not key:
        return None
    return EXACT.get(key) or next((role for word, role in WORDS if word in key), None)


def month_in(text: str) -> int | None:
    match = MONTH_RANGE.search(text) or MONTH_UNTIL.search(text)
    if match:
        return int(match.group(1))
    return 6 if "半年" in text else None


@dataclass
class Block:
    """One project's monitoring as the file writes it: money cells by role, indicator rows."""
    project: str
    row: int
    source: str
    money: dict = field(default_factory=dict)  # role → (row, column header, text)
    indicators: list = field(default_factory=list)  # (row, {role: (column header, text)})
    # Money cells repeated on a later row of the project with another figure: (row, column, text, first row).
    conflicts: list = field(default_factory=list)


@dataclass
class Reading:
    blocks: list = field(default_factory=list)
    department: str = ""
    year: int | None = None
    year_row: int | None = None
    month: int | None = None
    month_text: str = ""


def header_roles(cells: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for index, text in enumerate(cells):
        role = column_role(text) if text else None
        if role and role not in roles:
            roles[role] = index
    is_grid = "indicator" in roles and ({"value", "likelihood", "target"} & roles.keys())
    return roles if is_grid or len(MONEY & roles.keys()) >= 2 else {}


def label_pairs(cells: list[str]):
    """(label, value) of a form line: 「项目名称: X」 in one cell or 「项目名称 | X」 in two."""
    filled = [c for c in cells if c]
    for index, text in enumerate(filled):
        label, value = split_label(text)
        if label and value:
            yield label, value
        elif index + 1 < len(filled):
            yield re.sub(r"\s+", "", text.rstrip(":")), filled[index + 1]


class MonitoringReader:
    def __init__(self):
        self.reading = Reading()
        self.columns: dict[str, int] = {}
        self.header: list[str] = []
        self.block: Block | None = None

    def read(self, sources) -> Reading:
        for source in sources:
            self.columns, self.block = {}, None
            for row, cells in source.rows:
                self.line(source.filename, row, cells)
        return self.reading

    def line(self, source, row, cells):
        text = " ".join(c for c in cells if c)
        if self.reading.month is None and month_in(text):
            self.reading.month, self.reading.month_text = month_in(text), text
        if self.columns and self.form_line(cells):
            self.columns = {}
        roles = header_roles(cells)
        if roles:
            self.columns, self.header = roles, cells
            if "indicator" not in roles and self.block is not None:
                self.block.money = {}
            return
        if not self.columns:
            self.preamble(source, row, cells)
            return
        if is_footer(text) or is_note(text):
            return
        name = self.cell(cells, "project")
        if "project" in self.columns and name and (self.block is None or name != self.block.project):
            self.start(source, row, name)
        elif "project" not in self.columns and self.form_label(source, row, cells):
            return
        if self.block is None:
            return
        if "indicator" in self.columns:
            self.indicator_row(row, cells)
        if MONEY & self.columns.keys():
            self.money_row(row, cells)

    @staticmethod
    def form_line(cells) -> bool:
        filled = [c for c in cells if c]
        label = split_label(filled[0])[0] or re.sub(r"\s+", "", filled[0]).rstrip(":")
        return label in FORM_LABELS or (len(filled) == 1 and "监控" in filled[0] and "表" in filled[0])

    def preamble(self, source, row, cells):
        info = read_preamble([(row, cells)])
        if info["year"] and self.reading.year is None:
            self.reading.year, self.reading.year_row = info["year"], row
        for label, value in label_pairs(cells):
            if label in DEPARTMENT_LABELS and not self.reading.department:
                self.reading.department = label_value(value)
        self.form_label(source, row, cells)

    def form_label(self, source, row, cells) -> bool:
        for label, value in label_pairs(cells):
            if label in ("项目名称", "项目") and not is_blank(value):
                self.start(source, row, value)
                self.columns = {}
                return True
        return False

    def start(self, source, row, name):
        self.block = Block(name, row, source)
        self.reading.blocks.append(self.block)

    def cell(self, cells, role) -> str:
        index = self.columns.get(role)
        return cells[index] if index is not None and index < len(cells) else ""

    def money_row(self, row, cells):
        found = {role: (row, self.header[i], cells[i]) for role, i in self.columns.items()
                 if role in MONEY and i < len(cells) and cells[i]}
        if not self.block.money:
            self.block.money = found
            return
        for role, (_, column, text) in found.items():  # a name repeated on each row repeats its money too
            first = self.block.money.get(role)
            if first is None or first[2] != text:
                self.block.conflicts.append((row, column, text, first[0] if first else self.block.row))

    def indicator_row(self, row, cells):
        name = self.cell(cells, "indicator")
        filled = {role: (self.header[i], cells[i]) for role, i in self.columns.items()
                  if role not in MONEY and role != "project" and i < len(cells) and cells[i]}
        if not (filled.keys() - {"level1", "level2", "indicator"}):
            return  # a 一级/二级 heading row, or a template row naming a category with nothing filled in
        self.block.indicators.append((row, filled))
