import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from budget.models import Indicator, Level2Category, Project
from tests.ui_helpers import WORKED_EXAMPLE, figure, import_actuals, table_rows

# project with table, department and unit; funding; indicators; flags; monitoring reports; department funding; for a
# visitor the data version the page cache is keyed on
QUERIES = 8  # and, on a miss of its cache, the year's common indicators (peers)
STAFF_QUERIES = 10  # no page cache, but the session and the user behind the edit link, and the data version


def url_of(name):
    return reverse("budget:project", args=[Project.objects.get(name=name).pk])


@pytest.fixture
def hotline(reference_table):
    return url_of("区长专线日常经费")


def test_it_shows_the_funding_and_its_share_of_the_department(client, hotline):
    response = client.get(hotline)
    text = response.content.decode()
    assert '<span class="label">项目资金</span><span class="value">1.00</span>' in text
    assert '<span class="value">0.04%</span><span class="unit">部门合计 2,616.61 万元</span>' in text
    assert table_rows(response, "funding") == [
        ["财政拨款", "1.00", "2,616.61", "0.04%"],
        ["财政专户拨款", "0.00", "0.00", "—"],
        ["其他资金", "0.00", "0.00", "—"],
    ]


def test_it_shows_the_goal(client, hotline):
    assert "绩效目标-完成12345热线事项的按期办结" in client.get(hotline).content.decode()


def test_it_groups_the_indicators_by_level_1_and_level_2_with_their_targets(client, hotline):
    rows = table_rows(client.get(hotline), "indicator-table")
    assert rows == [
        ["产出指标"],
        ["数量指标", "1", "12345热线工单办结量", "工单量≥120000宗", "工单量≥120000宗", "≥120,000宗"],
        ["2", "疑难工单现场协调量", "现场协调工单≥20次", "现场协调工单≥20次", "≥20次"],
        ["效益指标"],
        ["经济效益", "3", "12345工单办结率", "办结率≥99%", "办结率≥99%", "≥99%"],
        ["满意度指标"],
        ["服务对象满意度", "4", "12345热线满意度", "满意度≥75%", "满意度≥75%", "≥75%"],
    ]


def test_a_qualitative_value_says_so(client, reference_table):
    rows = table_rows(client.get(url_of("办证大厅窗口服务经费")), "indicator-table")
    assert ["时效指标", "3", "工资发放时间", "每月上旬", "每月上旬", "定性"] in rows


def test_the_target_chart_never_puts_two_units_on_one_axis(client, reference_table):
    response = client.get(url_of("花都区政务云机房运营保障经费"))
    text = response.content.decode()
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    assert captions == ["百分比 (%)", "单位: 条", "单位: (无单位)"]
    percent, lines, plain = (figure(response, f"targets-{n}") for n in (1, 2, 3))
    assert percent["layout"]["xaxis"]["range"] == [0, 100.0]
    assert percent["data"][0]["x"] == [85.0]
    assert lines["data"][0]["x"] == [3000000.0]
    assert lines["data"][0]["text"] == ["3,000,000条"]
    assert plain["data"][0]["x"] == [13000.0]


def test_every_target_chart_has_a_data_table(client, hotline):
    text = client.get(hotline).content.decode()
    assert 'aria-label="计量单位为 % 的 2 个目标值的条形图;数据见图下的表。"' in text
    assert '<tr><td>1. 12345热线工单办结量</td><td class="num nowrap">≥120,000宗</td></tr>' in text


def test_a_project_without_numeric_targets_has_no_target_chart(client, reference_table):
    project = Project.objects.get(name="区长专线日常经费")
    project.indicators.update(comparator="", target_value=None, target_unit="")
    assert 'id="targets"' not in client.get(url_of("区长专线日常经费")).content.decode()


def test_it_tells_where_the_data_came_from(client, hotline):
    text = client.get(hotline).content.decode()
    assert "<dt>源文件</dt><dd>huadu-zwfw-project-targets.txt</dd>" in text
    assert "<dt>源表行号</dt><dd>16</dd>" in text


def test_it_lists_the_projects_flags(client, reference_table):
    text = client.get(url_of("基层服务平台示范点建设经费")).content.decode()
    assert "第3项指标(产出指标/数量指标)没有三级指标名称" in text


