"""The warning rules of monitoring.md at their boundaries (pure: no database)."""

from decimal import Decimal as D

import pytest

from budget.evaluation.monitoring import (
    DEFAULTS,
    IndicatorFigures,
    ProjectFigures,
    evaluate,
    light,
    progress,
    threshold_for,
)


def codes(figures, rules=None):
    return [(w["code"], w["severity"], w["indicator"]) for w in evaluate(figures, rules)]


def spent(month, executed, budget=D(100), adjusted=None, forecast=None, indicators=()):
    return ProjectFigures(month, budget, adjusted, D(executed), forecast, list(indicators))


@pytest.mark.parametrize(
    "month, executed, behind",
    [
        (6, "40", False),
        (6, "39.99", True),
        (5, "25", False),
        (5, "24.99", True),
        (5, "30", False),
        (4, "24.99", True),
        (3, "0", False),
        (8, "59.99", True),
        (10, "80", False),
        (12, "99.99", True),
    ],
)
def test_execution_behind_uses_the_last_threshold_at_or_before_the_month(month, executed, behind):
    assert (codes(spent(month, executed)) == [("execution-behind", "red", "")]) is behind
    if not behind:
        assert codes(spent(month, executed)) == []


def test_thresholds_and_the_adjusted_budget():
    assert threshold_for(3, DEFAULTS["execution_thresholds"]) is None
    assert threshold_for(7, DEFAULTS["execution_thresholds"]) == 40
    # 45 of an adjusted 120 is 37.5%: behind, though 45% of the initial 100.
    warning = evaluate(spent(6, "45", adjusted=D(120)))[0]
    assert warning["params"] == {"rate": "37.5", "threshold": "40", "month": 6}
    rules = dict(DEFAULTS, execution_thresholds={6: 30})
    assert codes(spent(6, "35"), rules) == []


def test_forecast_short_below_ninety_percent():
    assert codes(spent(6, "50", forecast=D("90"))) == []
    assert codes(spent(6, "50", forecast=D("89.99"))) == [("forecast-short", "yellow", "")]


def test_target_at_risk_and_missing_reason():
    sure = IndicatorFigures("a", likelihood="确定能")
    maybe = IndicatorFigures("b", likelihood="有可能", causes=["经费保障"])
    never = IndicatorFigures("c", likelihood="完全不可能")
    found = evaluate(spent(6, "50", indicators=[sure, maybe, never]))
    assert [(w["code"], w["severity"], w["indicator"]) for w in found] == [
        ("target-at-risk", "yellow", "b"),
        ("target-at-risk", "red", "c"),
        ("deviation-reason-missing", "error", "c"),
    ]
    assert light(found) == "red"
    assert light(found[:1]) == "yellow"
    assert light([]) == "green"


def test_progress_capped_and_inverse_for_lower_is_better():
    assert progress(IndicatorFigures("x", target=D(200), value=D(50))) == 25
    assert progress(IndicatorFigures("x", target=D(200), value=D(500))) == 100
    # 连续故障时间 不超过1小时: 2 hours is half way; half an hour is done.
    assert progress(IndicatorFigures("x", target=D(1), value=D(2), lower_is_better=True)) == 50
    assert progress(IndicatorFigures("x", target=D(1), value=D("0.5"), lower_is_better=True)) == 100
    assert progress(IndicatorFigures("x", target=D(1), value=D(0), lower_is_better=True)) == 100
    assert progress(IndicatorFigures("x", target=None, value=D(3))) is None


@pytest.mark.parametrize("value, apart", [("50", False), ("60", False), ("60.01", True), ("39.99", True)])
def test_progress_gap_more_than_ten_points(value, apart):
    indicator = IndicatorFigures("x", target=D(100), value=D(value), likelihood="确定能")
    found = codes(spent(6, "50", indicators=[indicator]))
    assert (found == [("progress-gap", "yellow", "")]) is apart
    assert apart or found == []


def test_progress_gap_lower_is_better_and_without_numeric_targets():
    slow = IndicatorFigures("t", target=D(10), value=D(40), lower_is_better=True)  # 25% there
    assert codes(spent(6, "50", indicators=[slow])) == [("progress-gap", "yellow", "")]
    words = IndicatorFigures("q", target=None, value=None)
    assert codes(spent(6, "50", indicators=[words])) == []


def test_warnings_are_codes_and_parameters_rendered_in_the_readers_language():
    from django.utils import translation

    from budget.evaluation.monitoring_text import message

    (behind,) = evaluate(spent(6, "30"))
    assert set(behind) == {"code", "severity", "indicator", "params"}
    assert message(behind) == "1-6月执行率 30% 低于时间进度要求 40%"
    with translation.override("en"):
        assert message(behind) == "Execution rate for months 1-6 is 30%, below the time threshold of 40%"


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_the_real_huangshi_monitoring_form_reads_as_its_facts_say(ext):
    """tests/data/real/hb-huangshi-2019-monitoring: a published 项目支出绩效监控表 (one form, 1-6月)."""
    import json
    from pathlib import Path

    from budget.importing.monitoring_read import MonitoringReader
    from budget.importing.readers import open_table

    real = Path(__file__).parent / "data" / "real"
    facts = json.loads((real / "hb-huangshi-2019-monitoring.json").read_text(encoding="utf-8"))
    reading = MonitoringReader().read([open_table(real / f"hb-huangshi-2019-monitoring.{ext}")])
    assert (reading.department, reading.year) == (facts["department"], facts["year"])
    (project,) = facts["projects"]
    (block,) = reading.blocks
    (month,) = project["monitoring"]
    assert (block.project, reading.month) == (project["name"], month["month"])
    assert {role: cell[2] for role, cell in block.money.items()} == {
        "budget_initial": month["budget_initial"],
        "executed": month["executed"],
    }
    read = [
        (cells["indicator"][1], cells.get("value", ("", None))[1], cells["likelihood"][1])
        for _, cells in block.indicators
    ]
    assert read == [
        (i["name"], i["monitoring"][0]["value"], i["monitoring"][0]["likelihood"]) for i in project["indicators"]
    ]


def test_progress_is_read_only_in_the_targets_unit():
    from types import SimpleNamespace as NS

    from budget.importing.monitoring_import import figures

    cost = NS(name="成本", target_value=D(220), target_unit="万元", comparator="=")
    days = NS(name="工作天数", target_value=D(22), target_unit="天", comparator="=")
    rows = [
        NS(indicator=cost, value="按进度执行,已使用约40%", likelihood="确定能", deviation_causes=[]),
        NS(indicator=days, value="11天", likelihood="确定能", deviation_causes=[]),
    ]
    report = NS(month=6, budget_initial=D(220), budget_adjusted=None, executed=D("87.57"), forecast=None)
    shown = figures(report, rows)
    assert [i.value for i in shown.indicators] == [None, D(11)]
