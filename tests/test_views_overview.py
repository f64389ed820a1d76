import re

import pytest
from django.urls import reverse

from budget.importer import import_table
from tests.conftest import REFERENCE
from tests.ui_helpers import figure, grow, table_rows

QUERIES = 3  # tables with counts, funding per table and source, years


def test_it_lists_each_department_with_its_funding_projects_indicators_and_flags(client, reference_table):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    department_url = reverse("budget:department", args=[reference_table.department_id, 2021])
    assert f'<a href="{department_url}">广州市花都区政务服务和数据管理局</a>' in text
    # department, year, total, 财政拨款, 财政专户拨款, 其他资金, projects, indicators, numeric targets, flags
    assert table_rows(response, "tables") == [["广州市花都区政务服务和数据管理局", "2021", "2,616.61", "2,616.61", "0.00", "0.00",
                     "13", "63", "51", "1"]]


def test_it_charts_funding_by_department_stacked_by_source_in_fixed_colours(client, reference_table):
    chart = figure(client.get("/"), "funding-by-department")
    assert chart["layout"]["barmode"] == "stack"
    # Sources with nothing in them add no bar; 财政拨款 is blue on every page.
    assert [(t["name"], t["marker"]["color"], t["x"]) for t in chart["data"]] == [("财政拨款", "#2f6db5", [2616.61])]
    assert chart["data"][0]["y"] == ["广州市花都区政务服务和数据管理局"]


def test_the_chart_has_a_text_alternative(client, reference_table):
    text = client.get("/").content.decode()
    assert 'role="img" aria-label="各部门资金按资金来源堆叠的条形图;数据见下表。"' in text


def test_it_offers_no_year_selector_for_a_single_year(client, reference_table):
    assert 'class="pills"' not in client.get("/").content.decode()


def test_it_offers_a_year_selector_when_there_are_several_years(client, reference_table):
    import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    text = client.get("/").content.decode()
    assert re.search(r'<a href="\?year=2022"\s*>2022</a>', text)
    assert re.search(r'<a href="\?year=2021"\s*>2021</a>', text)
    # All years by default, labelled with their year in the chart; one year when chosen.
    assert text.count("广州市花都区政务服务和数据管理局</a>") == 2
    chart = figure(client.get("/"), "funding-by-department")
    assert set(chart["data"][0]["y"]) == {"广州市花都区政务服务和数据管理局 2021", "广州市花都区政务服务和数据管理局 2022"}
    chosen = client.get("/?year=2022").content.decode()
    assert chosen.count("广州市花都区政务服务和数据管理局</a>") == 1
    assert reverse("budget:department", args=[reference_table.department_id, 2022]) in chosen


def test_an_unknown_year_shows_all_years(client, reference_table):
    assert "2,616.61" in client.get("/?year=1999").content.decode()
    assert "2,616.61" in client.get("/?year=abc").content.decode()


def test_an_empty_database_says_nothing_was_imported(client, db):
    assert "还没有导入任何绩效目标表。" in client.get("/").content.decode()


def test_it_speaks_english_when_chosen(client, reference_table):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
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