def test_it_shows_review_findings_and_score_when_there_are_some(client, reference_table, data_changed):
    project = Project.objects.get(name="区长专线日常经费")
    Project.objects.filter(pk=project.pk).update(review_score=None, review_findings=[])
    text = client.get(url_of(project.name)).content.decode()
    assert 'id="review"' not in text and "审核得分" not in text
    Project.objects.filter(pk=project.pk).update(
        review_score=Decimal("87.50"),
        review_findings=[
            {"code": "vague-target", "severity": "warning", "message": "指标值只说“良好”,无法检验是否达成"},
            {"code": "no-indicators", "severity": "error", "message": "项目没有绩效指标"},
        ],
    )
    data_changed()
    text = client.get(url_of(project.name)).content.decode()
    assert '<span class="label">审核得分</span><span class="value">87.50</span>' in text
    assert '<span class="badge warning">警告</span> 指标值只说“良好”,无法检验是否达成</li>' in text
    assert '<span class="badge error">错误</span> 项目没有绩效指标</li>' in text
    assert "vague-target" not in text and "no-indicators" not in text  # codes stay in the admin and the export


def test_staff_get_an_edit_link_and_the_public_does_not(client, admin_client, hotline, reference_table):
    project = Project.objects.get(name="区长专线日常经费")
    edit = reverse("admin:budget_project_change", args=[project.pk])
    assert edit not in client.get(hotline).content.decode()
    assert f'<a class="button" href="{edit}">编辑</a>' in admin_client.get(hotline).content.decode()


def test_text_from_the_table_is_escaped(client, reference_table):
    Project.objects.filter(name="区长专线日常经费").update(goal="<script>alert(1)</script>")
    text = client.get(url_of("区长专线日常经费")).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_an_unknown_project_is_not_found(client, db):
    assert client.get(reverse("budget:project", args=[999999])).status_code == 404


@pytest.mark.parametrize("extra", [0, 80])
@pytest.mark.parametrize("staff", [False, True])
@pytest.mark.parametrize("evaluated", [False, True])
def test_it_costs_a_fixed_number_of_queries(
    client, admin_client, hotline, django_assert_max_num_queries, extra, staff, evaluated, tmp_path
):
    if evaluated:
        import_actuals(tmp_path, WORKED_EXAMPLE)
    project = Project.objects.get(name="区长专线日常经费")
    level2 = list(Level2Category.objects.all())
    Indicator.objects.bulk_create(
        [
            Indicator(
                project=project,
                position=10 + k,
                seq=10 + k,
                level2=level2[k % len(level2)],
                name=f"扩展指标{k}",
                annual_value=f"{k}条",
                comparator="=",
                target_value=Decimal(k),
                target_unit=["%", "条", "人"][k % 3],
                actual_value=f"{k}{['%', '条', '人'][k % 3]}" if evaluated else "",
            )
            for k in range(extra)
        ]
    )
    with django_assert_max_num_queries(STAFF_QUERIES if staff else QUERIES):
        assert (admin_client if staff else client).get(hotline).status_code == 200


# -- self-evaluation (绩效自评) --------------------------------------------------------------


def tile_values(text, section):
    part = re.search(rf'<section class="card" id="{section}">(.*?)</section>', text, re.S).group(1)
    found = re.findall(
        r'<span class="label">(.*?)</span><span class="value">(.*?)</span><span class="unit">(.*?)</span>', part
    )
    return {label: (value, unit) for label, value, unit in found}


def test_without_actuals_there_is_no_self_evaluation(client, hotline):
    assert 'id="self-evaluation"' not in client.get(hotline).content.decode()


def test_the_worked_example_scores_92_95_and_grade_excellent_on_the_page(client, hotline, tmp_path):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    response = client.get(hotline)
    text = response.content.decode()
    assert tile_values(text, "self-evaluation") == {
        "自评得分": ("92.95", "分"),
        "等级": ("优", "优 ≥90,良 ≥80,中 ≥60"),
        "全年执行数": ("0.95", "预算 1.00 万元"),
        "预算执行率": ("95.00%", "执行率得分 9.50 / 10"),
    }
    missed = "警告 指标「{}」未达到目标(得分{}),但没有填写偏差原因"
    # indicator, target, actual, attainment, points / max points, deviation reason, findings
    assert table_rows(response, "evaluation-table") == [
        ["1. 12345热线工单办结量", "≥120,000宗", "130000宗", "108.3%", "25.00 / 25.00", "", ""],
        [
            "2. 疑难工单现场协调量",
            "≥20次",
            "15次",
            "75.0%",
            "18.75 / 25.00",
            "",
            missed.format("疑难工单现场协调量", "18.75/25.00"),
        ],
        [
            "3. 12345工单办结率",
            "≥99%",
            "98%",
            "99.0%",
            "29.70 / 30.00",
            "",
            missed.format("12345工单办结率", "29.70/30.00"),
        ],
        ["4. 12345热线满意度", "≥75%", "80%", "106.7%", "10.00 / 10.00", "", ""],
    ]
    footer = re.search(r"<tfoot>(.*?)</tfoot>", text, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", footer)).split() == [
        "预算执行率",
        "9.50",
        "/",
        "10.00",
        "自评得分",
        "92.95",
        "等级:优",
    ]


