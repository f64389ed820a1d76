"""A spreadsheet number as Excel shows it, by its number format: 0.9 under `0%` is `90%`.

Pure. Covers what budget tables use — General, fixed decimals, thousands separators, percents,
literal text and currency signs around the number, negative sections, dates and times. What it
does not model (fractions, conditions like [>100], [DBNum1] Chinese numerals) falls back to
General, the plain number, so nothing is lost.
"""

import functools
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Built-in formats whose look depends on the system locale: as Excel shows them on Chinese Windows.
LOCALE_FORMATS = {"mm-dd-yy": "yyyy/m/d", "m/d/yy": "yyyy/m/d", "m/d/yy h:mm": "yyyy/m/d h:mm"}

_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|上午/下午|AM/PM|A/P|[^"\\\[_*]', re.IGNORECASE)
_DATE_CODE = re.compile(r"[ymdhs]", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"\[(?:[<>=]|dbnum)|\?/|/\?|[eE][+-]", re.IGNORECASE)
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0, counting its fictitious 1900-02-29


def general(value: float) -> str:
    if isinstance(value, int):  # openpyxl reads "199" as an int: exact, however many digits
        return str(value)
    if value.is_integer():
        return str(int(value))
    # repr is the shortest text that reads back as the same float (2616.61, not 2616.6099999...);
    # Decimal keeps it positional (0.0000001, not 1e-07).
    return format(Decimal(repr(value)), "f")


def format_number(value: float, fmt: str | None) -> str:
    if not fmt or fmt == "General":  # nearly every cell: no parsing
        return general(value)
    fmt = LOCALE_FORMATS.get(fmt, fmt)
    sections = _sections(fmt)
    if not sections or sections[0].lower() in ("general", "@") or _UNSUPPORTED.search(fmt):
        return general(value)
    if is_date_format(fmt):
        try:
            return format_datetime(_EPOCH + timedelta(days=value), fmt)
        except OverflowError:
            return general(value)
    if value < 0 and len(sections) > 1:
        section, value = sections[1], -value  # the section writes its own sign or brackets
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    else:
        section = sections[0]
    return _render_number(value, _tokens(section))


def format_datetime(value: date | datetime | time, fmt: str | None) -> str:
    """A date or time value as the format shows it; without a date format, ISO text."""
    fmt = LOCALE_FORMATS.get(fmt or "", fmt or "")
    if isinstance(value, time):
        value = datetime.combine(_EPOCH.date(), value)
    elif not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if not is_date_format(fmt):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    tokens = _tokens(_sections(fmt)[0])
    twelve_hour = any(t.upper() in ("AM/PM", "A/P", "上午/下午") for t in tokens)
    out = []
    for index, token in enumerate(tokens):
        out.append(_date_part(token, value, twelve_hour, _is_minute(tokens, index)))
    return "".join(out)


@functools.lru_cache(maxsize=256)  # a workbook uses a handful of formats over thousands of cells
def is_date_format(fmt: str) -> bool:
    sections = _sections(fmt)
    if not sections or sections[0].lower() == "general":
        return False
    return any(_DATE_CODE.match(t) for t in _tokens(sections[0]))


@functools.lru_cache(maxsize=256)
def _sections(fmt: str) -> tuple[str, ...]:
    sections, current = [], []
    for token in _TOKEN.findall(fmt):
        if token == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(token)
    sections.append("".join(current))
    return tuple(s for s in sections if s) if fmt else ()


@functools.lru_cache(maxsize=256)
def _tokens(section: str) -> tuple[str, ...]:
    """Runs of one date code letter become one token (yyyy, mm); everything else one character or quote."""
    tokens = []
    for token in _TOKEN.findall(section):
        low = token.lower()
        if (
            tokens
            and len(low) == 1
            and low in "ymdhs"
            and tokens[-1].lower()[0] == low
            and set(tokens[-1].lower()) == {low}
        ):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tuple(tokens)


def _literal(token: str) -> str:
    if token.startswith('"'):
        return token[1:-1]
    if token.startswith("\\"):
        return token[1:]
    if token.startswith("_"):
        return " "  # _x leaves the width of x: a space to the eye
    if token.startswith(("*", "[")):
        return ""  # fill characters and colours/locales show nothing of their own
    return token


def _render_number(value: float, tokens: list[str]) -> str:
    digits = [i for i, t in enumerate(tokens) if t in ("0", "#", "?")]
    if not digits:
        return "".join(_literal(t) for t in tokens)
    first, last = digits[0], digits[-1]
    pattern = tokens[first : last + 1]
    after = tokens[last + 1 :]
    scale = Decimal(100) ** tokens.count("%")
    while after and after[0] == ",":  # trailing commas divide by a thousand each
        scale /= 1000
        after = after[1:]
    number = _digits_text(abs(Decimal(repr(value))) * scale, pattern)
    sign = "-" if value < 0 and number.strip("0.,") else ""
    return "".join(_literal(t) for t in tokens[:first]) + sign + number + "".join(_literal(t) for t in after)


def _digits_text(number: Decimal, pattern: list[str]) -> str:
    point = pattern.index(".") if "." in pattern else len(pattern)
    whole, fraction = pattern[:point], [t for t in pattern[point + 1 :] if t in ("0", "#", "?")]
    rounded = number.quantize(Decimal(1).scaleb(-len(fraction)), rounding=ROUND_HALF_UP)  # Excel rounds half up
    integer, _, decimals = f"{rounded:f}".partition(".")
    # Optional places (#) drop trailing zeros, required ones (0) keep them: 0.0# shows 1.5 and 1.25.
    decimals = decimals.rstrip("0").ljust(fraction.count("0"), "0")
    integer = integer.lstrip("0").rjust(whole.count("0"), "0")
    if "," in whole and integer:
        integer = f"{int(integer):,}"
    return integer + ("." + decimals if "." in pattern else "")


def _is_minute(tokens: list[str], index: int) -> bool:
    """m after an hour or before a second is minutes; elsewhere it is the month."""
    if tokens[index].lower() not in ("m", "mm"):
        return False
    codes = [(i, t.lower()) for i, t in enumerate(tokens) if _DATE_CODE.match(t)]
    position = [i for i, _ in codes].index(index)
    before = codes[position - 1][1] if position else ""
    after = codes[position + 1][1] if position + 1 < len(codes) else ""
    return before.startswith("h") or after.startswith("s")


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _date_part(token: str, value: datetime, twelve_hour: bool, minute: bool) -> str:
    low = token.lower()
    hour = (value.hour % 12 or 12) if twelve_hour else value.hour
    if low in ("am/pm", "a/p"):
        return ("AM" if value.hour < 12 else "PM")[: 1 if low == "a/p" else 2]
    if token == "上午/下午":
        return "上午" if value.hour < 12 else "下午"
    if not _DATE_CODE.match(token):
        return _literal(token)
    if minute:
        return f"{value.minute:0{len(low)}d}"
    return {
        "y": f"{value.year % 100:02d}",
        "yy": f"{value.year % 100:02d}",
        "m": str(value.month),
        "mm": f"{value.month:02d}",
        "mmm": _MONTHS[value.month - 1][:3],
        "mmmm": _MONTHS[value.month - 1],
        "mmmmm": _MONTHS[value.month - 1][0],
        "d": str(value.day),
        "dd": f"{value.day:02d}",
        "ddd": _DAYS[value.weekday()][:3],
        "dddd": _DAYS[value.weekday()],
        "h": str(hour),
        "hh": f"{hour:02d}",
        "s": str(value.second),
        "ss": f"{value.second:02d}",
    }.get(low, str(value.year) if low.startswith("y") else token)
