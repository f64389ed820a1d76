"""Reading the body of a table, row by row, in each of the two layouts: project-per-row
(one row per project, indicators in one cell) and indicator-per-row (vertical merges, one row
per indicator). Every problem is collected with its row and column; nothing raises midway."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from budget import formats
from budget.importing import indicators as grammar
from budget.importing.problems import Collector
from budget.importing.reading import NOTE_PREFIXES, TOTAL_WORDS, is_blank, is_footer, removed_part
from budget.importing.records import ParsedFlag, ParsedIndicator, ParsedProject, ParsedUnit

WAN = Decimal(10000)
ZERO = Decimal(0)  # shared: half the amount cells of a national table are empty
AMOUNT_RE = re.compile(r"\d+(\.\d+)?")
CATEGORY_SCORE = re.compile(r"\(?[0-9]+(?:-[0-9]+)?\)?分\)?$|\([0-9]+(?:-[0-9]+)?分\)$")


class Reader(Collector):
    """The problems of one table file, and its amounts in the table's unit."""

    def __init__(self, filename: str, unit_factor: Decimal):
        super().__init__(filename)
        self.unit_factor = unit_factor

    def amount(self, text: str, row: int, column: str) -> Decimal:
        raw = text.replace(",", "").replace(" ", "")
        if raw in ("", "-", "—", "--", "/"):
            return ZERO
        if raw.startswith("-") and AMOUNT_RE.fullmatch(raw[1:]):
            self.problem(row, column, text, "是负数,金额不能为负")
            return Decimal(0)
        if not AMOUNT_RE.fullmatch(raw):
            self.problem(row, column, text, "不是有效的金额(应为数字,如 2,616.61)")
            return Decimal(0)
        try:
            return Decimal(raw) / self.unit_factor
        except InvalidOperation:
            self.problem(row, column, text, "不是有效的金额")
            return Decimal(0)


@dataclass
class Columns:
    header: list[str]
    roles: dict[str, int]
    sources: list[tuple[str, int]]  # (name, index) of the amount columns by funding source
    extra: list[tuple[str, int]]  # columns we do not structure; their text is kept in flags


def cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


