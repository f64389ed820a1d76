import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from budget import exporter
from budget.importing.importer import import_table
from budget.models import BudgetTable, Flag, Indicator, Project
from budget.importing.problems import ImportFailed
from tests.conftest import REFERENCE

REFERENCE_TEXT = REFERENCE.read_text(encoding="utf-8")


def reference_rows() -> list[list[str]]:
    return [line.split("\t") for line in REFERENCE_TEXT.splitlines()]


def document(*, rows=True, **filters) -> dict:
    """The canonical export without provenance, which differs between two imports by design.
    rows=False also drops source row numbers, for a source laid out on other rows."""
    doc = exporter.json_document(**filters)
    for table in doc["tables"]:
        table.pop("source")
        if not rows:
            for flag in table["flags"]:
                flag.pop("row")
            for unit in table["units"]:
                for project in unit["projects"]:
                    project.pop("source_row")
    return doc


def table_rows_text(rows, sep="\t") -> str:
    return "\n".join(sep.join(r) for r in rows) + "\n"


# -- the reference table --------------------------------------------------------------

def test_the_reference_table_gives_13_projects_and_63_indicators(reference_table):
    assert reference_table.department.name == "广州市花都区政务服务和数据管理局"
    assert reference_table.total == Decimal("2616.61")
    assert reference_table.units.get().name == "广州市花都区政务服务和数据管理局"
    assert Project.objects.count() == 13
    assert Indicator.objects.count() == 63
    assert sum(p.total for p in Project.objects.all()) == Decimal("2616.61")


def test_the_reference_indicators_keep_codes_names_and_targets(reference_table):
    talent = Indicator.objects.get(library_code="22135476")
    assert (talent.name, talent.level2_label, talent.level2_code) == ("目标群体满意度(%)", "服务对象满意度", "31")
    assert (talent.comparator, talent.target_value, talent.target_unit) == (">=", Decimal(80), "%")
    nameless = Indicator.objects.get(name="")
    assert (nameless.project.name, nameless.seq, nameless.annual_value) == ("基层服务平台示范点建设经费", 3, "100000人")
    reports = Indicator.objects.get(name="网站监测及预考评")
    assert reports.period_value == "每年进行全面监测并出具全面监测检查报告(12份);全站内容安全监测报告(4份);预考评报告(1份)"
    assert reports.target_value is None


def test_the_reference_import_flags_the_indicator_without_a_name(reference_table):
    flag = Flag.objects.get()
    assert (flag.code, flag.row, flag.project.name) == ("indicator-without-name", 13, "基层服务平台示范点建设经费")
    assert flag.message == "项目「基层服务平台示范点建设经费」第3项指标(产出指标/数量指标)没有三级指标名称"


def test_the_export_of_the_reference_table_has_the_documented_shape(reference_table):
    doc = exporter.json_document()
    table = doc["tables"][0]
    assert doc["format"] == "budget-performance-targets/1"
    assert table["funding"] == {"total": "2616.61", "by_source": {"财政拨款": "2616.61", "财政专户拨款": "0", "其他资金": "0"}}
    first = table["units"][0]["projects"][0]
    assert first["source_row"] == 12
    assert first["funding"]["total"] == "199.00"
    assert first["indicators"][0] == {
        "seq": 1, "level1": "产出指标", "level2": "数量指标", "level2_code": "11", "name": "工作天数",
        "library_code": None, "period_value": "正常工作每月天数22天", "annual_value": "正常工作每月天数22天",
        "target": {"comparator": "=", "value": "22", "unit": "天"}, "weight": None,
        # 产出 50 plus 效益's 30 shared in proportion (no 效益 indicator), over three 产出 indicators
        "actual": {"value": None, "points": None, "max_points": "25.00", "deviation_reason": None},
        "monitoring": [],  # no monitoring table imported
    }
    assert first["monitoring"] == []


# -- containers and encodings: the same table however it arrives ---------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_the_reference_reads_the_same_in_every_encoding(db, write_file, encoding):
    import_table(REFERENCE, filename="ref.txt", year=2021)
    expected = document()
    path = write_file(f"ref-{encoding}.txt", REFERENCE_TEXT.replace("\n", "\r\n"), encoding)
    result = import_table(path, filename="ref.txt", year=2021)
    assert result.written and not result.added and not result.removed and not result.changed
    assert document() == expected


