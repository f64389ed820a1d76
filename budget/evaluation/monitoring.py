"""Mid-year monitoring rules (绩效运行监控, monitoring.md): figures in, warnings and a light out.

Pure: no Django models, no database. A warning is a code, a severity and its parameters; the
sentence is rendered in the reader's language by monitoring_text.py, never stored.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from budget.formats import rounded

HUNDRED = Decimal(100)
# Defaults of the published provincial rules; settings.BUDGET_MONITORING overrides any of them.
DEFAULTS = {
    "execution_thresholds": {4: 25, 6: 40, 8: 60, 10: 80, 12: 100},  # month → percent spent by then
    "forecast_min": 90,  # percent of the adjusted budget the year's forecast must reach
    "progress_gap": 10,  # percentage points between target progress and spending rate
}
SEVERITY_RANK = {"green": 0, "yellow": 1, "red": 2, "error": 3}
LIGHT_OF = {"yellow": "yellow", "red": "red", "error": "red"}  # an error (no reason given) is a red light
LIKELIHOOD_SEVERITY = {"确定能": "green", "有可能": "yellow", "完全不可能": "red", "不可能": "red"}
LIKELIHOODS = ("确定能", "有可能", "完全不可能")
DEVIATION_CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")


def settings_rules() -> dict:
    from django.conf import settings

    rules = dict(DEFAULTS)
    rules.update(getattr(settings, "BUDGET_MONITORING", {}) or {})
    rules["execution_thresholds"] = {int(m): Decimal(str(p)) for m, p in rules["execution_thresholds"].items()}
    return rules


def threshold_for(month: int, thresholds: dict) -> Decimal | None:
    """The last threshold at or before the month (May → April's); none before the first."""
    earlier = [m for m in thresholds if int(m) <= month]
    return Decimal(str(thresholds[max(earlier)])) if earlier else None


@dataclass
class IndicatorFigures:
    name: str
    target: Decimal | None = None  # the parsed 年度指标值
    lower_is_better: bool = False
    value: Decimal | None = None  # the 1-M月完成值 read as a number
    likelihood: str = ""
    causes: list = field(default_factory=list)


@dataclass
class ProjectFigures:
    month: int
    budget_initial: Decimal | None = None
    budget_adjusted: Decimal | None = None
    executed: Decimal | None = None
    forecast: Decimal | None = None
    indicators: list = field(default_factory=list)


def budget_of(figures: ProjectFigures) -> Decimal | None:
    return figures.budget_adjusted if figures.budget_adjusted is not None else figures.budget_initial


def execution_rate(figures: ProjectFigures) -> Decimal | None:
    budget = budget_of(figures)
    if figures.executed is None or not budget:
        return None
    return figures.executed / budget * HUNDRED


def progress(indicator: IndicatorFigures) -> Decimal | None:
    """Completion of a numeric target in percent, capped at 100; the inverse for lower-is-better."""
    if indicator.target is None or indicator.value is None:
        return None
    if indicator.lower_is_better:
        if indicator.value <= 0:
            return HUNDRED
        share = indicator.target / indicator.value * HUNDRED
    else:
        if indicator.target <= 0:
            return None
        share = indicator.value / indicator.target * HUNDRED
    return min(share, HUNDRED)


def target_progress(figures: ProjectFigures) -> Decimal | None:
    shares = [p for p in map(progress, figures.indicators) if p is not None]
    return sum(shares) / len(shares) if shares else None


def warning(code: str, severity: str, indicator: str = "", **params) -> dict:
    return {"code": code, "severity": severity, "indicator": indicator,
            "params": {k: (rounded(v) if isinstance(v, Decimal) else v) for k, v in params.items()}}


def evaluate(figures: ProjectFigures, rules: dict | None = None) -> list[dict]:
    """Every warning of monitoring.md for one project's report of one month, in the spec's order."""
    rules = rules or DEFAULTS
    found = []
    rate = execution_rate(figures)
    threshold = threshold_for(figures.month, rules["execution_thresholds"])
    if rate is not None and threshold is not None and rate < threshold:
        found.append(warning("execution-behind", "red", rate=rate, threshold=threshold, month=figures.month))
    budget = budget_of(figures)
    minimum = Decimal(str(rules["forecast_min"]))
    if figures.forecast is not None and budget and figures.forecast < budget * minimum / HUNDRED:
        found.append(warning("forecast-short", "yellow", forecast=figures.forecast, budget=budget,
                             share=figures.forecast / budget * HUNDRED, minimum=minimum))
    for indicator in figures.indicators:
        severity = LIKELIHOOD_SEVERITY.get(indicator.likelihood, "green")
        if severity != "green":
            found.append(warning("target-at-risk", severity, indicator.name, likelihood=indicator.likelihood))
            if not indicator.causes:
                found.append(warning("deviation-reason-missing", "error", indicator.name))
    done = target_progress(figures)
    gap = Decimal(str(rules["progress_gap"]))
    if done is not None and rate is not None and abs(done - rate) > gap:
        found.append(warning("progress-gap", "yellow", progress=done, rate=rate, gap=gap))
    return found


def light(warnings: list[dict]) -> str:
    worst = max((SEVERITY_RANK[w["severity"]] for w in warnings), default=0)
    return {0: "green", 1: "yellow"}.get(worst, "red")
