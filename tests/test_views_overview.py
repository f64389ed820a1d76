import re
from decimal import Decimal

import pytest
from django.urls import reverse

from budget.importing.importer import import_table
from budget.models import BudgetTable, Department
from tests.conftest import REFERENCE
from tests.ui_helpers import figure, grow, table_rows

QUERIES = 7  # years, the year's count and sum, funding sources, data version; on a cache miss a page of tables
# with counts and sums, the largest tables, and the page's latest monitoring months


def test_it_lists_each_department_with_its_funding_projects_indicators_and_flags(client, reference_table):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    department_url = reverse("budget:department", args=[reference_table.department_id, 2021])
    assert f'<a href="{department_url}">广州市花都区政务服务和数据管理局</a>' in text
    # department, year, total, 财政拨款, 财政专户拨款, 其他资金, projects, indicators, numeric targets, flags, monitoring
    assert table_rows(response, "tables") == [["广州市花都区政务服务和数据管理局", "2021", "2,616.61", "2,616.61", "0.00", "0.00",
                     "13", "63", "51", "1", "—"]]


def test_it_charts_funding_by_department_stacked_by_source_in_fixed_colours(client, reference_table):
    chart = figure(client.get("/"), "funding-by-department")
    assert chart["layout"]["barmode"] == "stack"
    # Sources with nothing in them add no bar; 财政拨款 is blue on every page.
    assert [(t["name"], t["marker"]["color"], t["x"]) for t in chart["data"]] == [("财政拨款", "#2f6db5", [2616.61])]
    assert chart["data"][0]["y"] == ["广州市花都区政务服务和数据管理局"]


def test_the_chart_has_a_text_alternative(client, reference_table):
    text = client.get("/").content.decode()
    assert 'role="figure" aria-label="各部门资金按资金来源堆叠的条形图;数据见下表。"' in text


def test_it_offers_no_year_selector_for_a_single_year(client, reference_table):
    assert 'class="pills"' not in client.get("/").content.decode()


def test_it_shows_the_latest_year_and_offers_the_others(client, reference_table):
    import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    text = client.get("/").content.decode()
    assert re.search(r'<a href="\?"\s*aria-current="page">各部门最新年度</a>', text)
    assert re.search(r'<a href="\?year=2022"\s*>2022</a>', text)
    assert re.search(r'<a href="\?year=2021"\s*>2021</a>', text)
    assert "全部年度" not in text
    # The latest year by default, the other when chosen.
    assert text.count("广州市花都区政务服务和数据管理局</a>") == 1
    assert reverse("budget:department", args=[reference_table.department_id, 2022]) in text
    chart = figure(client.get("/"), "funding-by-department")
    assert chart["data"][0]["y"] == ["广州市花都区政务服务和数据管理局"]
    chosen = client.get("/?year=2021").content.decode()
    assert chosen.count("广州市花都区政务服务和数据管理局</a>") == 1
    assert reverse("budget:department", args=[reference_table.department_id, 2021]) in chosen


def test_an_unknown_year_shows_the_latest(client, reference_table):
    assert "2,616.61" in client.get("/?year=1999").content.decode()
    assert "2,616.61" in client.get("/?year=abc").content.decode()


def _departments(count):
    """`count` more departments with a table each in 2021, totals 1, 2, … 万元."""
    tables = []
    for n in range(1, count + 1):
        department = Department.objects.create(name=f"测试部门{n:03d}")
        tables.append(BudgetTable(department=department, year=2021, total=Decimal(n)))
    BudgetTable.objects.bulk_create(tables)


def test_the_department_list_is_paginated(client, reference_table):
    _departments(60)
    first = client.get("/")
    assert len(table_rows(first, "tables")) == 50
    text = first.content.decode()
    assert "第 1 / 2 页,共 61 个部门" in text and 'href="?page=2"' in text
    assert len(table_rows(client.get("/?year=2021&page=2"), "tables")) == 11
    # A page past the end shows the last.
    assert len(table_rows(client.get("/?page=99"), "tables")) == 11


