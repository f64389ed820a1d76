"""Target review (绩效目标审核): the checks a finance bureau's reviewer makes by hand, as rules.

The rules (shared/spec/review-and-scoring.md §1, 财预〔2015〕88号, 财预〔2021〕101号) are pure
functions over a project's indicators. An indicator is anything with the attributes of
`budget.models.Indicator`: seq, name, level1_label, level2_label, level2 (→ .name, .level1.kind),
period_value, annual_value, target_value, target_unit, comparator. Each rule returns findings
`{"code", "severity", "message"}` whose Chinese message names the indicator or category.

Score. A project starts at 100 and every finding deducts the weight of its code, never below 0,
so the score is explained entirely by the findings listed beside it. The weights come from
`settings.BUDGET_REVIEW_WEIGHTS` (a dict code → points, merged over these defaults):

    no-indicators              100  项目没有绩效指标
    missing-category            20  per missing level-1 category (产出/效益/满意度; 成本 in the newer framework)
    missing-output-quantity     10  产出指标下缺少数量指标
    missing-output-quality      10  产出指标下缺少质量指标
    low-numeric-share           15  fewer than half of the indicators have a numeric target
    vague-target                 5  per value that says nothing testable (提升, 持续改善 …)
    indicator-without-name      10  per indicator
    duplicate-indicator          5  per name that occurs more than once
    period-annual-differ         3  per indicator; a multi-year project may have a reason, hence small
    percent-above-100           10  a rate (率, 满意度, 覆盖率 …) targeted above 100%
    rate-not-percent             5  a rate whose target is a count or an amount (宣传知晓率 100000人)
    satisfaction-below-usual     5  a satisfaction target below 80%
    cost-as-percent              5  a cost indicator written as a percent, not an amount
    reconciliation              20  per reconciliation flag of the import on this project

The table (department) score is the mean of its projects' scores weighted by their funding: the
review asks how much of the department's money rests on well-written targets, and a plain mean
would let ten small tidy projects hide one badly written project that holds most of the budget.
A table whose projects have no funding at all falls back to the plain mean.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from budget import wording
from budget.formats import PERCENT_UNITS, number
from budget.importing import indicators as grammar

DEFAULT_WEIGHTS = {
    "no-indicators": 100,
    "missing-category": 20,
    "missing-output-quantity": 10,
    "missing-output-quality": 10,
    "low-numeric-share": 15,
    "vague-target": 5,
    "indicator-without-name": 10,
    "duplicate-indicator": 5,
    "period-annual-differ": 3,
    "percent-above-100": 10,
    "rate-not-percent": 5,
    "satisfaction-below-usual": 5,
    "cost-as-percent": 5,
    "reconciliation": 20,
}

# Below this share of numeric targets a project is "not 细化量化" (88号).
NUMERIC_SHARE_FLOOR = Decimal("0.5")
# Most published satisfaction targets lie in 80–100%.
SATISFACTION_FLOOR = Decimal(80)
VAGUE_WORDS = (
    "持续改善", "持续增加", "效果明显", "逐年增加", "逐年", "逐步", "提升", "提高", "改善", "长远", "明显", "显著",
    "进一步", "不断", "有所", "稳步", "大幅",
)  # fmt: skip
# Quantities that cannot exceed 100%; growth and change rates can.
RATE_WORDS = ("率", "满意度", "覆盖", "占比", "比例", "比重")
NOT_BOUNDED_WORDS = (
    "增长", "增幅", "增速", "提高", "提升", "下降", "降低", "同比", "环比", "效率", "频率", "速率", "功率",
)  # fmt: skip
CATEGORY_NAMES = {"output": "产出指标", "outcome": "效益指标", "satisfaction": "满意度指标", "cost": "成本指标"}
CENT = Decimal("0.01")


def finding(code: str, severity: str, **params) -> dict:
    """{"code", "severity", "params", "message"}: budget.wording builds the sentence in any language."""
    return wording.make(code, severity, **params)


# -- what an indicator is ------------------------------------------------------------------


def kind(indicator) -> str | None:
    """output / outcome / satisfaction / cost, from the category table or else from the source's words."""
    level2 = getattr(indicator, "level2", None)
    level1 = getattr(level2, "level1", None)
    return getattr(level1, "kind", None) or grammar.level1_kind(indicator.level1_label or "")


def level2_name(indicator) -> str:
    return indicator.level2_label or getattr(getattr(indicator, "level2", None), "name", "") or ""


def value_text(indicator) -> str:
    value = indicator.annual_value if indicator.annual_value is not None else indicator.period_value
    return grammar.normalize(value)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_bounded_rate(indicator) -> bool:
    name = indicator.name or ""
    return any(w in name for w in RATE_WORDS) and not any(w in name for w in NOT_BOUNDED_WORDS)


def is_satisfaction(indicator) -> bool:
    return kind(indicator) == "satisfaction" or "满意" in (indicator.name or "")


# -- the rules ----------------------------------------------------------------------------


