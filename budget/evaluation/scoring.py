"""Self-evaluation scoring (绩效自评, 财预〔2020〕10号; shared/spec/review-and-scoring.md §2).

Pure: no queries beyond reading `project.indicators.all()`, which callers prefetch. Every
parameter is a setting, `settings.BUDGET_SCORING`, merged over `DEFAULTS`:

    weights               {"output": 50, "outcome": 30, "satisfaction": 10, "execution": 10}
                          points out of 100 per level-1 category and for budget execution;
                          add "cost" to score 成本指标 as a category of its own
    cost_counts_as        "output": where 成本 indicators score while weights has no "cost"
                          (in the older framework 成本指标 is a level-2 under 产出 anyway)
    lower_is_better_rule  "linear": (1 − (actual − target) / target) × points, 0 at twice the target
                          "ratio":  target / actual × points
    cap_execution_rate    True: spending beyond the budget earns no more than full execution points
    grades                [[90, "优"], [80, "良"], [60, "中"], [0, "差"]] (score at least → grade)

The rules:

- An indicator's points: its category's weight split equally among the category's
  indicators. A category with no indicators gives its weight to the present ones in
  proportion to theirs. When the table gives every indicator a weight (权重 / 分值), those
  weights are the points instead, scaled to the categories' total (90 by default), so a
  table whose 分值 already add up to 90 is scored exactly as written.
- Higher is better (>=, >, and =, since a bare number is a quantity to reach): min(actual /
  target, 1) × points. Lower is better (<=, <): full at or under the target, else the rule
  above, never below 0; a target of 0 overshot scores 0.
- Qualitative (no numeric target, or an actual that is not one number): the evaluator's
  points (Indicator.actual_points). Without them the indicator is flagged, not guessed.
- Each indicator's points are rounded half-up to 2 decimals; the project score is their sum
  plus the execution points, executed / budget × the execution weight.
- A score is given only when every part can be scored: an indicator without an actual value
  or the evaluator's points, or a project without 全年执行数, leaves the score empty and
  says why in the findings. A partial sum would read as a poor grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from budget import formats
from budget.evaluation.review import finding, kind
from budget.formats import LOWER_IS_BETTER, PERCENT_UNITS
from budget.importing import indicators as grammar
from budget.wording import where_params

DEFAULTS = {
    "weights": {"output": 50, "outcome": 30, "satisfaction": 10, "execution": 10},
    "cost_counts_as": "output",
    "lower_is_better_rule": "linear",
    "cap_execution_rate": True,
    "grades": [[90, "优"], [80, "良"], [60, "中"], [0, "差"]],
}
RULES = ("linear", "ratio")
CENT = Decimal("0.01")
MAGNITUDES = "十百千万亿"


def config() -> dict:
    custom = getattr(settings, "BUDGET_SCORING", None) or {}
    merged = {**DEFAULTS, **custom, "weights": {**DEFAULTS["weights"], **custom.get("weights", {})}}
    if merged["lower_is_better_rule"] not in RULES:
        raise ImproperlyConfigured(f"BUDGET_SCORING['lower_is_better_rule'] must be one of {RULES}")
    return merged


def round_points(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def grade(score: Decimal, grades=None) -> str:
    for threshold, name in sorted(grades or DEFAULTS["grades"], key=lambda g: -g[0]):
        if score >= Decimal(str(threshold)):
            return name
    return sorted(grades or DEFAULTS["grades"], key=lambda g: g[0])[0][1]


def attainment(comparator: str, target: Decimal, actual: Decimal, rule: str = "linear") -> Decimal:
    """How far an actual went towards a numeric target: 1 is the target just met, and beyond it more than 1,
    as the charts show it; never below 0.

    Higher is better: actual / target. Lower is better is mirrored by the rule, so that meeting the
    target also reads as 1 or more: linear, 10% under a ≤ target reads 1.1 and 10% over 0.9; ratio,
    target / actual over it. A target of 0 or less is met or not: 1 or 0.
    """
    if comparator in LOWER_IS_BETTER:
        if target <= 0:
            return Decimal(1) if actual <= target else Decimal(0)
        if rule == "ratio" and actual > target:
            return target / actual
        return max(Decimal(0), 2 - actual / target)
    if target <= 0:
        return Decimal(1) if actual >= target else Decimal(0)
    return max(Decimal(0), actual / target)


def achieved(comparator: str, target: Decimal, actual: Decimal, rule: str = "linear") -> Decimal:
    """The share of the points an actual earns against a numeric target, 0 to 1: going beyond earns no more."""
    return min(Decimal(1), attainment(comparator, target, actual, rule))


def quantitative_points(
    max_points: Decimal, comparator: str, target: Decimal, actual: Decimal, rule: str = "linear"
) -> Decimal:
    return round_points(max_points * achieved(comparator, target, actual, rule))


def parse_actual(text: str | None, unit_hint: str = "") -> grammar.Target | None:
    """ "130000宗" → 130000 宗; "0.98" under a % target → 98 %; None unless the text states one number."""
    if not grammar.normalize(text):
        return None
    return grammar.parse_target(text, unit_hint=unit_hint or None)


def units_agree(target_unit: str, actual_unit: str) -> bool:
    """Same unit, or one the other's prefix without a magnitude in between (个节点/个; not 宗/万宗)."""
    a, b = target_unit.strip(), actual_unit.strip()
    if not a or not b or a == b or (a in PERCENT_UNITS and b in PERCENT_UNITS):
        return True
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer.startswith(shorter) and not any(m in longer[len(shorter) :] for m in MAGNITUDES)


