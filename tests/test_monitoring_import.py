"""import_monitoring: both layouts, XLSX with merged cells and GB18030 CSV, matched to the
reference department's 2021 targets; lights and warnings as expected.json works them out by hand."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from budget.importing.monitoring_import import import_monitoring
from budget.importing.problems import ImportFailed
from budget.models import IndicatorProgress, MonitoringReport

DATA = Path(__file__).parent / "data" / "monitoring"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


def outcome(month):
    return {
        r.project.name: {
            "light": r.light,
            "rate": r.execution_rate,
            "warnings": [[w["code"], w["severity"], w["indicator"]] for w in r.warnings],
        }
        for r in MonitoringReport.objects.filter(month=month).select_related("project")
    }


def expected(key):
    return {
        name: {"light": e["light"], "rate": e["rate"], "warnings": e["warnings"]} for name, e in EXPECTED[key].items()
    }


@pytest.mark.parametrize("name", ["huadu-2021-06-rows.xlsx", "huadu-2021-06-rows.csv", "huadu-2021-06-forms.xlsx"])
def test_each_layout_gives_the_lights_worked_out_by_hand(reference_table, name):
    result = import_monitoring(DATA / name, year=2021)
    assert (result.department, result.year, result.month) == ("广州市花都区政务服务和数据管理局", 2021, 6)
    assert outcome(6) == expected("month_6")
    assert IndicatorProgress.objects.count() == 19


def test_indicator_rows_keep_what_the_clerk_wrote(reference_table):
    import_monitoring(DATA / "huadu-2021-06-forms.xlsx", year=2021)
    row = IndicatorProgress.objects.get(indicator__name="服务事项", report__project__name="新政务中心大楼后勤保障经费")
    assert (row.value, row.forecast, row.likelihood) == ("1909项", "1850项", "有可能")
    assert (row.deviation_causes, row.deviation_note, row.measures) == (
        ["制度保障"],
        "部分事项上级尚未下放",
        "跟进市级下放进度",
    )
    report = row.report
    assert (str(report.budget_initial), str(report.executed), str(report.forecast)) == (
        "814.960000",
        "480.000000",
        "814.960000",
    )
    blank = IndicatorProgress.objects.get(indicator__name="服务对象满意度", report=report)
    assert blank.value == ""  # "/" is the template's empty


def test_a_second_month_is_kept_beside_the_first_and_a_repeat_replaces(reference_table):
    import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021)
    import_monitoring(DATA / "huadu-2021-10-form.csv", year=2021)
    assert outcome(10) == expected("month_10")
    assert outcome(6) == expected("month_6")
    import_monitoring(DATA / "huadu-2021-06-rows.xlsx", year=2021)
    assert MonitoringReport.objects.filter(month=6).count() == 4
    assert MonitoringReport.objects.count() == 5


def test_an_indicator_never_set_is_refused_with_its_row_and_changes_nothing(reference_table):
    import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021)
    before = list(MonitoringReport.objects.values_list("pk", "light"))
    with pytest.raises(ImportFailed) as failed:
        import_monitoring(DATA / "huadu-2021-06-unknown-indicator.csv", year=2021)
    assert [str(p) for p in failed.value.problems] == [
        "huadu-2021-06-unknown-indicator.csv 第24行 「三级指标」列: 值“工作时长”不是项目「区长专线日常经费」的三级指标"
        "(可能是:12345热线工单办结量、疑难工单现场协调量、12345工单办结率、12345热线满意度)"
    ]
    assert list(MonitoringReport.objects.values_list("pk", "light")) == before


def test_an_unknown_project_names_the_close_ones(reference_table, write_file):
    path = write_file(
        "m.csv",
        "2021年1-6月项目支出绩效运行监控表\n部门名称: 广州市花都区政务服务和数据管理局\n"
        "项目名称,年初预算数,1-6月执行数,全年预计执行数\n办证大厅服务经费,199,80,199\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_monitoring(path, year=2021)
    assert str(failed.value) == (
        "m.csv 第4行 「项目名称」列: 值“办证大厅服务经费”不是「广州市花都区政务服务和数据管理局」"
        "2021年绩效目标表中的项目(可能是:办证大厅窗口服务经费)"
    )


def test_month_from_the_option_when_the_title_has_none(reference_table, write_file):
    path = write_file("m.csv", "项目名称,年初预算数,执行数,全年预计执行数\n区长专线日常经费,1,0.2,1\n")
    with pytest.raises(ImportFailed, match="无法从标题中确定监控月份"):
        import_monitoring(path, year=2021)
    result = import_monitoring(path, year=2021, month=5)
    # May uses April's 25%: 20% is behind.
    assert [w["code"] for w in result.reports[0].warnings] == ["execution-behind"]
    assert result.reports[0].warnings[0]["params"] == {"rate": "20", "threshold": "25", "month": 5}


def test_command_and_dry_run(reference_table, capsys):
    call_command("import_monitoring", str(DATA / "huadu-2021-06-rows.xlsx"), "--year", "2021", "--dry-run")
    assert MonitoringReport.objects.count() == 0
    out = capsys.readouterr().out
    assert "项目4个 红灯2 黄灯1 绿灯1" in out and "新政务中心大楼后勤保障经费: red" in out
    with pytest.raises(CommandError):
        call_command("import_monitoring", str(DATA / "huadu-2021-06-unknown-indicator.csv"), "--year", "2021")
    assert "第24行" in capsys.readouterr().err
    call_command("import_monitoring", str(DATA / "huadu-2021-06-rows.xlsx"), "--year", "2021")
    assert MonitoringReport.objects.count() == 4


# -- the admin: upload with preview and confirm, department scope, edits recompute --------------

from tests.test_workflow import people, table  # noqa: E402,F401 (fixtures)

UPLOAD = "/admin/budget/monitoringreport/import/"


def upload(client, name, **fields):
    with open(DATA / name, "rb") as f:
        return client.post(UPLOAD, {"file": f, "year": "2021", **fields})


def test_the_upload_previews_then_confirms(client, table, people):
    client.force_login(people["editor"])
    response = upload(client, "huadu-2021-06-forms.xlsx")
    text = response.content.decode()
    assert "项目4个 红灯2 黄灯1 绿灯1" in text and "指标「服务人员」可能无法完成,但未填写偏差原因" in text
    assert MonitoringReport.objects.count() == 0
    response = client.post(UPLOAD, {"token": response.context["token"]})
    assert response.status_code == 302 and MonitoringReport.objects.count() == 4


def test_the_upload_lists_the_problems_and_writes_nothing(client, table, people):
    client.force_login(people["editor"])
    text = upload(client, "huadu-2021-06-unknown-indicator.csv").content.decode()
    assert "第24行" in text and "工作时长" in text and MonitoringReport.objects.count() == 0


def test_another_departments_editor_is_refused(client, table, people):
    client.force_login(people["other"])
    text = upload(client, "huadu-2021-06-rows.csv").content.decode()
    assert "不是您负责的部门,您只能导入本部门的数据" in text and MonitoringReport.objects.count() == 0
    import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021)
    report = MonitoringReport.objects.first()
    assert client.get(f"/admin/budget/monitoringreport/{report.pk}/change/").status_code in (302, 404)
    assert "办证大厅" not in client.get("/admin/budget/monitoringreport/").content.decode()


def test_monitoring_of_an_approved_table_is_allowed(table, people):
    from budget import workflow

    workflow.transition(people["reviewer"], table.department, 2021, "approve", "")
    assert len(import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021).reports) == 4


def test_an_edit_in_the_admin_recomputes_the_light(client, table, people):
    import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021)
    report = MonitoringReport.objects.get(project__name="办证大厅窗口服务经费")
    client.force_login(people["editor"])
    url = f"/admin/budget/monitoringreport/{report.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    rows = list(report.indicators.order_by("indicator__position"))
    data.update(
        {
            "executed": "79.6",
            "indicators-TOTAL_FORMS": len(rows),
            "indicators-INITIAL_FORMS": len(rows),
            "indicators-MIN_NUM_FORMS": 0,
            "indicators-MAX_NUM_FORMS": 1000,
        }
    )
    for n, row in enumerate(rows):
        data.update(
            {
                f"indicators-{n}-id": row.pk,
                f"indicators-{n}-report": report.pk,
                f"indicators-{n}-value": row.value,
                f"indicators-{n}-forecast": row.forecast,
                f"indicators-{n}-likelihood": row.likelihood,
                f"indicators-{n}-deviation_causes": json.dumps(row.deviation_causes),
                f"indicators-{n}-deviation_note": "",
                f"indicators-{n}-measures": "",
            }
        )
    data["indicators-0-value"] = "8天"  # 8 of 22 days: progress (36.4 + 100 + 100) / 3 = 78.8, 38.8 from 40%
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    # 79.6 / 199 = 40%: no longer behind; progress still apart.
    assert (report.light, [w["code"] for w in report.warnings]) == ("yellow", ["progress-gap"])


def test_every_threshold_is_a_setting(reference_table, settings):
    settings.BUDGET_MONITORING = {"execution_thresholds": {6: 30}, "forecast_min": 80, "progress_gap": 75}
    result = import_monitoring(DATA / "huadu-2021-06-rows.csv", year=2021, dry_run=True)
    lights = {r.project.name: (r.light, [w["code"] for w in r.warnings]) for r in result.reports}
    # 30% meets a 30% threshold; 280 of 340 (82%) meets 80%; a 70-point gap is within 75.
    assert lights["办证大厅窗口服务经费"] == ("green", [])
    assert lights["基层服务平台示范点建设经费"] == ("green", [])
    assert MonitoringReport.objects.count() == 0


def test_a_project_or_indicator_twice_is_refused(reference_table, write_file):
    path = write_file(
        "m.csv",
        "2021年1-6月项目支出绩效运行监控表\n部门名称: 广州市花都区政务服务和数据管理局\n"
        "项目名称,年初预算数,1-6月执行数,三级指标,1-6月完成值,完成可能性\n"
        "区长专线日常经费,1,0.5,疑难工单现场协调量,10次,确定能\n"
        ",,,疑难工单现场协调量,11次,确定能\n"
        "区长专线日常经费,1,0.6,12345热线满意度,80%,确定能\n"
        "办证大厅窗口服务经费,199,80,工作天数,22天,确定能\n"
        "区长专线日常经费,1,0.5,12345工单办结率,99%,确定能\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_monitoring(path, year=2021)
    # The name repeated on the next rows continues the project (its money must repeat alike); after another
    # project it is the same project a second time.
    assert [str(p) for p in failed.value.problems] == [
        "m.csv 第6行 「1-6月执行数」列: 值“0.6”与第4行填写的同一项目的金额不一致",
        "m.csv 第5行 「三级指标」列: 值“疑难工单现场协调量”与第4行重复:同一项目的同一指标只能填写一次",
        "m.csv 第8行 「项目名称」列: 值“区长专线日常经费”与第4行重复:同一项目在一个文件中只能填报一次",
    ]
    assert MonitoringReport.objects.count() == 0


def test_the_amount_spent_from_the_rate_when_only_the_rate_is_given(reference_table, write_file):
    path = write_file(
        "m.csv",
        "2021年1-6月项目支出绩效运行监控表\n部门名称: 广州市花都区政务服务和数据管理局\n"
        "项目名称,调整后预算数,1-6月执行率\n办证大厅窗口服务经费,199,39.5%\n区长专线日常经费,1,半数\n",
    )
    with pytest.raises(ImportFailed) as failed:
        import_monitoring(path, year=2021)
    assert str(failed.value) == "m.csv 第5行 「1-6月执行率」列: 值“半数”不是有效的执行率(应为百分数,如 37.5%)"
    path.write_text(path.read_text().replace("半数", "50%"))
    result = import_monitoring(path, year=2021)
    behind = next(r for r in result.reports if r.project.name == "办证大厅窗口服务经费")
    assert (str(behind.executed), behind.light) == ("78.605", "red")
