"""Numbers the way finance staff write them: 2,616.61 (万元), 7.6%, ≥120,000宗."""

from decimal import Decimal, InvalidOperation

from django import template

from budget import charts
from budget.charts import target_text
from budget.importing.layouts import fmt

register = template.Library()


@register.filter
def amount(value) -> str:
    """Two decimals with thousands separators; more decimals only when the amount has them."""
    if value is None or value == "":
        return ""
    try:
        return fmt(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def share(part, whole) -> str:
    """part as a percentage of whole: 7.6%, or 0.04% when one decimal would show a small share as nothing."""
    if part is None or not whole:
        return ""
    percent = Decimal(part) * 100 / Decimal(whole)
    return f"{percent:.2f}%" if 0 < percent < 1 else f"{percent:.1f}%"


@register.filter
def target(indicator) -> str:
    if indicator.target_value is None:
        return ""
    return target_text(indicator.comparator, indicator.target_value, indicator.target_unit)


@register.filter
def source_colour(name) -> str:
    return charts.source_colour(str(name))


@register.filter
def level1_colour(name) -> str:
    return charts.level1_colour(str(name))


@register.filter
def severity_label(severity) -> str:
    """错误 / 警告 / 提示 for a finding's "error" / "warning" / "info", as flags show them."""
    from budget.models import Flag

    return dict(Flag.Severity.choices).get(severity, severity)


@register.filter
def points(value) -> str:
    """Scores and points with two decimals, as the scoring rules round them: 18.75; — when there is none."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):.2f}"


@register.filter
def percent(value) -> str:
    return "" if value is None else charts.percent_text(Decimal(value))


@register.filter
def known(name) -> str:
    """A funding source, category or grade the system knows, in the reader's language; other data as written."""
    from budget.wording import known as translate

    return translate(name)


@register.filter
def finding_text(finding) -> str:
    """A review or scoring finding's sentence in the reader's language, from its code and parameters."""
    from budget.wording import text

    return text(finding)


@register.filter
def signed_percent(value) -> str:
    """A change in percent with its sign: +12.5%, −3.0%; — when there is nothing to compare with."""
    if value is None:
        return "—"
    value = Decimal(value)
    return f"+{value:,.1f}%" if value > 0 else f"−{-value:,.1f}%" if value < 0 else "0.0%"


@register.filter
def signed_amount(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return "+" + fmt(value) if value > 0 else "−" + fmt(-value) if value < 0 else fmt(value)


@register.filter
def flag_text(flag) -> str:
    """An import flag in the reader's language (budget/wording.py)."""
    from budget.wording import flag_text as worded

    return worded(flag)
