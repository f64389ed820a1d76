"""How numbers are written: amounts, plain numbers, points, percents and targets, on pages, in the admin,
in messages and in exports. One module, so that a page, an error message and a download never write the
same figure two ways.

Two audiences: people read amounts as finance staff write them (`2,616.61` 万元, `≥120,000宗`); files and
exports carry exact decimals without grouping (`"2616.61"`, export-format.md), which a program reads back.
What is rounded is rounded half up (四舍五入), as finance tables round: Python's own format rounds half to even.
Pure: no Django, no database.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Units that mean percent, and comparators for which less is better: read by the grammar, the review,
# the scoring, the monitoring and the charts alike.
PERCENT_UNITS = ("%", "百分比")
LOWER_IS_BETTER = ("<=", "<")
# A target as a page writes it: "=" goes without a sign (a bare 22天 is a quantity to reach).
SYMBOLS = {">=": "≥", "<=": "≤", "=": "", ">": ">", "<": "<"}
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def decimal(value) -> Decimal | None:
    """A Decimal from a Decimal, int or numeric text; None for nothing or for text that is no number."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _plain(value: Decimal, grouped: bool) -> str:
    # normalize() alone would write 120000 as 1.2E+5; ":f" keeps it positional.
    return f"{value.normalize():,f}" if grouped else f"{value.normalize():f}"


# -- for people ------------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    """2,616.61: two decimals with thousands separators; more decimals only when the amount has them."""
    two = value.quantize(CENT)
    return f"{two:,.2f}" if two == value else _plain(value, grouped=True)


def signed_amount(value: Decimal) -> str:
    """A change of an amount with its sign: +1,200.00, −35.50 (a real minus sign), 0.00."""
    return "+" + amount(value) if value > 0 else "−" + amount(-value) if value < 0 else amount(value)


def quantity(value: Decimal, unit: str = "") -> str:
    """120,000宗, 99.9%: the number as written (no trailing zeros), grouped by thousands, and its unit."""
    return f"{_plain(value, grouped=True)}{unit}"


def target(comparator: str, value: Decimal, unit: str) -> str:
    """≥120,000宗, ≤4.2万平方米, 22天: the comparator's sign, the number and the unit."""
    return SYMBOLS.get(comparator, comparator) + quantity(value, unit)


def target_of(indicator) -> str:
    """An indicator's target (anything with comparator, target_value and target_unit); "" when it has none."""
    if indicator.target_value is None:
        return ""
    return target(indicator.comparator, indicator.target_value, indicator.target_unit)


def points(value: Decimal | None) -> str | None:
    """Scores and points with two decimals, rounded half up as the scoring rules round them: 18.75."""
    return None if value is None else f"{value.quantize(CENT, ROUND_HALF_UP):f}"


def percent(value: Decimal) -> str:
    """A percent with one decimal: 108.3%, 1,250.0%."""
    return f"{value.quantize(TENTH, ROUND_HALF_UP):,f}%"


def share(part: Decimal, whole: Decimal) -> str:
    """part as a percentage of whole: 7.6%, or 0.04% when one decimal would show a small share as nothing."""
    value = part * 100 / whole
    return f"{value.quantize(CENT if 0 < value < 1 else TENTH, ROUND_HALF_UP):f}%"


def signed_percent(value: Decimal) -> str:
    """A change in percent with its sign: +12.5%, −3.0%, 0.0%."""
    return "+" + percent(value) if value > 0 else "−" + percent(-value) if value < 0 else percent(value)


# -- for files: None stays None (JSON null) ---------------------------------------------------


def number(value: Decimal | None) -> str | None:
    """The number exactly, without trailing zeros or grouping: 22, 0.5, 120000."""
    return None if value is None else _plain(value, grouped=False)


def exact_amount(value: Decimal | None) -> str | None:
    """An amount in an export (export-format.md): "2616.61", "330.984"; "0" for nothing."""
    if value is None:
        return None
    if value == 0:
        return "0"
    two = value.quantize(CENT)
    return f"{two:.2f}" if two == value else number(value)


def rounded(value: Decimal | None) -> str | None:
    """Rounded half up to cents without trailing zeros, as monitoring.md writes rates and a warning's figures:
    "37.5", "40"."""
    return None if value is None else number(value.quantize(CENT, ROUND_HALF_UP))
