"""Numbers the way finance staff write them: 2,616.61 (万元), 7.6%, ≥120,000宗 (budget/formats.py)."""

from django import template

from budget import charts, formats

register = template.Library()


@register.filter
def amount(value) -> str:
    """Two decimals with thousands separators; more decimals only when the amount has them."""
    number = formats.decimal(value)
    if number is None:
        return "" if value is None else str(value)
    return formats.amount(number)


@register.filter
def share(part, whole) -> str:
    """part as a percentage of whole: 7.6%, or 0.04% when one decimal would show a small share as nothing."""
    if part is None or not whole:
        return ""
    return formats.share(formats.decimal(part), formats.decimal(whole))


@register.filter
def target(indicator) -> str:
    return formats.target_of(indicator)


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
    number = formats.decimal(value)
    return "—" if number is None else formats.points(number)


@register.filter
def percent(value) -> str:
    return "" if value is None else formats.percent(formats.decimal(value))


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
    return "—" if value is None else formats.signed_percent(formats.decimal(value))


@register.filter
def signed_amount(value) -> str:
    return "—" if value is None else formats.signed_amount(formats.decimal(value))


@register.filter
def flag_text(flag) -> str:
    """An import flag in the reader's language (budget/wording.py)."""
    from budget.wording import flag_text as worded

    return worded(flag)
