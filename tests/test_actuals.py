from decimal import Decimal
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from budget.evaluation import scoring
from budget.importing.actuals import import_actuals
from budget.importing.problems import ImportFailed
from budget.importing.reading import result_column_role
from budget.models import Indicator, Project

DEPARTMENT = "广州市花都区政务服务和数据管理局"
HEADER = "项目名称,三级指标,实际完成值,偏差原因,得分\n"
HOTLINE = "区长专线日常经费"


def run(path, **options):
    out, err = StringIO(), StringIO()
    options.setdefault("year", 2021)
    options.setdefault("department", DEPARTMENT)
    call_command("import_actuals", str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def problems(path, **options):
    options.setdefault("year", 2021)
    options.setdefault("department", DEPARTMENT)
    with pytest.raises(ImportFailed) as failed:
        import_actuals(path, **options)
    return [str(p) for p in failed.value.problems]


def indicator(project, name):
    return Indicator.objects.get(project__name=project, name=name)


def snapshot(table):
    return list(Indicator.objects.filter(project__table=table).order_by("pk").values_list(
        "actual_value", "actual_points", "deviation_reason")), list(
        Project.objects.filter(table=table).order_by("pk").values_list("executed", flat=True))


# --- the simple list ------------------------------------------------------------------------


def test_the_simple_list_sets_actuals_reasons_points_and_the_executed_amount(reference_table, write_file):
    path = write_file("actuals.csv", HEADER + (
        f"{HOTLINE},12345热线工单办结量,130000宗,,\n"
        f"{HOTLINE},疑难工单现场协调量,15次,疑难工单少于预期,\n"
        "区政府门户网站和政务新媒体运行经费,门户网站运行情况,良好,,9.5\n"
        f"{HOTLINE},全年执行数,0.95,,\n"
    ))
    out, err = run(path)
    assert out == f"actuals.csv: {DEPARTMENT} 2021年 项目2个 实际完成值3条 全年执行数1条\n"
    assert err == ""
    assert indicator(HOTLINE, "12345热线工单办结量").actual_value == "130000宗"
    assert indicator(HOTLINE, "疑难工单现场协调量").deviation_reason == "疑难工单少于预期"
    assert indicator("区政府门户网站和政务新媒体运行经费", "门户网站运行情况").actual_points == Decimal("9.5")
    assert Project.objects.get(name=HOTLINE).executed == Decimal("0.95")


def test_a_file_without_a_points_column_leaves_the_evaluators_points_as_they_were(reference_table, write_file):
    Indicator.objects.filter(name="门户网站运行情况").update(actual_points=Decimal(8))
    run(write_file("a.csv", "项目名称,三级指标,实际完成值,偏差原因\n区政府门户网站和政务新媒体运行经费,门户网站运行情况,良好,\n"))
    assert indicator("区政府门户网站和政务新媒体运行经费", "门户网站运行情况").actual_points == Decimal(8)


def test_the_project_may_be_named_above_the_header(reference_table, write_file):
    path = write_file("a.csv", f"部门名称: {DEPARTMENT}\n项目名称: {HOTLINE}\n三级指标,实际完成值\n12345热线满意度,80%\n")
    run(path, department=None)
    assert indicator(HOTLINE, "12345热线满意度").actual_value == "80%"


@pytest.mark.parametrize("written, executed", [("0.95", "0.95"), ("0.95万元", "0.95"), ("9,500元", "0.95"), ("", None)])
def test_the_executed_amount_is_read_in_wan_yuan(reference_table, write_file, written, executed):
    Project.objects.filter(name=HOTLINE).update(executed=Decimal(1))
    run(write_file("a.csv", HEADER + f'{HOTLINE},全年执行数,"{written}",,\n'))
    assert Project.objects.get(name=HOTLINE).executed == (Decimal(executed) if executed else None)


def test_import_costs_a_fixed_number_of_queries(reference_table, write_file, django_assert_max_num_queries):
    rows = "".join(f"{HOTLINE},{name},1,,\n" for name in ("12345热线工单办结量", "疑难工单现场协调量", "12345工单办结率"))
    path = write_file("a.csv", HEADER + rows + f"{HOTLINE},全年执行数,1,,\n")
    # lock, table, projects, indicators; per model an update and its history rows; the savepoint.
    with django_assert_max_num_queries(10):
        import_actuals(path, year=2021, department=DEPARTMENT)


def test_every_change_is_recorded_in_the_history_with_the_file_name(reference_table, write_file):
    run(write_file("a.csv", HEADER + f"{HOTLINE},12345热线满意度,80%,,\n{HOTLINE},全年执行数,0.95,,\n"))
    record = indicator(HOTLINE, "12345热线满意度").history.latest()
    assert (record.actual_value, record.history_change_reason) == ("80%", "导入绩效自评数据 a.csv")
    assert Project.objects.get(name=HOTLINE).history.latest().executed == Decimal("0.95")


# --- the 绩效自评表 layout ---------------------------------------------------------------------


def self_evaluation_sheet(path, rows, merged=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2021年度项目支出绩效自评表"])
    sheet.append([f"部门名称: {DEPARTMENT}"])
    sheet.append(["填报日期: 2022年3月1日"])
    sheet.append(["项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    for row in rows:
        sheet.append(row)
    # The project cell is merged down the project's rows, as in the published template.
    sheet.merge_cells(start_row=5, start_column=1, end_row=4 + (merged or len(rows)), end_column=1)
    book.save(path)
    return path


HOTLINE_SHEET = [
    [HOTLINE, "产出指标", "数量指标", "12345热线工单办结量", "工单量≥120000宗", "130000宗", 25, 25, None],
    [None, None, None, "疑难工单现场协调量", "现场协调工单≥20次", "15次", 25, 18.75, "疑难工单少于预期"],
    [None, "效益指标", "经济效益", "12345工单办结率", "办结率≥99%", "98%", 30, 29.7, "部分工单跨年办结"],
    [None, "满意度指标", "服务对象满意度", "12345热线满意度", "满意度≥75%", "80%", 10, 10, None],
    [None, "预算执行率", None, None, None, "95%", 10, 9.5, None],
    [None, "全年执行数", None, None, None, 0.95, None, None, None],
    ["总分", None, None, None, None, None, 100, 92.95, None],
]


def test_the_self_evaluation_layout_is_read_by_meaning_and_scores_the_worked_example(reference_table, tmp_path):
    path = self_evaluation_sheet(tmp_path / "自评表.xlsx", HOTLINE_SHEET, merged=6)
    out, _ = run(path, year=None, department=None)
    assert out == f"自评表.xlsx: {DEPARTMENT} 2021年 项目1个 实际完成值4条 全年执行数1条\n"
    project = Project.objects.get(name=HOTLINE)
    result = scoring.score_project(project)
    assert (result.score, result.grade, result.findings) == (Decimal("92.95"), "优", [])
    assert indicator(HOTLINE, "12345工单办结率").deviation_reason == "部分工单跨年办结"
    assert indicator(HOTLINE, "疑难工单现场协调量").actual_points == Decimal("18.75")


def test_points_above_the_indicators_maximum_are_refused(reference_table, tmp_path):
    rows = [[HOTLINE, "产出指标", "数量指标", "12345热线工单办结量", "≥120000宗", "130000宗", 25, 26, None]]
    assert problems(self_evaluation_sheet(tmp_path / "s.xlsx", rows)) == [
        "s.xlsx 第5行 「得分」列: 值“26”超过了该指标的分值 25"
    ]


@pytest.mark.parametrize("header, role", [
    ("实际完成值(%)", "actual"), ("偏差原因分析及改进措施说明", "reason"), ("未完成原因", "reason"),
    ("自评得分", "points"), ("年度指标值", "value"), ("三级指标", "level3"), ("分 值", "weight"), ("备注", None),
])
def test_columns_are_recognised_by_meaning(header, role):
    assert result_column_role(header) == role


def test_a_self_evaluation_reads_every_target_column_as_the_target_importer_does():
    """One list of column names: a header the target importer knows means the same in a 自评表."""
    from budget.importing.reading import SYNONYM_ROLE

    assert {word: result_column_role(word) for word in SYNONYM_ROLE} == SYNONYM_ROLE


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("row, message", [
    ("不存在的项目,工作天数,1,,", f"a.csv 第2行 「项目名称」列: 值“不存在的项目”不是「{DEPARTMENT}」2021年绩效目标表中的项目"),
    (f"{HOTLINE},工作天数,1,,",
     f"a.csv 第2行 「三级指标」列: 值“工作天数”不是项目「{HOTLINE}」的三级指标"
     "(该项目的指标有:12345热线工单办结量、疑难工单现场协调量、12345工单办结率、12345热线满意度)"),
    (f"{HOTLINE},12345热线满意度,80%,,八分", "a.csv 第2行 「得分」列: 值“八分”不是有效的得分(应为数字,如 8.5)"),
    (f"{HOTLINE},12345热线满意度,80%,,-1", "a.csv 第2行 「得分」列: 值“-1”是负数,得分不能为负"),
    (f"{HOTLINE},12345热线满意度,80%,,8.125", "a.csv 第2行 「得分」列: 值“8.125”超出可保存的范围(得分最多两位小数)"),
    (f"{HOTLINE},全年执行数,约一万,,", "a.csv 第2行 「实际完成值」列: 值“约一万”不是有效的全年执行数(应为以万元为单位的数字,如 0.95)"),
    (f"{HOTLINE},全年执行数,-0.5,,", "a.csv 第2行 「实际完成值」列: 值“-0.5”是负数,全年执行数不能为负"),
    (f"{HOTLINE},,80%,,", "a.csv 第2行 「三级指标」列: 缺少三级指标名称"),
])
def test_a_bad_row_is_reported_with_file_row_column_and_value(reference_table, write_file, row, message):
    assert problems(write_file("a.csv", HEADER + row + "\n")) == [message]


def test_the_same_indicator_twice_is_refused(reference_table, write_file):
    path = write_file("a.csv", HEADER + f"{HOTLINE},12345热线满意度,80%,,\n{HOTLINE},12345热线满意度,81%,,\n")
    assert problems(path) == ["a.csv 第3行 「三级指标」列: 值“12345热线满意度”与第2行重复:同一项目的同一指标只能填写一次"]


def test_an_indicator_name_that_occurs_twice_in_the_project_is_ambiguous(reference_table, write_file):
    Indicator.objects.filter(project__name=HOTLINE, name="疑难工单现场协调量").update(name="12345热线满意度")
    path = write_file("a.csv", HEADER + f"{HOTLINE},12345热线满意度,80%,,\n")
    assert problems(path) == [
        f"a.csv 第2行 「三级指标」列: 值“12345热线满意度”在项目「{HOTLINE}」中出现了2次,无法确定是哪一个指标"
    ]


def test_every_error_is_listed_and_the_command_exits_non_zero_without_writing(reference_table, write_file):
    path = write_file("a.csv", HEADER + (
        f"{HOTLINE},12345热线工单办结量,130000宗,,\n"
        "不存在的项目,工作天数,1,,\n"
        f"{HOTLINE},12345热线满意度,80%,,八分\n"
    ))
    err = StringIO()
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command("import_actuals", str(path), year=2021, department=DEPARTMENT, stderr=err)
    assert err.getvalue().splitlines() == [
        "a.csv: 导入失败,共2处问题,未写入任何数据:",
        f"  a.csv 第3行 「项目名称」列: 值“不存在的项目”不是「{DEPARTMENT}」2021年绩效目标表中的项目",
        "  a.csv 第4行 「得分」列: 值“八分”不是有效的得分(应为数字,如 8.5)",
    ]
    assert indicator(HOTLINE, "12345热线工单办结量").actual_value == ""


def test_nothing_is_written_when_only_the_last_row_is_bad(reference_table, write_file):
    before = snapshot(reference_table)
    path = write_file("a.csv", HEADER + (
        f"{HOTLINE},12345热线工单办结量,130000宗,,\n"
        f"{HOTLINE},全年执行数,0.95,,\n"
        f"{HOTLINE},12345热线满意度,80%,,999999999\n"
    ))
    with pytest.raises(CommandError):
        run(path)
    assert snapshot(reference_table) == before


@pytest.mark.parametrize("options, message", [
    ({"year": None}, "a.csv: 无法从标题或表头前的文字中确定预算年度,请用 --year 指定(如 --year 2024)"),
    ({"department": None}, "a.csv: 无法确定部门名称(表头前没有「部门名称:」行),请用 --department 指定"),
    ({"year": 2022}, f"a.csv: 没有「{DEPARTMENT}」2022年的绩效目标表,请先导入绩效目标表"),
])
def test_the_department_and_year_must_name_an_imported_table(reference_table, write_file, options, message):
    assert problems(write_file("a.csv", HEADER + f"{HOTLINE},12345热线满意度,80%,,\n"), **options) == [message]


def test_a_file_without_the_needed_columns_is_refused(reference_table, write_file):
    assert problems(write_file("a.csv", "项目名称,指标值\n区长专线日常经费,1\n")) == [
        "a.csv: 前30行中找不到表头:需要「三级指标」和「实际完成值」列(以及「项目名称」列或「项目名称:」行)。"
        "文件开头是:第1行「项目名称 | 指标值」; 第2行「区长专线日常经费 | 1」"
    ]


def test_a_missing_file_is_reported_without_a_traceback(db, tmp_path):
    err = StringIO()
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command("import_actuals", str(tmp_path / "nope.csv"), stderr=err)
    assert err.getvalue() == f"{tmp_path / 'nope.csv'}: 文件不存在\n"


def test_a_corrected_edition_of_the_targets_keeps_the_self_evaluation_already_entered(reference_table, tmp_path):
    from budget.importing.importer import import_table
    from budget.models import Indicator, Project
    from tests.conftest import REFERENCE

    path = tmp_path / "actuals.csv"
    path.write_text("项目名称,三级指标,实际完成值,偏差原因\n区长专线日常经费,疑难工单现场协调量,15次,疑难工单减少\n"
                    "区长专线日常经费,全年执行数,0.95,\n", encoding="utf-8")
    call_command("import_actuals", str(path), "--year", "2021", "--department", "广州市花都区政务服务和数据管理局",
                 stdout=StringIO())
    corrected = tmp_path / "v2.txt"
    corrected.write_text(REFERENCE.read_text(encoding="utf-8").replace("现场协调工单≥20次", "现场协调工单≥18次"),
                         encoding="utf-8")
    result = import_table(corrected, filename="v2.txt", year=2021)
    assert result.changed == ["区长专线日常经费"] and result.kept_actuals == 2
    assert "(新增0 修改1 删除0,保留自评数据2条)" in result.summary()
    indicator = Indicator.objects.get(name="疑难工单现场协调量")
    assert (indicator.annual_value, indicator.actual_value, indicator.deviation_reason) == (
        "现场协调工单≥18次", "15次", "疑难工单减少")
    assert Project.objects.get(name="区长专线日常经费").executed == Decimal("0.95")


@pytest.mark.parametrize("written", ["目标群体满意度(%)", "22135476-目标群体满意度(%)", "目标群体满意度"])
def test_an_indicator_whose_name_ends_in_brackets_is_matched(reference_table, write_file, written):
    run(write_file("a.csv", HEADER + f"花都区人才管家线上服务平台建设,{written},86%,,\n"))
    assert indicator("花都区人才管家线上服务平台建设", "目标群体满意度(%)").actual_value == "86%"


# --- the 绩效自评表 form (labels and a money block above the grid) ------------------------------------

REAL = Path(__file__).resolve().parent / "data" / "real"
QINGSHEN = "sc-qingshen-2023-self-eval"


def qingshen_rows(fill=None) -> list[list[str]]:
    lines = (REAL / f"{QINGSHEN}.txt").read_text(encoding="utf-8").splitlines()
    rows = [line.split("|") for line in lines]
    for (row, column), text in (fill or {}).items():
        rows[row - 1][column] = text
    return rows


def qingshen_book(path, fill=None):
    book = openpyxl.Workbook()
    for row in qingshen_rows(fill):
        book.active.append([c or None for c in row])
    book.save(path)
    return path


def test_a_self_evaluation_form_for_a_project_without_targets_brings_them(db):
    out, _ = run(REAL / f"{QINGSHEN}.csv", year=None, department=None)
    assert out == f"{QINGSHEN}.csv: 青神县发展和改革局本级 2023年 项目1个 实际完成值2条 全年执行数1条\n"
    project = Project.objects.get()
    assert (project.table.department.name, project.table.year, project.unit.name, project.code, project.name) == (
        "青神县发展和改革局本级", 2023, "青神县发展和改革局", "51000021R000000019951", "工资性支出")
    assert (project.total, project.budget_initial, project.budget_adjusted, project.executed) == (
        Decimal("251.89"), Decimal("238.93"), Decimal("251.89"), Decimal("251.89"))
    assert {f.source.name: f.amount for f in project.funding.all()} == {
        "财政资金": Decimal("251.89"), "财政专户管理资金": 0, "单位资金": 0, "其他资金": 0}
    assert list(project.indicators.values_list("name", "target_value", "target_unit", "weight")) == [
        ("发放(缴纳)覆盖率", Decimal(100), "%", Decimal(60)), ("足额保障率(参保率)", Decimal(100), "%", Decimal(30))]


def test_a_filled_self_evaluation_form_sets_results_points_reasons_and_money(db, tmp_path):
    run(REAL / f"{QINGSHEN}.csv", year=None, department=None)
    path = qingshen_book(tmp_path / "自评.xlsx", {
        (9, 5): "250", (9, 4): "250", (15, 7): "100%", (15, 9): "60", (16, 7): "96%", (16, 9): "27",
        (6, 7): "工资按月足额发放,社保按时缴纳",
        (16, 10): "部分人员年中调入,次月参保"})
    out, _ = run(path, year=None, department=None)
    assert out == "自评.xlsx: 青神县发展和改革局本级 2023年 项目1个 实际完成值2条 全年执行数1条\n"
    project = Project.objects.get()
    assert (project.budget_adjusted, project.executed) == (Decimal(250), Decimal(250))
    assert project.attributes["年度目标完成情况"] == "工资按月足额发放,社保按时缴纳"
    assert list(project.indicators.values_list("actual_value", "actual_points", "deviation_reason")) == [
        ("100%", Decimal(60), ""), ("96%", Decimal(27), "部分人员年中调入,次月参保")]


def test_a_self_evaluation_form_with_a_label_it_does_not_know_is_refused(db, tmp_path):
    path = qingshen_book(tmp_path / "s.xlsx", {(3, 3): "资金用途", (3, 4): "工资"})
    assert problems(path, year=None, department=None) == [
        "s.xlsx 第3行 「D」列: 值“资金用途”不是认识的表单标签(其值为“工资”),无法确定它是什么;认识的标签如:"
        "项目名称、主管部门、预算部门、实施单位、年度资金总额、其中:财政拨款、年度目标、实施期目标……"]
    assert not Project.objects.exists()


def test_the_execution_rate_is_executed_over_the_adjusted_budget_of_the_form(db, tmp_path):
    from budget import exporter

    path = qingshen_book(tmp_path / "自评.xlsx", {(9, 4): "200", (9, 5): "167"})
    run(path, year=None, department=None)
    evaluation = exporter.json_document()["tables"][0]["units"][0]["projects"][0]["self_evaluation"]
    assert (evaluation["budget_initial"], evaluation["budget_adjusted"], evaluation["executed"],
            evaluation["budget_execution_rate"]) == ("238.93", "200.00", "167.00", "83.50")
