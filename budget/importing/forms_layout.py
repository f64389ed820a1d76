"""Layouts 3 and 4: forms. Labels with their values beside or under them, then an indicator grid.

A single-project form (项目支出绩效目标申报表 / 批复表) holds one project; a file may hold one
form, several stacked down a sheet, or one per sheet. A department-wide form (部门整体支出
绩效目标表) holds the department's total, its split, goal, duties and grid. Labels are read by
meaning wherever the value sits: in the label's own cell after a colon, in the next filled cell
of the row (one or two columns over, past merged blanks), or under the label in the next row.

A label the reader does not know is refused with its row and column: a form whose facts may sit
anywhere cannot be read by guessing.
"""

import re
from dataclasses import dataclass, field

from budget.importing.reading import STAMP, SYNONYM_ROLE, header_key, is_footer, label_value, split_label

FORM_LABELS = {
    "project": ["项目名称", "项目支出名称", "专项(项目)名称", "专项名称"],
    "department": [
        "主管部门",
        "预算部门",
        "主管部门及其编码",
        "主管部门及代码",
        "主管部门及编码",
        "部门(单位)名称",
        "主管部门(单位)名称",
        "项目主管部门",
        "部门名称",
        "填报单位",
        "主管预算部门",
        "单位名称",
        "预算单位",
        "区级主管部门",
        "县级主管部门",
    ],
    "department_code": ["部门预算编码", "部门编码", "预算部门编码", "单位编码"],
    "unit": ["实施单位", "项目实施单位", "项目单位", "项目执行单位", "执行单位"],
    "total": [
        "年度资金总额",
        "资金总额",
        "项目金额",
        "年度本级预算金额",
        "本年度申请市财政预算资金",
        "当年资金总额",
        "项目资金总额",
        "年度预算金额",
        "项目总金额",
        "预算金额",
        "年度预算总额",
        "当年年度预算",
        "年度预算",
    ],
    "goal": [
        "年度目标",
        "项目年度目标",
        "本年度绩效目标",
        "年度绩效目标",
        "年度绩效目标(文字)",
        "年度总体目标",
        "年度总体绩效目标",
        "本年度目标",
        "年度总体目标(预期目标)",
        "年度主要目标和成果",
    ],
    "period_goal": [
        "实施期目标",
        "中期目标",
        "中期滚动目标",
        "长期目标",
        "实施期绩效目标",
        "中长期目标",
        "实施期总体目标",
        "长期绩效目标",
        "项目实施期目标",
        "中长期绩效目标",
    ],
    "purpose": ["基本支出", "项目支出"],
    # Headings over a block of labels; they hold no value of their own.
    "group": [
        "资金情况",
        "总体目标",
        "项目资金",
        "资金来源",
        "年度预算安排",
        "绩效指标",
        "本年度绩效指标",
        "年度绩效指标",
        "项目基本情况",
        "基本信息",
        "年度履职目标",
        "绩效目标",
        "项目绩效目标",
        "项目年度目标完成情况",
        "项目资金预算执行",
        "预算执行情况",
    ],
    "unit_word": ["单位", "金额单位"],
    # A small table of what the budget is made of (item | 金额 | 测算依据 | …) under this label: its 合计 is the total.
    "breakdown": ["项目预算成本构成", "预算成本构成", "项目成本构成", "项目预算明细", "项目支出预算明细"],
    # The heading of a column beside the indicator grid, written on the row above the grid's own header.
    "grid_column": ["保障绩效目标实现措施", "保障措施"],
    # A column heading over the amounts of the rows below it ("年度资金总额 | … | 金额(万元)").
    "amount_column": ["金额", "金额(万元)", "资金数额"],
    "attribute": [
        "项目负责人及电话",
        "项目负责人",
        "联系电话",
        "联系人",
        "项目属性",
        "实施期",
        "项目支出实施期",
        "项目类别",
        "项目类型",
        "项目期限",
        "起止时间",
        "项目实施期",
        "项目编码",
        "项目代码",
        "项目起止时间",
        "资金性质",
        "项目概况",
        "立项依据",
        "实施期限",
        "年度总体目标完成情况",
        "项目实施内容",
        "项目起止年限",
        "项目设立依据",
        "预算部门编码",
        "项目支出类型",
        "报表编号",
        "年度目标完成情况",
        "项目实施内容及过程概述",
        "实际完成情况",
        "预期目标",
        "年初设定目标",
        "年度总体目标完成情况综述",
        "填报日期",
        "填报时间",
        "发布时间",
        "评价日期",
        "项目期",
        "项目分类",
        "建设周期",
        "业务主管部门",
        "项目审批",
        "项目总体概况",
        "项目总预算",
        "财政资金预算分类",
        "财政资金科目代码",
        "年度预算执行率",
        "分值",
        "中期市财政预算",
        "中期滚动目标期间",
        "市级财政部门",
        "市级主管部门",
        "区级财政部门",
        "县级财政部门",
        "项目性质",
    ],
}
LABEL_ROLE = {word: role for role, words in FORM_LABELS.items() for word in words}
# Labels whose value is a name: a name ending like a source ("省级第七批水利专项资金") beside them is that name.
NAMED_ROLES = ("project", "department", "unit")
# A label in the money block naming a source of funds: 财政拨款, 其他资金, 上年结转资金, 该项目支出上级资金 …
SOURCE_LABEL = re.compile(r".{0,12}(?:拨款|投款|资金|结转|自筹|收入)")
# A heading that holds a value itself ("总体目标 | 完成…" without a 年度目标 label between) stands for this role.
GROUP_VALUE_ROLE = {"总体目标": "goal", "绩效目标": "goal", "项目绩效目标": "goal"}
SCORE_SUFFIX = re.compile(r"\(?[0-9]+(?:-[0-9]+)?\)?分\)?$|\([0-9]+分\)$")
DUTY_WORDS = {"部门职能", "履职目标", "职能"}
GRID_EXTRA_NAMES = {"绩效标准", "指标标准或依据", "备注", "指标解释", "评(扣)分标准", "评分标准", "指标值类型"}
AMOUNT_UNIT = re.compile(r"(?:金额)?单位\s*:\s*(万元|元)\s*$")
YEAR_LINE = re.compile(r"\(?\s*(19|20)\d{2}\s*年度?\s*\)?")  # "(2023年度)" under the title
TITLE = re.compile(r"绩效目标.{0,12}表|整体支出.{0,8}表|申报表|批复表|自评表|绩效.{0,10}表$")


