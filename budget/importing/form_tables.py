"""Forms (layouts 3 and 4) → the validated table records the writer takes.

forms_layout.py splits rows into forms and reads their labels; this turns each form into a
project (or, for a 部门整体支出绩效目标表, the department's overall targets), reading its amounts
and codes as forms write them, its money block and budget items, with form_grid.py reading its
indicator grid, and checks that the forms of one file agree on department and year. Problems are
collected, never raised midway.
"""

import hashlib
import re
from decimal import Decimal, InvalidOperation

from budget import formats
from budget.importing.form_grid import FormGrid
from budget.importing.forms_layout import Fact, Form, label_of, money_columns
from budget.importing.layouts import Columns, LayoutReader, cell
from budget.importing.reading import department_note, header_key, is_blank, read_preamble, resolve_year
from budget.importing.records import ParsedFlag, ParsedProject, ParsedTable, ParsedUnit

OVERALL_PROJECT = "部门整体支出"


def is_department_form(form: Form, title: str) -> bool:
    return "整体" in title or bool(form.duties_header) or ("purpose" in form.facts and not form.first("project"))


class FormTables:
    def __init__(self, reader, lenient: bool):
        self.reader = reader
        self.layout = LayoutReader(reader, Columns([], {}, [], []), lenient, None, "")
        self.grid = FormGrid(reader, self.layout)
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
            self.reader.problem(
                None, None, None, "文件中既有部门整体支出绩效目标表又有其他表单(或有多张部门整体表),请分开导入"
            )
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
            filename=filename,
            sha256=sha256,
            department=dept_name,
            department_code=code,
            year=table_year,
            title=infos[0]["title"],
            amount_unit="万元",
            layout="department-targets" if department_kind else "single-project-form",
            sources=self.sources,
            total=sum((p.total for u in units.values() for p in u.projects), Decimal(0)),
            units=self.layout.units,
            flags=self.layout.flags,
            kind=kind,
            details=details,
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
                    self.reader.problem(
                        row,
                        "主管部门",
                        name,
                        f"与{where}第{first_row}行的「{first_name}」不是同一个部门:"
                        "一个文件中的表单应属于同一部门,或用 --department 指定部门",
                    )
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
            (f.written, f.value) for f in others if f.value
        ]:
            # A label written twice keeps both values, one a line.
            attributes[label] = f"{attributes[label]}\n{value}" if label in attributes else value
        project = ParsedProject(name, code, row, total, funding, goal=goal, period_goal=period, attributes=attributes)
        for fact, amount, text in notes:
            self.layout.flags.append(
                ParsedFlag(
                    "info",
                    "amount-note",
                    f"「{fact.label}」{fact.value}: 金额读作 {formats.amount(amount)} 万元,说明文字保留为「{text}」",
                    fact.row,
                    name,
                )
            )
        if total_fact is None and not department_kind:
            self.reader.problem(row, "年度资金总额", None, "这张表单没有资金总额(年度资金总额 / 项目金额 …)")
        if len(self.reader.problems) == known_problems:  # an amount that could not be read adds up to nothing
            self.check_sources(project, total_fact, form)
        self.grid.read(form, project)
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
            self.layout.flags.append(
                ParsedFlag("info", "source-detail", f"资金来源明细「{fact.written}」{detail:f} 万元", fact.row)
            )
        total, note = form_amount(total_fact, factor, self.reader.problem) if total_fact else (Decimal(0), "")
        if total_fact is None and form.total_column is not None:
            total = sum(funding.values(), Decimal(0))
            total_fact = Fact(form.total_column.label, f"{total:f}", form.total_column.row, form.total_column.column)
            self.layout.flags.append(
                ParsedFlag(
                    "info",
                    "total-from-sources",
                    f"「{total_fact.label}」一栏没有合计数,按其下各资金来源之和读作 {total:f} 万元",
                    total_fact.row,
                )
            )
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
                self.layout.flags.append(
                    ParsedFlag(
                        "warning",
                        "reconciliation",
                        f"预算数合计 {total:f} 与各资金来源之和 {parts:f} 不一致,相差 {total - parts:f} 万元",
                        form.money_header[0],
                    )
                )
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
            self.layout.flags.append(
                ParsedFlag(
                    "info",
                    "budget-item",
                    f"「{label}」: "
                    + " | ".join(
                        f"{header[i]} {text}" if i < len(header) and header[i] and i else text
                        for i, text in enumerate(cells)
                        if text
                    ),
                    row,
                )
            )
            if name in TOTAL_ROW_NAMES:
                total_fact = fact
            else:
                items.append(form_amount(fact, factor, self.reader.problem)[0])
        if total_fact is None:
            return Fact(label, f"{sum(items, Decimal(0)):f}", header_row, column, label)
        total, _ = form_amount(total_fact, factor, self.reader.problem)
        if items and sum(items) != total:
            self.layout.mismatch(
                total_fact.row,
                header[column],
                total_fact.value,
                f"与「{label}」各项之和 {sum(items):f} 不一致,相差 {total - sum(items):f} 万元",
            )
        return total_fact

    def check_sources(self, project, total_fact, form):
        """Sources written as 其中 are parts of the total and must add up to it."""
        parts = form.facts.get("source", [])
        if not parts or total_fact is None or not form.parts_of_total:
            return
        given = sum(project.funding.values(), Decimal(0))
        if given != project.total:
            self.layout.mismatch(
                total_fact.row,
                total_fact.label,
                total_fact.value,
                f"与{'+'.join(project.funding)}之和 {given:f} 不一致",
                project.name,
            )

    def overall(self, form: Form) -> dict:
        by_purpose = {}
        for fact in form.facts.get("purpose", []):
            by_purpose[fact.label], _ = form_amount(fact, Decimal(1), self.reader.problem)
        duties = []
        if form.duties_header:
            _, header = form.duties_header
            columns = {DUTY_COLUMNS[header_key(t)]: i for i, t in enumerate(header) if header_key(t) in DUTY_COLUMNS}
            for _row, cells in form.duties:
                duty = {key: cell(cells, i) for key, i in columns.items()}
                if any(duty.values()):
                    duties.append(duty)
        return {"by_purpose": {k: formats.number(v) for k, v in by_purpose.items()}, "duties": duties}


