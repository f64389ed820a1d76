"""The grammar of an indicator cell (绩效指标) and of a target value (指标值).

Pure and stdlib-only: readers, the importer and the tests share it without Django.
The ground truth is shared/spec/table-layouts.md; every rule below answers something
seen in a real published table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from budget.formats import PERCENT_UNITS

__all__ = [
    "IndicatorItem",
    "ParsedCell",
    "Target",
    "clean_name",
    "excel_serial_date",
    "level1_kind",
    "normalize",
    "parse_indicator_cell",
    "parse_target",
    "target_of",
    "split_code",
]


def normalize(text: str | None) -> str:
    """NFKC so that ：；（）％ read as :;()%, one kind of line break, no outer blanks."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True, slots=True)
class Target:
    comparator: str  # ">=", "<=", "=", ">" or "<"
    value: Decimal  # as written: "≥90%" -> 90, not 0.9
    unit: str  # the text after the number, "" when there is none


@dataclass(slots=True)  # a national table holds a hundred thousand: no __dict__ each
class IndicatorItem:
    seq: int
    level1: str
    level1_code: str | None
    level2: str
    level2_code: str | None
    name: str
    library_code: str | None
    period_value: str | None
    annual_value: str | None
    # What this system's own table export adds after the values (";权重:20;目标:≥90%"), so that a
    # weight and a target read from other columns survive the round trip.
    weight_text: str | None = None
    target_text: str | None = None


@dataclass(frozen=True)
class ParsedCell:
    items: list[IndicatorItem]
    unparsed: str | None


# --- the indicator cell ---------------------------------------------------------------

# "N.L-一级指标:" opens an item. The level-1 name must not start with a digit, so a value
# such as "增长1.5-2个百分点" is not taken for an item; the look-behind (no digit or "." before the
# first digit) keeps "12.1-" whole. The pattern opens with a digit, not the look-behind, so that
# the regex engine skips ahead to the next digit instead of trying every character: a third faster.
_ITEM_START = re.compile(r"([0-9](?<![0-9.][0-9])[0-9]*)\.([0-9]+)[ \t]*-[ \t]*([^\s:;。0-9][^:;。\n]{0,30}?)[ \t]*:")
_VALUE_MARK = re.compile(r"(实施周期指标值|年度指标值)[ \t]*:")
_PERIOD, _ANNUAL = "实施周期指标值", "年度指标值"
_PERIOD_MARK = re.compile(r"实施周期指标值[ \t]*:")
_ANNUAL_MARK = re.compile(r"年度指标值[ \t]*:")
_LEVEL2 = re.compile(r"([0-9]+)[ \t]*-[ \t]*(.*)", re.S)
# Between items only whitespace and end-of-sentence marks may disappear.
_FILLER = re.compile(r"[\s;。,]*")


def parse_indicator_cell(text: str) -> ParsedCell:
    cell = normalize(text)
    starts = list(_ITEM_START.finditer(cell))
    items: list[IndicatorItem] = []
    # Spans of the cell that are not items; kept so that nothing is dropped silently.
    loose = [(0, starts[0].start() if starts else len(cell))]
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(cell)
        item = _read_item(start, cell[start.end() : end])
        if item is None:
            loose.append((start.start(), end))
        else:
            items.append(item)
    return ParsedCell(items=items, unparsed=_join_loose(cell, loose))