# "1.项目年度目标完成情况", "一、", "(一)": a numbered heading reads as its words.
NUMBERING = re.compile(r"^(?:\([0-9一二三四五六七八九十]+\)|[0-9一二三四五六七八九十]+[.、])")
SOURCE_DETAIL = re.compile(r"^[0-9]+、")  # "1、一般公共预算" under "(一)财政拨款小计"
KNOWN_SHOWN = "、".join(
    ["项目名称", "主管部门", "预算部门", "实施单位", "年度资金总额", "其中:财政拨款", "年度目标", "实施期目标"]
)


def label_key(text: str) -> str:
    # "1.项目年度目标完成情况": a numbered heading reads as its words.
    key = re.sub(NUMBERING, "", STAMP.sub("", header_key(text)).rstrip(":"))
    key = re.sub(r"(?<=.)小计$", "", key)  # "(一)财政拨款小计" is the source 财政拨款
    # "项目资金预算执行10分", "年度绩效目标(90分)": the points a template gives a block are no part of its name.
    key = SCORE_SUFFIX.sub("", key) if LABEL_ROLE.get(SCORE_SUFFIX.sub("", key)) else key
    # "中期滚动目标(2019年--2021年)": a known label with a qualifier in brackets (kept: see read_labels).
    key = (
        re.sub(r"\([^()]*\)$", "", key)
        if key not in LABEL_ROLE and LABEL_ROLE.get(re.sub(r"\([^()]*\)$", "", key))
        else key
    )
    return re.sub(r"^其中:?", "", key)


