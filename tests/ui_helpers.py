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
    new = Project.objects.bulk_create([
        Project(table=table, unit=unit, position=start + n, name=f"扩展项目{n:03d}", goal=f"扩展目标{n}",
                total=Decimal("3.00"), source_row=100 + n)
        for n in range(1, projects + 1)
    ])
    sources = list(FundingSource.objects.all())
    ProjectFunding.objects.bulk_create([
        ProjectFunding(project=p, source=s, amount=Decimal("3.00") if i == 0 else Decimal("0"))
        for p in new for i, s in enumerate(sources)
    ])
    level2 = list(Level2Category.objects.all())
    Indicator.objects.bulk_create([
        Indicator(project=p, position=k, seq=k, level2=level2[k % len(level2)], name=f"扩展指标{k}",
                  annual_value=f"{k * 10}{UNITS[k % len(UNITS)]}", comparator="=", target_value=Decimal(k * 10),
                  target_unit=UNITS[k % len(UNITS)])
        if k % 3 else
        Indicator(project=p, position=k, seq=k, level2=level2[k % len(level2)], name=f"扩展指标{k}",
                  annual_value="良好")
        for p in new for k in range(1, indicators + 1)
    ])
    Flag.objects.bulk_create([
        Flag(table=table, project=p, severity="info", code="extra", message=f"扩展提示{p.position}", row=p.source_row)
        for p in new
    ])
    return new


def figure(response, chart_id) -> dict:
    """The plotly figure a page hands to plotly.js through json_script."""
    match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, f"no figure {chart_id}"
    return json.loads(match.group(1))


def table_rows(response, table_id) -> list[list[str]]:
    """The text of each body cell of <table id=table_id>, row by row."""
    text = response.content.decode()
    table = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', text, re.S).group(1)
    body = "".join(re.findall(r"<tbody[^>]*>(.*?)</tbody>", table, re.S))
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
