"""The validated records that flow from the parser (importer.py, layouts.py) to the writer."""

from dataclasses import dataclass, field
from decimal import Decimal

from budget.importing import indicators as grammar


@dataclass(slots=True)
class ParsedIndicator(grammar.IndicatorItem):
    """An indicator item of the grammar with what the importer adds: its target and weight."""

    target: grammar.Target | None = None
    weight: Decimal | None = None
    extra: dict | None = None  # a form's further grid columns (绩效标准, 备注 …) as {header: text}


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
    period_goal: str = ""  # 实施期 / 长期目标 beside the annual goal
    attributes: dict = field(default_factory=dict)  # a form's other labelled facts, {label as written: value}


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
    kind: str = "project-targets"  # or "department-targets" (部门整体支出绩效目标表)
    details: dict = field(default_factory=dict)  # department-targets: {"by_purpose": {…}, "duties": […]}

    @property
    def projects(self):
        return [p for u in self.units for p in u.projects]


@dataclass
class ImportResult:
    table: ParsedTable
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: bool
    written: bool
    kept_actuals: int = 0  # self-evaluation entries carried over to the new edition
    differences: list = field(default_factory=list)  # budget/importing/differences.py, on a dry run of a re-import

    def summary(self) -> str:
        t = self.table
        indicators = sum(len(p.indicators) for p in t.projects)
        state = "无变化" if self.unchanged else f"新增{len(self.added)} 修改{len(self.changed)} 删除{len(self.removed)}"
        if self.kept_actuals:
            state += f",保留自评数据{self.kept_actuals}条"
        return (
            f"{t.filename}: {t.department} {t.year}年 单位{len(t.units)}个 项目{len(t.projects)}个 "
            f"指标{indicators}个 提示{len(t.flags)}条 ({state})"
        )
