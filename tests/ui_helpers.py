"""Shared by the page tests: more rows than the reference table has, and reading a page."""

import json
import re
from decimal import Decimal

from budget.models import Flag, FundingSource, Indicator, Level2Category, Project, ProjectFunding

UNITS = ["%", "人", "条", "个节点", ""]


def grow(table, *, projects=30, indicators=8):
    """Add `projects` projects with `indicators` indicators each, funding from every source, and a flag each."""
    unit = table.units.order_by("position").first()
    start = table.projects.order_by("-position").values_list("position", flat=True).first() or 0
    new = Project.objects.bulk_create(
        [
            Project(
                table=table,
                unit=unit,
                position=start + n,
                name=f"扩展项目{n:03d}",
                goal=f"扩展目标{n}",
                total=Decimal("3.00"),
                source_row=100 + n,
            )
            for n in range(1, projects + 1)
        ]
    )
    sources = list(FundingSource.objects.all())
    ProjectFunding.objects.bulk_create(
        [
            ProjectFunding(project=p, source=s, amount=Decimal("3.00") if i == 0 else Decimal("0"))
            for p in new
            for i, s in enumerate(sources)
        ]
    )
    level2 = list(Level2Category.objects.all())
    Indicator.objects.bulk_create(
        [
            Indicator(
                project=p,
                position=k,
                seq=k,
                level2=level2[k % len(level2)],
                name=f"扩展指标{k}",
                annual_value=f"{k * 10}{UNITS[k % len(UNITS)]}",
                comparator="=",
                target_value=Decimal(k * 10),
                target_unit=UNITS[k % len(UNITS)],
            )
            if k % 3
            else Indicator(
                project=p, position=k, seq=k, level2=level2[k % len(level2)], name=f"扩展指标{k}", annual_value="良好"
            )
            for p in new
            for k in range(1, indicators + 1)
        ]
    )
    Flag.objects.bulk_create(
        [
            Flag(
                table=table, project=p, severity="info", code="extra", message=f"扩展提示{p.position}", row=p.source_row
            )
            for p in new
        ]
    )
    return new


def figure(response, chart_id) -> dict:
    """The plotly figure a page hands to plotly.js through json_script."""
    match = re.search(
        rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, f"no figure {chart_id}"
    return json.loads(match.group(1))


def table_rows(response, table_id) -> list[list[str]]:
    """The text of each body cell of <table id=table_id>, row by row."""
    text = response.content.decode()
    table = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', text, re.S).group(1)
    body = "".join(re.findall(r"<tbody[^>]*>(.*?)</tbody>", table, re.S))
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


DEPARTMENT = "广州市花都区政务服务和数据管理局"
ACTUALS_HEADER = "项目名称,三级指标,实际完成值,偏差原因,得分\n"
# The worked example of issue 7: 25.00 + 18.75 + 29.70 + 10.00 + 9.50 = 92.95, 优.
WORKED_EXAMPLE = (
    "区长专线日常经费,12345热线工单办结量,130000宗,,\n"
    "区长专线日常经费,疑难工单现场协调量,15次,,\n"
    "区长专线日常经费,12345工单办结率,98%,,\n"
    "区长专线日常经费,12345热线满意度,80%,,\n"
    "区长专线日常经费,全年执行数,0.95,,\n"
)


def import_actuals(tmp_path, rows: str, *, year=2021, department=DEPARTMENT, name="actuals.csv"):
    """Import self-evaluation rows (without the header) as `manage.py import_actuals` would."""
    from budget.importing.actuals import import_actuals as run

    path = tmp_path / name
    path.write_text(ACTUALS_HEADER + rows, encoding="utf-8")
    return run(path, filename=name, year=year, department=department)


# Issue 5: text from a table that a browser must show as text, never run or draw as markup.
HOSTILE_DEPARTMENT = "恶意部门<svg onload=alert(5)>"
HOSTILE_PROJECT = "<img src=x onerror=alert(1)>恶意项目"
HOSTILE_GOAL = "<script>alert(2)</script>"
HOSTILE_INDICATOR = "<b onmouseover=alert(3)>x</b>"


def import_hostile_table(tmp_path, *, year=2021):
    """The reference table under a hostile department name, with 区长专线日常经费 renamed and rewritten
    to hold HTML and script, and its worked-example actuals imported so that every chart has it."""
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    text = REFERENCE.read_text(encoding="utf-8").replace(DEPARTMENT, HOSTILE_DEPARTMENT)
    text = text.replace("区长专线日常经费", HOSTILE_PROJECT).replace("疑难工单现场协调量", HOSTILE_INDICATOR)
    text = text.replace("绩效目标-完成12345热线事项的按期办结", HOSTILE_GOAL)
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    result = import_table(path, filename=path.name, year=year)
    import_actuals(
        tmp_path,
        WORKED_EXAMPLE.replace("区长专线日常经费", f'"{HOSTILE_PROJECT}"').replace(
            "疑难工单现场协调量", f'"{HOSTILE_INDICATOR}"'
        ),
        year=year,
        department=HOSTILE_DEPARTMENT,
        name="hostile.csv",
    )
    return result


def evaluate_all(table, shares=(1.1, 0.97, 0.9, 0.82, 0.7, 0.5)):
    """Give every project of the table actuals and an executed amount, each project reaching a
    different share of its targets, so that its scores spread over the grades."""
    from budget.evaluation import scoring

    projects = list(table.projects.order_by("position").prefetch_related("indicators__level2__level1"))
    indicators = []
    for n, project in enumerate(projects):
        share = Decimal(str(shares[n % len(shares)]))
        for scored in scoring.score_project(project).indicators:
            i = scored.indicator
            if i.target_value is not None:
                i.actual_value = f"{(i.target_value * share).quantize(Decimal('0.1')).normalize():f}{i.target_unit}"
            else:
                i.actual_points = ((scored.max_points or 0) * min(share, Decimal(1))).quantize(Decimal("0.01"))
            if share < 1:
                i.deviation_reason = "进度滞后" if n % 2 else ""
            indicators.append(i)
        project.executed = (project.total * min(share, Decimal(1))).quantize(Decimal("0.01"))
    Indicator.objects.bulk_update(indicators, ["actual_value", "actual_points", "deviation_reason"])
    Project.objects.bulk_update(projects, ["executed"])