def _read_item(start: re.Match, rest: str) -> IndicatorItem | None:
    period_mark = _PERIOD_MARK.search(rest)
    annual_mark = period_mark and _ANNUAL_MARK.search(rest, period_mark.end())
    if annual_mark and _ANNUAL not in rest[: period_mark.start()]:
        # The usual item: head, period value, annual value. What the loop below would find too (each
        # marker's first occurrence), by two literal searches: a lazy ".*?" pattern over the whole item
        # backtracked character by character, a third of the parse.
        head = _trim(rest[: period_mark.start()])
        period = _trim(rest[period_mark.end() : annual_mark.start()]) or None
        annual = _trim(rest[annual_mark.end() :]) or None
    else:
        marks: dict[str, re.Match] = {}
        for mark in _VALUE_MARK.finditer(rest):
            marks.setdefault(mark.group(1), mark)
        if not marks:
            # Without 实施周期指标值 or 年度指标值 there is no telling a name from a value.
            return None
        # A value runs to the next chosen marker, so "…(12份);…(1份)。年度指标值:" stays whole;
        # a marker repeated inside a value is left in that value. The dict keeps the markers in
        # the order they were found, which is their order in the text.
        ordered = list(marks.values())
        values = {}
        for j, mark in enumerate(ordered):
            stop = ordered[j + 1].start() if j + 1 < len(ordered) else len(rest)
            values[mark.group(1)] = _trim(rest[mark.end() : stop]) or None
        head = _trim(rest[: ordered[0].start()])
        period, annual = values.get(_PERIOD), values.get(_ANNUAL)
    level2_code, level2, library_code, name = _read_head(head)
    extras: dict[str, str] = {}
    if annual is not None:
        annual, extras = _split_extras(annual)
    elif period is not None:
        period, extras = _split_extras(period)
    if annual == period:
        annual = period  # most items repeat the value: one string, not two, for a national table
    return IndicatorItem(
        int(start.group(1)),
        start.group(3).strip(),
        start.group(2),
        level2,
        level2_code,
        name,
        library_code,
        period,
        annual,
        extras.get("权重"),
        extras.get("目标"),
    )


_EXTRAS_END = re.compile(r";(权重|目标):([^;。]*)$")


def _split_extras(value: str) -> tuple[str | None, dict[str, str]]:
    """The value without the ";权重:…;目标:…" the table export writes after it."""
    extras = {}
    if ";" not in value:  # most values: no pattern to try
        return value, extras
    while (match := _EXTRAS_END.search(value)) and match.group(1) not in extras:
        extras[match.group(1)] = match.group(2).strip()
        value = value[: match.start()]
    return (_trim(value) or None) if extras else value, extras


@lru_cache(maxsize=65536)
def _read_head(head: str) -> tuple[str | None, str, str | None, str]:
    """(level-2 code, level-2 name, library code, name) of "11-数量指标:指标名". The same few thousand
    heads recur across a table's projects, whose values differ: read each once."""
    level2_part, colon, name_part = head.partition(":")
    if not colon and not _LEVEL2.fullmatch(head):
        # "1.1-产出指标:工作天数;…" has no level 2; "1.1-产出指标:11-数量指标;…" has no name.
        level2_part, name_part = "", head
    level2_match = _LEVEL2.fullmatch(level2_part.strip())
    if level2_match:
        level2_code, level2 = level2_match.group(1), level2_match.group(2).strip()
    else:
        level2_code, level2 = None, level2_part.strip()
    library_code, name = split_code(name_part.strip())
    return level2_code, level2, library_code, name.strip()


def _trim(text: str) -> str:
    """Drop surrounding blanks and the one ";" or "。" that closes a field."""
    text = text.strip()
    if text[-1:] in (";", "。"):
        text = text[:-1].rstrip()
    return text


def _join_loose(cell: str, spans: list[tuple[int, int]]) -> str | None:
    merged: list[list[int]] = []
    for begin, end in spans:
        # Adjacent spans are one stretch of prose; cutting it would not be verbatim.
        if merged and merged[-1][1] == begin:
            merged[-1][1] = end
        else:
            merged.append([begin, end])
    pieces = [cell[b:e].strip() for b, e in merged]
    pieces = [p for p in pieces if not _FILLER.fullmatch(p)]
    return "\n".join(pieces) or None


# --- names and codes -------------------------------------------------------------------

