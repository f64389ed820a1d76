"""Rows → validated table → one transaction.

Like pretix's importer: every row is checked first and *all* problems are collected as
(file, row, column, value, reason); nothing is written unless there are none. The web
upload, the admin and the command line all call `import_table`.
"""

import gc
import hashlib
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from budget import indicators as grammar
from budget.problems import ImportFailed, Problem
from budget.readers import open_table

WAN = Decimal(10000)
ZERO = Decimal(0)  # shared: half the amount cells of a national table are empty
HEADER_SCAN_ROWS = 30
TOTAL_WORDS = {"合计", "总计", "合 计", "总 计"}

# Column roles, recognised by meaning: header text (spaces and a trailing "(万元)" removed) → role.
ROLE_SYNONYMS = {
    "project": ["项目名称(资金使用单位)", "项目名称(单位名称)", "项目(单位)名称", "项目名称", "项目"],
    "unit": ["单位名称", "资金使用单位", "预算单位", "预算单位名称", "部门(单位)名称", "单位"],
    "total": ["总计", "合计", "预算数", "预算金额", "资金总额", "项目金额", "金额", "年度预算数", "预算资金", "资金合计"],
    "goal": ["绩效目标", "年度目标", "年度绩效目标", "项目绩效目标", "总体目标", "年度总体目标", "绩效目标内容"],
    "indicators": ["绩效指标"],
    "level1": ["一级指标"],
    "level2": ["二级指标"],
    "level3": ["三级指标", "指标名称", "绩效指标名称"],
    "nature": ["指标性质"],
    "value": ["指标值", "目标值", "年度指标值", "指标值及单位", "年度目标值", "预期实现值"],
    "period_value": ["实施周期指标值", "长期指标值", "中长期指标值", "实施周期目标值", "长期目标值"],
    "measure": ["度量单位", "计量单位"],
    "weight": ["权重", "分值", "指标权重", "权重(%)"],
    "direction": ["指标方向性", "指标方向"],
}
SYNONYM_ROLE = {word: role for role, words in ROLE_SYNONYMS.items() for word in words}
SOURCE_GROUP_WORDS = {"资金来源", "其中"}
NOTE_PREFIXES = ("注:", "注 :", "说明:", "备注:", "注1", "注:")
AMOUNT_RE = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True)
class ParsedIndicator(grammar.IndicatorItem):
    """An indicator item of the grammar with what the importer adds: its target and weight."""

    target: grammar.Target | None = None
    weight: Decimal | None = None


@dataclass
class ParsedProject:
    name: str
    code: str
    source_row: int
    total: Decimal
    funding: dict[str, Decimal]
    goal: str = ""
    indicator_text: str = ""
    unparsed: str | None = None
    indicators: list[ParsedIndicator] = field(default_factory=list)


@dataclass
class ParsedUnit:
    name: str
    code: str
    source_row: int | None
    total: Decimal | None  # declared subtotal; None when the source has no unit row
    funding: dict[str, Decimal] = field(default_factory=dict)
    projects: list[ParsedProject] = field(default_factory=list)


@dataclass
class ParsedFlag:
    severity: str
    code: str
    message: str
    row: int | None = None
    project: str | None = None


@dataclass
class ParsedTable:
    filename: str
    sha256: str
    department: str
    department_code: str
    year: int
    title: str
    amount_unit: str
    layout: str
    sources: list[str]
    total: Decimal
    units: list[ParsedUnit]
    flags: list[ParsedFlag]

    @property
    def projects(self):
        return [p for u in self.units for p in u.projects]


def header_key(text: str) -> str:
    key = re.sub(r"\s+", "", grammar.normalize(text))
    return re.sub(r"\((万元|元|万)\)$", "", key)


def split_label(text: str) -> tuple[str, str]:
    """`部门名称: X` → ("部门名称", "X"); a preamble line that is not a label → ("", text)."""
    match = re.match(r"^\s*([^:]{1,12}?)\s*:\s*(.*)$", text)
    return (re.sub(r"\s+", "", match.group(1)), match.group(2).strip()) if match else ("", text.strip())


