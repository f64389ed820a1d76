"""Forms (layouts 3 and 4) → the validated table records the writer takes.

forms_layout.py splits rows into forms and reads their labels; this turns each form into a
project (or, for a 部门整体支出绩效目标表, the department's overall targets) and checks that the
forms of one file agree on department and year. Problems are collected, never raised midway.
"""

import hashlib
import re
from decimal import Decimal

from budget import formats
from budget.importing.forms_layout import (
    DUTY_COLUMNS,
    GRID_EXTRA_NAMES,
    HALF,
    LABEL_ROLE,
    Fact,
    Form,
    form_amount,
    label_of,
    money_columns,
    split_form_code,
)
from budget.importing.indicators import clean_name
from budget.importing.layouts import Columns, LayoutReader, cell, continued
from budget.importing.reading import SYNONYM_ROLE, department_note, header_key, is_blank, read_preamble, resolve_year
from budget.importing.records import ParsedFlag, ParsedProject, ParsedTable, ParsedUnit

OVERALL_PROJECT = "部门整体支出"
GRID_ROLES = ("level1", "level2", "level3", "value", "period_value", "measure", "nature", "weight", "direction")


def is_department_form(form: Form, title: str) -> bool:
    return "整体" in title or bool(form.duties_header) or ("purpose" in form.facts and not form.first("project"))