def test_the_reference_reads_the_same_as_excel_csv_with_quoted_cells(db, write_file):
    import csv

    import_table(REFERENCE, filename="ref.txt", year=2021)
    expected = document()
    out = StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(reference_rows())
    import_table(write_file("ref.csv", out.getvalue(), "gb18030"), filename="ref.txt", year=2021)
    assert document() == expected


def test_the_reference_reads_the_same_from_xlsx_with_a_two_row_header_and_numbers(db, tmp_path):
    import_table(REFERENCE, filename="ref.txt", year=2021)
    expected = document(rows=False)
    book = Workbook()
    sheet = book.active
    sheet.append(["项目支出绩效目标表(含转移支付项目)"])
    sheet.merge_cells("A1:G1")
    sheet.append(["部门名称: 广州市花都区政务服务和数据管理局"])
    sheet.append(["单位: 万元"])
    sheet.append(["项目名称(资金使用单位)", "资金来源", None, None, None, "绩效目标", "绩效指标"])
    sheet.append([None, "总计", "财政拨款", "财政专户拨款", "其他资金", None, None])
    for row in reference_rows()[9:]:
        cells = [float(c.replace(",", "")) if i in (1, 2) and c else (c or None) for i, c in enumerate(row)]
        sheet.append(cells)
    path = tmp_path / "ref.xlsx"
    book.save(path)
    import_table(path, filename="ref.txt", year=2021)
    assert document(rows=False) == expected
    assert Project.objects.get(name="办证大厅窗口服务经费").source_row == 8


# -- layout 2: one row per indicator ---------------------------------------------------

LAYOUT2 = """部门预算项目绩效目标申报表(2023年度)
金额单位:元
单位名称\t项目名称\t预算数\t年度目标\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t权重\t指标方向性
820001-井研县马踏镇人民政府\t\t3,309,840.00
820001-井研县马踏镇人民政府\t乡村道路养护\t1,200,000.00\t完成全镇道路养护\t产出指标\t数量指标\t养护里程\t≥\t12\t公里\t20\t正向
\t\t\t\t\t时效指标\t完成时间\t=\t44,561\t日期\t10\t
\t\t\t\t效益指标\t社会效益指标\t★群众出行便利度\t定性\t明显改善\t\t20\t正向
\t\t\t\t\t\t\t\t\t\t\t
\t\t\t\t满意度指标\t服务对象满意度指标\t指标1:群众满意度\t≥\t90\t%\t10\t正向
820001-井研县马踏镇人民政府\t村级组织运转经费\t2,109,840.00\t保障村级组织正常运转\t产出指标\t数量指标\t保障村数\t=\t10\t个\t30\t正向
\t\t\t\t\t质量指标\t资金支付准确率\t≥\t1\t%\t20\t正向
\t\t\t\t成本指标\t经济成本指标\t人均成本\t≤\t2\t万元/人\t10\t反向
"""


def test_the_indicator_per_row_layout_is_read_with_its_merges_codes_and_yuan(db, write_file):
    result = import_table(write_file("mata.txt", LAYOUT2), filename="mata.txt")
    table = BudgetTable.objects.get()
    assert (result.table.layout, table.year, table.department.name, table.department.code) == (
        "indicator-per-row", 2023, "井研县马踏镇人民政府", "820001")
    assert table.total == Decimal("330.984")
    doc = exporter.json_document()["tables"][0]
    assert doc["funding"] == {"total": "330.984", "by_source": {}}
    (unit,) = doc["units"]
    assert (unit["name"], unit["code"]) == ("井研县马踏镇人民政府", "820001")
    road, village = unit["projects"]
    assert road["funding"]["total"] == "120.00" and village["funding"]["total"] == "210.984"
    assert [(i["seq"], i["level1"], i["level2"], i["name"]) for i in road["indicators"]] == [
        (1, "产出指标", "数量指标", "养护里程"), (2, "产出指标", "时效指标", "完成时间"),
        (3, "效益指标", "社会效益指标", "群众出行便利度"), (4, "满意度指标", "服务对象满意度指标", "群众满意度"),
    ]
    assert road["indicators"][0]["target"] == {"comparator": ">=", "value": "12", "unit": "公里"}
    assert road["indicators"][0]["weight"] == "20"
    assert road["indicators"][1]["annual_value"] == "2021-12-31"
    assert road["indicators"][2]["target"] is None
    assert road["indicators"][3]["target"] == {"comparator": ">=", "value": "90", "unit": "%"}
    assert village["indicators"][1]["target"] == {"comparator": ">=", "value": "100", "unit": "%"}
    assert village["indicators"][2]["target"] == {"comparator": "<=", "value": "2", "unit": "万元/人"}


