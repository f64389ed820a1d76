from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from budget import export_sections
from budget.evaluation import scoring
from budget.models import Project

D = Decimal
DEPARTMENT = "广州市花都区政务服务和数据管理局"


def said(findings):
    """The findings as a reader sees them in Chinese: code, severity and sentence (params aside)."""
    return [{k: v for k, v in f.items() if k != "params"} for f in findings]


def ind(name, kind="output", comparator=">=", target="100", unit="个", actual="", points=None, reason="",
        weight=None, level2="数量指标"):
    labels = {"output": "产出指标", "outcome": "效益指标", "satisfaction": "满意度指标", "cost": "成本指标", "": "其他指标"}
    return SimpleNamespace(
        seq=1, name=name, level1_label=labels[kind], level2_label=level2,
        level2=SimpleNamespace(name=level2, level1=SimpleNamespace(kind=kind)),
        comparator=comparator if target is not None else "", target_value=D(target) if target is not None else None,
        target_unit=unit if target is not None else "", actual_value=actual,
        actual_points=D(points) if points is not None else None, deviation_reason=reason,
        weight=D(weight) if weight is not None else None,
    )


def full_set(**overrides):
    """One indicator per category, each meeting its target."""
    return [
        ind("数量", "output", actual="100个"),
        ind("效益", "outcome", actual="100个"),
        ind("满意度", "satisfaction", target="90", unit="%", actual="95%"),
    ]


def evaluate(indicators, budget="1", executed="1", **cfg):
    config = scoring.config()
    config.update(cfg)
    return scoring.evaluate(indicators, budget=D(budget), executed=D(executed) if executed is not None else None,
                            cfg=config)


def codes(findings):
    return [f["code"] for f in findings]


# --- the worked example -------------------------------------------------------------------

HOTLINE_ACTUALS = """项目名称,三级指标,实际完成值,偏差原因
区长专线日常经费,12345热线工单办结量,130000宗,
区长专线日常经费,疑难工单现场协调量,15次,疑难工单少于预期
区长专线日常经费,12345工单办结率,98%,部分工单跨年办结
区长专线日常经费,12345热线满意度,80%,
区长专线日常经费,全年执行数,0.95,
"""