class FormTables:
    def __init__(self, reader, lenient: bool):
        self.reader = reader
        self.layout = LayoutReader(reader, Columns([], {}, [], []), lenient, None, "")
        self.sources: list[str] = []

    def build(self, forms: list[Form], *, filename, sha256, year, department) -> ParsedTable | None:
        infos = [read_preamble(form.preamble) for form in forms]
        for form, info in zip(forms, infos):
            if not info["title"] and form.preamble:
                info["title"] = " ".join(c for c in form.preamble[0][1] if c)
        table_year = self.one_year(forms, infos, year)
        self.reader.filename = filename
        found_department, code = self.one_department(forms, infos, department)
        self.reader.filename = filename
        dept_name = department or found_department
        if not dept_name:
            self.reader.problem(None, None, None, "表中没有「主管部门」或「预算部门」,请用 --department 指定部门名称")
        kinds = [is_department_form(form, info["title"]) for form, info in zip(forms, infos)]
        department_kind = kinds[0]
        if len(set(kinds)) > 1 or (department_kind and len(forms) > 1):
            self.reader.problem(None, None, None, "文件中既有部门整体支出绩效目标表又有其他表单(或有多张部门整体表),请分开导入")
        units: dict[str, ParsedUnit] = {}
        details = {}
        for form, info in zip(forms, infos):
            self.reader.filename = form.source
            project = self.project(form, info, department_kind)
            if department_kind:
                details = self.overall(form)
                unit_name, unit_code = "", ""
            else:
                unit_fact = form.first("unit")
                unit_code, unit_name = split_form_code(unit_fact.value) if unit_fact else ("", "")
            # A form without 实施单位 is the department's own project: it joins a unit named after the department.
            unit_name = unit_name or dept_name or ""
            unit = units.setdefault(unit_name, ParsedUnit(unit_name, unit_code, None, None))
            unit.projects.append(project)
        self.reader.filename = filename
        self.layout.units = list(units.values())
        self.layout.finish(dept_name or "")
        if self.reader.problems:
            return None
        kind = "department-targets" if department_kind else "project-targets"
        return ParsedTable(
            filename=filename, sha256=sha256, department=dept_name, department_code=code, year=table_year,
            title=infos[0]["title"], amount_unit="万元",
            layout="department-targets" if department_kind else "single-project-form",
            sources=self.sources, total=sum((p.total for u in units.values() for p in u.projects), Decimal(0)),
            units=self.layout.units, flags=self.layout.flags, kind=kind, details=details,
        )

    def one_year(self, forms, infos, given):
        """The budget year the forms' titles state (one for all of them), checked against --year."""
        stated = [(info["year"], info["year_row"], form.source) for form, info in zip(forms, infos) if info["year"]]
        if len({year for year, *_ in stated}) > 1:
            where = "、".join(f"{source} 第{row}行 {year}年" for year, row, source in stated)
            self.reader.problem(None, None, None, f"文件中的表单写了不同的预算年度({where}),请按年度分开导入")
            return given
        year, row, source = stated[0] if stated else (None, None, self.reader.filename)
        self.reader.filename = source
        return resolve_year(year, given, row, self.reader.problem)

    def one_department(self, forms, infos, given) -> tuple[str, str]:
        """The department the forms name. Forms naming different departments are refused unless
        --department says which department the file is for (it always wins, with a note)."""
        seen: list[tuple[str, str, int, str]] = []
        for form, info in zip(forms, infos):
            fact = form.first("department")
            text = fact.value if fact else info["department"]
            if not text:
                continue
            code, name = split_form_code(text)
            code_fact = form.first("department_code")
            row = fact.row if fact else form.first_row
            seen.append((name, code_fact.value if code_fact else code, row, form.source))
        names = list(dict.fromkeys(name for name, *_ in seen))
        if given:
            for name in names:
                note = department_note(name, given)
                if note:
                    self.layout.flags.append(ParsedFlag("info", "department-differs", note))
        elif len(names) > 1:
            first_name, _, first_row, first_source = seen[0]
            for name, _, row, source in seen[1:]:
                if name != first_name:
                    self.reader.filename = source
                    where = "" if source == first_source else first_source + " "
                    self.reader.problem(row, "主管部门", name, f"与{where}第{first_row}行的「{first_name}」不是同一个部门:"
                                        "一个文件中的表单应属于同一部门,或用 --department 指定部门")
        if not seen:
            return "", ""
        name, code = seen[0][0], seen[0][1]
        # The code belongs to the department the form names: not to another one --department gives.
        return name, code if not given or department_note(name, given) is None else ""

    def project(self, form: Form, info, department_kind) -> ParsedProject:
        name_fact = form.first("project")
        if name_fact is None and not department_kind:
            self.reader.problem(form.first_row, "项目名称", None, "这张表单没有「项目名称」")
        row = name_fact.row if name_fact else form.first_row
        name = self.layout.clean(name_fact.value, row, None, "项目名称") if name_fact else OVERALL_PROJECT
        code, name = split_form_code(name)
        known_problems = len(self.reader.problems)
        total_fact, total, funding, notes, others = self.funding(form, info)
        goal, period = ("\n".join(f.value for f in form.facts.get(role, [])) for role in ("goal", "period_goal"))
        attributes: dict[str, str] = {}
        for label, value in [(f.label, f.value) for f in form.facts.get("attribute", [])] + [
                (f.written, f.value) for f in others if f.value]:
            # A label written twice keeps both values, one a line.
            attributes[label] = f"{attributes[label]}\n{value}" if label in attributes else value
        project = ParsedProject(name, code, row, total, funding, goal=goal, period_goal=period, attributes=attributes)
        for fact, amount, text in notes:
            self.layout.flags.append(ParsedFlag("info", "amount-note", f"「{fact.label}」{fact.value}: 金额读作 "
                                                f"{formats.amount(amount)} 万元,说明文字保留为「{text}」", fact.row, name))
        if total_fact is None and not department_kind:
            self.reader.problem(row, "年度资金总额", None, "这张表单没有资金总额(年度资金总额 / 项目金额 …)")
        if len(self.reader.problems) == known_problems:  # an amount that could not be read adds up to nothing
            self.check_sources(project, total_fact, form)
        self.read_grid(form, project)
        for row_number, text in form.footers:
            self.layout.flags.append(ParsedFlag("info", "footer-row", text, row_number, name))
        for row_number, text in form.notes:
            self.layout.flags.append(ParsedFlag("info", "note-row", text, row_number, name))
        return project

    def funding(self, form: Form, info):
        """(total fact, total, {source: amount}, notes, facts kept as attributes) of one form.

        A form with two totals side by side (资金总额 | 当年资金总额) is read by the first; the second and
        the sources in its column are kept as attributes. A total heading a column of sources (资金总额 over
        其中:财政拨款 500) is their sum. A self-evaluation's money block gives the adjusted budget."""
        unit_word = form.first("unit_word")
        factor = Decimal(10000) if (unit_word.value if unit_word else info["unit"]) == "元" else Decimal(1)
        totals, sources = form.facts.get("total", []), form.facts.get("source", [])
        if not totals and form.breakdown_header:  # the 合计 of the budget's items is the total
            totals = [self.breakdown_total(form, factor)]
        total_fact = totals[0] if totals else None
        others = totals[1:]
        if len(totals) > 1:
            others += [f for f in sources if f.column != total_fact.column]
            sources = [f for f in sources if f.column == total_fact.column]
        funding, notes = {}, []
        for fact in sources:
            funding[fact.label], note = form_amount(fact, factor, self.reader.problem)
            notes += [(fact, funding[fact.label], note)] if note else []
        for fact in form.facts.get("source_detail", []):
            detail, _ = form_amount(fact, factor, self.reader.problem)
            self.layout.flags.append(ParsedFlag("info", "source-detail", f"资金来源明细「{fact.written}」{detail:f} 万元",
                                                fact.row))
        total, note = form_amount(total_fact, factor, self.reader.problem) if total_fact else (Decimal(0), "")
        if total_fact is None and form.total_column is not None:
            total = sum(funding.values(), Decimal(0))
            total_fact = Fact(form.total_column.label, f"{total:f}", form.total_column.row, form.total_column.column)
            self.layout.flags.append(ParsedFlag("info", "total-from-sources", f"「{total_fact.label}」一栏没有合计数,"
                                                f"按其下各资金来源之和读作 {total:f} 万元", total_fact.row))
        notes = ([(total_fact, total, note)] if note else []) + notes
        if total_fact is not None and total_fact.column in {f.column for f in sources} and not form.parts_of_total:
            total = sum(funding.values(), Decimal(0))  # the total's column holds the sources' amounts
        if form.money_header:  # a self-evaluation form: the budget is the money block's (adjusted) budget
            money = read_money(form, factor, self.reader.problem)
            whole = money.pop(TOTAL_ROW, {})
            total = whole.get("adjusted") or whole.get("initial") or Decimal(0)
            total_fact = Fact("年度预算数", f"{total:f}", form.money_header[0], 0)
            funding |= {source: a.get("adjusted") or a.get("initial") or Decimal(0) for source, a in money.items()}
            parts = sum(funding.values(), Decimal(0))
            if money and parts != total:  # kept as published, and flagged
                self.layout.flags.append(ParsedFlag(
                    "warning", "reconciliation", f"预算数合计 {total:f} 与各资金来源之和 {parts:f} 不一致,相差 {total - parts:f} 万元",
                    form.money_header[0]))
        self.sources += [source for source in funding if source not in self.sources]
        return total_fact, total, funding, notes, others

    def breakdown_total(self, form: Form, factor) -> Fact:
        """The 合计 row's amount under 金额 (else the items' sum); every item row is kept on a flag, and
        items that do not add up to the 合计 are a reconciliation difference."""
        header_row, header = form.breakdown_header
        label = label_of(header[0])[1]
        column = next(i for i, c in enumerate(header) if i and c and (label_of(c) or ("",))[0] == "amount_column")
        items, total_fact = [], None
        for row, cells in form.breakdown:
            name = re.sub(r"\s+", "", next((c for c in cells if c), ""))
            fact = Fact(label, cell(cells, column), row, column, label)
            self.layout.flags.append(ParsedFlag("info", "budget-item", f"「{label}」: " + " | ".join(
                f"{header[i]} {text}" if i < len(header) and header[i] and i else text
                for i, text in enumerate(cells) if text), row))
            if name in TOTAL_ROW_NAMES:
                total_fact = fact
            else:
                items.append(form_amount(fact, factor, self.reader.problem)[0])
        if total_fact is None:
            return Fact(label, f"{sum(items, Decimal(0)):f}", header_row, column, label)
        total, _ = form_amount(total_fact, factor, self.reader.problem)
        if items and sum(items) != total:
            self.layout.mismatch(total_fact.row, header[column], total_fact.value,
                                 f"与「{label}」各项之和 {sum(items):f} 不一致,相差 {total - sum(items):f} 万元")
        return total_fact

    def check_sources(self, project, total_fact, form):
        """Sources written as 其中 are parts of the total and must add up to it."""
        parts = form.facts.get("source", [])
        if not parts or total_fact is None or not form.parts_of_total:
            return
        given = sum(project.funding.values(), Decimal(0))
        if given != project.total:
            self.layout.mismatch(total_fact.row, total_fact.label, total_fact.value,
                                 f"与{'+'.join(project.funding)}之和 {given:f} 不一致", project.name)

    def read_grid(self, form: Form, project: ParsedProject):
        if form.grid_header is None:
            self.reader.problem(form.first_row, None, None, "这张表单没有绩效指标表头(一级指标、二级指标、三级指标、指标值)")
            return
        header_row, header = form.grid_header
        grid = form.grid
        if grid and is_value_subheader(grid[0][1]):
            header, grid = merge_value_header(header, grid[0][1]), grid[1:]
        roles, extra, long_half = grid_columns(header)
        if "value" not in roles and "period_value" not in roles and not self.values_by_column(
                roles, extra, header, header_row, project):
            self.reader.problem(header_row, None, None, "指标表头中找不到「指标值」列(指标值 / 年度指标值 / 指标值及单位)")
            return
        two_level = self.two_level(roles, grid, header, header_row, project.name)
        self.layout.columns = Columns(header, roles, [], [])
        level1 = level2 = ""
        for row, cells in grid:
            level1, level2 = continued(level1, level2, *(cell(cells, roles.get(r)) for r in ("level1", "level2")))
            if two_level:
                level1, level2 = self.level1_of(level2, row, header[roles["level2"]])
            name, value = cell(cells, roles.get("level3")), cell(cells, roles.get("value"))
            cells = self.long_half(cells, long_half, name, row, project.name)
            if is_blank(clean_name(name)) and is_blank(value) and is_blank(cell(cells, roles.get("period_value"))):
                continue  # a category row with no indicator under it, or a template's empty "指标2" / "……" row
            indicator = self.layout.indicator_from_row(project, cells, row, level1, level2)
            indicator.extra = {re.sub(r"\s+", "", text): cell(cells, i) for text, i in extra if cell(cells, i)} or None
            project.indicators.append(indicator)

    def values_by_column(self, roles, extra, header, header_row, project) -> bool:
        """A grid with no 指标值 column but a column of values for each place or sub-project (西坪镇尧山村 | 桃舟乡吾培村
        …, as provincial special funds publish them) has no single target: each value is kept under its column and
        flagged. One unknown column is more likely a misnamed 指标值 and stays refused."""
        named = [re.sub(r"\s+", "", text) for text, _ in extra if header_key(text) not in GRID_EXTRA_NAMES]
        if len(named) < 2:
            return False
        # 指标方向 ≥, 指标性质, 计量单位 qualify the values of every column: with no single value to read them into, kept.
        for role in ("nature", "measure", "direction"):
            if role in roles:
                extra.append((header[roles[role]], roles.pop(role)))
        self.layout.flags.append(ParsedFlag(
            "warning", "values-by-column", f"指标表没有「指标值」列,各指标的值按列保存在「{'、'.join(named)}」下,"
            "没有统一的年度指标值,也就没有可解析的目标", header_row, project.name))
        return True

    def two_level(self, roles, grid, header, header_row, project) -> bool:
        """一级指标 | 二级指标 | 指标值 with no 三级 column, the 二级 cells naming indicators and the 一级 cells holding
        what the national framework calls 二级 (数量指标 …): those are read as names and level 2, and level 1 is the one
        the framework puts each under. A grid whose 二级 cells are categories has no names and stays refused."""
        if "level3" in roles or "level2" not in roles or "level1" not in roles:
            return False
        if any(re.sub(r"\s+", "", cell(cells, roles["level2"])) in LEVEL1_OF.keys() | LEVEL1_NAMES for _, cells in grid):
            return False
        roles["level3"], roles["level2"] = roles["level2"], roles.pop("level1")
        self.layout.flags.append(ParsedFlag(
            "info", "level1-implied", f"指标表没有三级指标列:「{header[roles['level3']]}」列读作指标名称,"
            f"「{header[roles['level2']]}」列读作二级指标,一级指标按二级指标的归属读出(如 数量指标 属于 产出指标)",
            header_row, project))
        return True

    def level1_of(self, written, row, column) -> tuple[str, str]:
        """(level 1, level 2) of a category written in a two-level grid's 一级 column."""
        key = category_key(written)
        if key in LEVEL1_NAMES:
            return written, ""
        if not written or key in LEVEL1_OF:
            return LEVEL1_OF.get(key, ""), written
        self.reader.problem(row, column, written, "不是认识的二级指标,无法确定它属于哪个一级指标(产出指标、效益指标、满意度指标)")
        return "", written

    def long_half(self, cells, long_half, name, row, project):
        """A grid with 长期 and 年度 halves side by side: the long-term value is the annual indicator's period value
        when the halves name the same indicator (or the long half none); another one is kept on a flag."""
        long_name = cell(cells, long_half.get("level3"))
        if not long_name or long_name == name:
            return cells
        text = " | ".join(cell(cells, i) for i in long_half.values() if cell(cells, i))
        self.layout.flags.append(ParsedFlag("warning", "long-term-indicator", f"长期指标与年度指标不同,已原样保留: {text}",
                                            row, project))
        cells = list(cells)
        cells[long_half["value"]] = ""
        return cells

    def overall(self, form: Form) -> dict:
        by_purpose = {}
        for fact in form.facts.get("purpose", []):
            by_purpose[fact.label], _ = form_amount(fact, Decimal(1), self.reader.problem)
        duties = []
        if form.duties_header:
            _, header = form.duties_header
            columns = {DUTY_COLUMNS[header_key(t)]: i for i, t in enumerate(header) if header_key(t) in DUTY_COLUMNS}
            for row, cells in form.duties:
                duty = {key: cell(cells, i) for key, i in columns.items()}
                if any(duty.values()):
                    duties.append(duty)
        return {"by_purpose": {k: formats.number(v) for k, v in by_purpose.items()}, "duties": duties}



