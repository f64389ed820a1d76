import csv
import io
import json
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from budget import export_rows, exporter, selectors
from budget.importing.importer import import_table
from budget.models import Project
from tests.conftest import REFERENCE
from tests.ui_helpers import WORKED_EXAMPLE, figure, grow, import_actuals, table_rows

# department, data version, table, its counts (cached), funding per source, unit count, unit choices, page count (when filtered), page,
# chart: largest projects and the rest's sum, indicator mix, years (2), the weakest and their count,
# flags, which projects are self-evaluated, those projects and their indicators (counts, funding, mix and
# the self-evaluated ids come from the cache after the first request), the department-wide targets of the year,
# the latest monitoring month (no monitoring here; tests/test_views_monitoring.py counts it with reports)
QUERIES = 22
NAME = "广州市花都区政务服务和数据管理局"


@pytest.fixture
def url(reference_table):
    return reverse("budget:department", args=[reference_table.department_id, 2021])


def tiles(response):
    text = response.content.decode()
    found = re.findall(
        r'<div class="tile[^"]*"><span class="label">(?:<i[^>]*></i>)?(.*?)</span>'
        r'<span class="value">(.*?)</span><span class="unit">(.*?)</span>',
        text,
    )
    return {label: (value, unit) for label, value, unit in found}


def test_it_shows_the_totals_per_source_and_the_counts(client, url):
    shown = tiles(client.get(url))
    shown.pop("审核得分", None)
    assert shown == {
        "合计": ("2,616.61", "万元"),
        "财政拨款": ("2,616.61", "万元"),
        "财政专户拨款": ("0.00", "万元"),
        "其他资金": ("0.00", "万元"),
        "项目": ("13", "个"),
        "绩效指标": ("63", "个"),
        "有数值目标的指标": ("81.0%", "51 个"),
        "数据质量提示": ("1", "条"),
    }


def test_the_cached_counts_follow_changes_to_the_data(client, url, reference_table, write_file):
    assert tiles(client.get(url))["项目"] == ("13", "个")
    grow(reference_table, projects=2, indicators=1)
    shown = tiles(client.get(url))
    assert shown["项目"] == ("15", "个") and shown["绩效指标"] == ("65", "个")
    # A re-import replaces the rows: the page shows the new table, not the cached figures of the old one.
    smaller = REFERENCE.read_text(encoding="utf-8").replace("区长专线日常经费", "区长专线日常经费(改)")
    import_table(write_file("edited.txt", smaller), filename="edited.txt", year=2021)
    shown = tiles(client.get(url))
    assert shown["项目"] == ("13", "个") and shown["绩效指标"] == ("63", "个")
    assert "区长专线日常经费(改)" in client.get(url).content.decode()


def test_it_shows_the_review_score_when_the_table_has_one(client, url, reference_table, data_changed):
    from budget.models import BudgetTable

    BudgetTable.objects.filter(pk=reference_table.pk).update(review_score=None)
    assert "审核得分" not in tiles(client.get(url))
    BudgetTable.objects.filter(pk=reference_table.pk).update(review_score=Decimal("79.23"))
    data_changed()
    assert tiles(client.get(url))["审核得分"] == ("79.23", "分")


def test_the_project_table_lists_each_project_with_funding_and_indicator_counts(client, url, reference_table):
    rows = table_rows(client.get(url), "projects")
    assert len(rows) == 13
    # One unit: no unit column. name, total, 财政拨款, 财政专户拨款, 其他资金, indicators, numeric targets, review score
    assert ["区长专线日常经费", "1.00", "1.00", "0.00", "0.00", "4", "4", "85.00"] in rows
    assert ["区政府门户网站和政务新媒体运行经费", "92.60", "92.60", "0.00", "0.00", "5", "1", "65.00"] in rows
    project = reference_table.projects.get(name="区长专线日常经费")
    assert (
        f'<a href="{reverse("budget:project", args=[project.pk])}">区长专线日常经费</a>'
        in client.get(url).content.decode()
    )


def test_the_project_table_sorts_by_any_column(client, url):
    assert table_rows(client.get(url + "?sort=-total"), "projects")[0][0] == "新政务中心大楼后勤保障经费"
    assert table_rows(client.get(url + "?sort=total"), "projects")[0][0] == "区长专线日常经费"
    assert table_rows(client.get(url + "?sort=-indicator_count"), "projects")[0][5] == "6"