def test_the_chart_shows_the_largest_departments_and_sums_the_rest(client, reference_table):
    _departments(40)
    response = client.get("/")
    chart = figure(response, "funding-by-department")
    labels = chart["layout"]["yaxis"]["tickvals"]
    assert len(labels) == 31
    assert labels[0] == "其余 11 个部门"
    assert labels[-1] == "广州市花都区政务服务和数据管理局"  # the largest on top
    rest = next(t for t in chart["data"] if t["name"] == "其余部门合计")
    assert rest["x"][0] == sum(range(1, 12)) and rest["marker"]["color"] == "#b8c2cc"
    assert "图中列出资金最多的部门,其余 11 个部门合为一条。" in response.content.decode()


def test_an_empty_database_says_nothing_was_imported(client, db):
    assert "还没有导入任何绩效目标表。" in client.get("/").content.decode()


def test_it_speaks_english_when_chosen(client, reference_table):
    response = client.get(reverse("budget:language", args=["en"]), {"next": "/"}, follow=True)
    text = response.content.decode()
    assert "Project expenditure performance targets by department" in text
    assert '<html lang="en">' in text
    assert "2,616.61" in text


@pytest.mark.parametrize("extra", [0, 60])
def test_it_costs_a_fixed_number_of_queries(client, reference_table, django_assert_max_num_queries, extra):
    if extra:
        grow(reference_table, projects=extra, indicators=8)
        import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    with django_assert_max_num_queries(QUERIES):
        assert client.get("/").status_code == 200


def test_a_department_without_the_newest_year_is_shown_with_its_latest(client, reference_table):
    """Not a silent cut: a department that has not yet published 2022 is listed with its 2021 table."""
    other = Department.objects.create(name="尚未公开2022的部门")
    BudgetTable.objects.create(department=other, year=2021, total=Decimal("5.00"))
    import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    rows = table_rows(client.get("/"), "tables")
    assert [(r[0], r[1], r[2]) for r in rows] == [("广州市花都区政务服务和数据管理局", "2022", "2,616.61"),
                                                  ("尚未公开2022的部门", "2021", "5.00")]
    assert [r[0] for r in table_rows(client.get("/?year=2022"), "tables")] == ["广州市花都区政务服务和数据管理局"]


def test_the_department_list_sorts_by_a_column_and_keeps_the_sort_across_pages(client, reference_table):
    _departments(60)
    smallest = client.get("/?sort=total")
    assert [(r[0], r[2]) for r in table_rows(smallest, "tables")[:3]] == [
        ("测试部门001", "1.00"), ("测试部门002", "2.00"), ("测试部门003", "3.00")]
    assert 'href="?sort=total&amp;page=2"' in smallest.content.decode()
    largest = table_rows(client.get("/?sort=-total"), "tables")
    assert [(r[0], r[2]) for r in largest[:2]] == [("广州市花都区政务服务和数据管理局", "2,616.61"),
                                                   ("测试部门060", "60.00")]
    assert [r[0] for r in table_rows(client.get("/?sort=total&page=2"), "tables")] == [
        f"测试部门{n:03d}" for n in range(51, 61)] + ["广州市花都区政务服务和数据管理局"]
    # Sorting by the year's indicator counts would read every indicator of the year: not offered, and ignored.
    assert table_rows(client.get("/?sort=indicator_count"), "tables")[0][0] == "广州市花都区政务服务和数据管理局"
    assert 'href="?sort=indicator_count' not in smallest.content.decode()


@pytest.mark.parametrize(("asked", "rows"), [("5", 5), ("0", 1), ("-3", 1), ("1000", 100), ("many", 50)])
def test_the_rows_per_page_are_held_to_the_pages_bounds(client, reference_table, asked, rows):
    _departments(110)
    assert len(table_rows(client.get(f"/?per_page={asked}"), "tables")) == rows