# The national framework's level-2 categories under their level 1 (财政部 共性绩效指标框架).
LEVEL1_OF = {**dict.fromkeys(("数量指标", "质量指标", "时效指标", "成本指标"), "产出指标"),
             **dict.fromkeys(("经济效益指标", "社会效益指标", "生态效益指标", "环境效益指标", "可持续影响指标"), "效益指标"),
             **dict.fromkeys(("服务对象满意度指标", "社会公众或服务对象满意度指标"), "满意度指标"),
             **dict.fromkeys(("经济成本指标", "社会成本指标", "生态环境成本指标"), "成本指标")}
LEVEL1_NAMES = {"产出指标", "效益指标", "满意度指标", "成本指标"}


def category_key(text: str) -> str:
    """数量 and 数量指标 are one category."""
    key = re.sub(r"\s+", "", text)
    return key if not key or key.endswith("指标") else f"{key}指标"


TOTAL_ROW = "总额"
TOTAL_ROW_NAMES = {"总额", "年度资金总额", "资金总额", "合计", "总计", "年度预算数"}
ACTUAL_COLUMNS = {"实际完成值", "完成值", "全年实际值", "实际值", "得分", "偏差原因分析及改进措施", "未完成原因分析",
                  "偏差原因", "未完成原因", "偏差原因及改进措施"}


