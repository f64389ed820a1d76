"""A year's bulk files and the Frictionless data package that describes them."""

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from budget import exporter
from budget.api import bulk
from budget.models import Indicator

API = "/api/v1/"


def download(client, year, name):
    response = client.get(f"{API}bulk/{year}/{name}")
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_the_package_lists_one_resource_per_file_of_every_year(client, reference_table):
    package = json.loads(client.get(API + "datapackage.json").content)
    assert [r["name"] for r in package["resources"]] == [
        "budget-performance-targets-2021",
        "tables-2021",
        "projects-2021",
        "funding-2021",
        "indicators-2021",
    ]
    assert [r["path"] for r in package["resources"]] == [f"bulk/2021/{name}" for name in bulk.FILES]
    indicators = package["resources"][-1]["schema"]
    fields = {f["name"]: f for f in indicators["fields"]}
    assert fields["target_value"]["type"] == "number" and fields["seq"]["type"] == "integer"
    assert fields["annual_value"]["title"] == "年度指标值 / Value for the year"
    assert indicators["foreignKeys"] == [
        {"fields": "project_id", "reference": {"resource": "projects-2021", "fields": "project_id"}}
    ]


def test_frictionless_validates_the_package_as_served(live_server, transactional_db, reference_table):
    command = [
        str(Path(sys.executable).parent / "frictionless"),
        "validate",
        "--json",
        live_server.url + API + "datapackage.json",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], json.dumps(report, ensure_ascii=False)[:3000]
    checked = {task["name"]: task["stats"].get("rows") for task in report["tasks"]}
    assert checked["indicators-2021"] == Indicator.objects.count() == 63
    assert checked["projects-2021"] == 13


def test_the_json_is_the_canonical_export_of_the_year(client, reference_table):
    response, content = download(client, 2021, bulk.JSON_FILE)
    assert response["Content-Type"] == "application/gzip"
    assert json.loads(gzip.decompress(content)) == exporter.json_document(year=2021)


def test_the_csvs_hold_the_source_values_exactly(client, reference_table):
    _, content = download(client, 2021, "indicators.csv")
    indicators = rows(content)
    assert len(indicators) == 63
    # From the source table: 办证大厅窗口服务经费, 1.1-产出指标:11-数量指标:工作天数;…年度指标值:正常工作每月天数22天
    first = indicators[0]
    assert (
        first["level1"],
        first["level2"],
        first["level2_code"],
        first["name"],
        first["annual_value"],
        first["comparator"],
        first["target_value"],
        first["target_unit"],
    ) == ("产出指标", "数量指标", "11", "工作天数", "正常工作每月天数22天", "=", "22", "天")
    assert next(r for r in indicators if r["name"] == "工资发放时间")["target_value"] == ""  # 每月上旬: no number
    _, content = download(client, 2021, "projects.csv")
    project = next(r for r in rows(content) if r["name"] == "办证大厅窗口服务经费")
    assert project["total"] == "199" and project["unit"] == "广州市花都区政务服务和数据管理局"
    _, content = download(client, 2021, "funding.csv")
    funding = [r for r in rows(content) if r["project_id"] == project["project_id"]]
    assert {r["source"]: r["amount"] for r in funding} == {"财政拨款": "199", "财政专户拨款": "0", "其他资金": "0"}
    _, content = download(client, 2021, "tables.csv")
    (table,) = rows(content)
    assert (table["department"], table["year"], table["total"], table["kind"]) == (
        "广州市花都区政务服务和数据管理局",
        "2021",
        "2616.61",
        "project-targets",
    )


def test_files_are_rebuilt_when_the_data_version_moves(client, reference_table, data_changed, settings):
    folder = Path(settings.EXPORT_DIR) / "test_budget" / "bulk"
    _, before = download(client, 2021, "indicators.csv")
    (first,) = [p for p in folder.glob("2021-indicators.csv.*") if p.suffix != ".lock"]
    # Behind the ORM (as a bulk writer would, then bumping the version as they do).
    Indicator.objects.filter(name="工作天数").update(name="全年工作天数")
    _, same = download(client, 2021, "indicators.csv")
    assert same == before  # kept: the data version has not moved
    data_changed()
    _, after = download(client, 2021, "indicators.csv")
    assert after != before and rows(after)[0]["name"] == "全年工作天数"
    (kept,) = [p for p in folder.glob("2021-indicators.csv.*") if p.suffix != ".lock"]
    assert kept != first and not first.exists()  # the older version's file is gone


def test_a_bulk_file_answers_304_to_its_etag(client, reference_table):
    response, _ = download(client, 2021, "tables.csv")
    again = client.get(f"{API}bulk/2021/tables.csv", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["bulk/2020/tables.csv", "bulk/2021/secrets.csv", "bulk/2021/budget-performance-targets.json"]
)
def test_unknown_files_are_404_problems(client, reference_table, path):
    response = client.get(API + path)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