# A code is two or more digits and the name after the dash starts with no digit, so
# "2018-2019年度项目" stays a name.
_CODE = re.compile(r"([0-9]{2,})[ \t]*-[ \t]*([^\s0-9].*)", re.S)


def split_code(text: str) -> tuple[str | None, str]:
    match = _CODE.fullmatch(text.strip())
    if not match:
        return None, text
    return match.group(1), match.group(2).strip()


_DECORATIONS = "★☆▲*"
# "指标1:", "指标2、", and "指标1工程…" with the separator left out.
_LABEL = re.compile(r"指标\s*[0-9]{1,2}\s*(?:[:.、]\s*|(?=[^0-9.:、])|$)")
# Template residue is a parenthesis holding the template's * placeholders ("( ≥**个 )").
_RESIDUE = re.compile(r"\s*\([^()]*\*[^()]*\)")
# ... or a bare comparator and placeholder at the end ("受益人口数≥**人").
_BARE_RESIDUE = re.compile(r"\s*[≥≤<>=]+\s*\*+[^\s()*0-9]{0,6}$")


# A blank between Chinese characters (or a digit and one) is a wrapped cell or PDF spacing, not part of the name.
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff0-9])\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=[0-9])")


def clean_name(text: str) -> str:
    name = _CJK_GAP.sub("", normalize(text))
    while True:
        before = name
        name = _BARE_RESIDUE.sub("", _RESIDUE.sub("", name)).strip().strip(_DECORATIONS).strip()
        label = _LABEL.match(name)
        if label:
            name = name[label.end() :]
        if name == before:
            return name


# Checked in this order: "服务对象满意度指标" is satisfaction, "成本效益" is cost.
_KINDS = ((("满意",), "satisfaction"), (("成本",), "cost"), (("产出",), "output"), (("效益", "效果"), "outcome"))


def level1_kind(level1: str) -> str | None:
    name = clean_name(split_code(normalize(level1))[1])
    for words, kind in _KINDS:
        if any(word in name for word in words):
            return kind
    return None


def excel_serial_date(value: str) -> str | None:
    match = re.fullmatch(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0+)?", normalize(value))
    if not match:
        return None
    serial = int(match.group(1).replace(",", ""))
    # Outside about 1954..2119 a number is more likely a count than a date.
    if not 20000 <= serial <= 80000:
        return None
    # Day 0 is 1899-12-30 because Excel counts the non-existent 1900-02-29.
    return (date(1899, 12, 30) + timedelta(days=serial)).isoformat()


# --- target values ----------------------------------------------------------------------

# A leading "-" is a sign unless it follows a digit or "%": "2021-12-31", "80%-90%" are
# ranges and dates, and must count as several numbers.
_NUMBER = re.compile(r"(?:(?<![0-9%.])-)?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")

_BEFORE_WORDS = {
    ">=": ">=", "=>": ">=", "≥": ">=", "≧": ">=", "⩾": ">=",
    "<=": "<=", "=<": "<=", "≤": "<=", "≦": "<=", "⩽": "<=",
    "=": "=", "等于": "=", ">": ">", "<": "<",
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "至少": ">=", "最少": ">=",
    "大于等于": ">=", "大于或等于": ">=", "不得低于": ">=", "不得少于": ">=",
    "不超过": "<=", "不高于": "<=", "不大于": "<=", "不多于": "<=", "最多": "<=",
    "小于等于": "<=", "小于或等于": "<=", "不得超过": "<=", "不得高于": "<=",
    "超过": ">", "高于": ">", "大于": ">", "多于": ">",
    "低于": "<", "少于": "<", "小于": "<", "不足": "<",
}  # fmt: skip
# Longest first, so that 不超过 is never read as 超过 nor >= as =: the earliest match that
# runs to the end of the text is the longest word the text ends with.
_BEFORE_END = re.compile("(?:" + "|".join(map(re.escape, sorted(_BEFORE_WORDS, key=len, reverse=True))) + r")\Z")
_AFTER_WORDS = {"以上": ">=", "以下": "<=", "以内": "<=", "之内": "<="}
# 达到 alone says "reach", i.e. at least; it yields to an explicit word after the number.
_REACH_WORDS = ("达到", "达")
_UNIT_END = ";。,、!?"