def test_several_units_each_reconcile_with_their_projects(db, write_file):
    rows = [
        "2024年项目支出绩效目标表", "部门名称: 某区教育局", "单位: 万元",
        "项目名称(资金使用单位)\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标",
        "合计\t30.00\t25.00\t\t5.00\t\t",
        "某区第一中学\t10.00\t10.00\t\t\t\t",
        "教学设备购置\t10.00\t10.00\t\t\t购置设备\t1.1-产出指标:11-数量指标:设备数量;实施周期指标值:20台;年度指标值:20台。",
        "某区第二中学\t20.00\t15.00\t\t5.00\t\t",
        "校舍维修\t12.00\t12.00\t-\t0\t维修校舍\t1.1-产出指标:11-数量指标:维修面积;年度指标值:≥500平方米。",
        "课后服务\t8.00\t3.00\t\t5.00\t开展课后服务\t1.3-满意度指标:31-服务对象满意度:家长满意度;年度指标值:≥90%。",
        "注:本表金额单位为万元。",
    ]
    import_table(write_file("edu.txt", "\n".join(rows)), filename="edu.txt")
    doc = exporter.json_document()["tables"][0]
    assert doc["year"] == 2024
    assert [(u["name"], u["funding"]["total"], len(u["projects"])) for u in doc["units"]] == [
        ("某区第一中学", "10.00", 1), ("某区第二中学", "20.00", 2)]
    assert doc["units"][1]["funding"]["by_source"] == {"财政拨款": "15.00", "财政专户拨款": "0", "其他资金": "5.00"}
    assert doc["units"][1]["projects"][0]["indicators"][0]["period_value"] is None
    assert [f["code"] for f in doc["flags"]] == ["note-row"]
    assert doc["flags"][0]["message"] == "注:本表金额单位为万元。"


# -- errors: every problem with its row and column, nothing written -----------------------

def rows_with(replace: dict[int, list[str]]) -> str:
    rows = reference_rows()
    for index, cells in replace.items():
        rows[index] = cells
    return table_rows_text(rows)


def failure(path, **options) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        import_table(path, filename=path.name, **options)
    return [str(p) for p in caught.value.problems]


def test_a_row_whose_total_does_not_match_its_sources_is_refused_with_row_and_difference(db, write_file):
    rows = reference_rows()
    rows[11][1] = "199.50"
    errors = failure(write_file("bad.txt", table_rows_text(rows)), year=2021)
    assert errors[0] == "bad.txt 第12行 「总计」列: 值“199.50”与财政拨款+财政专户拨款+其他资金之和 199.00 不一致,相差 0.50 万元"
    assert "bad.txt 第11行 「总计」列: 值“2,616.61”是单位「广州市花都区政务服务和数据管理局」的小计,与其下项目之和 2,617.11 不一致,相差 -0.50 万元" in errors
    assert BudgetTable.objects.count() == 0


def test_lenient_mode_imports_and_records_each_difference_as_a_flag(db, write_file):
    rows = reference_rows()
    rows[11][1] = "199.50"
    import_table(write_file("bad.txt", table_rows_text(rows)), filename="bad.txt", year=2021, lenient=True)
    flags = list(Flag.objects.filter(code="reconciliation").values_list("row", "project__name"))
    assert flags == [(11, None), (12, "办证大厅窗口服务经费")]
    findings = Project.objects.get(name="办证大厅窗口服务经费").review_findings
    assert "reconciliation" in [f["code"] for f in findings]


def test_a_bad_amount_in_the_last_row_writes_nothing(db, write_file):
    rows = reference_rows()
    rows[-1][2] = "一百五十六"
    errors = failure(write_file("bad.txt", table_rows_text(rows)), year=2021)
    assert "bad.txt 第24行 「财政拨款」列: 值“一百五十六”不是有效的金额(应为数字,如 2,616.61)" in errors
    assert (BudgetTable.objects.count(), Project.objects.count()) == (0, 0)