def test_deviation_reasons_are_shown_and_silence_the_finding(client, hotline, tmp_path):
    import_actuals(
        tmp_path, WORKED_EXAMPLE.replace("疑难工单现场协调量,15次,,", "疑难工单现场协调量,15次,疑难工单少于预期,")
    )
    rows = table_rows(client.get(hotline), "evaluation-table")
    assert rows[1] == ["2. 疑难工单现场协调量", "≥20次", "15次", "75.0%", "18.75 / 25.00", "疑难工单少于预期", ""]


def test_it_charts_each_indicator_against_its_target(client, hotline, tmp_path):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    response = client.get(hotline)
    bars = figure(response, "target-vs-actual")["data"][0]
    assert bars["y"] == ["4. 12345热线满意度", "3. 12345工单办结率", "2. 疑难工单现场协调量", "1. 12345热线工单办结量"]
    assert bars["text"] == ["106.7%", "99.0%", "75.0%", "108.3%"]
    assert (
        'aria-label="各数值指标实际完成值相对目标值的达成度条形图;数据见上表的“达成度”列。"'
        in response.content.decode()
    )


def test_a_lower_is_better_indicator_reads_100_percent_or_more_when_met(client, hotline, tmp_path):
    Indicator.objects.filter(name="疑难工单现场协调量").update(comparator="<=")
    import_actuals(tmp_path, WORKED_EXAMPLE)
    response = client.get(hotline)
    row = table_rows(response, "evaluation-table")[1]
    assert row[:5] == ["2. 疑难工单现场协调量", "≤20次", "15次", "125.0%越低越好", "25.00 / 25.00"]
    bars = figure(response, "target-vs-actual")["data"][0]
    assert bars["text"][2] == "125.0%"
    assert bars["customdata"][2].endswith("越低越好")


def test_an_incomplete_self_evaluation_says_what_is_missing_and_gives_no_score(client, hotline, tmp_path):
    import_actuals(tmp_path, "区长专线日常经费,12345热线工单办结量,130000宗,,\n")
    response = client.get(hotline)
    text = response.content.decode()
    assert tile_values(text, "self-evaluation")["自评得分"] == ("—", "数据不全,未能计分")
    assert tile_values(text, "self-evaluation")["预算执行率"] == ("—", "执行率得分 — / 10")
    assert table_rows(response, "evaluation-table")[1] == [
        "2. 疑难工单现场协调量",
        "≥20次",
        "—",
        "—",
        "— / 25.00",
        "",
        "警告 指标「疑难工单现场协调量」缺少实际完成值",
    ]
    assert "缺少全年执行数,无法计算预算执行率" in text


def test_a_qualitative_indicator_shows_the_evaluators_points(client, reference_table, tmp_path):
    import_actuals(tmp_path, "办证大厅窗口服务经费,工资发放时间,按时发放,,16\n")
    rows = table_rows(client.get(url_of("办证大厅窗口服务经费")), "evaluation-table")
    assert [
        "3. 工资发放时间",
        "每月上旬",
        "按时发放",
        "—",
        "16.00 / 25.00",
        "",
        "警告 指标「工资发放时间」未达到目标(得分16.00/25.00),但没有填写偏差原因",
    ] in rows


def test_the_self_evaluation_speaks_english_when_chosen(client, hotline, tmp_path):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    with translation.override(translation.get_language()):  # LocaleMiddleware would leave English on in this thread
        client.get(reverse("budget:language", args=["en"]), {"next": hotline})
        response = client.get(hotline)
    text = response.content.decode()
    assert "<h2>Performance self-evaluation</h2>" in text
    assert tile_values(text, "self-evaluation")["Budget execution rate"] == ("95.00%", "execution points 9.50 / 10")
    assert figure(response, "target-vs-actual")["data"][0]["customdata"][2] == (
        "2. 疑难工单现场协调量<br>actual 15次 · target ≥20次"
    )


def test_an_english_reader_gets_the_kind_of_each_data_quality_flag_not_the_chinese_message(client, reference_table):
    project = Project.objects.get(name="基层服务平台示范点建设经费")
    url = reverse("budget:project", args=[project.pk])
    assert "没有三级指标名称" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    body = client.get(url).content.decode()
    flags = re.search(r'<section class="card" id="flags">(.*?)</section>', body, re.S).group(1)
    assert "An indicator has no level-3 name" in flags and "row 13" in flags
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", "", flags))