def test_the_project_table_filters_by_name_and_unit(client, url, reference_table):
    assert [r[0] for r in table_rows(client.get(url + "?name=光纤"), "projects")] == [
        "2018年1月-2019年7月广电电子政务光纤租赁"
    ]
    unit = reference_table.units.get()
    assert len(table_rows(client.get(url + f"?unit={unit.pk}"), "projects")) == 13
    assert "没有符合条件的项目" in client.get(url + "?name=不存在的项目").content.decode()


def test_the_project_table_is_paginated(client, url, reference_table):
    grow(reference_table, projects=30, indicators=2)
    first = client.get(url)
    assert len(table_rows(first, "projects")) == 20
    assert len(table_rows(client.get(url + "?page=3"), "projects")) == 3


def test_the_chart_shows_the_largest_projects_and_sums_the_rest_in_sql(client, url, reference_table):
    grow(reference_table, projects=30, indicators=1)  # 3.00 万元 each, all 财政拨款
    chart = figure(client.get(url), "funding-per-project")
    labels = chart["data"][0]["y"]
    assert len(labels) == 26
    assert labels[-1] == "新政务中心大楼后勤保障经费"
    assert labels[0] == "其余 18 个项目"
    # The same sum the chart made in Python from every project before.
    totals = sorted(Project.objects.filter(table=reference_table).values_list("total", flat=True), reverse=True)
    assert chart["data"][0]["name"] == "财政拨款" and chart["data"][0]["x"][0] == pytest.approx(float(sum(totals[25:])))


def test_a_long_list_of_flags_is_cut_short(client, url, reference_table):
    grow(reference_table, projects=120, indicators=1)  # a flag each
    text = client.get(url).content.decode()
    assert text.count("扩展提示") == 100 - 1  # the table's own flag comes first
    assert "另有 21 条提示未列出,完整列表见 CSV、JSON 下载。" in text


def test_the_unit_column_appears_when_a_table_has_several_units(client, url, reference_table):
    from budget.models import FundingUnit, Project

    unit = FundingUnit.objects.create(table=reference_table, position=2, name="第二个单位")
    Project.objects.filter(table=reference_table, name="区长专线日常经费").update(unit=unit)
    rows = table_rows(client.get(url + "?sort=-total"), "projects")
    assert rows[0][:2] == [NAME, "新政务中心大楼后勤保障经费"]
    assert [r[1] for r in table_rows(client.get(url + f"?unit={unit.pk}"), "projects")] == ["区长专线日常经费"]


def test_it_charts_funding_per_project_largest_on_top(client, url):
    chart = figure(client.get(url), "funding-per-project")
    bars = chart["data"][0]
    assert bars["name"] == "财政拨款" and bars["marker"]["color"] == "#2f6db5"
    assert bars["y"][-1] == "新政务中心大楼后勤保障经费" and bars["x"][-1] == 814.96
    assert bars["x"] == sorted(bars["x"])


def test_it_charts_the_indicator_mix_by_level_1_and_level_2(client, url):
    sunburst = figure(client.get(url), "indicator-mix")["data"][0]
    values = dict(zip(sunburst["ids"], sunburst["values"]))
    assert values["产出指标"] == 43
    assert values["效益指标"] == 8
    assert values["满意度指标"] == 12
    assert values["满意度指标/服务对象满意度"] == 12
    assert sum(v for i, v in values.items() if "/" not in i) == 63


def test_every_chart_has_a_text_alternative(client, url):
    text = client.get(url).content.decode()
    assert 'aria-label="各项目资金由多到少的条形图,按资金来源堆叠;数据见下方项目表。"' in text
    assert 'aria-label="绩效指标按一级、二级指标分类的旭日图;数据见图下的表。"' in text
    assert '<td>产出指标</td><td>数量指标</td><td class="num">26</td>' in text


def test_it_lists_the_tables_flags(client, url):
    text = client.get(url).content.decode()
    assert "项目「基层服务平台示范点建设经费」第3项指标(产出指标/数量指标)没有三级指标名称" in text
    assert "第13行" in text