AMOUNT_TEXT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万元|万|元)?(.*)", re.S)
BRACKET_CODE = re.compile(r"[\[(【]\s*([0-9A-Za-z]{2,})\s*[\])】]\s*(.+)", re.S)
TRAILING_CODE = re.compile(r"(.+?)\s+([0-9]{4,})")
DUTY_COLUMNS = {
    "部门职能": "name",
    "职能": "name",
    "履职目标": "name",
    "年度目标任务": "tasks",
    "履职目标任务": "tasks",
    "任务": "tasks",
    "支出项目名称": "project",
    "项目名称": "project",
    "预算金额": "amount",
    "金额": "amount",
}


def split_form_code(text: str) -> tuple[str, str]:
    """`[610001]某公司`, `(433)某局(部门)`, `某局 308001`, `308001-某局` → (code, name)."""
    text = text.strip()
    for pattern, code_group, name_group in ((BRACKET_CODE, 1, 2), (TRAILING_CODE, 2, 1)):
        match = pattern.fullmatch(text)
        if match:
            return match.group(code_group), re.sub(r"\((部门|单位)\)$", "", match.group(name_group).strip())
    match = re.fullmatch(r"([0-9A-Z]{4,})\s*-\s*([^0-9].*)", text, re.S)
    if match:
        return match.group(1), match.group(2).strip()
    return "", text


def form_amount(fact: Fact, factor, problem) -> tuple:
    """(amount in 万元, note): `250万` → 250; `854万(…)` → 854 with "(…)" kept as the note."""
    text = fact.value.strip()
    if is_blank(text):
        return Decimal(0), ""
    match = AMOUNT_TEXT.fullmatch(text.replace(" ", ""))
    try:
        number = Decimal(match.group(1).replace(",", "")) if match else None
    except InvalidOperation:
        number = None
    if number is None:
        problem(fact.row, fact.label, text, "不是能读懂的金额(应为数字,如 250、250万、164万元)")
        return Decimal(0), ""
    unit = match.group(2)
    scale = Decimal(1) if unit in ("万", "万元") else Decimal(10000) if unit == "元" else factor
    return number / scale, match.group(3).strip()


TOTAL_ROW = "总额"
TOTAL_ROW_NAMES = {"总额", "年度资金总额", "资金总额", "合计", "总计", "年度预算数"}


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