def grid_columns(header: list[str]) -> tuple[dict, list, dict]:
    """(roles, extra columns, long-term half's roles) of an indicator grid's header."""
    roles, extra, long_half = {}, [], {}
    for index, text in enumerate(header):
        key = header_key(text)
        if not HALF.search(key) and SYNONYM_ROLE.get(key) is None and SYNONYM_ROLE.get(re.sub(r"\(.*\)$", "", key)):
            key = re.sub(r"\(.*\)$", "", key)  # 指标值(包含数字及文字描述) is 指标值
        half = HALF.search(key)
        role = SYNONYM_ROLE.get(HALF.sub("", key))
        if not half and role in ("level2", "level3") and role in roles and not long_half:
            # 二级 | 三级 | 指标值 written twice without (长期)/(年度): the left half is the period's, as templates
            # put 中期/长期 before 年度.
            long_half = {r: roles.pop(r) for r in ("level2", "level3", "value") if r in roles}
            if "value" in long_half:
                roles["period_value"] = long_half["value"]
        if half and half.group(1) != "年度" and role in ("level2", "level3", "value"):
            long_half.setdefault(role, index)
            if role == "value":
                roles.setdefault("period_value", index)
        elif role in GRID_ROLES and role not in roles:
            roles[role] = index
        elif text and (key in GRID_EXTRA_NAMES or LABEL_ROLE.get(key) != "group") and role != "indicators" \
                and re.sub(r"\(.*\)$", "", key) not in ACTUAL_COLUMNS:
            extra.append((text, index))
    return roles, extra, long_half


