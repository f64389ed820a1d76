"""The export's sections added by later features (export-format.md): a project's and a table's `review`,
an indicator's `actual` and a project's `self_evaluation`, `monitoring` of projects and indicators, and the
latest month's columns of a sheet row.

They live with the exporter, not with the rules: budget/evaluation/ judges (findings, scores, warnings) and
knows nothing of files; this module writes what it judged the way the export format says.
"""

from decimal import Decimal

from budget import formats, wording
from budget.evaluation import monitoring
from budget.evaluation.monitoring_text import message

# -- review ----------------------------------------------------------------------------------


def project_review_dict(project) -> dict:
    """Each finding keeps its code; its message is in the export's (the active) language."""
    findings = [
        {"code": f.get("code"), "severity": f.get("severity"), "message": wording.text(f)}
        for f in project.review_findings or []
    ]
    return {"score": formats.points(project.review_score), "findings": findings}


def table_review_dict(table) -> dict:
    return {"score": formats.points(table.review_score)}


# -- self-evaluation (budget.evaluation.scoring's results) -----------------------------------


def actual_dict(scored) -> dict:
    """An indicator's `actual`, from its scoring.IndicatorScore."""
    i = scored.indicator
    return {
        "value": i.actual_value or None,
        "points": formats.points(scored.points),
        "max_points": formats.points(scored.max_points),
        "deviation_reason": i.deviation_reason or None,
    }


def self_evaluation_dict(project, scored) -> dict:
    """A project's `self_evaluation`, from the project and its scoring.ProjectScore."""
    return {
        "budget_initial": formats.exact_amount(project.budget_initial),
        "budget_adjusted": formats.exact_amount(project.budget_adjusted),
        "executed": formats.exact_amount(scored.executed),
        "budget_execution_rate": formats.points(scored.execution_rate),
        "score": formats.points(scored.score),
        "grade": scored.grade,
    }


# -- monitoring (monitoring.md) ---------------------------------------------------------------


def warning_dicts(report) -> list[dict]:
    return [
        {"code": w["code"], "severity": w["severity"], "message": message(w), "indicator": w["indicator"] or None}
        for w in report.warnings
    ]


def project_monitoring(project) -> list[dict]:
    """A project's `monitoring`: one entry per reported month, oldest first; `project.monitoring` prefetched
    (selectors)."""
    amount = formats.exact_amount
    return [
        {
            "month": r.month,
            "budget_initial": amount(r.budget_initial),
            "budget_adjusted": amount(r.budget_adjusted),
            "executed": amount(r.executed),
            "execution_rate": r.execution_rate or None,
            "forecast": amount(r.forecast),
            "light": r.light,
            "warnings": warning_dicts(r),
        }
        for r in sorted(project.monitoring.all(), key=lambda r: r.month)
    ]


def indicator_monitoring(project) -> dict[int, list[dict]]:
    """{indicator id: its `monitoring` list, oldest month first}."""
    found: dict[int, list[dict]] = {}
    for report in sorted(project.monitoring.all(), key=lambda r: r.month):
        for row in report.indicators.all():
            found.setdefault(row.indicator_id, []).append(
                {
                    "month": report.month,
                    "value": row.value or None,
                    "forecast": row.forecast or None,
                    "likelihood": row.likelihood or None,
                    "deviation_causes": list(row.deviation_causes),
                    "deviation_note": row.deviation_note or None,
                }
            )
    return found


# -- the latest month's columns of a CSV/XLSX row ---------------------------------------------

LATEST_HEADER = [
    "监控月份",
    "调整后预算数(万元)",
    "1-M月执行数(万元)",
    "1-M月执行率(%)",
    "全年预计执行数(万元)",
    "信号灯",
    "预警",
    "当前完成值",
    "完成可能性",
]


def cell_number(value):
    """A number for a spreadsheet cell: a Decimal without trailing zeros (22, not 22.000000), "" for none."""
    return "" if value is None else Decimal(formats.number(value))


def latest_cells(latest) -> list:
    """The latest month's columns of a sheet row, from export_rows.ROWS_SQL (month, initial, adjusted,
    executed, forecast, light, warning codes, indicator value, likelihood); empty when never monitored."""
    month, initial, adjusted, executed, forecast, light, codes, value, likelihood = latest
    if month is None:
        return [""] * len(LATEST_HEADER)
    figures = monitoring.ProjectFigures(month, initial, adjusted, executed)
    rate = monitoring.execution_rate(figures)
    budget = monitoring.budget_of(figures)
    rate = "" if rate is None else Decimal(formats.rounded(rate))  # as the JSON export's execution_rate
    return [
        month,
        cell_number(budget),
        cell_number(executed),
        rate,
        cell_number(forecast),
        light,
        codes or "",
        value or "",
        likelihood or "",
    ]
