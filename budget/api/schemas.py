"""The shapes the API answers with, from which its OpenAPI document is written. Amounts are strings holding
exact decimals, as in the export (budget-performance-targets/1)."""

from ninja import Schema
from pydantic import ConfigDict


class Problem(Schema):
    """An error as RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str


class Open(Schema):
    # The export may gain keys (export-format.md: consumers ignore keys they do not know).
    model_config = ConfigDict(extra="allow")


class Funding(Open):
    total: str | None
    by_source: dict[str, str | None]


class Target(Open):
    comparator: str
    value: str
    unit: str


class Indicator(Open):
    seq: int
    level1: str
    level2: str
    level2_code: str | None
    name: str
    library_code: str | None
    period_value: str | None
    annual_value: str | None
    target: Target | None
    weight: str | None


class Project(Open):
    name: str
    code: str | None
    source_row: int | None
    funding: Funding
    goal: str
    indicators: list[Indicator]
    unparsed_indicator_text: str | None


class Unit(Open):
    name: str
    code: str | None
    funding: Funding
    projects: list[Project]


class Source(Open):
    filename: str
    sha256: str
    imported_at: str | None


class Flag(Open):
    severity: str
    code: str
    row: int | None
    project: str | None
    message: str


class TableDocument(Open):
    """One element of the canonical export's `tables`."""

    department: str
    department_code: str | None
    year: int
    title: str
    amount_unit: str
    layout: str
    source: Source
    funding: Funding
    units: list[Unit]
    flags: list[Flag]


class Ref(Schema):
    id: int
    name: str


class DepartmentRef(Ref):
    code: str | None


class TableLinks(Schema):
    self: str
    page: str
    export: str


class TableSummary(Schema):
    id: int
    department: DepartmentRef
    year: int
    kind: str
    title: str
    total: str
    by_source: dict[str, str]
    project_count: int
    indicator_count: int
    review_score: str | None
    status: str | None
    links: TableLinks


class Page(Schema):
    count: int
    next: str | None
    previous: str | None


class TablePage(Page):
    results: list[TableSummary]


class ProjectContext(Schema):
    id: int
    table: int
    department: DepartmentRef
    year: int
    unit: Ref
    links: dict[str, str]


class ProjectDocument(Project):
    """A project as in the export, with where it belongs."""

    context: ProjectContext


class IndicatorRow(Schema):
    id: int
    department: Ref
    year: int
    table: int
    project: Ref
    level1: str
    level2: str
    name: str
    period_value: str | None
    annual_value: str | None
    target: Target | None
    weight: str | None
    links: dict[str, str]


class IndicatorPage(Page):
    results: list[IndicatorRow]


class DepartmentRow(Schema):
    id: int
    name: str
    code: str | None
    years: list[int]
    links: dict[str, str]


class DepartmentPage(Page):
    results: list[DepartmentRow]