def qualifier_of(written: str) -> str | None:
    """The bracketed qualifier of a known label ("中期滚动目标(2019年--2021年)" → "2019年--2021年"): not
    part of the label's name, but a fact of its own. Units and points are no qualifier."""
    match = re.search(r"\(([^()]*)\)$", written)
    if not match or re.fullmatch(r"万元|元|万|%|[0-9-]+分|文字", match.group(1)):
        return None
    whole = re.sub(r"\s+", "", written)
    return match.group(1) if whole not in LABEL_ROLE and LABEL_ROLE.get(whole[: match.start()]) else None


def label_of(text: str) -> tuple[str, str, str] | None:
    """(role, label as written, value in the same cell) when the cell is a label the form reader knows."""
    text = text.strip()
    for candidate, value in ((text, ""), split_label(re.sub(r"^其中\s*:?\s*", "", text))):
        key = label_key(candidate)
        role = LABEL_ROLE.get(key)
        if role is None and key and SOURCE_LABEL.fullmatch(key) and value == "" and key not in SYNONYM_ROLE:
            role = "source"
        if role:
            return role, key, value
    return None


HALF = re.compile(r"\((长期|中期|实施期|年度)\)$")  # 二级指标(长期) | … | 二级指标(年度): two halves side by side


def is_grid_header(cells: list[str]) -> bool:
    """一级 | 二级 | 三级 | 指标值, or a two-level grid 一级指标 | 二级指标 | 指标值 whose 二级 column names the indicators."""
    roles = {SYNONYM_ROLE.get(HALF.sub("", header_key(c))) for c in cells if c}
    return ("level3" in roles and bool({"level1", "level2"} & roles)) or {"level1", "level2", "value"} <= roles


def is_breakdown_header(cells: list[str]) -> bool:
    """项目预算成本构成 | 金额 | 测算依据 | …: the head of a table of the budget's items."""
    filled = [label_of(c) for c in cells if c]
    return bool(filled[0] and filled[0][0] == "breakdown" and any(f and f[0] == "amount_column" for f in filled[1:]))


# The money block of a self-evaluation form (绩效自评表): amounts per row under these columns.
MONEY_COLUMNS = {
    "initial": ["年初预算数", "年初预算"],
    "adjusted": ["全年预算数", "调整后预算数", "全年预算数(调整后预算数)", "调整后预算"],
    "executed": ["全年执行数", "预算执行数", "全年执行数(预算执行数)", "执行数"],
    "rate": ["执行率", "预算执行率"],
    "max_points": ["分值", "权重"],
    "points": ["得分"],
}
MONEY_ROLE = {word: role for role, words in MONEY_COLUMNS.items() for word in words}


def money_columns(cells: list[str]) -> dict[str, int]:
    """{role: column} of a money block's header, or {} when the row is none."""
    roles: dict[str, int] = {}
    for index, text in enumerate(cells):
        # 全年预算数(A) | 全年执行数(B) | 执行率(B/A): the letters of the template's formula are no part of the name
        role = MONEY_ROLE.get(re.sub(r"\([A-Z/]+\)$", "", header_key(text))) if text else None
        if role and role not in roles:
            roles[role] = index
    return roles if {"executed", "initial"} <= set(roles) or {"executed", "adjusted"} <= set(roles) else {}


def ends_money(first: str) -> bool:
    """A goal, heading or attribute label after the money rows ends the money block."""
    found = label_of(first)
    return bool(found and found[0] in ("goal", "period_goal", "group", "attribute", "project", "department", "unit"))


def is_duties_header(cells: list[str]) -> bool:
    return any(header_key(c) in DUTY_WORDS for c in cells if c)


def is_title(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) == 1 and bool(TITLE.search(filled[0]) or YEAR_LINE.fullmatch(filled[0]))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Fact:
    label: str
    value: str
    row: int
    column: int
    written: str = ""  # the label as the form writes it ("其中:当年财政拨款"), blanks removed


