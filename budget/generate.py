"""Realistic performance-target tables of any size, and whole databases of them.

For benchmarks and tests: the same seed always gives the same bytes (random.Random seeded with
a string, which does not depend on PYTHONHASHSEED). Every table reconciles — each row's 总计 is
the sum of its sources, each unit row the sum of its projects, 合计 the sum of the units — so an
import of it measures the importer's work, not its error path.

The variety is what shared/spec/table-layouts.md and the reference table show: several units per
department (the first often the department itself), a missing level-3 name, library codes
(`22135476-目标群体满意度(%)`), `。` before 年度指标值, values holding `;` and `(…)`, percents,
≥/不低于/不超过/以上/以内, bare numbers, qualitative values, only one of the two values,
full-width punctuation, prose that follows no grammar, note rows; and for one row per indicator:
code prefixes, amounts in 元, vertical merges, 指标性质/度量单位/权重/指标方向性 columns with their
synonyms, `1` meaning 100%. The words it draws from are in budget/generate_words.py.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import date

from budget.generate_words import (
    BUREAUS,
    CATALOG,
    CATEGORY_WEIGHTS,
    CITIES,
    DISTRICTS,
    GOALS,
    INDICATORS_PER_PROJECT,
    NOTES,
    PROSE,
    SOURCES,
    SUFFIXES,
    TOPICS,
    TOWNS,
    UNIT_KINDS,
)


@dataclass
class GenIndicator:
    level1_code: str
    level1: str
    level2_code: str
    level2: str
    name: str  # "" when the source leaves the level-3 name out
    library_code: str
    period: str | None  # the layout-1 texts: 实施周期指标值, 年度指标值
    annual: str | None
    value: str  # the layout-2 columns: 指标值, 度量单位, 指标性质, 权重, 指标方向性
    measure: str
    nature: str
    weight: int
    direction: str


@dataclass
class GenProject:
    name: str
    code: str
    goal: str
    amounts: list[int]  # per source, in 0.01 万元 (100 元)
    indicators: list[GenIndicator]
    prose: str = ""  # indicator text that follows no grammar; then there are no indicators

    @property
    def total(self) -> int:
        return sum(self.amounts)


@dataclass
class GenUnit:
    name: str
    code: str
    projects: list[GenProject] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.projects)


@dataclass
class GenTable:
    department: str
    department_code: str
    year: int
    layout: str
    units: list[GenUnit]
    notes: list[str]
    full_width: set[int]  # positions of projects whose indicator cell uses full-width punctuation

    @property
    def projects(self) -> list[GenProject]:
        return [p for u in self.units for p in u.projects]

    def expected(self) -> dict:
        """What an import of this table must give: counts a test can compare exactly."""
        indicators = [i for p in self.projects for i in p.indicators]
        return {
            "units": len(self.units),
            "projects": len(self.projects),
            "indicators": len(indicators),
            "nameless": sum(not i.name for i in indicators),
            "library_codes": sum(bool(i.library_code) for i in indicators),
            "unparsed": sum(bool(p.prose) for p in self.projects),
            "notes": len(self.notes),
            "excel_dates": sum(i.measure == "日期" for i in indicators) if self.layout == "indicator-per-row" else 0,
            "total_cents": sum(u.total for u in self.units),
        }


def department_name(index: int) -> str:
    """The index-th department of an imaginary country: distinct for the first 18,240 indices."""
    bureau = BUREAUS[index % len(BUREAUS)]
    region = index // len(BUREAUS)
    return CITIES[(region // len(DISTRICTS)) % len(CITIES)] + DISTRICTS[region % len(DISTRICTS)] + bureau


def table(
    *,
    projects: int = 20,
    seed: int | str = 0,
    year: int = 2024,
    layout: str = "project-per-row",
    department: str | None = None,
    units: int | None = None,
) -> GenTable:
    """One department's table with `projects` projects."""
    rng = random.Random(f"table:{seed}")
    department = department or department_name(rng.randrange(len(BUREAUS) * len(DISTRICTS) * len(CITIES)))
    region = department[: department.index("区") + 1] if "区" in department else department[:3]
    if units is None:
        units = max(1, min(projects, round(projects / rng.uniform(8, 25))))
    unit_list = []
    for i in range(units):
        if i == 0 and rng.random() < 0.6:
            name = department  # as in the reference table: the bureau funds its own projects
        else:
            # Distinct (town, kind) pairs for the first 240 units, then numbered.
            kind = UNIT_KINDS[(i // len(TOWNS) + 7 * (i % len(TOWNS))) % len(UNIT_KINDS)]
            name = f"{region}{TOWNS[i % len(TOWNS)]}{kind}"
            if i >= len(TOWNS) * len(UNIT_KINDS):
                name += f"({i})"
        code = f"{rng.randrange(100000, 999999)}" if layout == "indicator-per-row" else ""
        unit_list.append(GenUnit(name, code))
    for i in range(projects):
        # Units hold unequal numbers of projects, and each holds at least one.
        unit = unit_list[i] if i < units else unit_list[min(units - 1, int(rng.random() ** 1.5 * units))]
        unit.projects.append(_project(rng, year, layout))
    notes = [rng.choice(NOTES)] if layout == "project-per-row" and rng.random() < 0.5 else []
    count = sum(len(u.projects) for u in unit_list)
    full_width = {i for i in range(count) if rng.random() < 0.03}
    code = f"{rng.randrange(100000, 999999)}" if layout == "indicator-per-row" else ""
    return GenTable(department, code, year, layout, unit_list, notes, full_width)


def _project(rng: random.Random, year: int, layout: str) -> GenProject:
    topic = rng.choice(TOPICS)
    name = topic + rng.choice(SUFFIXES)
    if rng.random() < 0.03:
        name = f"{year - 1}年1月-{year}年6月{name}"
    code = f"{rng.randrange(10**11, 10**12)}" if layout == "indicator-per-row" and rng.random() < 0.3 else ""
    goal = rng.choice(GOALS).format(topic=topic, n=rng.randrange(100, 50000), p=rng.choice([80, 85, 90, 95]))
    total = max(1, round(10 ** rng.uniform(0, 3.7) * 100))
    if rng.random() < 0.85:
        amounts = [total, 0, 0]
    else:
        own = rng.randrange(0, total + 1)
        amounts = [own, 0, total - own] if rng.random() < 0.6 else [own, total - own, 0]
    if rng.random() < 0.005 and layout == "project-per-row":
        return GenProject(name, code, goal, amounts, [], prose=rng.choice(PROSE))
    count = rng.choices(*INDICATORS_PER_PROJECT)[0]
    keys = sorted(rng.choices(list(CATALOG), weights=CATEGORY_WEIGHTS, k=count))
    used: set[str] = set()
    return GenProject(name, code, goal, amounts, [_indicator(rng, key, year, used) for key in keys])


def _indicator(rng: random.Random, key, year: int, used: set[str]) -> GenIndicator:
    l1code, l1, l2code, l2 = key
    # A project rarely repeats an indicator; a category with few of them may have to.
    fresh = [spec for spec in CATALOG[key] if spec[0] not in used]
    spec = rng.choice(fresh or CATALOG[key])
    name = spec[0]
    used.add(name)
    weight = rng.choice([5, 10, 10, 15, 20])
    if len(spec) == 2:  # qualitative
        text = rng.choice(spec[1]).format(year=year)
        period = annual = text
        value, measure, nature, direction = text, "", "定性", ""
        if name == "项目完成时间" and rng.random() < 0.3:
            # One row per indicator: a date typed into Excel arrives as its serial number (44,561 = 2021-12-31).
            value, measure, nature = f"{(date(year, 12, 31) - date(1899, 12, 30)).days:,}", "日期", "="
    else:
        _, unit, low, high, sense = spec
        number = _number(rng, low, high, unit)
        comparator = {"+": ">=", "-": "<=", "=": "="}[sense] if rng.random() < 0.8 else "="
        annual = _written(rng, name, number, unit, comparator)
        period = annual if rng.random() < 0.8 else _written(rng, name, _number(rng, low, high, unit), unit, comparator)
        value, measure = number, unit
        nature = {">=": "≥", "<=": "≤", "=": "="}[comparator] if rng.random() < 0.85 else "定量"
        direction = {"+": "正向", "-": "反向", "=": ""}[sense]
        if unit == "%" and number == "100" and rng.random() < 0.3:
            value = "1"  # finance templates write 100% as the fraction 1
    if rng.random() < 0.01:
        annual = period = "每年出具全面监测报告(12份);安全监测报告(4份);评估报告(1份)"
    roll = rng.random()
    if roll < 0.04:
        period = None
    elif roll < 0.06:
        annual = None
    library_code = str(rng.randrange(10**7, 10**8)) if rng.random() < 0.05 else ""
    if rng.random() < 0.02:
        name = library_code = ""
    return GenIndicator(
        l1code, l1, l2code, l2, name, library_code, period, annual, value, measure, nature, weight, direction
    )


def _number(rng: random.Random, low: int, high: int, unit: str) -> str:
    if unit == "%" and rng.random() < 0.15:
        return f"{rng.uniform(low, min(high, 99.9)):.1f}"
    return str(rng.randint(low, high))


def _written(rng: random.Random, name: str, number: str, unit: str, comparator: str) -> str:
    """A target as finance staff write it: the same fact in many words."""
    if comparator == ">=":
        forms = ["≥{n}{u}", "不低于{n}{u}", "不少于{n}{u}", "{n}{u}以上", "达{n}{u}以上", ">={n}{u}"]
        if "满意" in name:
            forms += ["满意度≥{n}{u}", "满意度达到{n}{u}以上"]
    elif comparator == "<=":
        forms = ["≤{n}{u}", "不超过{n}{u}", "{n}{u}以内", "不高于{n}{u}"]
    else:
        forms = ["{n}{u}", "{n}{u}", "{name}{n}{u}"] + (["{n}"] if unit != "%" else [])
    return rng.choice(forms).format(n=number, u=unit, name=name.split("(")[0])


# -- rendering ----------------------------------------------------------------------------------


def amount(cents: int, factor: int = 1) -> str:
    """0.01 万元 → "2,616.61"; with factor 10000 the same amount in 元."""
    value = cents * factor
    return f"{value // 100:,}.{value % 100:02d}"


def lines(gen: GenTable):
    """The table as lines of tab-separated text, like a PDF extraction (no line ends)."""
    if gen.layout == "project-per-row":
        yield from _project_rows(gen)
    else:
        yield from _indicator_rows(gen)


def write(gen: GenTable, out) -> None:
    """Write the table as UTF-8 TSV to a binary file."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    for line in lines(gen):
        text.write(line + "\n")
    text.detach()


def text(gen: GenTable) -> str:
    return "".join(line + "\n" for line in lines(gen))


def _source_cells(rng: random.Random, amounts: list[int]) -> list[str]:
    # Nothing is written blank, "-", "0" or "0.00": all mean no money from that source.
    return [amount(a) if a else rng.choice(["", "", "", "-", "0", "0.00"]) for a in amounts]


def _project_rows(gen: GenTable):
    rng = random.Random(f"render:{gen.department}:{gen.year}")
    yield f"{gen.year}年项目支出绩效目标表(含转移支付项目)"
    yield ""
    yield f"部门名称: {gen.department}"
    yield "单位: 万元"
    yield "\t".join(["项目名称(资金使用单位)", "总计", *SOURCES, "绩效目标", "绩效指标"])
    units_sums = [sum(p.amounts[i] for u in gen.units for p in u.projects) for i in range(3)]
    yield "\t".join(["合计", amount(sum(units_sums)), *_source_cells(rng, units_sums), "", ""])
    position = 0
    for unit in gen.units:
        sums = [sum(p.amounts[i] for p in unit.projects) for i in range(3)]
        yield "\t".join([unit.name, amount(unit.total), *_source_cells(rng, sums), "", ""])
        for project in unit.projects:
            cell = project.prose or _indicator_cell(rng, project.indicators)
            if position in gen.full_width:
                cell = cell.translate(FULL_WIDTH)
            position += 1
            amounts = _source_cells(rng, project.amounts)
            yield "\t".join([project.name, amount(project.total), *amounts, project.goal, cell])
    yield from gen.notes


FULL_WIDTH = str.maketrans({":": "：", ";": "；", "(": "（", ")": "）", "%": "％"})


def _indicator_cell(rng: random.Random, indicators: list[GenIndicator]) -> str:
    items = []
    for seq, ind in enumerate(indicators, start=1):
        name = f"{ind.library_code}-{ind.name}" if ind.library_code and ind.name else ind.name
        head = f"{seq}.{ind.level1_code}-{ind.level1}:{ind.level2_code}-{ind.level2}:" + (f"{name};" if name else "")
        parts = []
        if ind.period is not None:
            parts.append(f"实施周期指标值:{ind.period}")
        if ind.annual is not None:
            parts.append(f"年度指标值:{ind.annual}")
        # The reference table closes 实施周期指标值 with "。" now and then, not only with ";".
        items.append(head + ("。" if rng.random() < 0.1 else ";").join(parts) + "。")
    return "".join(items)


def _indicator_rows(gen: GenTable):
    rng = random.Random(f"render:{gen.department}:{gen.year}")
    value_col, measure_col = rng.choice(["指标值", "目标值"]), rng.choice(["度量单位", "计量单位"])
    direction_col = rng.choice(["指标方向性", "指标方向"])
    yield f"部门预算项目绩效目标申报表({gen.year}年度)"
    named = rng.random() < 0.5
    if named:
        yield f"部门名称:{gen.department}"
    yield "金额单位:元"
    yield "\t".join(
        [
            "单位名称",
            "项目名称",
            "预算数",
            "年度目标",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            value_col,
            measure_col,
            "权重",
            direction_col,
        ]
    )
    total = sum(u.total for u in gen.units)
    # Without a 部门名称 line, the first total row names the department.
    label = "合计" if named and rng.random() < 0.5 else f"{gen.department_code}-{gen.department}"
    yield "\t".join([label, "", amount(total, 10000)])
    for unit in gen.units:
        unit_label = f"{unit.code}-{unit.name}"
        yield "\t".join([unit_label, "", amount(unit.total, 10000)])
        for project in unit.projects:
            name = f"{project.code}-{project.name}" if project.code else project.name
            first = [unit_label, name, amount(project.total, 10000), project.goal]
            level1 = level2 = None
            for ind in project.indicators:
                # Vertical merges: a category stands only on its first row.
                cells = [
                    ind.level1 if ind.level1 != level1 else "",
                    ind.level2 if ind.level2 != level2 else "",
                    _decorated(rng, (f"{ind.library_code}-" if ind.library_code and ind.name else "") + ind.name),
                    ind.nature,
                    ind.value,
                    ind.measure,
                    str(ind.weight),
                    ind.direction,
                ]
                level1, level2 = ind.level1, ind.level2
                yield "\t".join((first or ["", "", "", ""]) + cells)
                first = None
                if rng.random() < 0.01:
                    yield "\t" * 11  # an empty placeholder row left by the template


def _decorated(rng: random.Random, name: str) -> str:
    """Marks that templates and clerks leave on names: ★, 指标1:, template residue."""
    roll = rng.random()
    if not name or roll > 0.04:
        return name
    return "★" + name if roll < 0.02 else f"指标{rng.randint(1, 9)}:{name}" if roll < 0.03 else name + "( ≥**个 )"


# -- whole databases ----------------------------------------------------------------------------


def database_tables(*, departments: int, years=(2022, 2023, 2024), seed: int | str = 0):
    """(filename, GenTable) for every department and year: about 30 projects and 180 indicators each,
    one department in five exporting one row per indicator."""
    for d in range(departments):
        rng = random.Random(f"department:{seed}:{d}")
        size = rng.randint(12, 48)
        layout = "indicator-per-row" if rng.random() < 0.2 else "project-per-row"
        name = department_name(d)
        for year in years:
            projects = max(1, size + rng.randint(-3, 3))
            yield (
                f"{name}-{year}.txt",
                table(projects=projects, seed=f"{seed}:{d}:{year}", year=year, department=name, layout=layout),
            )


# The source file name of every generated table: populate() writes over a department only when all it holds
# is generated, so that a real department that happens to bear a generated name is never touched.
GENERATED = "generate_tables:"


class RealDepartment(Exception):
    pass


def refuse_real_departments(names: list[str]) -> None:
    from budget.models import BudgetTable, ImportLog

    # A table entered in the admin has no import record; an imported one may have been deleted since.
    real = set(
        ImportLog.objects.filter(department__name__in=names)
        .exclude(filename__startswith=GENERATED)
        .values_list("department__name", flat=True)
    )
    real.update(
        BudgetTable.objects.filter(department__name__in=names)
        .exclude(source_filename__startswith=GENERATED)
        .values_list("department__name", flat=True)
    )
    real = sorted(real)
    if real:
        raise RealDepartment(
            f"数据库中已有导入的真实数据,生成的数据不会覆盖它们:{'、'.join(real[:10])}"
            + (f" 等 {len(real)} 个部门" if len(real) > 10 else "")
            + "。请改用空的数据库。"
        )


def populate(
    *, departments: int = 2000, years=(2022, 2023, 2024), seed: int | str = 0, batch: int = 50, progress=None
) -> int:
    """Import generated tables through the importer's own parser and writer; returns how many.

    Several tables share a transaction: one commit per table would be most of the time.
    """
    from django.db import transaction

    from budget.importing import writer
    from budget.importing.importer import parse_table

    refuse_real_departments([department_name(d) for d in range(departments)])
    done = 0
    tables = database_tables(departments=departments, years=years, seed=seed)
    while True:
        chunk = [item for _, item in zip(range(batch), tables)]
        if not chunk:
            return done
        with transaction.atomic():
            for filename, gen in chunk:
                writer.write(parse_table(io.BytesIO(text(gen).encode()), filename=GENERATED + filename))
        done += len(chunk)
        if progress:
            progress(done)
