"""Monitoring warnings and their export: codes and parameters (stored) → words in the reader's language."""

from decimal import Decimal

from django.utils.translation import gettext as _

from budget.evaluation import monitoring

LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def message(warning: dict) -> str:
    """The warning in the active language; its figures come from the stored parameters."""
    params, code = warning.get("params", {}), warning["code"]
    if code == "execution-behind":
        return _("1-%(month)s月执行率 %(rate)s%% 低于时间进度要求 %(threshold)s%%") % params
    if code == "forecast-short":
        return _("全年预计执行数 %(forecast)s 万元仅为调整后预算数 %(budget)s 万元的 %(share)s%%,低于 %(minimum)s%%") % params
    if code == "target-at-risk":
        return _("指标「%(indicator)s」完成可能性为「%(likelihood)s」") % (params | {"indicator": warning["indicator"]})
    if code == "deviation-reason-missing":
        return _("指标「%(indicator)s」可能无法完成,但未填写偏差原因") % {"indicator": warning["indicator"]}
    if code == "progress-gap":
        return _("目标完成进度 %(progress)s%% 与预算执行率 %(rate)s%% 相差超过 %(gap)s 个百分点") % params
    return code


def warning_dicts(report) -> list[dict]:
    return [{"code": w["code"], "severity": w["severity"], "message": message(w), "indicator": w["indicator"] or None}
            for w in report.warnings]


def project_monitoring(project) -> list[dict]:
    """export-format.md `monitoring` of a project: one entry per reported month, oldest first;
    `project.monitoring` prefetched (selectors)."""
    from budget.exporter import amount

    return [{"month": r.month, "budget_initial": amount(r.budget_initial), "budget_adjusted": amount(r.budget_adjusted),
             "executed": amount(r.executed), "execution_rate": r.execution_rate or None,
             "forecast": amount(r.forecast), "light": r.light, "warnings": warning_dicts(r)}
            for r in sorted(project.monitoring.all(), key=lambda r: r.month)]


def indicator_monitoring(project) -> dict[int, list[dict]]:
    """{indicator id: its `monitoring` list, oldest month first}."""
    found: dict[int, list[dict]] = {}
    for report in sorted(project.monitoring.all(), key=lambda r: r.month):
        for row in report.indicators.all():
            found.setdefault(row.indicator_id, []).append({
                "month": report.month, "value": row.value or None, "forecast": row.forecast or None,
                "likelihood": row.likelihood or None, "deviation_causes": list(row.deviation_causes),
                "deviation_note": row.deviation_note or None})
    return found


def latest(project):
    """The project's latest report (prefetched), or None."""
    return max(project.monitoring.all(), key=lambda r: r.month, default=None)


LATEST_HEADER = ["监控月份", "调整后预算数(万元)", "1-M月执行数(万元)", "1-M月执行率(%)", "全年预计执行数(万元)",
                 "信号灯", "预警", "当前完成值", "完成可能性"]


def latest_cells(latest) -> list:
    """The latest month's columns of a sheet row, from ROWS_SQL's (month, initial, adjusted, executed,
    forecast, light, warning codes, indicator value, likelihood); empty when the project was never monitored."""
    month, initial, adjusted, executed, forecast, light, codes, value, likelihood = latest
    if month is None:
        return [""] * len(LATEST_HEADER)
    figures = monitoring.ProjectFigures(month, initial, adjusted, executed)
    rate = monitoring.execution_rate(figures)
    budget = monitoring.budget_of(figures)
    return [month, _number(budget), _number(executed), _number(rate and rate.quantize(Decimal("0.01"))),
            _number(forecast), light, codes or "", value or "", likelihood or ""]


def _number(value):
    return "" if value is None else Decimal(f"{value.normalize():f}")