@dataclass
class Form:
    """What one form says, as written; form_tables.py turns it into records."""

    first_row: int
    source: str  # the file, or the file and sheet, the form stands on
    preamble: list = field(default_factory=list)  # (row, cells) above the first label
    facts: dict = field(default_factory=dict)  # role -> [Fact]
    grid_header: tuple | None = None  # (row, cells)
    grid: list = field(default_factory=list)  # (row, cells)
    duties_header: tuple | None = None
    duties: list = field(default_factory=list)
    money_header: tuple | None = None  # a self-evaluation's 年初预算数 | 全年预算数 | 全年执行数 … block
    money: list = field(default_factory=list)
    breakdown_header: tuple | None = None  # 项目预算成本构成 | 金额 | …: the budget's items, then 合计
    breakdown: list = field(default_factory=list)
    footers: list = field(default_factory=list)  # (row, text)
    notes: list = field(default_factory=list)
    total_column: Fact | None = None  # a total label over a column of source amounts
    parts_of_total: bool = False  # a source written "其中:…" is a part of the total

    def put(self, role, label, value, row, column, written=""):
        self.facts.setdefault(role, []).append(Fact(label, value, row, column, written or label))

    def first(self, role) -> Fact | None:
        found = self.facts.get(role)
        return found[0] if found else None

    @property
    def has_content(self) -> bool:
        return bool(self.facts or self.grid)


def has_form_labels(rows) -> bool:
    strong = ("project", "department", "total")
    return any((found := label_of(c)) and found[0] in strong for _, cells in rows for c in cells if c)


def looks_like_form(rows) -> bool:
    """A form has a project or department label with its value, and an indicator grid below."""
    return has_form_labels(rows) and any(is_grid_header(cells) for _, cells in rows)


