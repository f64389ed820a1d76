import csv
import importlib
import io
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse

from budget import explorer_queries
from budget.importing.importer import import_table
from budget.models import Department, Indicator, Level1Category
from budget.tables import IndicatorTable
from tests.conftest import REFERENCE
from tests.ui_helpers import grow, table_rows

# choices: departments, years, level 1, level 2, data version and units (cached); count up to a cap (in its
# own transaction: begin, planner settings, count, commit); page
QUERIES = 13  # with the data version the page cache is keyed on, and per year on the page its common indicators (peers)
URL = reverse("budget:explorer")
trigram = importlib.import_module("budget.migrations.0005_trigram")


def count(client, query=""):
    text = client.get(URL + query).content.decode()
    return int(re.search(r"共 (\d+) 个指标", text).group(1))


def test_it_lists_every_indicator_paginated(client, reference_table):
    assert count(client) == 63
    response = client.get(URL)
    assert len(table_rows(response, "indicators")) == 50
    assert len(table_rows(client.get(URL + "?page=2"), "indicators")) == 13


def test_each_row_names_department_year_project_categories_value_and_target(client, reference_table):
    rows = table_rows(client.get(URL + "?q=12345热线满意度"), "indicators")
    assert rows == [
        [
            "广州市花都区政务服务和数据管理局",
            "2021",
            "区长专线日常经费",
            "满意度指标",
            "服务对象满意度",
            "12345热线满意度",
            "满意度≥75%",
            "满意度≥75%",
            "≥75%",
            "—",
        ]
    ]  # no other department: no peers


@pytest.mark.parametrize(
    "query, expected",
    [
        ("满意度", 12),  # the 12 satisfaction indicators; not the others of projects whose goal says 提高群众满意度
        ("群众满意度", 0),  # only in goals
        (
            "光纤",
            4,
        ),  # the fibre project's indicators that name 光纤: 节点数量, 稳定运行数量, 新增节点完成时间, 覆盖面积
        ("12345 满意度", 1),  # every word must occur
        ("１２３４５热线", 2),  # full-width digits read as the table's NFKC text: 热线工单办结量, 热线满意度
        ("良好", 4),  # values
        ("SLA", 0),
    ],
)
def test_the_search_finds_words_in_indicator_names_and_values(client, reference_table, query, expected):
    assert count(client, f"?q={query}") == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("满意度", 18),  # and the 6 other indicators of two projects whose goal says 提高群众满意度
        ("群众满意度", 8),  # only in goals
        ("光纤", 6),  # every indicator of the project named 光纤
        ("１２３４５热线", 4),  # the goal names the hotline
    ],
)
def test_a_reader_may_search_project_names_and_goals_too(client, reference_table, query, expected):
    assert count(client, f"?q={query}&scope=projects") == expected


def test_it_filters_by_category_unit_kind_department_and_year(client, reference_table):
    satisfaction = Level1Category.objects.get(name="满意度指标")
    assert count(client, f"?level1={satisfaction.pk}") == 12
    assert count(client, f"?level2={satisfaction.children.get().pk}") == 12
    assert count(client, "?unit=%25") == 21
    assert count(client, "?unit=个节点") == 2
    assert count(client, "?kind=numeric") == 51
    assert count(client, "?kind=qualitative") == 12
    assert count(client, f"?department={reference_table.department_id}&year=2021") == 63
    assert count(client, f"?level1={satisfaction.pk}&unit=%25&q=热线") == 1


def test_it_spans_departments_and_years(client, reference_table, write_file):
    other = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 另一个部门"
    )
    import_table(write_file("other.txt", other), filename="other.txt", year=2022)
    assert count(client) == 126
    assert count(client, "?year=2022") == 63
    text = client.get(URL).content.decode()
    assert '<option value="2022">2022</option>' in text and ">另一个部门</option>" in text


def test_past_a_thousand_matches_it_stops_counting(client, reference_table):
    grow(reference_table, projects=130, indicators=8)
    text = client.get(URL + "?q=扩展").content.decode()
    assert "超过 1000 个指标,只分页列出前 1000 个;请缩小范围,或下载 CSV 取得全部。" in text
    assert len(table_rows(client.get(URL + "?q=扩展&page=20"), "indicators")) == 50
    assert count(client, "?q=扩展指标1") == 130