def test_plotly_comes_from_our_own_static_files(client, url):
    text = client.get(url).content.decode()
    assert '<script src="/static/plotly/plotly.min.js" defer></script>' in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text


def test_an_unknown_year_or_department_is_not_found(client, reference_table):
    assert client.get(reverse("budget:department", args=[reference_table.department_id, 2020])).status_code == 404
    assert client.get(reverse("budget:department", args=[999, 2021])).status_code == 404


# -- downloads: the exporter's documents, for this department and year -------------------


def download(client, reference_table, fmt):
    response = client.get(reverse("budget:download", args=[reference_table.department_id, 2021, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{NAME}-2021.{fmt}")
    return response


def test_the_page_links_every_download(client, url, reference_table):
    text = client.get(url).content.decode()
    for fmt in ("json", "csv", "xlsx", "txt"):
        assert reverse("budget:download", args=[reference_table.department_id, 2021, fmt]) in text
    assert "原表版式 (TXT)" in text


def test_the_json_download_is_the_canonical_export(client, reference_table):
    response = download(client, reference_table, "json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.getvalue()) == exporter.json_document(year=2021, department=NAME)


def test_the_csv_download_has_a_row_per_indicator(client, reference_table):
    response = download(client, reference_table, "csv")
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == export_rows.ROW_HEADER
    assert len(rows) == 1 + 63
    assert rows[1][:4] == [NAME, "2021", NAME, "办证大厅窗口服务经费"]


def test_the_xlsx_download_opens_in_a_spreadsheet(client, reference_table):
    response = download(client, reference_table, "xlsx")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == export_rows.ROW_HEADER
    assert len(rows) == 1 + 63


def test_the_original_layout_download_is_the_table_text(client, reference_table):
    response = download(client, reference_table, "txt")
    table = selectors.tables_for_export(year=2021, department=NAME)[0]
    text = response.getvalue().decode()
    assert text == exporter.table_text(table)
    assert "合计\t2616.61\t2616.61" in text


def test_an_unknown_download_is_not_found(client, reference_table):
    assert client.get(reverse("budget:download", args=[reference_table.department_id, 2021, "pdf"])).status_code == 404
    assert client.get(reverse("budget:download", args=[reference_table.department_id, 2020, "csv"])).status_code == 404


# -- several years --------------------------------------------------------------------


def test_with_several_years_it_shows_funding_per_year_and_projects_added_or_dropped(
    client, reference_table, write_file
):
    text = REFERENCE.read_text(encoding="utf-8").replace("政务大厅便民改造", "政务大厅便民改造二期")
    import_table(write_file("2022.txt", text), filename="2022.txt", year=2022, department=NAME)
    response = client.get(reverse("budget:department", args=[reference_table.department_id, 2022]))
    assert table_rows(response, "history-table") == [
        ["2021", "2,616.61", "13", "0", "0"],
        ["2022", "2,616.61", "13", "1", "1"],
    ]
    assert figure(response, "funding-per-year")["data"][0]["x"] == ["2021", "2022"]


def test_with_one_year_there_is_no_history(client, url):
    assert 'id="history"' not in client.get(url).content.decode()


def test_it_speaks_english_when_chosen(client, url):
    client.get(reverse("budget:language", args=["en"]), {"next": url})
    assert tiles(client.get(url))["Total"] == ("2,616.61", "10k yuan")


@pytest.mark.parametrize("extra", [0, 60])
@pytest.mark.parametrize("evaluated", [False, True])
def test_it_costs_a_fixed_number_of_queries(
    client, url, reference_table, django_assert_max_num_queries, extra, evaluated, tmp_path
):
    if extra:
        grown = grow(reference_table, projects=extra, indicators=8)
        import_table(REFERENCE, filename=REFERENCE.name, year=2022)
        if evaluated:
            Project.objects.filter(pk__in=[p.pk for p in grown]).update(executed=Decimal("2.50"))
            Project.objects.filter(pk__in=[p.pk for p in grown]).update(
                review_findings=[{"code": "vague-target", "severity": "warning", "message": "指标值只说“提升”"}]
            )
    if evaluated:
        import_actuals(tmp_path, WORKED_EXAMPLE)
    with django_assert_max_num_queries(QUERIES):
        assert client.get(url + "?sort=-total&name=经费").status_code == 200


# -- review and self-evaluation ---------------------------------------------------------


def ranked(response):
    """[(review score, project name, [finding texts])] as the review card lists them."""
    text = response.content.decode()
    card = re.search(r'<ol class="ranked">(.*?)</ol>', text, re.S).group(1)
    items = re.findall(r'<span class="score"[^>]*>(.*?)</span>\s*<a href="[^"]*">(.*?)</a></div>(.*?)</ul>', card, re.S)
    return [
        (
            score,
            name,
            [
                re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip()
                for li in re.findall(r"<li>(.*?)</li>", findings, re.S)
            ],
        )
        for score, name, findings in items
    ]


def test_it_ranks_the_projects_by_review_findings_weakest_first(client, url):
    shown = ranked(client.get(url))
    assert shown[:2] == [
        (
            "65.00",
            "窗口工作人员服装费",
            [
                "错误 缺少效益指标",
                "警告 产出指标下缺少数量指标",
                "警告 成本类指标「服装配套覆盖率」的目标值是百分比“100%”,没有给出成本金额",
            ],
        ),
        (
            "65.00",
            "区政府门户网站和政务新媒体运行经费",
            ["错误 缺少满意度指标", "警告 只有1/5项指标(20%)有可量化的目标值,指标未细化量化"],
        ),
    ]
    assert (
        "85.00",
        "基层服务平台示范点建设经费",
        ["错误 第3项指标(产出指标/数量指标)没有名称", "警告 指标「宣传知晓率」是比率,目标值却是“100000人”"],
    ) in shown
    # Errors first, then more findings, then the lower score.
    assert [name for _, name, _ in shown].index("基层服务平台示范点建设经费") < [name for _, name, _ in shown].index(
        "办证大厅窗口服务经费"
    )


def test_the_review_card_names_the_weakest_and_the_project_table_sorts_the_rest(client, url, reference_table):
    grown = grow(reference_table, projects=30, indicators=2)
    Project.objects.filter(pk__in=[p.pk for p in grown]).update(
        review_score=Decimal("40.00"),
        review_findings=[
            {"code": "missing-category", "severity": "error", "message": f"缺少{name}"}
            for name in ("效益指标", "满意度指标")
        ],
    )
    response = client.get(url)
    shown = ranked(response)
    assert len(shown) == 20
    assert {score for score, _, _ in shown} == {"40.00"}
    assert (
        "另有 " in response.content.decode()
        and " 个项目有审核发现,可在项目表中按审核得分排序查看。" in response.content.decode()
    )
    assert table_rows(client.get(url + "?sort=review_score"), "projects")[0][-1] == "40.00"


def test_without_review_findings_there_is_no_review_card(client, url, reference_table):
    Project.objects.filter(table=reference_table).update(review_findings=[])
    assert '<ol class="ranked">' not in client.get(url).content.decode()


def test_without_self_evaluation_data_there_is_no_score_distribution(client, url):
    assert 'id="score-distribution"' not in client.get(url).content.decode()


def test_it_charts_the_distribution_of_self_evaluation_scores_by_grade(client, url, tmp_path):
    import_actuals(tmp_path, WORKED_EXAMPLE + "办证大厅窗口服务经费,工资发放时间,按时发放,,16\n")
    response = client.get(url)
    chart = figure(response, "score-distribution")
    assert [(t["name"], t["x"], t["customdata"]) for t in chart["data"]] == [
        ("优", [92.95], ["区长专线日常经费: 92.95"])
    ]
    assert chart["layout"]["yaxis"]["ticktext"] == ["优 (1)", "良 (0)", "中 (0)", "差 (0)"]
    text = response.content.decode()
    assert 'aria-label="各项目自评得分的散点图,按等级(优、良、中、差)分行,每个点是一个项目;数据见图下的表。"' in text
    # The text alternative names every project, and those whose data is incomplete.
    assert table_rows(response, "score-table") == [
        ["优", "1", "区长专线日常经费 92.95"],
        ["良", "0", ""],
        ["中", "0", ""],
        ["差", "0", ""],
        ["未能计分", "1", "办证大厅窗口服务经费"],
    ]
    assert "1 个项目的自评数据不全(缺少实际完成值、评价得分或全年执行数),未能计分;原因见项目页。" in text