class FormSplitter:
    """Rows → forms. States: preamble (titles), labels, duties, grid, footer."""

    def __init__(self, problem, source: str):
        self.problem = problem
        self.source = source
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.state = "preamble"
        self.pending: dict[int, tuple[str, str, str]] = {}
        self.last_row_sources = False  # the label row before named a source (its details may follow)

    def split(self, rows) -> list[Form]:
        for row, cells in rows:
            if not any(cells):
                continue
            self.read(row, cells)
        return [f for f in self.forms if f.has_content]

    def start(self, row):
        self.form = Form(row, self.source)
        self.forms.append(self.form)
        self.state, self.pending = "preamble", {}

    def starts_new_form(self, cells) -> bool:
        first = next(c for c in cells if c)
        found = label_of(first)
        if found and found[0] == "project" and self.form.first("project"):
            return True
        names_one = bool(found and found[0] in ("project", "department"))
        return self.state in ("grid", "footer") and (is_title(cells) or names_one)

    def read(self, row, cells):
        if self.form is None or self.starts_new_form(cells):
            self.start(row)
        first = next(c for c in cells if c)
        # A footer starts in the first column; a grid row whose merged category cells are blank starts
        # with its indicator, which may end in 意见 too.
        if self.state in ("grid", "footer") and (is_footer(cells[0]) or self.state == "footer"):
            self.state = "footer"
            self.form.footers.append((row, " | ".join(c for c in cells if c)))
        elif first.startswith(("注:", "注:", "说明:", "填表说明")):
            self.form.notes.append((row, first))
        elif is_grid_header(cells):
            # A column the header leaves blank takes the heading written above it (保障绩效目标实现措施).
            above = {f.column: f.written for f in self.form.facts.get("grid_column", [])}
            width = max([len(cells), *(i + 1 for i in above)])
            named = [(cells[i] if i < len(cells) else "") or above.get(i, "") for i in range(width)]
            self.form.grid_header, self.state = (row, named), "grid"
        elif self.state == "grid":
            self.form.grid.append((row, cells))
        elif money_columns(cells) and self.state != "preamble":
            self.form.money_header, self.state = (row, cells), "money"
        elif self.state == "money" and not ends_money(first):
            self.form.money.append((row, cells))
        elif is_breakdown_header(cells):
            self.form.breakdown_header, self.state = (row, cells), "breakdown"
        elif self.state == "breakdown" and not ends_money(first):
            self.form.breakdown.append((row, cells))
        elif is_duties_header(cells) and self.state != "preamble":
            self.form.duties_header, self.state = (row, cells), "duties"
        elif self.state == "duties":
            self.form.duties.append((row, cells))
        elif self.state == "preamble" and not any(label_of(c) for c in cells if c) or is_title(cells):
            self.form.preamble.append((row, cells))
        else:
            self.state = "labels"
            self.read_labels(row, cells)

    def read_labels(self, row, cells):
        """Each label takes the next filled cell to its right unless that is a label too; a label left
        without a value takes the cell under it in the next row."""
        claimed, pending = set(), {}
        in_sources = self.last_row_sources
        self.last_row_sources = False
        for index, text in enumerate(cells):
            found = label_of(text) if text else None
            if text and in_sources and SOURCE_DETAIL.match(text) and (found is None or found[0] == "source"):
                # "1、一般公共预算" under "(一)财政拨款小计": a part of the source above, kept but not counted twice
                found = ("source_detail", label_key(text), "")
            if not text or index in claimed or found is None:
                continue
            self.last_row_sources = self.last_row_sources or found[0] in ("source", "source_detail")
            qualifier = qualifier_of(text.strip())
            if qualifier:  # kept as a fact of its own: a period when it names years, else a note
                kind = "期间" if re.search(r"(?:19|20)[0-9]{2}", qualifier) else "说明"
                self.form.put("attribute", f"{found[1]}{kind}", qualifier, row, index)
            claimed.add(index)
            role, label, value = found
            written = re.sub(r"\s+", "", split_label(text)[0] if value else text).rstrip(":")
            if role == "source" and text.startswith("其中"):
                self.form.parts_of_total = True
            if not value:
                after = next((j for j in range(index + 1, len(cells)) if cells[j]), None)
                beside = label_of(cells[after]) if after is not None else None
                if after is not None and (beside is None or (role in NAMED_ROLES and beside[0] == "source")):
                    value = cells[after]
                    claimed.add(after)
            unit = AMOUNT_UNIT.search(text)
            if unit:
                self.form.put("unit_word", "单位", unit.group(1), row, index)
            if role in ("department", "unit", "department_code"):
                value = label_value(value)  # "填报单位:(盖章) 单位:万元" names no department
            if value and role == "group":
                # A heading with a value of its own: the goal for 总体目标, else kept as a labelled fact.
                role = GROUP_VALUE_ROLE.get(label, "attribute")
            if role == "attribute":  # kept under the label as written
                label = written
            if value or role in ("source", "grid_column"):  # a blank source is nothing; a column heading has no value
                self.form.put(role, label, value, row, index, written)
            elif role not in ("group", "unit_word", "amount_column"):
                pending[index] = (role, label, written)
        self.read_unclaimed(row, cells, claimed)
        self.pending = pending

    def read_unclaimed(self, row, cells, claimed):
        """The cells no label of this row claimed: the values of the labels above them, else unknown labels
        (refused). A total above a label of this row heads a column of the sources' amounts instead."""
        for index, (role, label, written) in self.pending.items():
            if role == "total" and index in claimed and self.form.total_column is None:
                # 资金总额 heads a column whose cells are the amounts of the sources named on their rows.
                self.form.total_column = Fact(label, "", row, index, written)
        rest = [i for i, text in enumerate(cells) if text and i not in claimed]
        for index in rest:
            if index in self.pending:
                role, label, written = self.pending[index]
                self.form.put(role, label, cells[index], row, index, written)
            elif index not in claimed:  # an unknown label; the next cell is its value: one problem for both
                value = next((j for j in rest if j > index and j not in self.pending), None)
                claimed.add(value)
                shown = f"(其值为“{cells[value][:30]}”)" if value is not None else ""
                self.problem(
                    row,
                    column_letter(index),
                    cells[index],
                    f"不是认识的表单标签{shown},无法确定它是什么;认识的标签如:{KNOWN_SHOWN}……",
                )