VALUE_SUBHEADER = {"长期": "长期指标值", "中长期": "长期指标值", "实施期": "长期指标值", "实施周期": "长期指标值",
                   "年度": "年度指标值", "本年度": "年度指标值", "当年": "年度指标值"}


def is_value_subheader(cells: list[str]) -> bool:
    """指标值 over 长期 | 年度: a second grid header row naming only the value columns."""
    filled = [re.sub(r"(指标值|目标值|目标)$", "", header_key(c)) for c in cells if c]
    return bool(filled) and all(f in VALUE_SUBHEADER for f in filled)


def merge_value_header(header: list[str], lower: list[str]) -> list[str]:
    merged = list(header) + [""] * max(0, len(lower) - len(header))
    for index, text in enumerate(lower):
        if text:
            merged[index] = VALUE_SUBHEADER[re.sub(r"(指标值|目标值|目标)$", "", header_key(text))]
    return merged


def read_money(form: Form, factor, problem) -> dict[str, dict[str, Decimal]]:
    """A self-evaluation's money block: {row name (总额 or a source): {"initial", "adjusted", "executed"}}."""
    header_row, header = form.money_header
    columns = {role: i for role, i in money_columns(header).items() if role in ("initial", "adjusted", "executed")}
    first_amount = min(columns.values())
    out = {}
    for row, cells in form.money:
        name = next((c for c in cells[:first_amount] if c), "")
        name = re.sub(r"^其中\s*:?", "", re.sub(r"\s+", "", name)).rstrip(":")
        if not name:
            continue
        key = TOTAL_ROW if name in TOTAL_ROW_NAMES else name
        out[key] = {}
        for role, index in columns.items():
            text = cells[index] if index < len(cells) else ""
            if text and not is_blank(text):
                out[key][role], _ = form_amount(Fact(header[index], text, row, index), factor, problem)
    return out