def test_a_search_narrowed_to_one_department_pages_its_first_thousand_matches(client, reference_table, write_file):
    other = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 另一个部门"
    )
    import_table(write_file("other.txt", other), filename="other.txt", year=2021)
    grow(reference_table, projects=130, indicators=8)  # 1,040 indicators named 扩展指标, the newest projects
    narrowed = f"?q=扩展&department={reference_table.department_id}&year=2021"
    assert "超过 1000 个指标" in client.get(URL + narrowed).content.decode()
    first, last = (
        table_rows(client.get(URL + narrowed), "indicators"),
        table_rows(client.get(URL + narrowed + "&page=20"), "indicators"),
    )
    assert first[0][:3] == ["广州市花都区政务服务和数据管理局", "2021", "扩展项目130"] and first[0][5] == "扩展指标1"
    # the thousandth match, 8 to a project from 130 down: project 6's last indicator
    assert len(last) == 50 and last[-1][2] == "扩展项目006" and last[-1][5] == "扩展指标8"
    assert {row[0] for row in first + last} == {"广州市花都区政务服务和数据管理局"}
    # Sorted by a column, the pages order every match, not only the first thousand: projects 1-5 come first.
    assert table_rows(client.get(URL + narrowed + "&sort=project"), "indicators")[0][2] == "扩展项目001"
    other_id = Department.objects.get(name="另一个部门").pk
    assert count(client, f"?q=扩展&department={other_id}&year=2021") == 0
    assert count(client, f"?q=满意度&department={other_id}&year=2021") == 12


def test_the_newest_projects_come_first(client, reference_table, write_file):
    other = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 另一个部门"
    )
    import_table(write_file("other.txt", other), filename="other.txt", year=2022)
    rows = table_rows(client.get(URL), "indicators")
    assert rows[0][:2] == ["另一个部门", "2022"]


def test_it_sorts_by_target(client, reference_table):
    rows = table_rows(client.get(URL + "?kind=numeric&unit=%25&sort=-target"), "indicators")
    assert rows[0][-2] == "100%"  # the target; the peers column follows
    assert rows[-1][-2] == "≥75%"


def test_the_csv_download_holds_the_filtered_set(client, reference_table):
    response = client.get(URL + "?q=满意度&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="indicators.csv"'
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "部门",
        "年度",
        "项目名称",
        "一级指标",
        "二级指标",
        "三级指标",
        "实施周期指标值",
        "年度指标值",
        "比较符",
        "目标值",
        "计量单位",
    ]
    assert len(rows) == 1 + 12
    assert [
        "广州市花都区政务服务和数据管理局",
        "2021",
        "区长专线日常经费",
        "满意度指标",
        "服务对象满意度",
        "12345热线满意度",
        "满意度≥75%",
        "满意度≥75%",
        "≥",
        "75",
        "%",
    ] in rows


def test_the_page_links_the_csv_of_what_it_shows(client, reference_table):
    text = client.get(URL + "?q=满意度&page=1").content.decode()
    assert 'href="?q=%E6%BB%A1%E6%84%8F%E5%BA%A6&amp;format=csv"' in text


def test_the_search_index_exists_exactly_when_the_server_has_pg_trgm(db):
    with connection.cursor() as cursor:
        available = trigram.trigram_available(cursor)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        indexes = {row[0] for row in cursor.fetchall()}
    one_for_indicators = {"budget_indicator_text_trgm", "budget_project_name_trgm", "budget_project_goal_trgm"}
    assert indexes == (one_for_indicators if available else set())


def test_a_word_is_not_found_across_an_indicators_name_and_value(client, reference_table):
    # The one index reads the name and values as one text (budget.search), joined by a newline, which no
    # searched word holds: the table's 12345热线满意度 (name) with 满意度≥75% (its values) is found by either,
    # never by 度满意, which only their concatenation holds.
    name, value = "12345热线满意度", "满意度≥75%"
    assert count(client, f"?q={name}") == 1
    assert count(client, f"?q={name} {value}") == 1
    assert count(client, f"?q={name[-1]}{value[:2]}") == 0


def test_the_search_goes_through_the_one_index(db):
    if not explorer_queries.trigram_indexes(connection):
        pytest.skip("the server has no pg_trgm")
    from budget.models import Indicator
    from budget.search import indicator_words

    rows = indicator_words(Indicator.objects.all()).filter(indicator_text__icontains="满意度").order_by().values("pk")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "budget_indicator_text_trgm" in plan