class Reader:
    """Collects problems while reading one file, so every error is reported at once."""

    def __init__(self, filename: str, unit_factor: Decimal):
        self.filename = filename
        self.unit_factor = unit_factor
        self.problems: list[Problem] = []

    def problem(self, row, column, value, reason):
        self.problems.append(Problem(self.filename, row, column, value, reason))

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


def read_preamble(rows: list[tuple[int, list[str]]]) -> dict:
    info = {"title": "", "department": "", "unit": None, "year": None}
    for _, cells in rows:
        for cell in cells:
            if not cell:
                continue
            label, value = split_label(cell)
            if label in ("部门名称", "部门", "单位名称", "填报单位", "预算部门", "主管部门", "编制单位") and value:
                info["department"] = info["department"] or value
            elif label in ("单位", "金额单位", "计量单位", "货币单位") and value in ("万元", "元"):
                info["unit"] = value
            else:
                unit = re.search(r"(?:金额)?单位\s*:\s*(万元|元)", cell)
                if unit:
                    info["unit"] = unit.group(1)
                if not info["title"] and not label:
                    info["title"] = cell
            year = re.search(r"((?:19|20)\d{2})\s*年", cell)
            if year and info["year"] is None:
                info["year"] = int(year.group(1))
    return info


def find_header(rows: list[tuple[int, list[str]]]) -> int | None:
    for index, (_, cells) in enumerate(rows):
        roles = {SYNONYM_ROLE.get(header_key(c)) for c in cells}
        if ("project" in roles or "unit" in roles) and ("indicators" in roles or "level3" in roles):
            return index
    return None