def merge_forms(tables: list[ParsedTable]) -> list[ParsedTable]:
    """Forms of one department and year brought in one upload of several files make one table: a
    second file must not replace the first one's projects. Other tables pass through unchanged."""
    groups: dict[tuple, list[ParsedTable]] = {}
    out = []
    for table in tables:
        if table.layout != "single-project-form":
            out.append(table)
            continue
        group = groups.setdefault((table.department, table.year, table.kind), [])
        if not group:
            out.append(table)
        group.append(table)
    for first, *more in groups.values():
        if more:
            _join(first, more)
    return out


def _join(into: ParsedTable, tables: list[ParsedTable]) -> None:
    names = [into.filename] + [t.filename for t in tables]
    for table in [into] + tables:
        for flag in table.flags:  # a row number now needs its file
            flag.message = f"{table.filename}: {flag.message}"
    units = {u.name: u for u in into.units}
    for table in tables:
        for unit in table.units:
            if unit.name in units:
                units[unit.name].projects += unit.projects
            else:
                into.units.append(unit)
                units[unit.name] = unit
        into.sources += [s for s in table.sources if s not in into.sources]
        into.total += table.total
        into.flags += table.flags
        into.department_code = into.department_code or table.department_code
    into.sha256 = hashlib.sha256("".join(t.sha256 for t in [into] + tables).encode()).hexdigest()
    into.filename = "、".join(names)