def completeness(indicators, *, newer_framework: bool = False) -> list[dict]:
    if not indicators:
        return [finding("no-indicators", "error")]
    each = [kind(i) for i in indicators]
    kinds = set(each)
    required = ["output", "outcome", "satisfaction"] + (["cost"] if newer_framework else [])
    found = [
        finding("missing-category", "error", category=CATEGORY_NAMES[k]) for k in required if k not in kinds
    ]
    if "output" in kinds:
        under_output = [level2_name(i) for i, k in zip(indicators, each) if k == "output"]
        for word, code in (("数量", "missing-output-quantity"), ("质量", "missing-output-quality")):
            if not any(word in name for name in under_output):
                found.append(finding(code, "warning"))
    return found


def numeric_share(indicators) -> Decimal | None:
    if not indicators:
        return None
    return Decimal(sum(1 for i in indicators if i.target_value is not None)) / len(indicators)


def measurability(indicators) -> list[dict]:
    found = []
    share = numeric_share(indicators)
    if share is not None and share < NUMERIC_SHARE_FLOOR:
        numeric = sum(1 for i in indicators if i.target_value is not None)
        percent = (share * 100).quantize(Decimal(1), ROUND_HALF_UP)
        found.append(finding(
            "low-numeric-share", "warning", numeric=numeric, total=len(indicators), percent=str(percent),
        ))
    for i in indicators:
        if i.target_value is not None:
            continue
        text = value_text(i)
        word = next((w for w in VAGUE_WORDS if w in text), None)
        if word:
            found.append(finding(
                "vague-target", "warning", **wording.where_params(i), value=short(text), word=word,
            ))
    return found


def form(indicators) -> list[dict]:
    found = []
    for i in indicators:
        if not i.name:
            found.append(finding("indicator-without-name", "error", **wording.where_params(i)))
    counts = Counter(i.name for i in indicators if i.name)
    for name, count in counts.items():
        if count > 1:
            found.append(finding("duplicate-indicator", "warning", indicator=name, count=count))
    for i in indicators:
        # Equal texts normalise alike; only differing ones need the (costly) normalisation.
        if i.period_value is not None and i.annual_value is not None and i.period_value != i.annual_value and (
            (period := grammar.normalize(i.period_value)) != (annual := grammar.normalize(i.annual_value))
        ):
            found.append(finding(
                "period-annual-differ", "info", **wording.where_params(i), period=short(period), annual=short(annual),
            ))
        if i.target_value is None:
            continue
        percent = i.target_unit in PERCENT_UNITS
        if percent and i.target_value > 100 and is_bounded_rate(i):
            found.append(finding(
                "percent-above-100", "error", **wording.where_params(i), target=number(i.target_value),
            ))
        if not percent and i.target_unit and is_bounded_rate(i):
            found.append(finding(
                "rate-not-percent", "warning", **wording.where_params(i), target=number(i.target_value),
                unit=i.target_unit,
            ))
        if percent and is_satisfaction(i) and i.comparator in (">=", ">", "=") and i.target_value < SATISFACTION_FLOOR:
            found.append(finding(
                "satisfaction-below-usual", "warning", **wording.where_params(i), target=number(i.target_value),
                floor=number(SATISFACTION_FLOOR),
            ))
        if percent and (kind(i) == "cost" or "成本" in level2_name(i)):
            found.append(finding(
                "cost-as-percent", "warning", **wording.where_params(i), target=number(i.target_value),
            ))
    return found


def money(messages) -> list[dict]:
    """The import's reconciliation flags on this project (accepted in lenient mode)."""
    return [finding("reconciliation", "error", detail=m) for m in messages]


# -- scores ----------------------------------------------------------------------------------


@dataclass
class Review:
    score: Decimal
    findings: list[dict]


def weights() -> dict:
    return {**DEFAULT_WEIGHTS, **getattr(settings, "BUDGET_REVIEW_WEIGHTS", {})}


def score(findings: list[dict], rule_weights: dict | None = None) -> Decimal:
    rule_weights = weights() if rule_weights is None else rule_weights
    deducted = sum((Decimal(str(rule_weights.get(f["code"], 0))) for f in findings), Decimal(0))
    return max(Decimal(0), Decimal(100) - deducted).quantize(CENT, ROUND_HALF_UP)


def review_project(indicators, *, newer_framework=False, reconciliation=(), rule_weights=None) -> Review:
    indicators = list(indicators)
    findings = (
        completeness(indicators, newer_framework=newer_framework)
        + measurability(indicators)
        + form(indicators)
        + money(reconciliation)
    )
    return Review(score(findings, rule_weights), findings)


def uses_newer_framework(indicator_lists) -> bool:
    """财预〔2021〕101号 tables carry 成本指标 as a level-1 category; one such project marks the table."""
    return any(kind(i) == "cost" for indicators in indicator_lists for i in indicators)


def table_score(scored) -> Decimal | None:
    """Mean of (score, funding) pairs weighted by funding; plain mean when nothing is funded."""
    scored = [(s, f or Decimal(0)) for s, f in scored if s is not None]
    if not scored:
        return None
    funding = sum((f for _, f in scored), Decimal(0))
    if funding > 0:
        mean = sum((s * f for s, f in scored), Decimal(0)) / funding
    else:
        mean = sum((s for s, _ in scored), Decimal(0)) / len(scored)
    return mean.quantize(CENT, ROUND_HALF_UP)
