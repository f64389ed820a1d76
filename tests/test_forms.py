"""Layouts 3 and 4: single-project forms (one per file, stacked down a sheet, one per sheet) and the
department-wide form, read label by label wherever the values sit."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from budget import exporter
from budget.importing.importer import import_table
from budget.importing.problems import ImportFailed
from budget.models import BudgetTable, Flag, Indicator, Project

REAL = Path(__file__).resolve().parent / "data" / "real"


def real_rows(slug) -> list[list[str]]:
    """A corpus transcription (cells split on |, \\n a line break inside a cell) as rows of cells."""
    lines = (REAL / f"{slug}.txt").read_text(encoding="utf-8").splitlines()
    return [[c.replace("\\n", "\n") for c in line.split("|")] for line in lines]


def workbook(path, *sheets, merges=()):
    """Write sheets of rows (each a list of cells) to an xlsx; merges as (sheet index, range)."""
    book = Workbook()
    book.remove(book.active)
    for index, rows in enumerate(sheets):
        sheet = book.create_sheet(f"项目{index + 1}")
        for row in rows:
            sheet.append([c if c != "" else None for c in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a published "=10个" is text, as in a clerk's sheet, not a formula
    for index, cells in merges:
        book.worksheets[index].merge_cells(cells)
    book.save(path)
    return path


def tsv(*rows) -> str:
    return "\n".join("\t".join(r) for r in rows) + "\n"


def failure(path, **options) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        import_table(path, filename=path.name, **options)
    return [str(p) for p in caught.value.problems]


def the_project():
    return Project.objects.get()


# A form as the spec draws it: values beside their labels, two columns over, and under them.
SPEC_FORM = [
    ["某某项目支出绩效目标申报表"],
    ["(2023年度)"],
    ["填报单位:(盖章)", "", "", "单位:万元"],
    ["项目名称", "道路养护", "", "项目负责人及电话", "张三"],
    ["主管部门", "[015001]某县交通运输局", "", "实施单位", "某县公路事务中心"],
    ["资金情况(万元)", "年度资金总额:", "", "500"],
    ["", "其中:财政拨款", "", "480"],
    ["", "其他资金", "", "20"],
    ["总体目标", "年度目标", "", "", "实施期目标"],
    ["", "完成干线公路养护120公里", "", "", "三年内全县干线公路优良路率达到90%"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
    ["", "产出指标", "数量指标", "养护里程", "≥120公里"],
    ["", "", "", "桥梁检测", "12座"],
    ["", "", "质量指标", "优良路率", "≥85%"],
    ["", "效益指标", "社会效益\n指标", "通行条件改善", "明显改善"],
    ["", "满意度指标", "", "沿线群众满意度", "≥90%"],
    ["审核意见", "(盖章)"],
    ["填表人: 李四  联系电话: 12345678"],
]


def test_a_form_is_read_label_by_label_wherever_the_values_sit(db, tmp_path):
    path = workbook(tmp_path / "form.xlsx", SPEC_FORM, merges=[(0, "B12:B14"), (0, "A11:A16")])
    result = import_table(path, filename=path.name)
    table = BudgetTable.objects.get()
    assert (result.table.layout, table.kind, table.year, table.department.name, table.department.code) == (
        "single-project-form", "project-targets", 2023, "某县交通运输局", "015001")
    project = the_project()
    assert (project.name, project.unit.name, project.total, project.goal, project.period_goal) == (
        "道路养护", "某县公路事务中心", Decimal(500), "完成干线公路养护120公里", "三年内全县干线公路优良路率达到90%")
    assert {f.source.name: f.amount for f in project.funding.all()} == {"财政拨款": Decimal(480), "其他资金": Decimal(20)}
    assert project.attributes == {"项目负责人及电话": "张三"}
    assert list(project.indicators.values_list("level1_label", "level2_label", "name", "annual_value")) == [
        ("产出指标", "数量指标", "养护里程", "≥120公里"), ("产出指标", "数量指标", "桥梁检测", "12座"),
        ("产出指标", "质量指标", "优良路率", "≥85%"), ("效益指标", "社会效益指标", "通行条件改善", "明显改善"),
        ("满意度指标", "", "沿线群众满意度", "≥90%")]
    assert list(Flag.objects.filter(code="footer-row").values_list("row", "message")) == [
        (17, "审核意见 | (盖章)"), (18, "填表人: 李四  联系电话: 12345678")]


@pytest.mark.parametrize("written, total, note", [
    ("250万", "250", None), ("164万元", "164", None), ("10000万元", "10000", None), ("1,200", "1200", None),
    ("854万(高标准农田建设400万元,示范建设295万元)", "854", "(高标准农田建设400万元,示范建设295万元)"),
    ("3000元", "0.3", None),
])
def test_amounts_are_read_as_clerks_write_them_and_explanations_kept(db, write_file, written, total, note):
    rows = [r[:] for r in SPEC_FORM[:6]] + [["总体目标", "年度目标", "养护道路"]] + SPEC_FORM[10:12]
    rows[5] = ["资金情况(万元)", "年度资金总额:", written]
    import_table(write_file("f.txt", tsv(*rows)), filename="f.txt")
    assert the_project().total == Decimal(total)
    notes = list(Flag.objects.filter(code="amount-note").values_list("message", flat=True))
    # The one note among these is on 854万(…): the amount as finance staff write it.
    assert notes == ([f"「年度资金总额」{written}: 金额读作 854.00 万元,说明文字保留为「{note}」"] if note else [])


def test_an_amount_that_cannot_be_read_is_refused_with_row_and_label(db, write_file):
    rows = [r[:] for r in SPEC_FORM]
    rows[5] = ["资金情况(万元)", "年度资金总额:", "约五百万"]
    assert failure(write_file("f.txt", tsv(*rows))) == [
        "f.txt 第6行 「年度资金总额」列: 值“约五百万”不是能读懂的金额(应为数字,如 250、250万、164万元)"]


def test_sources_written_as_parts_must_add_up_to_the_total(db, write_file):
    rows = [r[:] for r in SPEC_FORM]
    rows[6] = ["", "其中:财政拨款", "", "470"]
    assert failure(write_file("f.txt", tsv(*rows))) == [
        "f.txt 第6行 「年度资金总额」列: 值“500”与财政拨款+其他资金之和 490 不一致"]


def test_a_label_it_does_not_know_is_refused_with_row_column_and_value(db, write_file):
    rows = [r[:] for r in SPEC_FORM]
    rows.insert(5, ["资金用途", "道路日常养护"])
    assert failure(write_file("f.txt", tsv(*rows))) == [
        "f.txt 第6行 「A」列: 值“资金用途”不是认识的表单标签(其值为“道路日常养护”),无法确定它是什么;认识的标签如:"
        "项目名称、主管部门、预算部门、实施单位、年度资金总额、其中:财政拨款、年度目标、实施期目标……"]


def test_the_grid_reads_long_term_and_annual_values_side_by_side_with_unit_nature_and_remarks(db, write_file):
    rows = [r[:] for r in SPEC_FORM[:8]] + [["总体目标", "年度目标", "养护道路"]] + [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "长期指标值", "年度指标值", "计量单位", "备注"],
        ["", "产出指标", "数量指标", "养护里程", "≥", "360", "120", "公里", "核心指标"],
        ["", "满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥", "90", "90", "%", ""],
    ]
    import_table(write_file("f.txt", tsv(*rows)), filename="f.txt")
    road, people = Indicator.objects.order_by("position")
    assert (road.period_value, road.annual_value, road.extra) == ("360", "120公里", {"备注": "核心指标"})
    assert (road.comparator, road.target_value, road.target_unit) == (">=", Decimal(120), "公里")
    assert (people.annual_value, people.extra) == ("90%", None)
    assert (people.comparator, people.target_value, people.target_unit) == (">=", Decimal(90), "%")


def test_forms_stacked_down_a_sheet_and_one_per_sheet_of_one_department_form_one_table(db, tmp_path):
    tourism, assets = real_rows("hn-nanyue-2018-tourism"), real_rows("hn-nanyue-2018-asset-income")
    stacked = workbook(tmp_path / "stacked.xlsx", tourism + [[""]] + assets)
    for path in (stacked, workbook(tmp_path / "sheets.xlsx", tourism, assets)):
        BudgetTable.objects.all().delete()
        import_table(path, filename=path.name, year=2018, department="南岳镇人民政府")
        table = BudgetTable.objects.get()
        assert (table.department.name, table.year, table.total) == ("南岳镇人民政府", 2018, Decimal("224.06"))
        assert [(p.unit.name, p.name, p.indicators.count()) for p in table.projects.order_by("position")] == [
            ("湖南省润山润水生态农业发展有限公司", "2018年市级专项扶贫资金基础设施(人大代表扶贫基地)", 16),
            ("衡阳市南岳区南岳镇人民政府", "2018年南岳镇资产收益扶贫项目", 11)]
        assert list(table.flags.filter(code="department-differs").values_list("message", flat=True)) == [
            "文件中的部门名称「南岳镇政府」与指定的部门「南岳镇人民政府」不同,已按指定的部门导入"]


def test_forms_of_different_departments_in_one_file_are_refused_unless_the_department_is_given(db):
    path = REAL / "sheet-per-form.xlsx"  # 武汉市青山区教育局, 青山区教育局 and 陈仓区水利局, all 2020
    assert failure(path, year=2020) == [
        "sheet-per-form.xlsx 工作表「项目2」 第4行 「主管部门」列: 值“青山区教育局”与sheet-per-form.xlsx 第4行的「武汉市青山区教育局」"
        "不是同一个部门:一个文件中的表单应属于同一部门,或用 --department 指定部门",
        "sheet-per-form.xlsx 工作表「项目3」 第5行 「主管部门」列: 值“陈仓区水利局”与sheet-per-form.xlsx 第4行的「武汉市青山区教育局」"
        "不是同一个部门:一个文件中的表单应属于同一部门,或用 --department 指定部门",
    ]
    assert BudgetTable.objects.count() == 0
    import_table(path, filename=path.name, year=2020, department="武汉市青山区教育局")
    table = BudgetTable.objects.get()
    assert [(p.unit.name, p.name, p.total) for p in table.projects.order_by("position")] == [
        ("武汉市青山区教育局", "教育系统基础设施建设和设备购置", Decimal(10000)),
        ("武汉市青山区教育局", "农村饮水安全巩固提升工程专项", Decimal(500)),
        ("化工区学校", "农村义务教育薄弱学校改造补助资金", Decimal(16))]
    assert sorted(table.flags.filter(code="department-differs").values_list("message", flat=True)) == [
        "文件中的部门名称「陈仓区水利局」与指定的部门「武汉市青山区教育局」不同,已按指定的部门导入",
        "文件中的部门名称「青山区教育局」与指定的部门「武汉市青山区教育局」不同,已按指定的部门导入"]


def test_forms_of_different_years_in_one_file_are_refused_naming_each(db, tmp_path):
    forms = real_rows("hn-xiangtan-2023-wupaoche") + [[""]] + real_rows("hn-yueyang-2022-farmland")
    path = workbook(tmp_path / "years.xlsx", forms)
    assert failure(path, department="某县") == [
        "years.xlsx: 文件中的表单写了不同的预算年度(years.xlsx 第1行 2023年、years.xlsx 第23行 2022年),请按年度分开导入"]


def test_the_template_line_and_a_filing_date_change_neither_department_nor_year(db, tmp_path):
    rows = real_rows("hn-xiangtan-2023-wupaoche")
    rows[-1] = ["填表人: 宋云花 联系电话:[电话已隐去] 填报日期: 2022年10月8日 单位负责人签字:"]
    path = workbook(tmp_path / "x.xlsx", rows)
    import_table(path, filename=path.name, year=2023)
    table = BudgetTable.objects.get()
    assert (table.department.name, table.year) == ("湘潭市环境卫生管理处", 2023)
    BudgetTable.objects.all().delete()
    assert failure(path, year=2024) == ["x.xlsx 第1行: 标题中的预算年度 2023 与指定的 --year 2024 不一致,请核对后重新指定"]


def test_a_department_wide_table_stands_beside_the_project_table_of_its_year(db, client, tmp_path):
    department = "中共宁德市委党史和地方志研究室"
    import_table(REAL / "fj-ningde-2019-dept-targets.csv", filename="ningde.csv", year=2019)
    form = [r[:] for r in SPEC_FORM]
    form[1], form[4][1] = ["(2019年度)"], department
    import_table(workbook(tmp_path / "p.xlsx", form), filename="p.xlsx")
    whole, projects = BudgetTable.objects.order_by("kind")
    assert (whole.kind, whole.total, projects.kind, projects.total) == (
        "department-targets", Decimal("171.41"), "project-targets", Decimal(500))
    # A new edition of either replaces only itself.
    import_table(REAL / "fj-ningde-2019-dept-targets.csv", filename="ningde.csv", year=2019)
    assert BudgetTable.objects.count() == 2
    page = client.get(reverse("budget:department", args=[projects.department.pk, 2019])).content.decode()
    section = re.search(r'<section class="card" id="department-targets">(.*?)</section>', page, re.S).group(1)
    assert "171.41" in section and "110.61" in section and "目标1:确保本室各人员工资及福利的发放;<br>" in section
    assert "组织、指导、编纂、督促和检查地方志、年鉴、地情工作" in section and "各类书籍审稿率" in section
    # The duty's amount, written 49.8 in the source, as every amount on the pages is written.
    assert "<td>地情、市志编纂与年鉴出版经费</td><td class=\"num\">49.80</td>" in section
    assert "道路养护" not in section
    overview = exporter.json_document(year=2019)["tables"]
    assert [t["kind"] for t in overview] == ["project-targets", "department-targets"]


def test_a_department_that_published_only_its_department_wide_table_has_its_page(db, client):
    import_table(REAL / "fj-ningde-2019-dept-targets.csv", filename="ningde.csv", year=2019)
    table = BudgetTable.objects.get()
    page = client.get(reverse("budget:department", args=[table.department_id, 2019])).content.decode()
    assert "本部门本年度只公开了部门整体支出绩效目标表,没有项目支出绩效目标表。" in page
    section = re.search(r'<section class="card" id="department-targets">(.*?)</section>', page, re.S).group(1)
    assert "171.41" in section and "各类书籍审稿率" in section
    download = client.get(reverse("budget:download", args=[table.department_id, 2019, "json"]))
    assert download.status_code == 200
    assert json.loads(download.getvalue())["tables"][0]["kind"] == "department-targets"
    assert client.get(reverse("budget:department", args=[table.department_id, 2018])).status_code == 404


def test_several_form_files_of_one_department_in_one_run_make_one_table(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    first = workbook(tmp_path / "a.xlsx", real_rows("hn-nanyue-2018-tourism"))
    rows = real_rows("hn-nanyue-2018-asset-income")
    rows[2][1] = "南岳镇政府"  # the same department as the first form names
    second = workbook(tmp_path / "b.xlsx", rows)
    out = StringIO()
    call_command("import_targets", str(first), str(second), "--year", "2018", stdout=out)
    assert out.getvalue().startswith("a.xlsx、b.xlsx: 南岳镇政府 2018年 单位2个 项目2个 指标27个")
    table = BudgetTable.objects.get()
    assert list(table.projects.order_by("position").values_list("name", flat=True)) == [
        "2018年市级专项扶贫资金基础设施(人大代表扶贫基地)", "2018年南岳镇资产收益扶贫项目"]
    footers = sorted(table.flags.filter(code="footer-row").values_list("message", flat=True))
    assert footers[0] == "a.xlsx: 区扶贫办审核意见 | (盖章)" and footers[3] == "b.xlsx: 区扶贫办审核意见 | (盖章)"
    out = StringIO()
    call_command("import_targets", str(first), str(second), "--year", "2018", stdout=out)
    assert "(无变化)" in out.getvalue()


def test_a_two_row_value_header_puts_long_term_and_annual_values_apart(db, write_file):
    rows = [r[:] for r in SPEC_FORM[:8]] + [["总体目标", "年度目标", "养护道路"]] + [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
        ["", "", "", "", "长期", "年度"],
        ["", "产出指标", "数量指标", "养护里程", "≥360公里", "≥120公里"],
    ]
    import_table(write_file("f.txt", tsv(*rows)), filename="f.txt")
    road = Indicator.objects.get()
    assert (road.period_value, road.annual_value) == ("≥360公里", "≥120公里")
    assert (road.comparator, road.target_value, road.target_unit) == (">=", Decimal(120), "公里")


def test_a_note_after_a_source_amount_is_kept(db, write_file):
    rows = [r[:] for r in SPEC_FORM]
    rows[6] = ["", "其中:财政拨款", "", "480万480万(省级补助)"]
    import_table(write_file("f.txt", tsv(*rows)), filename="f.txt")
    assert list(Flag.objects.filter(code="amount-note").values_list("row", "message")) == [
        (7, "「财政拨款」480万480万(省级补助): 金额读作 480.00 万元,说明文字保留为「480万(省级补助)」")]


def test_the_table_export_of_a_department_wide_table_imports_back_as_one(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    import_table(REAL / "fj-ningde-2019-dept-targets.csv", filename="ningde.csv", year=2019)
    before = exporter.json_document()
    out = StringIO()
    call_command("export_targets", "--year", "2019", "--format", "table", "--kind", "department-targets", stdout=out)
    BudgetTable.objects.all().delete()
    path = tmp_path / "ningde.txt"
    path.write_text(out.getvalue(), encoding="utf-8")
    import_table(path, filename="ningde.csv")
    after = exporter.json_document()
    for doc in (before, after):
        for table in doc["tables"]:
            table.pop("source")
            table.pop("flags")
            for unit in table["units"]:
                for project in unit["projects"]:
                    project.pop("source_row")
    assert after == before
    assert after["tables"][0]["kind"] == "department-targets"


def test_a_form_whose_grid_starts_after_many_label_rows_is_still_a_form(db, tmp_path):
    rows = [r[:] for r in SPEC_FORM[:10]] + [["项目实施内容", f"第{n}项工作"] for n in range(40)] + SPEC_FORM[10:]
    import_table(workbook(tmp_path / "long.xlsx", rows), filename="long.xlsx")
    assert Indicator.objects.count() == 5
    assert the_project().attributes["项目实施内容"] == "\n".join(f"第{n}项工作" for n in range(40))


def test_a_numbered_goal_is_a_value_and_numbered_source_parts_are_kept_apart(db, tmp_path):
    rows = [r[:] for r in SPEC_FORM]
    rows[6:8] = [["", "(一)财政拨款小计", "", "480"], ["", "1、一般公共预算", "", "480"], ["", "(二)其他资金", "", "20"]]
    rows[10] = ["", "1、完成干线公路养护120公里;2、桥梁检测12座", "", "", "三年内全县干线公路优良路率达到90%"]
    import_table(workbook(tmp_path / "n.xlsx", rows), filename="n.xlsx")
    project = the_project()
    assert project.goal == "1、完成干线公路养护120公里;2、桥梁检测12座"
    assert {f.source.name: f.amount for f in project.funding.all()} == {"财政拨款": Decimal(480), "其他资金": Decimal(20)}
    assert list(Flag.objects.filter(code="source-detail").values_list("row", "message")) == [
        (8, "资金来源明细「1、一般公共预算」480 万元")]


def test_an_indicator_ending_in_yijian_under_merged_categories_is_no_footer(db, tmp_path):
    rows = [r[:] for r in SPEC_FORM]
    rows.insert(13, ["", "", "", "征求沿线群众意见", "≥2次"])
    import_table(workbook(tmp_path / "y.xlsx", rows), filename="y.xlsx")
    assert "征求沿线群众意见" in Indicator.objects.values_list("name", flat=True)
    assert Indicator.objects.count() == 6


def test_a_department_wide_form_and_a_project_form_in_one_file_are_refused(db, tmp_path):
    rows = real_rows("fj-ningde-2019-dept-targets") + [[""]] + [r[:] for r in SPEC_FORM]
    rows[-17] = ["(2019年度)"]
    path = workbook(tmp_path / "mixed.xlsx", rows)
    assert failure(path, department="中共宁德市委党史和地方志研究室") == [
        "mixed.xlsx: 文件中既有部门整体支出绩效目标表又有其他表单(或有多张部门整体表),请分开导入"]


def test_the_downloads_of_a_department_with_both_tables(db, client, tmp_path):
    import json

    department = "中共宁德市委党史和地方志研究室"
    import_table(REAL / "fj-ningde-2019-dept-targets.csv", filename="ningde.csv", year=2019)
    form = [r[:] for r in SPEC_FORM]
    form[1], form[4][1] = ["(2019年度)"], department
    import_table(workbook(tmp_path / "p.xlsx", form), filename="p.xlsx")
    pk = BudgetTable.objects.first().department_id
    body = b"".join(client.get(reverse("budget:download", args=[pk, 2019, "json"])).streaming_content)
    tables = json.loads(body)["tables"]
    assert [(t["kind"], t["funding"]["total"]) for t in tables] == [
        ("project-targets", "500.00"), ("department-targets", "171.41")]
    assert tables[1]["overall"]["funding"]["by_purpose"] == {"项目支出": "60.80", "基本支出": "110.61"}
    text = b"".join(client.get(reverse("budget:download", args=[pk, 2019, "txt"])).streaming_content).decode()
    assert "道路养护" in text and "部门整体支出" not in text


def test_a_given_department_does_not_take_the_code_of_the_department_the_form_names(db, tmp_path):
    import_table(workbook(tmp_path / "f.xlsx", SPEC_FORM), filename="f.xlsx", department="某县交通局")
    table = BudgetTable.objects.get()
    assert (table.department.name, table.department.code) == ("某县交通局", "")
    assert table.flags.get(code="department-differs").message == (
        "文件中的部门名称「某县交通运输局」与指定的部门「某县交通局」不同,已按指定的部门导入")


# A form whose budget is a table of its items and whose grid has two category columns (the Hubei 市直 template).
ITEMS_FORM = [
    ["某市2022年市直部门预算项目支出绩效目标表"],
    ["项目名称", "办公楼运行保障"],
    ["项目类别", "本级支出项目", "项目性质", "持续性项目"],
    ["项目预算成本构成", "金额", "测算(公式)依据", "2021年实际执行数"],
    ["保安服务费", "191", "依据招标文件", "191"],
    ["水电费", "524", "据实结算", "504.55"],
    ["合计", "715", "", "695.55"],
    ["绩效目标", "服务对象满意"],
    ["绩效指标", "", "", "", "保障绩效目标实现措施"],
    ["一级指标", "二级指标", "绩效标准", "当年预期实现值"],
    ["数量指标", "维修次数", "反映维修情况", "≥280次", "专人负责"],
    ["服务对象满意度指标", "服务对象满意度", "", "≥90%"],
]


def test_a_budget_of_items_gives_the_total_and_a_two_level_grid_its_names_and_categories(db, write_file):
    import_table(write_file("items.txt", tsv(*ITEMS_FORM)), filename="items.txt", department="某市机关事务服务中心")
    project = the_project()
    assert (project.name, project.unit.name, project.total, project.goal, project.attributes) == (
        "办公楼运行保障", "某市机关事务服务中心", Decimal(715), "服务对象满意",
        {"项目类别": "本级支出项目", "项目性质": "持续性项目"})
    assert list(project.indicators.values_list("level1_label", "level2_label", "name", "annual_value", "extra")) == [
        ("产出指标", "数量指标", "维修次数", "≥280次", {"绩效标准": "反映维修情况", "保障绩效目标实现措施": "专人负责"}),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", None)]
    assert list(Flag.objects.filter(code="budget-item").values_list("row", "message")) == [
        (5, "「项目预算成本构成」: 保安服务费 | 金额 191 | 测算(公式)依据 依据招标文件 | 2021年实际执行数 191"),
        (6, "「项目预算成本构成」: 水电费 | 金额 524 | 测算(公式)依据 据实结算 | 2021年实际执行数 504.55"),
        (7, "「项目预算成本构成」: 合计 | 金额 715 | 2021年实际执行数 695.55")]
    assert Flag.objects.filter(code="level1-implied").count() == 1


def test_items_that_do_not_add_up_and_a_category_of_no_level_1_are_refused_with_row_column_and_value(db, write_file):
    rows = [r[:] for r in ITEMS_FORM]
    rows[6][1] = "716"
    rows[11][0] = "工作指标"
    assert failure(write_file("items.txt", tsv(*rows)), department="某市机关事务服务中心") == [
        "items.txt 第7行 「金额」列: 值“716”与「项目预算成本构成」各项之和 715 不一致,相差 1 万元",
        "items.txt 第12行 「一级指标」列: 值“工作指标”不是认识的二级指标,无法确定它属于哪个一级指标(产出指标、效益指标、满意度指标)"]
    assert BudgetTable.objects.count() == 0


def test_values_given_per_place_are_kept_by_column_and_one_unknown_value_column_is_refused(db, write_file):
    head = [["2022年某专项资金绩效目标表"], ["项目名称", "某水利专项资金", "主管部门(单位)名称", "某县水利局"],
            ["资金情况(万元)", "资金总额", "30", "其中:财政拨款", "30"], ["总体目标", "开展2个小型水利工程建设"]]
    by_place = head + [["绩效指标", "一级指标", "二级指标", "三级指标", "指标解释", "甲村", "乙村"],
                       ["", "产出指标", "数量指标", "开展工程建设(个)", "反映开展情况", "1", "2"]]
    import_table(write_file("places.txt", tsv(*by_place)), filename="places.txt")
    (indicator,) = the_project().indicators.all()
    assert (the_project().name, indicator.annual_value, indicator.target_value, indicator.extra) == (
        "某水利专项资金", None, None, {"指标解释": "反映开展情况", "甲村": "1", "乙村": "2"})
    assert list(Flag.objects.filter(code="values-by-column").values_list("row", "message")) == [
        (5, "指标表没有「指标值」列,各指标的值按列保存在「甲村、乙村」下,没有统一的年度指标值,也就没有可解析的目标")]
    BudgetTable.objects.all().delete()
    one_column = head + [["绩效指标", "一级指标", "二级指标", "三级指标", "预期值"],
                         ["", "产出指标", "数量指标", "开展工程建设(个)", "2"]]
    assert failure(write_file("one.txt", tsv(*one_column))) == [
        "one.txt 第5行: 指标表头中找不到「指标值」列(指标值 / 年度指标值 / 指标值及单位)"]