def category(indicator, weights: dict, cost_counts_as: str) -> str | None:
    k = kind(indicator)
    if k == "cost" and "cost" not in weights:
        return cost_counts_as
    return k if k in weights and k != "execution" else None


def max_points(indicators, cfg: dict) -> tuple[list[Decimal | None], list[dict]]:
    """Each indicator's exact (unrounded) points, and the findings of allocating them."""
    weights = {k: Decimal(str(v)) for k, v in cfg["weights"].items()}
    shares = {k: v for k, v in weights.items() if k != "execution"}
    indicator_total = sum(shares.values(), Decimal(0))
    given = [i.weight for i in indicators]
    if given and all(w is not None for w in given) and sum(given) > 0:
        return [w / sum(given) * indicator_total for w in given], []
    findings = []
    if any(w is not None for w in given):
        findings.append(finding("partial-weights", "info"))
    categories = [category(i, weights, cfg["cost_counts_as"]) for i in indicators]
    counts = {c: categories.count(c) for c in set(categories) if c}
    present_total = sum((shares[c] for c in counts), Decimal(0))
    result = []
    for i, c in zip(indicators, categories, strict=True):
        if c is None or present_total == 0:
            result.append(None)
            findings.append(finding("unknown-category", "warning", **where_params(i), category=i.level1_label or ""))
        else:
            result.append(shares[c] * indicator_total / present_total / counts[c])
    return result, findings


@dataclass
class IndicatorScore:
    indicator: object
    max_points: Decimal | None  # rounded to 2 decimals
    points: Decimal | None  # None: could not be scored (see findings)
    actual: Decimal | None = None  # the number read from actual_value
    percent_of_target: Decimal | None = None  # actual / target × 100, for charts
    findings: list[dict] = field(default_factory=list)


@dataclass
class ProjectScore:
    indicators: list[IndicatorScore]
    budget: Decimal
    executed: Decimal | None
    execution_rate: Decimal | None  # percent, 2 decimals, not capped
    execution_points: Decimal | None
    score: Decimal | None
    grade: str | None
    findings: list[dict]