@pytest.fixture
def hotline(reference_table, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_text(HOTLINE_ACTUALS, encoding="utf-8")
    call_command("import_actuals", str(path), year=2021, department=DEPARTMENT)
    return Project.objects.prefetch_related("indicators__level2__level1").get(name="区长专线日常经费")


def test_the_worked_example_scores_92_95_and_grade_excellent(hotline):
    result = scoring.score_project(hotline)
    assert [s.points for s in result.indicators] == [D("25.00"), D("18.75"), D("29.70"), D("10.00")]
    assert [s.max_points for s in result.indicators] == [D("25.00"), D("25.00"), D("30.00"), D("10.00")]
    assert result.execution_rate == D("95.00")
    assert result.execution_points == D("9.50")
    assert result.score == D("92.95")
    assert result.grade == "优"
    assert result.findings == []


def test_the_worked_example_exports_actuals_and_self_evaluation_as_text(hotline):
    result = scoring.score_project(hotline)
    assert export_sections.actual_dict(result.indicators[0]) == {
        "value": "130000宗", "points": "25.00", "max_points": "25.00", "deviation_reason": None,
    }
    assert export_sections.actual_dict(result.indicators[1])["deviation_reason"] == "疑难工单少于预期"
    assert export_sections.self_evaluation_dict(hotline, result) == {
        "budget_initial": None, "budget_adjusted": None, "executed": "0.95", "budget_execution_rate": "95.00", "score": "92.95", "grade": "优",
    }


def test_a_project_without_actuals_exports_empty_values(reference_table):
    project = Project.objects.get(name="区长专线日常经费")
    result = scoring.score_project(project)
    assert export_sections.actual_dict(result.indicators[0]) == {
        "value": None, "points": None, "max_points": "25.00", "deviation_reason": None,
    }
    assert export_sections.self_evaluation_dict(project, result) == {
        "budget_initial": None, "budget_adjusted": None, "executed": None, "budget_execution_rate": None, "score": None, "grade": None,
    }


@pytest.mark.parametrize("comparator, target_value, actual_value, percent", [
    (">=", "120000", "130000", "108.3"),
    (">=", "20", "15", "75.0"),
    ("=", "99", "98", "99.0"),
    (">", "10", "0", "0.0"),
    (">=", "0", "5", "100.0"),  # nothing to reach: met
    (">=", "0", "-1", "0.0"),  # unless the actual falls short of 0 too
    # lower is better reads the other way round, so that meeting the target is still 100% or more
    ("<=", "100", "90", "110.0"),
    ("<=", "100", "100", "100.0"),
    ("<=", "100", "110", "90.0"),
    ("<", "100", "250", "0.0"),  # never below 0
    ("<=", "0", "0", "100.0"),
    ("<=", "0", "3", "0.0"),
])
def test_attainment_is_100_percent_at_the_target_and_goes_on_beyond_it(comparator, target_value, actual_value, percent):
    # What the self-evaluation chart shows; the points are this share capped at 1 (achieved, below).
    assert f"{scoring.attainment(comparator, D(target_value), D(actual_value)) * 100:.1f}" == percent


# --- one indicator's share of the points ----------------------------------------------------


@pytest.mark.parametrize("comparator, target, actual, share", [
    (">=", "120000", "130000", "1"),
    (">=", "20", "15", "0.75"),
    (">=", "99", "98", D(98) / D(99)),
    (">", "20", "20", "1"),
    ("=", "22", "11", "0.5"),
    ("=", "22", "30", "1"),
    (">=", "0", "0", "1"),
    (">=", "10", "-5", "0"),
])
def test_higher_is_better_earns_actual_over_target_capped_at_one(comparator, target, actual, share):
    assert scoring.achieved(comparator, D(target), D(actual)) == D(share)


@pytest.mark.parametrize("rule, actual, share", [
    ("linear", "8", "1"), ("linear", "10", "1"), ("linear", "12", "0.8"), ("linear", "20", "0"), ("linear", "35", "0"),
    ("ratio", "8", "1"), ("ratio", "10", "1"), ("ratio", "12.5", "0.8"), ("ratio", "40", "0.25"),
])
def test_lower_is_better_is_full_at_or_under_the_target_and_falls_with_the_overshoot(rule, actual, share):
    assert scoring.achieved("<=", D(10), D(actual), rule) == D(share)


@pytest.mark.parametrize("rule", ["linear", "ratio"])
def test_a_target_of_zero_overshot_on_lower_is_better_scores_zero(rule):
    assert scoring.achieved("<=", D(0), D("0.5"), rule) == 0
    assert scoring.achieved("<", D(0), D(0), rule) == 1


def test_the_lower_is_better_rule_is_a_setting(settings):
    indicators = [ind("故障时间", "output", "<=", "1", "小时", actual="1.6小时", reason="线路施工")] + full_set()[1:]
    assert evaluate(indicators).indicators[0].points == D("20.00")  # (1 − 0.6) × 50
    settings.BUDGET_SCORING = {"lower_is_better_rule": "ratio"}
    assert scoring.evaluate(indicators, budget=D(1), executed=D(1)).indicators[0].points == D("31.25")  # 50 / 1.6


def test_an_unknown_lower_is_better_rule_is_refused(settings):
    settings.BUDGET_SCORING = {"lower_is_better_rule": "quadratic"}
    with pytest.raises(ImproperlyConfigured):
        scoring.config()


def test_each_indicators_points_round_half_up_to_two_decimals():
    # 25 × 1/8 = 3.125: banker's rounding would give 3.12.
    assert scoring.quantitative_points(D(25), ">=", D(8), D(1)) == D("3.13")


# --- how the points are shared -----------------------------------------------------------


def test_a_categorys_points_are_split_equally_among_its_indicators():
    indicators = [ind(f"产出{n}", "output", actual="100个") for n in range(3)] + full_set()[1:]
    result = evaluate(indicators)
    assert [s.max_points for s in result.indicators] == [D("16.67"), D("16.67"), D("16.67"), D("30.00"), D("10.00")]


def test_an_absent_categorys_weight_is_shared_among_the_present_ones_in_proportion():
    indicators = [ind("产出1", "output", actual="100个"), ind("产出2", "output", actual="100个"),
                  ind("效益", "outcome", actual="100个")]
    result = evaluate(indicators)
    # No 满意度: its 10 goes 50:30 to 产出 and 效益, i.e. 56.25 and 33.75.
    assert [s.max_points for s in result.indicators] == [D("28.13"), D("28.13"), D("33.75")]
    # Each indicator rounds on its own, as the rules say, so full marks can sum to 100.01.
    assert result.score == D("100.01")


def test_a_project_with_only_output_indicators_gives_them_all_90_points():
    result = evaluate([ind("产出", "output", actual="50个")])
    assert result.indicators[0].max_points == D("90.00")
    assert result.indicators[0].points == D("45.00")


def test_weights_given_by_the_table_are_the_points():
    indicators = [ind("产出", "output", actual="100个", weight="40"), ind("效益", "outcome", actual="50个", weight="40"),
                  ind("满意度", "satisfaction", actual="100个", weight="10")]
    result = evaluate(indicators)
    assert [s.max_points for s in result.indicators] == [D("40.00"), D("40.00"), D("10.00")]
    assert [s.points for s in result.indicators] == [D("40.00"), D("20.00"), D("10.00")]


def test_weights_given_as_percentages_are_scaled_to_the_90_indicator_points():
    indicators = [ind("产出", "output", actual="100个", weight="50"), ind("效益", "outcome", actual="100个", weight="50")]
    assert [s.max_points for s in evaluate(indicators).indicators] == [D("45.00"), D("45.00")]


def test_weights_given_for_only_some_indicators_are_ignored_and_said_so():
    indicators = full_set()
    indicators[0].weight = D(40)
    result = evaluate(indicators)
    assert [s.max_points for s in result.indicators] == [D("50.00"), D("30.00"), D("10.00")]
    assert {"code": "partial-weights", "severity": "info",
            "message": "只有部分指标给出了权重,各类指标按类别平均分配分值"} in said(result.findings)


def test_cost_indicators_score_within_output_unless_cost_has_a_weight():
    indicators = [ind("产出", "output", actual="100个"), ind("单位成本", "cost", "<=", "30", "万元", actual="25万元")]
    assert [s.max_points for s in evaluate(indicators).indicators] == [D("45.00"), D("45.00")]
    weights = {"output": 40, "outcome": 30, "satisfaction": 10, "cost": 10, "execution": 10}
    assert [s.max_points for s in evaluate(indicators, weights=weights).indicators] == [D("72.00"), D("18.00")]


def test_an_indicator_outside_the_scored_categories_is_flagged_and_blocks_the_score():
    result = evaluate(full_set() + [ind("其他", "", actual="100个")])
    assert result.indicators[-1].points is None
    assert "unknown-category" in codes(result.findings)
    assert result.score is None


# --- qualitative and missing values -----------------------------------------------------------


def test_a_qualitative_indicator_scores_the_evaluators_points():
    indicators = full_set()
    indicators[1] = ind("考评结果", "outcome", target=None, actual="良好", points="24", reason="部分考评项扣分")
    result = evaluate(indicators)
    assert result.indicators[1].points == D("24")
    assert result.score == D("94.00")


def test_a_qualitative_indicator_without_points_is_flagged_not_guessed():
    indicators = full_set()
    indicators[1] = ind("考评结果", "outcome", target=None, actual="良好")
    result = evaluate(indicators)
    assert result.indicators[1].points is None
    assert {"code": "qualitative-without-points", "severity": "warning",
            "message": "指标「考评结果」是定性指标,需要评价人给出得分"} in said(result.findings)
    assert (result.score, result.grade) == (None, None)


def test_evaluator_points_above_the_maximum_count_as_the_maximum():
    indicators = full_set()
    indicators[1] = ind("考评结果", "outcome", target=None, actual="良好", points="35")
    result = evaluate(indicators)
    assert result.indicators[1].points == D("30.00")
    assert "points-above-max" in codes(result.findings)


def test_an_actual_that_is_not_a_number_needs_the_evaluators_points():
    indicators = full_set()
    indicators[0].actual_value = "已完成"
    result = evaluate(indicators)
    assert {"code": "actual-not-a-number", "severity": "warning",
            "message": "指标「数量」的实际完成值“已完成”不是一个数字,需要评价人给出得分"} in said(result.findings)
    indicators[0].actual_points = D(50)
    assert evaluate(indicators).indicators[0].points == D(50)


def test_a_missing_actual_is_flagged():
    indicators = full_set()
    indicators[0].actual_value = ""
    result = evaluate(indicators)
    assert {"code": "missing-actual", "severity": "warning", "message": "指标「数量」缺少实际完成值"} in said(result.findings)
    assert result.score is None


def test_evaluator_points_that_differ_from_the_formula_are_noted_and_the_formula_wins():
    indicators = full_set()
    indicators[0].actual_points = D(45)
    result = evaluate(indicators)
    assert result.indicators[0].points == D("50.00")
    assert "points-differ" in codes(result.findings)


@pytest.mark.parametrize("target_unit, actual, agree", [
    ("宗", "130000宗", True), ("宗", "130000", True), ("%", "98%", True), ("个节点", "503个", True),
    ("人次", "120人", True), ("宗", "13万宗", False), ("人", "3千人", False), ("天", "2小时", False),
])
def test_units_must_agree_before_numbers_are_compared(target_unit, actual, agree):
    indicators = [ind("数量", target="100", unit=target_unit, actual=actual, reason="原因")]
    result = evaluate(indicators)
    assert ("unit-mismatch" not in codes(result.findings)) is agree


def test_a_fraction_under_a_percent_target_reads_as_a_percent():
    indicators = full_set()
    indicators[2].actual_value = "0.95"
    assert evaluate(indicators).indicators[2].actual == D(95)


def test_the_percent_of_target_is_kept_for_charts():
    assert evaluate([ind("数量", target="20", actual="15个", reason="原因")]).indicators[0].percent_of_target == D("75.00")


@pytest.mark.parametrize("reason, flagged", [("", True), ("受疫情影响", False)])
def test_a_missed_target_without_a_deviation_reason_is_a_finding(reason, flagged):
    indicators = full_set()
    indicators[0].actual_value, indicators[0].deviation_reason = "80个", reason
    result = evaluate(indicators)
    expected = {"code": "missed-without-reason", "severity": "warning",
                "message": "指标「数量」未达到目标(得分40.00/50.00),但没有填写偏差原因"}
    assert (expected in said(result.findings)) is flagged


# --- budget execution and grade ---------------------------------------------------------------


def test_execution_points_are_executed_over_budget_times_ten():
    result = evaluate(full_set(), budget="199", executed="150")
    assert result.execution_rate == D("75.38")
    assert result.execution_points == D("7.54")


def test_spending_beyond_the_budget_earns_full_execution_points_only():
    result = evaluate(full_set(), budget="100", executed="110")
    assert (result.execution_rate, result.execution_points, result.score) == (D("110.00"), D("10.00"), D("100.00"))
    assert {"code": "over-executed", "severity": "info", "message": "全年执行数超过预算数,执行率110.00%,按100%计分"} in said(result.findings)


def test_the_execution_cap_is_a_setting():
    assert evaluate(full_set(), budget="100", executed="110", cap_execution_rate=False).execution_points == D("11.00")


@pytest.mark.parametrize("budget, executed, code", [("1", None, "missing-executed"), ("0", "0", "zero-budget")])
def test_without_an_execution_rate_there_is_no_score(budget, executed, code):
    result = evaluate(full_set(), budget=budget, executed=executed)
    assert code in codes(result.findings)
    assert result.score is None


def test_a_project_without_indicators_has_no_score():
    result = evaluate([])
    assert result.score is None
    assert "no-indicators" in codes(result.findings)


@pytest.mark.parametrize("score, expected", [
    ("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差"),
])
def test_grades_follow_the_published_bands(score, expected):
    assert scoring.grade(D(score)) == expected


def test_weights_and_grades_are_settings(settings):
    settings.BUDGET_SCORING = {"weights": {"output": 60, "outcome": 20, "satisfaction": 10, "execution": 10},
                               "grades": [[95, "A"], [0, "B"]]}
    result = scoring.evaluate(full_set(), budget=D(1), executed=D("0.5"))
    assert [s.max_points for s in result.indicators] == [D("60.00"), D("20.00"), D("10.00")]
    assert (result.score, result.grade) == (D("95.00"), "A")