class LayoutReader:
    def __init__(self, reader: Reader, columns: Columns, lenient: bool, progress, department_hint: str):
        self.department_hint = grammar.split_code(department_hint)[1] if department_hint else ""
        self.reader = reader
        self.columns = columns
        self.lenient = lenient
        self.progress = progress
        self.units: list[ParsedUnit] = []
        self.flags: list[ParsedFlag] = []
        self.declared_total: tuple[int, Decimal, dict] | None = None
        self.first_total_name: str | None = None
        self.grand_total = Decimal(0)
        # A national table repeats a few thousand values and a few dozen category labels over a
        # hundred thousand indicators: each is parsed and stored once.
        self.targets: dict[tuple, grammar.Target | None] = {}
        self.plain_targets: dict[str | None, grammar.Target | None] = {}
        self.strings: dict[str, str] = {}

    # -- shared helpers ---------------------------------------------------------------
    def col(self, role):
        return self.columns.roles.get(role)

    def amounts(self, cells, row) -> tuple[Decimal, dict[str, Decimal]]:
        header = self.columns.header
        total_index = self.col("total")
        total = self.reader.amount(cell(cells, total_index), row, header[total_index])
        funding = {name: self.reader.amount(cell(cells, i), row, header[i]) for name, i in self.columns.sources}
        if funding and sum(funding.values()) != total:
            parts = sum(funding.values())
            self.mismatch(
                row,
                header[total_index],
                cell(cells, total_index),
                f"与{'+'.join(funding)}之和 {formats.amount(parts)} 不一致,相差 {formats.amount(total - parts)} 万元",
            )
        return total, funding

    def mismatch(self, row, column, value, reason, project=None):
        if self.lenient:
            where = f"「{column}」列" if column else ""
            self.flags.append(
                ParsedFlag("warning", "reconciliation", f"第{row}行{where}“{value}”{reason}", row, project)
            )
        else:
            self.reader.problem(row, column, value, reason)

    def keep_extra(self, cells, row, project, indicator=""):
        """Columns we do not structure are kept as flags, so nothing in the source is lost."""
        for header, index in self.columns.extra:
            text = cell(cells, index)
            if text:
                where = f"指标「{indicator}」的" if indicator else ""
                self.flags.append(
                    ParsedFlag("info", "unstructured-column", f"{where}「{header}」列: {text}", row, project)
                )

    def target(self, value, comparator_hint=None, unit_hint=None, direction_hint=None) -> grammar.Target | None:
        key = (value, comparator_hint, unit_hint, direction_hint)
        if key not in self.targets:
            self.targets[key] = grammar.parse_target(
                value, comparator_hint=comparator_hint, unit_hint=unit_hint, direction_hint=direction_hint
            )
        return self.targets[key]

    def plain_target(self, value) -> grammar.Target | None:
        """target() without hints, keyed on the value alone: the indicator cell's case."""
        try:
            return self.plain_targets[value]
        except KeyError:
            found = self.plain_targets[value] = grammar.parse_target(value)
            return found

    def weight(self, text, row, column) -> Decimal | None:
        try:
            return Decimal(text.replace("%", "").replace(",", ""))
        except InvalidOperation:
            self.reader.problem(row, column, text, "不是有效的权重(应为数字)")
            return None

    def footer(self, first, cells, row) -> bool:
        """Signature and review rows (审核意见, 填表人 …) are kept as flags, never read as data."""
        amount_cells = [cell(cells, self.col("total"))] + [cell(cells, i) for _, i in self.columns.sources]
        has_amount = any(AMOUNT_RE.fullmatch(c.replace(",", "")) for c in amount_cells if c)
        if not (cells and is_footer(cells[0])) or has_amount:
            return False
        self.flags.append(ParsedFlag("info", "footer-row", " | ".join(c for c in cells if c), row))
        return True

    def clean(self, text, row, project, what) -> str:
        """The name without template residue; what was taken out is kept on a flag."""
        clean = grammar.clean_name(text)
        if re.sub(r"\s+", "", clean) != re.sub(r"\s+", "", grammar.normalize(text)):
            self.flags.append(
                ParsedFlag(
                    "info",
                    "name-cleaned",
                    f"{what}「{text}」存为「{clean}」,去掉了模板占位符或标记「{removed_part(text, clean)}」",
                    row,
                    project or clean,
                )
            )
        return clean

    def shared(self, text):
        return text if text is None else self.strings.setdefault(text, text)

    def tick(self, row):
        if self.progress and row % 1000 == 0:
            self.progress(row)

    # -- layout 1: one row per project --------------------------------------------------
    def read_project_rows(self, body):
        name_i, goal_i, ind_i = self.col("project"), self.col("goal"), self.col("indicators")
        for row, cells in body:
            self.tick(row)
            name = cell(cells, name_i)
            first = next((c for c in cells if c), "")
            if self.footer(first, cells, row):
                continue
            if first.startswith(NOTE_PREFIXES) or (not name and first and not any(cells[1:])):
                self.flags.append(ParsedFlag("info", "note-row", first, row))
                continue
            if not name:
                self.flags.append(ParsedFlag("warning", "row-without-name", " | ".join(c for c in cells if c), row))
                continue
            total, funding = self.amounts(cells, row)
            goal, text = cell(cells, goal_i), cell(cells, ind_i)
            if name.replace(" ", "") in TOTAL_WORDS:
                self.declared_total = (row, total, funding)
            elif not goal and not text:
                code, unit_name = grammar.split_code(name)
                self.units.append(ParsedUnit(unit_name, code or "", row, total, funding))
                self.first_total_name = self.first_total_name or name
            else:
                project = self.new_project(name, row, total, funding, goal)
                self.read_indicator_cell(project, text, row)
                self.keep_extra(cells, row, project.name)

    def new_project(self, name, row, total, funding, goal) -> ParsedProject:
        code, clean = grammar.split_code(self.clean(name, row, None, "项目名称"))
        project = ParsedProject(clean, code or "", row, total, funding, goal=goal)
        if not self.units:
            self.units.append(ParsedUnit("", "", None, None))
        self.units[-1].projects.append(project)
        return project

    def read_indicator_cell(self, project: ParsedProject, text: str, row: int):
        project.indicator_text = text
        parsed = grammar.parse_indicator_cell(text)
        shared, target_of = self.shared, self.plain_target
        for item in parsed.items:
            value = item.annual_value if item.annual_value is not None else item.period_value
            target = (
                target_of(value)
                if item.target_text is None
                else target_of(None if item.target_text == "无" else item.target_text)
            )
            project.indicators.append(
                ParsedIndicator(
                    item.seq,
                    shared(item.level1),
                    shared(item.level1_code),
                    shared(item.level2),
                    shared(item.level2_code),
                    item.name,
                    item.library_code,
                    item.period_value,
                    item.annual_value,
                    target=target,
                    weight=self.weight(item.weight_text, row, "绩效指标") if item.weight_text else None,
                )
            )
        if parsed.unparsed:
            project.unparsed = parsed.unparsed
            self.flags.append(
                ParsedFlag(
                    "warning",
                    "unparsed-indicator-text",
                    f"项目「{project.name}」的绩效指标中有未能识别的文字,已原样保留: {parsed.unparsed[:200]}",
                    row,
                    project.name,
                )
            )

    # -- layout 2: one row per indicator ---------------------------------------------------
    def read_indicator_rows(self, body):
        header = self.columns.header
        project: ParsedProject | None = None
        level1 = level2 = ""
        for row, cells in body:
            self.tick(row)
            unit_name, name = cell(cells, self.col("unit")), cell(cells, self.col("project"))
            level3, value = cell(cells, self.col("level3")), cell(cells, self.col("value"))
            has_indicator = any(cell(cells, self.col(r)) for r in ("level1", "level2", "level3", "value"))
            first = next((c for c in cells if c), "")
            if self.footer(first, cells, row):
                continue
            if first.startswith(NOTE_PREFIXES):
                self.flags.append(ParsedFlag("info", "note-row", first, row))
                continue
            if (name or unit_name) and not has_indicator and not cell(cells, self.col("goal")):
                total, _ = self.amounts(cells, row)
                label = name or unit_name
                is_department = (
                    not self.units
                    and self.declared_total is None
                    and (not self.department_hint or grammar.split_code(label)[1] == self.department_hint)
                )
                if label.replace(" ", "") in TOTAL_WORDS or is_department:
                    self.declared_total = (row, total, {})
                    if label.replace(" ", "") not in TOTAL_WORDS:
                        self.first_total_name = label
                else:
                    code, clean = grammar.split_code(label)
                    self.units.append(ParsedUnit(clean, code or "", row, total))
                project = None
                continue
            if unit_name and (not self.units or self.units[-1].name != grammar.split_code(unit_name)[1]):
                code, clean = grammar.split_code(unit_name)
                self.units.append(ParsedUnit(clean, code or "", None, None))
            if name:
                total, funding = self.amounts(cells, row)
                project = self.new_project(name, row, total, funding, cell(cells, self.col("goal")))
                level1 = level2 = ""
            if project is not None:
                self.keep_extra(cells, row, project.name, level3)
            if not has_indicator:
                continue
            if project is None:
                self.reader.problem(row, header[self.col("level3")], level3, "指标行之前没有项目名称")
                continue
            level1, level2 = continued(level1, level2, cell(cells, self.col("level1")), cell(cells, self.col("level2")))
            if is_blank(level3) and is_blank(value):
                continue  # an empty placeholder row under merged category cells
            project.indicators.append(self.indicator_from_row(project, cells, row, level1, level2))

    def indicator_from_row(self, project, cells, row, level1, level2) -> ParsedIndicator:
        header = self.columns.header
        # A category name wrapped in its cell ("经济效益\n指标") is one name.
        code1, name1 = grammar.split_code(re.sub(r"\s+", "", level1))
        if CATEGORY_SCORE.search(name1):  # "产出指标(50分)": the template's points are kept on a flag
            written, name1 = name1, CATEGORY_SCORE.sub("", name1)
            if written not in self.strings:
                self.strings[written] = written
                self.flags.append(ParsedFlag("info", "category-score", f"一级指标「{written}」存为「{name1}」", row))
        code2, name2 = grammar.split_code(re.sub(r"\s+", "", level2))
        library_code, name = grammar.split_code(
            self.clean(cell(cells, self.col("level3")), row, project.name, "指标名称")
        )
        if not name2 and self.col("level2") is not None:
            self.flags.append(
                ParsedFlag(
                    "warning",
                    "indicator-without-level2",
                    f"项目「{project.name}」的指标「{name}」没有二级指标",
                    row,
                    project.name,
                )
            )
        value = cell(cells, self.col("value"))
        measure = cell(cells, self.col("measure"))
        nature = cell(cells, self.col("nature"))
        direction = cell(cells, self.col("direction"))
        date = grammar.excel_serial_date(value) if ("时" in name2 or "日期" in measure or "时间" in measure) else None
        if date:
            self.flags.append(
                ParsedFlag(
                    "info", "excel-date", f"指标「{name}」的值 {value} 是Excel日期序号,读作 {date}", row, project.name
                )
            )
            value, target = date, None
        else:
            target = self.target(value, nature or None, measure or None, direction or None)
            # A bare number with its unit in another column reads as one value (90 + % → 90%).
            if measure and re.fullmatch(r"[<>=≥≤]*\s*[\d.,]+", value):
                value = f"{value}{measure}"
        weight_text = cell(cells, self.col("weight"))
        weight = self.weight(weight_text, row, header[self.col("weight")]) if weight_text else None
        period = cell(cells, self.col("period_value")) or None
        if period is not None and period == value:
            period = value
        shared = self.shared
        return ParsedIndicator(
            len(project.indicators) + 1,
            shared(name1),
            shared(code1),
            shared(name2),
            shared(code2),
            name,
            library_code,
            period,
            value or None,
            target=target,
            weight=weight,
        )

    # -- after the last row --------------------------------------------------------------
    def finish(self, department: str):
        if not self.units:
            self.units.append(ParsedUnit("", "", None, None))
        kept = []
        for unit in self.units:
            if unit.source_row is not None and not unit.projects:
                # A unit row with no projects is a project without goal or indicators.
                project = ParsedProject(unit.name, unit.code, unit.source_row, unit.total or Decimal(0), unit.funding)
                target = kept[-1] if kept else unit
                target.projects.append(project)
                if target is unit:
                    unit.source_row, unit.total = None, None
                    kept.append(unit)
                continue
            kept.append(unit)
        self.units = kept
        for unit in self.units:
            if not unit.name:
                unit.name = department
            self.check_unit(unit)
            for project in unit.projects:
                self.check_project(project)
        self.check_grand_total()
        # A difference found on a project's own row belongs to that project (and to its review).
        by_row = {p.source_row: p.name for u in self.units for p in u.projects}
        for flag in self.flags:
            if flag.code == "reconciliation" and flag.project is None:
                flag.project = by_row.get(flag.row)

    def check_project(self, project: ParsedProject):
        if not project.indicators and not project.unparsed:
            self.flags.append(
                ParsedFlag(
                    "warning",
                    "project-without-indicators",
                    f"项目「{project.name}」没有绩效指标",
                    project.source_row,
                    project.name,
                )
            )
        for ind in project.indicators:
            if not ind.name:
                where = f"{ind.level1}/{ind.level2}" if ind.level2 else ind.level1
                self.flags.append(
                    ParsedFlag(
                        "warning",
                        "indicator-without-name",
                        f"项目「{project.name}」第{ind.seq}项指标({where})没有三级指标名称",
                        project.source_row,
                        project.name,
                    )
                )

    def check_unit(self, unit: ParsedUnit):
        if unit.total is None:
            return
        parts = sum((p.total for p in unit.projects), Decimal(0))
        if parts != unit.total:
            self.mismatch(
                unit.source_row,
                self.columns.header[self.col("total")],
                formats.amount(unit.total),
                f"是单位「{unit.name}」的小计,与其下项目之和 {formats.amount(parts)} 不一致,相差 {formats.amount(unit.total - parts)} 万元",
            )

    def check_grand_total(self):
        with_rows = [u for u in self.units if u.total is not None]
        parts = (
            sum((u.total for u in with_rows), Decimal(0))
            if with_rows
            else sum((p.total for u in self.units for p in u.projects), Decimal(0))
        )
        if with_rows and len(with_rows) != len(self.units):
            parts = sum(
                (u.total if u.total is not None else sum((p.total for p in u.projects), Decimal(0))) for u in self.units
            )
        self.grand_total = parts
        if self.declared_total is None:
            return
        row, total, _ = self.declared_total
        self.grand_total = total
        if total != parts:
            what = "各单位小计" if with_rows else "各项目"
            self.mismatch(
                row,
                self.columns.header[self.col("total")],
                formats.amount(total),
                f"是合计,与{what}之和 {formats.amount(parts)} 不一致,相差 {formats.amount(total - parts)} 万元",
            )


def continued(level1, level2, cell1, cell2) -> tuple[str, str]:
    """Merged category cells: a blank continues the one above, but level 2 only within its level 1."""
    if cell1 and cell1 != level1:
        return cell1, cell2
    return level1, cell2 or level2