def locate_header(table_rows, finder, needs: str):
    """The first rows up to the header, the header's index among them, and the rest of the rows.
    The header may stand anywhere in the first HEADER_SCAN_ROWS rows, after title lines."""
    rows = iter(table_rows.rows)
    head: list[tuple[int, list[str]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    found = finder(head)
    if found is None:
        raise ImportFailed([Problem(table_rows.filename, None, None, None, f"前{HEADER_SCAN_ROWS}行中找不到表头:{needs}")])
    return head, found, rows


def merge_header(upper: list[str], lower: list[str]) -> list[str]:
    """A two-row header: a group heading (资金来源, 指标值) merged over the columns below it."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    merged, group = [], ""
    for top, bottom in zip(upper, lower):
        group = top or group
        if bottom:
            # 指标值 over 2021年实际实现值 | 预期2022年实现值: the expected value is the target.
            if header_key(group) in ("指标值", "目标值") and not SYNONYM_ROLE.get(header_key(bottom)):
                bottom = "年度指标值" if "预期" in bottom or "目标" in bottom else f"{group}/{bottom}"
            merged.append(bottom)
        else:
            merged.append(top)
    return merged


def is_subheader(header: list[str], cells: list[str]) -> bool:
    if not any(cells) or any(AMOUNT_RE.fullmatch(c.replace(",", "")) for c in cells if c):
        return False
    filled_under_gap = [
        c for i, c in enumerate(cells) if c and (i >= len(header) or not header[i] or header_key(header[i]) in SOURCE_GROUP_WORDS | {"指标值", "目标值"})
    ]
    return bool(filled_under_gap)


@dataclass
class Columns:
    header: list[str]
    roles: dict[str, int]
    sources: list[tuple[str, int]]  # (name, index) of the amount columns by funding source
    extra: list[tuple[str, int]]  # columns we do not structure; their text is kept in flags


def map_columns(header: list[str], reader: Reader, header_row: int) -> Columns:
    roles: dict[str, int] = {}
    for index, text in enumerate(header):
        role = SYNONYM_ROLE.get(header_key(text))
        if role == "unit" and header_key(text) == "单位" and "level3" in roles:
            role = "measure"  # a bare 单位 after the indicator columns is the unit of measure
        if role and role not in roles:
            roles[role] = index
    sources = []
    if "total" in roles:
        stop = min([i for r, i in roles.items() if r in ("goal", "indicators", "level1", "level3")] or [len(header)])
        for index in range(roles["total"] + 1, stop):
            name = header_key(header[index])
            if name and index not in roles.values():
                sources.append((name, index))
    used = set(roles.values()) | {i for _, i in sources}
    extra = [(header[i], i) for i in range(len(header)) if header[i] and i not in used]
    missing = []
    if "project" not in roles:
        missing.append("项目名称")
    if "total" not in roles:
        missing.append("总计 或 预算数")
    if "indicators" not in roles and not ("level3" in roles and "value" in roles):
        missing.append("绩效指标(或 三级指标 与 指标值)")
    for name in missing:
        reader.problem(header_row, name, None, f"表头中找不到「{name}」列")
    return Columns(header, roles, sources, extra)


def cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def parse_table(
    source, *, filename: str | None = None, year: int | None = None, department: str | None = None,
    lenient: bool = False, progress=None,
) -> ParsedTable:
    """Read and validate a whole table; raises ImportFailed with every problem found."""
    display = filename or Path(str(getattr(source, "name", source))).name
    if hasattr(source, "read") and not (hasattr(source, "seekable") and source.seekable()):
        source = io.BytesIO(source.read())  # the reader reads a file more than once
    sha256 = file_sha256(source)
    table_rows = open_table(source, filename=display)
    name = table_rows.filename
    head, found, rows = locate_header(
        table_rows, find_header, "需要「项目名称」列,以及「绩效指标」列或「三级指标」与「指标值」列")
    preamble = read_preamble(head[:found])
    header_row, header = head[found]
    rest = head[found + 1:]
    if rest and is_subheader(header, rest[0][1]):
        header = merge_header(header, rest[0][1])
        rest = rest[1:]
    unit_word = preamble["unit"] or next(
        (m.group(1) for h in header for m in [re.search(r"\((万元|元)\)", h)] if m), "万元"
    )
    reader = Reader(name, WAN if unit_word == "元" else Decimal(1))
    columns = map_columns(header, reader, header_row)
    if reader.problems:
        raise ImportFailed(reader.problems)
    body = _chain(rest, rows)
    layout = "project-per-row" if "indicators" in columns.roles else "indicator-per-row"
    state = _LayoutState(reader, columns, lenient, progress, preamble["department"])
    if layout == "project-per-row":
        state.read_project_rows(body)
    else:
        state.read_indicator_rows(body)

    table_year = preamble["year"] or year
    if table_year is None:
        reader.problem(None, None, None, "无法从标题或表头前的文字中确定预算年度,请用 --year 指定(如 --year 2024)")
    dept_name = preamble["department"] or state.first_total_name or department
    if not dept_name:
        reader.problem(None, None, None, "无法确定部门名称(没有「部门名称:」行或合计行),请用 --department 指定")
    dept_code, dept_name = grammar.split_code(dept_name or "")
    state.finish(dept_name)
    if reader.problems:
        raise ImportFailed(reader.problems)
    return ParsedTable(
        filename=name, sha256=sha256, department=dept_name, department_code=dept_code or "",
        year=table_year, title=preamble["title"], amount_unit=unit_word, layout=layout,
        sources=[s for s, _ in columns.sources], total=state.grand_total, units=state.units, flags=state.flags,
    )


def file_sha256(source) -> str:
    """Hashed in chunks: the whole file is never in memory beside the rows read from it."""
    digest = hashlib.sha256()
    if hasattr(source, "read"):
        source.seek(0)
        while chunk := source.read(1 << 20):
            digest.update(chunk)
        source.seek(0)
    else:
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _chain(first, then):
    yield from first
    yield from then


class _LayoutState:
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
            self.mismatch(row, header[total_index], cell(cells, total_index),
                          f"与{'+'.join(funding)}之和 {fmt(parts)} 不一致,相差 {fmt(total - parts)} 万元")
        return total, funding

    def mismatch(self, row, column, value, reason, project=None):
        if self.lenient:
            where = f"「{column}」列" if column else ""
            self.flags.append(ParsedFlag("warning", "reconciliation", f"第{row}行{where}“{value}”{reason}", row, project))
        else:
            self.reader.problem(row, column, value, reason)

    def keep_extra(self, cells, row, project, indicator=""):
        """Columns we do not structure are kept as flags, so nothing in the source is lost."""
        for header, index in self.columns.extra:
            text = cell(cells, index)
            if text:
                where = f"指标「{indicator}」的" if indicator else ""
                self.flags.append(ParsedFlag("info", "unstructured-column", f"{where}「{header}」列: {text}", row, project))

    def target(self, value, comparator_hint=None, unit_hint=None, direction_hint=None) -> grammar.Target | None:
        key = (value, comparator_hint, unit_hint, direction_hint)
        if key not in self.targets:
            self.targets[key] = grammar.parse_target(value, comparator_hint=comparator_hint, unit_hint=unit_hint,
                                                     direction_hint=direction_hint)
        return self.targets[key]

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
        code, clean = grammar.split_code(grammar.clean_name(name))
        project = ParsedProject(clean, code or "", row, total, funding, goal=goal)
        if not self.units:
            self.units.append(ParsedUnit("", "", None, None))
        self.units[-1].projects.append(project)
        return project

    def read_indicator_cell(self, project: ParsedProject, text: str, row: int):
        project.indicator_text = text
        parsed = grammar.parse_indicator_cell(text)
        shared = self.shared
        for item in parsed.items:
            value = item.annual_value if item.annual_value is not None else item.period_value
            project.indicators.append(ParsedIndicator(
                item.seq, shared(item.level1), shared(item.level1_code), shared(item.level2), shared(item.level2_code),
                item.name, item.library_code, item.period_value, item.annual_value, target=self.target(value),
            ))
        if parsed.unparsed:
            project.unparsed = parsed.unparsed
            self.flags.append(ParsedFlag(
                "warning", "unparsed-indicator-text",
                f"项目「{project.name}」的绩效指标中有未能识别的文字,已原样保留: {parsed.unparsed[:200]}",
                row, project.name,
            ))

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
            if first.startswith(NOTE_PREFIXES):
                self.flags.append(ParsedFlag("info", "note-row", first, row))
                continue
            if (name or unit_name) and not has_indicator and not cell(cells, self.col("goal")):
                total, _ = self.amounts(cells, row)
                label = name or unit_name
                is_department = not self.units and self.declared_total is None and (
                    not self.department_hint or grammar.split_code(label)[1] == self.department_hint)
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
            level1 = cell(cells, self.col("level1")) or level1
            level2 = cell(cells, self.col("level2")) or level2
            if not level3 and not value:
                continue  # an empty placeholder row under merged category cells
            project.indicators.append(self.indicator_from_row(project, cells, row, level1, level2))

    def indicator_from_row(self, project, cells, row, level1, level2) -> ParsedIndicator:
        header = self.columns.header
        code1, name1 = grammar.split_code(level1)
        code2, name2 = grammar.split_code(level2)
        library_code, name = grammar.split_code(grammar.clean_name(cell(cells, self.col("level3"))))
        value = cell(cells, self.col("value"))
        measure = cell(cells, self.col("measure"))
        nature = cell(cells, self.col("nature"))
        direction = cell(cells, self.col("direction"))
        date = grammar.excel_serial_date(value) if ("时" in name2 or "日期" in measure or "时间" in measure) else None
        if date:
            self.flags.append(ParsedFlag("info", "excel-date", f"指标「{name}」的值 {value} 是Excel日期序号,读作 {date}", row, project.name))
            value, target = date, None
        else:
            target = self.target(value, nature or None, measure or None, direction or None)
            # A bare number with its unit in another column reads as one value (90 + % → 90%).
            if measure and re.fullmatch(r"[<>=≥≤]*\s*[\d.,]+", value):
                value = f"{value}{measure}"
        weight = None
        weight_text = cell(cells, self.col("weight"))
        if weight_text:
            try:
                weight = Decimal(weight_text.replace("%", "").replace(",", ""))
            except InvalidOperation:
                self.reader.problem(row, header[self.col("weight")], weight_text, "不是有效的权重(应为数字)")
        period = cell(cells, self.col("period_value")) or None
        if period is not None and period == value:
            period = value
        shared = self.shared
        return ParsedIndicator(
            len(project.indicators) + 1, shared(name1), shared(code1), shared(name2), shared(code2), name, library_code,
            period, value or None, target, weight,
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
            self.flags.append(ParsedFlag("warning", "project-without-indicators", f"项目「{project.name}」没有绩效指标", project.source_row, project.name))
        for ind in project.indicators:
            if not ind.name:
                where = f"{ind.level1}/{ind.level2}" if ind.level2 else ind.level1
                self.flags.append(ParsedFlag(
                    "warning", "indicator-without-name",
                    f"项目「{project.name}」第{ind.seq}项指标({where})没有三级指标名称", project.source_row, project.name,
                ))

    def check_unit(self, unit: ParsedUnit):
        if unit.total is None:
            return
        parts = sum((p.total for p in unit.projects), Decimal(0))
        if parts != unit.total:
            self.mismatch(unit.source_row, self.columns.header[self.col("total")], fmt(unit.total),
                          f"是单位「{unit.name}」的小计,与其下项目之和 {fmt(parts)} 不一致,相差 {fmt(unit.total - parts)} 万元")

    def check_grand_total(self):
        with_rows = [u for u in self.units if u.total is not None]
        parts = sum((u.total for u in with_rows), Decimal(0)) if with_rows else sum(
            (p.total for u in self.units for p in u.projects), Decimal(0))
        if with_rows and len(with_rows) != len(self.units):
            parts = sum((u.total if u.total is not None else sum((p.total for p in u.projects), Decimal(0)))
                        for u in self.units)
        self.grand_total = parts
        if self.declared_total is None:
            return
        row, total, _ = self.declared_total
        self.grand_total = total
        if total != parts:
            what = "各单位小计" if with_rows else "各项目"
            self.mismatch(row, self.columns.header[self.col("total")], fmt(total),
                          f"是合计,与{what}之和 {fmt(parts)} 不一致,相差 {fmt(total - parts)} 万元")


def fmt(amount: Decimal) -> str:
    """Amounts the way finance staff write them: 2,616.61; more decimals only when needed."""
    quantized = amount.quantize(Decimal("0.01"))
    if quantized == amount:
        return f"{quantized:,.2f}"
    return f"{amount.normalize():,f}"


# -- writing -----------------------------------------------------------------------------

@dataclass
class ImportResult:
    table: ParsedTable
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: bool
    written: bool
    kept_actuals: int = 0  # self-evaluation entries carried over to the new edition

    def summary(self) -> str:
        t = self.table
        indicators = sum(len(p.indicators) for p in t.projects)
        state = "无变化" if self.unchanged else f"新增{len(self.added)} 修改{len(self.changed)} 删除{len(self.removed)}"
        if self.kept_actuals:
            state += f",保留自评数据{self.kept_actuals}条"
        return (f"{t.filename}: {t.department} {t.year}年 单位{len(t.units)}个 项目{len(t.projects)}个 "
                f"指标{indicators}个 提示{len(t.flags)}条 ({state})")


def import_table(source, *, filename=None, year=None, department=None, lenient=False, dry_run=False,
                 user=None, progress=None) -> ImportResult:
    from budget import writer

    with cyclic_gc_paused():
        parsed = parse_table(source, filename=filename, year=year, department=department, lenient=lenient,
                             progress=progress)
        return writer.write(parsed, user=user, dry_run=dry_run)


@contextmanager
def cyclic_gc_paused():
    """A national table is a million objects that all live until the import ends: the cycle collector
    would walk them over and over (a tenth of the import's time) and free nothing. Reference
    counting still frees everything else as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