def test_a_negative_amount_is_refused(db, write_file):
    rows = reference_rows()
    rows[11][1:3] = ["-199.00", "-199.00"]
    errors = failure(write_file("neg.txt", table_rows_text(rows)), year=2021)
    assert errors[0] == "neg.txt 第12行 「总计」列: 值“-199.00”是负数,金额不能为负"


def test_a_missing_required_column_is_named(db, write_file):
    text = REFERENCE_TEXT.replace("\t总计\t", "\t合计金额\t")
    errors = failure(write_file("nototal.txt", text), year=2021)
    assert errors == ["nototal.txt 第9行 「总计 或 预算数」列: 表头中找不到「总计 或 预算数」列"]


def test_a_table_without_a_year_asks_for_one(db):
    assert failure(REFERENCE) == [
        "huadu-zwfw-project-targets.txt: 无法从标题或表头前的文字中确定预算年度,请用 --year 指定(如 --year 2024)"]


def test_a_file_without_a_header_says_what_it_looked_for(db, write_file):
    errors = failure(write_file("prose.txt", "这不是一张表\n只有几行文字\n"), year=2021)
    assert errors == [
        "prose.txt: 前30行中找不到表头:需要「项目名称」列,以及「绩效指标」列或「三级指标」与「指标值」列;"
        "或者一张表单:「项目名称」「主管部门」「年度资金总额」等标签,以及「一级指标 | 二级指标 | 三级指标 | 指标值」指标表头。"
        "文件开头是:第1行「这不是一张表」; 第2行「只有几行文字」"]


# -- replacing, idempotence, dry runs, round trip ---------------------------------------

def test_importing_the_same_file_twice_changes_nothing(reference_table):
    ids = sorted(Indicator.objects.values_list("id", flat=True))
    result = import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    assert result.unchanged and not result.written
    assert sorted(Indicator.objects.values_list("id", flat=True)) == ids


def test_a_corrected_edition_replaces_the_table_entirely(reference_table, write_file):
    rows = reference_rows()
    rows[9][1:3] = rows[10][1:3] = ["2,417.61", "2,417.61"]
    del rows[11]  # 办证大厅窗口服务经费 (199.00) is dropped
    rows[12][5] = "新的绩效目标"
    result = import_table(write_file("v2.txt", table_rows_text(rows)), filename="v2.txt", year=2021)
    assert (result.added, result.removed, result.changed) == ([], ["办证大厅窗口服务经费"], ["新政务中心大楼后勤保障经费"])
    assert BudgetTable.objects.count() == 1 and Project.objects.count() == 12
    assert Project.objects.get(name="新政务中心大楼后勤保障经费").goal == "新的绩效目标"


def test_a_dry_run_reports_changes_and_writes_nothing(db):
    result = import_table(REFERENCE, filename=REFERENCE.name, year=2021, dry_run=True)
    assert len(result.added) == 13 and not result.written
    assert BudgetTable.objects.count() == 0


def test_the_table_export_imports_back_to_the_same_data(reference_table, write_file):
    before = document(rows=False)
    text = exporter.table_text(reference_table)
    BudgetTable.objects.all().delete()
    import_table(write_file("roundtrip.txt", text), filename="roundtrip.txt")
    assert document(rows=False) == before


# -- the command line ---------------------------------------------------------------------

def test_the_command_prints_a_summary_per_file(db):
    out = StringIO()
    call_command("import_targets", str(REFERENCE), "--year", "2021", stdout=out)
    assert out.getvalue().startswith(
        "huadu-zwfw-project-targets.txt: 广州市花都区政务服务和数据管理局 2021年 单位1个 项目13个 指标63个 提示1条 (新增13 修改0 删除0)")


def test_the_command_fails_listing_every_error_and_imports_the_good_files(db, write_file):
    from django.core.management.base import CommandError

    bad = write_file("bad.txt", REFERENCE_TEXT.replace("199.00\t199.00", "199.00\tabc"))
    err = StringIO()
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command("import_targets", str(bad), str(REFERENCE), "--year", "2021", stdout=StringIO(), stderr=err)
    assert "bad.txt 第12行 「财政拨款」列: 值“abc”不是有效的金额" in err.getvalue()
    assert BudgetTable.objects.count() == 1