def test_a_narrowed_search_walks_the_chosen_projects_indicators_in_order(reference_table):
    """The department's projects go in as one array, so that the count up to the cap walks the indicators'
    index in the explorer's order and stops at the cap; joined, the planner expected a few dozen projects and
    read every indicator of a 20,000-project table (README, Performance)."""
    from django.http import QueryDict

    from budget.filters import IndicatorFilter

    grow(reference_table, projects=60, indicators=8)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE budget_indicator; ANALYZE budget_project; ANALYZE budget_budgettable")
    query = QueryDict(f"q=满意度&department={reference_table.department_id}&year=2021")
    rows = IndicatorFilter(query, queryset=explorer_queries.indicators_explorer()).qs.values_list("pk", flat=True)[
        :1001
    ]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_seqscan = off")  # as ids_up_to does
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"Index Scan Backward using \S+ on budget_indicator\b", plan), plan
    assert "Index Cond: (project_id = ANY (" in plan, plan


@pytest.mark.parametrize("extra", [0, 60])
def test_it_costs_a_fixed_number_of_queries(client, reference_table, django_assert_max_num_queries, extra):
    if extra:
        grow(reference_table, projects=extra, indicators=8)
    with django_assert_max_num_queries(QUERIES):
        assert client.get(URL + "?q=满意度&kind=numeric&sort=-target").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(URL + "?q=扩展&format=csv").status_code == 200


def test_a_latin_word_is_found_whatever_its_case(client, reference_table, write_file):
    other = (
        REFERENCE.read_text(encoding="utf-8")
        .replace("部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 另一个部门")
        .replace("12345热线满意度", "政务App满意度")
    )
    import_table(write_file("other.txt", other), filename="other.txt", year=2022)
    assert count(client, "?q=app") == count(client, "?q=APP") == count(client, "?q=App") == 1
    assert count(client, "?q=app 满意度") == 1


@pytest.mark.parametrize(
    "term, lookup",
    [
        ("满意度", "contains"),
        ("12345", "contains"),
        ("≥90%", "contains"),
        ("app", "icontains"),
        ("GDP", "icontains"),
        ("政务App", "icontains"),
    ],
)
def test_words_without_letter_case_skip_the_upper_casing(db, monkeypatch, term, lookup):
    # Without the trigram indexes (a server without pg_trgm) plain LIKE finds the same rows; with them every
    # word goes through the indexes' UPPER().
    key = (connection.alias, connection.settings_dict["NAME"])
    monkeypatch.setitem(explorer_queries._TRIGRAM_INDEXES, key, False)
    assert explorer_queries.text_lookup(term) == lookup
    monkeypatch.setitem(explorer_queries._TRIGRAM_INDEXES, key, True)
    assert explorer_queries.text_lookup(term) == "icontains"


@pytest.mark.parametrize(
    "query", ["", "?q=满意度", "?q=群众满意度&scope=projects", "?q=热线 满意度&sort=-target", "?page=2"]
)
def test_the_rows_written_in_python_are_django_tables2s_cells(client, reference_table, write_file, monkeypatch, query):
    """PlainRowsTable (budget/tables.py) writes the body rows itself for speed: the page must be the one
    django-tables2's own template renders, peers, actuals, links, marks and escaping included."""
    for n, name in enumerate(["另<b>部门", "第三个部门"]):  # three departments: peers are shown
        other = REFERENCE.read_text(encoding="utf-8").replace(
            "部门名称: 广州市花都区政务服务和数据管理局", f"部门名称: {name}"
        )
        import_table(write_file(f"other{n}.txt", other), filename=f"other{n}.txt", year=2021)
    Indicator.objects.filter(pk__in=Indicator.objects.order_by("pk").values("pk")[:30]).update(actual_value="80%")
    Indicator.objects.filter(name__contains="满意度").update(annual_value="<i>满意度&")

    def page():
        caches["pages"].clear()
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", client.get(URL + query).content.decode()))

    ours = page()
    monkeypatch.setattr(IndicatorTable._meta, "template_name", "django_tables2/bootstrap5-responsive.html")
    assert ours == page()
    assert ("&lt;i&gt;<mark>满意度</mark>&amp;" in ours) == (query in ("?q=满意度", "?q=热线 满意度&sort=-target"))
    assert "另&lt;b&gt;部门" in ours and "3 个部门 · 中位数" in ours and "达成度" in ours