_DATE_UNIT = re.compile(r"月(?:底|末|份|初|中旬|上旬|下旬|前|[0-9]+日)|日前|号前")


def parse_target(
    value: str | None,
    *,
    comparator_hint: str | None = None,
    unit_hint: str | None = None,
    direction_hint: str | None = None,
) -> Target | None:
    """The comparator, number and unit a value states; None when it states no one number.

    The value's own words win over the hints. comparator_hint is the 指标性质 column:
    a sign is used; 定量/定性 carry no comparator and do not decide whether the value is
    read (a 定性 value without a number is None anyway, and a "≥90%" marked 定性 is
    still a number). direction_hint 正向/反向 means >=/<= when nothing else says.
    """
    text = normalize(value)
    numbers = _NUMBER.findall(text)
    if len(numbers) != 1:
        # None: qualitative. Several: a date, a range, a list of reports — ambiguous.
        return None
    match = _NUMBER.search(text)
    written, before, after = match.group(), text[: match.start()], text[match.end() :]
    if _YEAR.fullmatch(written) and after.lstrip().startswith("年"):
        # "2021年底前完成" names a year; nobody targets 2021 years of anything.
        return None
    number = Decimal(written.replace(",", ""))
    unit, after_comparator = _unit_and_comparator(after)
    if _DATE_UNIT.match(unit):
        # "每年12月底前", "6月30日前": a point in the year, not a quantity of months.
        return None

    before = before.rstrip(" \t:")
    comparator = _comparator_before(before) or after_comparator
    if comparator is None and before.endswith(_REACH_WORDS):
        comparator = ">="
    if comparator is None and comparator_hint:
        comparator = _comparator_before(normalize(comparator_hint))
    if comparator is None and direction_hint:
        direction = normalize(direction_hint)
        comparator = ">=" if "正向" in direction else "<=" if "反向" in direction else None

    if not unit and unit_hint:
        unit = normalize(unit_hint)
        # Finance templates write a rate as a fraction: 1 or 0.95 under "%" is 100 / 95.
        if unit in PERCENT_UNITS and 0 < number <= 1:
            number = _times_hundred(number)
    return Target(comparator=comparator or "=", value=number, unit=unit)


def _comparator_before(text: str) -> str | None:
    match = _BEFORE_END.search(text)
    return _BEFORE_WORDS[match.group()] if match else None


def _unit_and_comparator(after: str) -> tuple[str, str | None]:
    """The unit runs from the number to 以上/以内/…, a sentence mark, or the end."""
    for i, char in enumerate(after):
        if char in _UNIT_END:
            after = after[:i]
            break
    comparator = None
    found = [(after.find(word), word) for word in _AFTER_WORDS if word in after]
    if found:
        at, word = min(found)
        after, comparator = after[:at], _AFTER_WORDS[word]
    unit = after.strip().rstrip("及或").strip()
    # "(90%)" leaves "%)": an unmatched closing parenthesis is the value's, not the unit's.
    while unit.endswith(")") and unit.count("(") < unit.count(")"):
        unit = unit[:-1].rstrip()
    return unit, comparator


def _times_hundred(number: Decimal) -> Decimal:
    scaled = number.scaleb(2)
    # 1 * 100 would print as 1E+2; the export wants "100".
    return scaled.quantize(Decimal(1)) if scaled.as_tuple().exponent > 0 else scaled


def target_of(period_value: str | None, annual_value: str | None) -> Target | None:
    """The target an indicator states: its annual value's, else its period value's — the importer's rule
    (layouts.py), which the admin's forms and paste to parse apply to what a clerk types."""
    value = annual_value if annual_value not in (None, "") else period_value
    return parse_target(value or None)