def test_export_targets_writes_the_json_document(reference_table):
    out = StringIO()
    call_command("export_targets", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["tables"][0]["funding"]["total"] == "2616.61"


def test_a_two_row_value_header_takes_the_expected_value_and_keeps_last_years_as_flags(db, write_file):
    text = "\n".join([
        "2022年部门整体及项目绩效目标表", "部门名称:某县农业农村局", "金额单位:万元",
        "单位名称,项目名称,预算数,年度目标,一级指标,二级指标,三级指标,指标值,,计量单位,指标方向",
        ",,,,,,,2021年实际实现值,预期2022年实现值,,",
        "某县农业农村局,高标准农田建设,500,建设高标准农田1万亩,产出指标,数量指标,新建高标准农田面积,8000,10000,亩,正向",
        ",,,,,质量指标,工程验收合格率,100,100,%,正向",
        ",,,,满意度指标,服务对象满意度指标,受益农户满意度,92,≥90,%,正向",
    ])
    import_table(write_file("farm.csv", text, "gb18030"), filename="farm.csv")
    doc = exporter.json_document()["tables"][0]
    indicators = doc["units"][0]["projects"][0]["indicators"]
    assert [(i["name"], i["annual_value"], i["target"]["comparator"], i["target"]["value"]) for i in indicators] == [
        ("新建高标准农田面积", "10000亩", ">=", "10000"), ("工程验收合格率", "100%", ">=", "100"),
        ("受益农户满意度", "≥90%", ">=", "90")]
    assert [(f["row"], f["message"]) for f in doc["flags"]] == [
        (6, "指标「新建高标准农田面积」的「指标值/2021年实际实现值」列: 8000"),
        (7, "指标「工程验收合格率」的「指标值/2021年实际实现值」列: 100"),
        (8, "指标「受益农户满意度」的「指标值/2021年实际实现值」列: 92"),
    ]


def test_a_table_without_unit_rows_has_one_unit_named_after_the_department_and_converts_yuan(db, write_file):
    rows = [
        "2025年项目支出绩效目标表", "部门名称: 某镇人民政府", "单位: 元",
        "项目名称\t总计\t财政拨款\t其他资金\t绩效目标\t绩效指标",
        "合计\t3,309,840.00\t3,000,000.00\t309,840.00\t\t",
        "道路养护\t3,309,840.00\t3,000,000.00\t309,840.00\t养护道路\t1.1-产出指标:11-数量指标:养护里程;年度指标值:≥12公里。",
    ]
    import_table(write_file("town.txt", "\n".join(rows)), filename="town.txt")
    doc = exporter.json_document()["tables"][0]
    assert (doc["year"], doc["amount_unit"], doc["funding"]["total"]) == (2025, "万元", "330.984")
    assert [(u["name"], [p["name"] for p in u["projects"]]) for u in doc["units"]] == [("某镇人民政府", ["道路养护"])]
    assert doc["units"][0]["funding"]["by_source"] == {"财政拨款": "300.00", "其他资金": "30.984"}
    assert BudgetTable.objects.get().amount_unit == "元"


# -- what the fast path must not change ---------------------------------------------------------

def test_a_first_import_lists_every_project_as_added_in_the_order_of_the_file(db):
    result = import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    assert result.added == list(Project.objects.order_by("position").values_list("name", flat=True))
    assert len(result.added) == 13 and not result.removed and not result.changed


def test_the_stored_hash_is_that_of_the_whole_file_for_a_path_and_for_a_file_object(db, write_file):
    import hashlib
    import io

    expected = hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    assert BudgetTable.objects.get().source_sha256 == expected
    with open(REFERENCE, "rb") as handle:
        handle.read(100)  # a file object is read from its start, wherever it stands
        result = import_table(handle, filename="upload.txt", year=2021, dry_run=True)
    assert result.table.sha256 == expected and result.unchanged

    class Stream(io.RawIOBase):  # a pipe: readable once, not seekable
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.data.readinto(buffer)

    result = import_table(Stream(REFERENCE.read_bytes()), filename="pipe.txt", year=2021, dry_run=True)
    assert result.table.sha256 == expected and result.unchanged


def test_equal_values_with_different_hint_columns_read_as_different_targets(db, write_file):
    text = LAYOUT2.replace("\t≥\t90\t%\t10\t正向", "\t≥\t90\t分\t10\t正向").replace(
        "保障村数\t=\t10\t个", "保障村数\t=\t90\t%")
    import_table(write_file("mata.txt", text), filename="mata.txt")
    targets = dict(Indicator.objects.values_list("name", "target_unit"))
    assert targets["群众满意度"] == "分" and targets["保障村数"] == "%"
    assert Indicator.objects.get(name="保障村数").comparator == "="
    assert Indicator.objects.get(name="群众满意度").comparator == ">="


def test_the_cyclic_collector_is_back_on_after_an_import_even_a_failed_one(db, write_file):
    import gc

    import_table(REFERENCE, filename=REFERENCE.name, year=2021, dry_run=True)
    assert gc.isenabled()
    with pytest.raises(ImportFailed):
        import_table(write_file("prose.txt", "只有一段文字\n"), filename="prose.txt", year=2021)
    assert gc.isenabled()


# -- never a silently wrong fact (issue 11, item 5) ------------------------------------------

def layout2_text(*lines) -> str:
    head = ["部门预算项目绩效目标申报表", "单位: 万元",
            "项目名称\t预算数\t年度目标\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t权重"]
    return "\n".join(head + list(lines)) + "\n"


def test_a_filing_date_in_the_preamble_is_not_the_budget_year(db, write_file):
    text = REFERENCE_TEXT.replace("单位: 万元", "填报日期: 2020年10月8日\n单位: 万元", 1)
    import_table(write_file("dated.txt", text), filename="dated.txt", year=2021)
    assert BudgetTable.objects.get().year == 2021


def test_a_title_year_that_disagrees_with_the_given_year_is_an_error_naming_both(db, write_file):
    text = "2023年" + REFERENCE_TEXT
    errors = failure(write_file("titled.txt", text), year=2021)
    assert errors == ["titled.txt 第1行: 标题中的预算年度 2023 与指定的 --year 2021 不一致,请核对后重新指定"]


def test_a_template_line_is_not_a_department_and_the_given_department_wins(db, write_file):
    text = REFERENCE_TEXT.replace("部门名称: 广州市花都区政务服务和数据管理局", "填报单位:(盖章)  单位:万元", 1)
    import_table(write_file("stamp.txt", text), filename="stamp.txt", year=2021)
    assert BudgetTable.objects.get().department.name == "广州市花都区政务服务和数据管理局"  # its unit row
    BudgetTable.objects.all().delete()
    import_table(write_file("stamp.txt", text), filename="stamp.txt", year=2021, department="某区政务服务局")
    assert BudgetTable.objects.get().department.name == "某区政务服务局"
    assert not Flag.objects.filter(code="department-differs").exists()


def test_the_given_department_wins_over_the_file_with_a_flag(db):
    import_table(REFERENCE, filename=REFERENCE.name, year=2021, department="花都区政数局")
    table = BudgetTable.objects.get()
    assert table.department.name == "花都区政数局"
    flag = table.flags.get(code="department-differs")
    assert flag.message == "文件中的部门名称「广州市花都区政务服务和数据管理局」与指定的部门「花都区政数局」不同,已按指定的部门导入"


def test_a_blank_level2_cell_does_not_continue_into_another_level1(db, write_file):
    text = layout2_text(
        "道路养护\t100\t养护道路\t效益指标\t可持续影响指标\t道路使用年限\t≥\t10年\t10",
        "\t\t\t满意度指标\t\t群众满意度\t≥\t90%\t10",
    )
    import_table(write_file("l2.txt", text), filename="l2.txt", year=2023, department="某县交通局")
    satisfied = Indicator.objects.get(name="群众满意度")
    assert (satisfied.level1_label, satisfied.level2_label) == ("满意度指标", "")
    flag = Flag.objects.get(code="indicator-without-level2")
    assert (flag.row, flag.message) == (5, "项目「道路养护」的指标「群众满意度」没有二级指标")


@pytest.mark.parametrize("footer", [
    "审核意见\t(盖章)", "财政部门审核意见", "填表人: 李四  联系电话: 12345678", "评价结论\t良好", "(盖章)",
    "单位负责人签字:", "其他需说明的问题\t无",
])
def test_footer_and_signature_rows_are_neither_projects_nor_indicators(db, write_file, footer):
    text = layout2_text("道路养护\t100\t养护道路\t产出指标\t数量指标\t养护里程\t≥\t12公里\t10", footer)
    import_table(write_file("foot.txt", text), filename="foot.txt", year=2023, department="某县交通局")
    assert list(Project.objects.values_list("name", flat=True)) == ["道路养护"]
    assert list(Indicator.objects.values_list("name", flat=True)) == ["养护里程"]
    flag = Flag.objects.get(code="footer-row")
    assert (flag.row, flag.message) == (5, footer.replace("\t", " | "))


def test_footer_rows_after_a_project_per_row_table_are_not_projects(db, write_file):
    text = REFERENCE_TEXT.rstrip("\n") + "\n审核意见\t(盖章)\n填表人: 李四\n"
    import_table(write_file("foot.txt", text), filename="foot.txt", year=2021)
    assert Project.objects.count() == 13
    assert list(Flag.objects.filter(code="footer-row").values_list("message", flat=True)) == [
        "审核意见 | (盖章)", "填表人: 李四"]


def test_empty_grid_rows_are_not_indicators(db, write_file):
    text = layout2_text(
        "道路养护\t100\t养护道路\t产出指标\t数量指标\t养护里程\t≥\t12公里\t10",
        "\t\t\t效益指标\t经济效益指标\t/\t\t/",
        "\t\t\t\t生态效益指标\t—\t\t—\t",
    )
    import_table(write_file("empty.txt", text), filename="empty.txt", year=2023, department="某县交通局")
    assert list(Indicator.objects.values_list("name", flat=True)) == ["养护里程"]


def test_placeholders_and_marks_are_removed_from_names_and_kept_on_a_flag(db, write_file):
    text = layout2_text(
        "道路养护\t100\t养护道路\t产出指标\t数量指标\t贫困地区旅游景点开发数量( ≥**个 )\t≥\t4个\t10",
        "\t\t\t\t质量指标\t*建设质量达标率\t≥\t98%\t10",
        "\t\t\t\t\t★群众满意度\t≥\t90%\t10",
    )
    import_table(write_file("marks.txt", text), filename="marks.txt", year=2023, department="某县交通局")
    assert list(Indicator.objects.values_list("name", flat=True)) == ["贫困地区旅游景点开发数量", "建设质量达标率", "群众满意度"]
    assert list(Flag.objects.filter(code="name-cleaned").values_list("row", "message")) == [
        (4, "指标名称「贫困地区旅游景点开发数量( ≥**个 )」存为「贫困地区旅游景点开发数量」,去掉了模板占位符或标记「( ≥**个 )」"),
        (5, "指标名称「*建设质量达标率」存为「建设质量达标率」,去掉了模板占位符或标记「*」"),
        (6, "指标名称「★群众满意度」存为「群众满意度」,去掉了模板占位符或标记「★」"),
    ]


def test_a_first_data_row_without_a_plain_number_is_not_a_second_header_row(db, write_file):
    text = "\n".join([
        "2023年部门预算项目绩效目标表", "单位: 万元",
        "项目名称\t预算数\t年度目标\t一级指标\t二级指标\t三级指标\t指标值\t\t备注",
        "道路养护\t一百万\t养护道路\t产出指标\t数量指标\t养护里程\t≥12公里\t\t无",
    ]) + "\n"
    errors = failure(write_file("words.txt", text), department="某县交通局")
    assert errors == ["words.txt 第4行 「预算数」列: 值“一百万”不是有效的金额(应为数字,如 2,616.61)"]


def test_the_table_export_of_an_indicator_per_row_table_imports_back(db, write_file):
    text = "\n".join([
        "部门预算项目绩效目标申报表", "单位: 万元",
        "项目名称,预算数,年度目标,一级指标,二级指标,三级指标,指标性质,指标值,度量单位,权重",
        '道路养护,100,养护道路,产出指标,数量指标,养护里程,≥,12,公里,20',
        ',,,效益指标,"经济效益\n指标",带动增收,≥,2.61,万元,10',
        ',,,满意度指标,服务对象满意度指标,群众满意度,≥,90,%,10',
    ]) + "\n"
    import_table(write_file("w.csv", text), filename="w.csv", year=2023, department="某县交通局")
    before = document(rows=False)
    out = StringIO()
    call_command("export_targets", "--year", "2023", "--format", "table", stdout=out)
    BudgetTable.objects.all().delete()
    import_table(write_file("back.txt", out.getvalue()), filename="back.txt")
    after = document(rows=False)
    for doc in (before, after):
        doc["tables"][0].pop("layout")
        doc["tables"][0].pop("title")
    assert after == before
    assert before["tables"][0]["units"][0]["projects"][0]["indicators"][1]["level2"] == "经济效益指标"
