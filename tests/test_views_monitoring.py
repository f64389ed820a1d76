"""The monitoring sections: department (lights red first, the two charts' data), project (each month),
overview (lights per department), downloads (the latest month's columns), query counts."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from budget import exporter
from budget.models import MonitoringReport, Project
from budget.importing.monitoring_import import import_monitoring
from tests.test_workflow import people  # noqa: F401 (fixture)
from tests.ui_helpers import figure, table_rows

DATA = Path(__file__).parent / "data" / "monitoring"
NAME = "广州市花都区政务服务和数据管理局"


@pytest.fixture
def june(reference_table):
    import_monitoring(DATA / "huadu-2021-06-rows.xlsx", year=2021)
    return reference_table


@pytest.fixture
def url(june):
    return reverse("budget:department", args=[june.department_id, 2021])


def test_the_department_lists_projects_red_first_with_their_warnings(client, url):
    response = client.get(url)
    rows = table_rows(response, "monitoring-table")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("红灯", "办证大厅窗口服务经费", "30.00", "100.00"),
        ("红灯", "新政务中心大楼后勤保障经费", "58.90", "64.00"),
        ("黄灯", "基层服务平台示范点建设经费", "55.00", "62.50"),
        ("绿灯", "区长专线日常经费", "55.00", "55.00"),
    ]
    assert "1-6月执行率 30% 低于时间进度要求 40%" in rows[0][4]
    assert "指标「服务人员」可能无法完成,但未填写偏差原因" in rows[1][4]
    assert "全年预计执行数 280 万元仅为调整后预算数 340 万元的 82.35%,低于 90%" in rows[2][4]
    assert "1-6月时间进度要求:执行率不低于 40.00%" in response.content.decode()


def test_the_spending_chart_draws_the_months_threshold(client, url):
    chart = figure(client.get(url), "monitoring-spending")
    bars = chart["data"][0]
    assert bars["x"] == [30.0, 58.9, 55.0, 55.0]
    assert bars["marker"]["color"] == ["#c62828", "#c62828", "#e0a800", "#2e7d32"]
    (line,) = chart["layout"]["shapes"]
    assert (line["x0"], line["x1"]) == (40.0, 40.0)


def test_the_progress_scatter_has_the_diagonal_the_band_and_red_dots_outside(client, url):
    chart = figure(client.get(url), "monitoring-progress")
    dots = chart["data"][0]
    assert list(zip(dots["x"], dots["y"])) == [(30.0, 100.0), (58.9, 64.0), (55.0, 62.5), (55.0, 55.0)]
    assert dots["marker"]["color"] == ["#c62828", "#2f6db5", "#2f6db5", "#2f6db5"]
    band, diagonal = chart["layout"]["shapes"]
    assert band["path"] == "M 0 -10.0 L 100.0 90.0 L 100.0 110.0 L 0 10.0 Z"
    assert (diagonal["x0"], diagonal["y0"], diagonal["x1"], diagonal["y1"]) == (0, 0, 100.0, 100.0)


def test_the_department_shows_the_latest_month(client, url):
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    rows = table_rows(client.get(url), "monitoring-table")
    assert [(r[0], r[1], r[2]) for r in rows] == [("绿灯", "办证大厅窗口服务经费", "90.00")]


def test_the_project_page_shows_each_month(client, june):
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    project = Project.objects.get(name="办证大厅窗口服务经费")
    text = client.get(reverse("budget:project", args=[project.pk])).content.decode()
    assert text.index("1-6月") < text.index("1-10月")
    assert "59.70" in text and "179.10" in text
    other = Project.objects.get(name="新政务中心大楼后勤保障经费")
    text = client.get(reverse("budget:project", args=[other.pk])).content.decode()
    assert "<td>服务人员</td><td>服务人员100人次</td><td>20人次</td>" in text
    assert "<td>完全不可能</td>" in text and "<td>制度保障</td>" in text


def test_the_overview_counts_lights_per_department(client, june):
    text = client.get("/?year=2021").content.decode()
    assert ('<span class="badge light-red" title="红灯">2</span><span class="badge light-yellow" title="黄灯">1</span>'
            '<span class="badge light-green" title="绿灯">1</span>') in text


def test_the_json_export_carries_monitoring(june):
    doc = exporter.json_document(year=2021)
    projects = {p["name"]: p for p in doc["tables"][0]["units"][0]["projects"]}
    (june_entry,) = projects["办证大厅窗口服务经费"]["monitoring"]
    assert {k: june_entry[k] for k in ("month", "budget_initial", "budget_adjusted", "executed", "execution_rate",
                                       "forecast", "light")} == {
        "month": 6, "budget_initial": "199.00", "budget_adjusted": "199.00", "executed": "59.70",
        "execution_rate": "30", "forecast": "199.00", "light": "red"}
    assert june_entry["warnings"][0] == {"code": "execution-behind", "severity": "red", "indicator": None,
                                         "message": "1-6月执行率 30% 低于时间进度要求 40%"}
    people = next(i for i in projects["新政务中心大楼后勤保障经费"]["indicators"] if i["name"] == "服务人员")
    assert people["monitoring"] == [{"month": 6, "value": "20人次", "forecast": "40人次", "likelihood": "完全不可能",
                                     "deviation_causes": [], "deviation_note": None}]
    assert projects["区长专线日常经费"]["monitoring"][0]["warnings"] == []


def test_the_csv_export_carries_the_latest_months_columns(client, june):
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    response = client.get(reverse("budget:download", args=[june.department_id, 2021, "csv"]))
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8")[1:])))
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert (first["监控月份"], first["1-M月执行数(万元)"], first["1-M月执行率(%)"], first["信号灯"]) == (
        "10", "179.1", "90", "green")
    assert (first["三级指标"], first["当前完成值"], first["完成可能性"]) == ("工作天数", "22天", "确定能")
    untouched = next(dict(zip(header, r)) for r in rows if r[3] == "窗口工作人员服装费")
    assert untouched["监控月份"] == "" and untouched["信号灯"] == ""


def test_an_import_moves_the_data_version(client, url):
    from budget import caching

    before = caching.data_version()
    assert "绩效运行监控(1-6月)" in client.get(url).content.decode()
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    assert caching.data_version() != before
    assert "绩效运行监控(1-10月)" in client.get(url).content.decode()


def counts(client, table):
    """Queries of the department, overview and a project page rendered afresh (no cached page or section)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("budget:department", args=[table.department_id, 2021])
    project = Project.objects.get(name="办证大厅窗口服务经费")
    found = []
    for path in (url, "/?year=2021", reverse("budget:project", args=[project.pk])):
        for cache in caches.all():
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        found.append(len(captured))
    return found