def score_indicator(indicator, exact_max: Decimal | None, cfg: dict) -> IndicatorScore:
    if exact_max is None:
        return IndicatorScore(indicator, None, None)
    shown_max = round_points(exact_max)
    result = IndicatorScore(indicator, shown_max, None)
    evaluator = indicator.actual_points
    text = grammar.normalize(indicator.actual_value)
    target = indicator.target_value
    actual = parse_actual(text, indicator.target_unit) if target is not None else None
    if target is not None and actual is not None and not units_agree(indicator.target_unit, actual.unit):
        result.findings.append(
            finding("unit-mismatch", "warning", **where_params(indicator), actual=text, unit=indicator.target_unit)
        )
        return result
    if actual is not None:
        _score_against_target(result, exact_max, actual.value, cfg["lower_is_better_rule"])
    elif evaluator is not None:
        _take_evaluator_points(result, evaluator)
    elif target is not None and text:
        result.findings.append(finding("actual-not-a-number", "warning", **where_params(indicator), actual=text))
    elif target is not None:
        result.findings.append(finding("missing-actual", "warning", **where_params(indicator)))
    else:
        result.findings.append(finding("qualitative-without-points", "warning", **where_params(indicator)))
    if result.points is not None and result.points < shown_max and not grammar.normalize(indicator.deviation_reason):
        result.findings.append(
            finding(
                "missed-without-reason",
                "warning",
                **where_params(indicator),
                points=formats.points(result.points),
                max=formats.points(shown_max),
            )
        )
    return result


def _score_against_target(result: IndicatorScore, exact_max: Decimal, actual: Decimal, rule: str) -> None:
    """Points computed from the actual number against the numeric target; the evaluator's own points, when
    they differ, are noted and the computed ones kept."""
    indicator = result.indicator
    target = indicator.target_value
    result.actual = actual
    result.points = quantitative_points(exact_max, indicator.comparator, target, actual, rule)
    if target > 0:
        result.percent_of_target = round_points(actual / target * 100)
    given = indicator.actual_points
    if given is not None and given != result.points:
        result.findings.append(
            finding(
                "points-differ",
                "info",
                **where_params(indicator),
                given=formats.points(given),
                computed=formats.points(result.points),
            )
        )


def _take_evaluator_points(result: IndicatorScore, given: Decimal) -> None:
    """The evaluator's points where no number can be scored; more than the indicator's maximum is cut to it."""
    result.points = given
    if given > result.max_points:
        result.points = result.max_points
        result.findings.append(
            finding(
                "points-above-max",
                "warning",
                **where_params(result.indicator),
                given=formats.points(given),
                max=formats.points(result.max_points),
            )
        )


def evaluate(indicators, *, budget: Decimal, executed: Decimal | None, cfg: dict | None = None) -> ProjectScore:
    cfg = cfg or config()
    indicators = list(indicators)
    exact, findings = max_points(indicators, cfg)
    scores = [score_indicator(i, m, cfg) for i, m in zip(indicators, exact, strict=True)]
    for s in scores:
        findings += s.findings
    if not indicators:
        findings.append(finding("no-indicators", "warning", context="score"))

    rate = points = None
    weight = Decimal(str(cfg["weights"]["execution"]))
    if executed is None:
        findings.append(finding("missing-executed", "warning"))
    elif budget <= 0:
        findings.append(finding("zero-budget", "warning"))
    else:
        share = executed / budget
        rate = round_points(share * 100)
        if share > 1 and cfg["cap_execution_rate"]:
            findings.append(finding("over-executed", "info", rate=formats.points(rate)))
            share = Decimal(1)
        points = round_points(share * weight)

    score = project_grade = None
    if indicators and points is not None and all(s.points is not None for s in scores):
        score = round_points(sum((s.points for s in scores), Decimal(0)) + points)
        project_grade = grade(score, cfg["grades"])
    return ProjectScore(scores, budget, executed, rate, points, score, project_grade, findings)


def score_project(project, cfg: dict | None = None) -> ProjectScore:
    """Prefetch `indicators` (with level2__level1) when scoring many projects."""
    # The execution rate is 全年执行数 ÷ 全年预算数: the adjusted budget when a self-evaluation gave one.
    budget = project.budget_adjusted if project.budget_adjusted is not None else project.total
    return evaluate(project.indicators.all(), budget=budget, executed=project.executed, cfg=cfg)