def test_the_pages_cost_a_fixed_number_of_queries(client, reference_table, data_changed):
    # Four monitored projects in June, then one project in October: the same queries, whatever the number.
    import_monitoring(DATA / "huadu-2021-06-rows.xlsx", year=2021)
    data_changed()
    four = counts(client, reference_table)
    # The department: its usual 16, then the reports of the latest month, their rows and indicators;
    # the overview: one query for the lights of its page; the project: its reports' rows (and its peers).
    assert four == [19, 8, 9]
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    data_changed()
    assert counts(client, reference_table) == four
    MonitoringReport.objects.all().delete()
    data_changed()
    # Without reports: the department asks for the latest month only; overview and project one query less.
    assert counts(client, reference_table) == [16, 7, 8]


def test_the_worklist_counts_red_projects_and_filters_by_them(client, june, people):
    from tests.ui_helpers import table_rows as rows_of

    client.force_login(people["reviewer"])
    BudgetTable = type(june)
    quiet = BudgetTable.objects.create(department=type(june.department).objects.create(name="没有监控的部门"), year=2021)
    rows = rows_of(client.get("/review/?year=2021"), "worklist")
    assert sorted((r[0], r[6]) for r in rows) == sorted([(quiet.department.name, "0"), (NAME, "2")])
    rows = rows_of(client.get("/review/?year=2021&monitoring=red"), "worklist")
    assert [(r[0], r[6]) for r in rows] == [(NAME, "2")]
    rows = rows_of(client.get("/review/?year=2021&sort=-red"), "worklist")
    assert rows[0][0] == NAME
    # October: the one project reported is green; its June red no longer counts, the other June red does.
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    assert [(r[0], r[6]) for r in rows_of(client.get("/review/?year=2021&monitoring=red"), "worklist")] == [(NAME, "1")]


def test_the_percent_columns_are_named_in_english_when_chosen(client, url):
    """Headings with a percent sign are written with blocktranslate, as makemessages extracts them."""
    client.get(reverse("budget:language", args=["en"]))
    heads = client.get(url).content.decode()
    assert ">Execution rate (%)</th>" in heads and ">Target progress (%)</th>" in heads
    project = Project.objects.get(name="办证大厅窗口服务经费")
    assert ">Progress (%)</th>" in client.get(project.get_absolute_url()).content.decode()
