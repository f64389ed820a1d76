"""Peers: each numeric target beside the same indicator across the departments of that year.

An indicator's peers are the year's numeric targets with the same normalised name, the same level-2
category and the same unit. A department that sets it in several projects counts once, with the median
of its own targets, so one department with many projects does not outvote the others. An indicator is
"common" when at least MIN_DEPARTMENTS departments set it. A target is "far below" its peers when a
higher-is-better target (≥, >, =) is under FAR_BELOW of the peers' median: a satisfaction target of 75%
where the others ask for 95%.
"""

from __future__ import annotations

from decimal import Decimal
from statistics import median

from django.db import connection

from budget.caching import cached, data_version
from budget.importing import indicators as grammar
from budget.models import Indicator

MIN_DEPARTMENTS = 3
FAR_BELOW = Decimal("0.85")
HIGHER_IS_BETTER = (">=", ">", "=")


def key(name, level2, unit) -> str:
    """The peer group of an indicator: normalised name (no spaces, NFKC, case folded), level 2 and unit."""
    name = "".join(grammar.normalize(name or "").split()).casefold()
    return f"{name}\x1f{level2 or ''}\x1f{unit or ''}"


def groups(rows) -> dict[str, dict]:
    """rows: (department id, department name, indicator name, level-2 name, unit, value) →
    {key: {"name", "level2", "unit", "departments": {id: (name, median value)}, "count", "median"}}."""
    found: dict[str, dict] = {}
    for dept_id, dept_name, name, level2, unit, value in rows:
        group = found.setdefault(key(name, level2, unit), {"name": name, "level2": level2, "unit": unit, "values": {}})
        group["values"].setdefault(dept_id, (dept_name, []))[1].append(Decimal(value))
    for group in found.values():
        group["departments"] = {d: (n, _median(v)) for d, (n, v) in group.pop("values").items()}
        group["count"] = len(group["departments"])
        group["median"] = _median([v for _, v in group["departments"].values()])
    return found


def _median(values) -> Decimal:
    return Decimal(median(sorted(values)))


def year_groups(year: int, version: str | None = None) -> dict[str, dict]:
    """The year's common indicators: one query, cached until the data changes. Read only: callers share it."""

    def compute():
        rows = Indicator.objects.filter(
            project__table__year=year, project__table__kind="project-targets", target_value__isnull=False
        ).values_list(
            "project__table__department_id",
            "project__table__department__name",
            "name",
            "level2__name",
            "target_unit",
            "target_value",
        )
        return {k: g for k, g in groups(rows.iterator(chunk_size=5000)).items() if g["count"] >= MIN_DEPARTMENTS}

    version = version or data_version()
    where = (connection.settings_dict["NAME"], year)
    kept = _KEPT.get(where)
    if kept is None or kept[0] != version:
        kept = _KEPT[where] = (version, cached(f"peers:{year}", version, compute))
    return kept[1]


# The last version of each year's groups as Python objects, in this process. The figures cache pickles what it
# keeps: unpickling a year's groups for each of the explorer's fifty rows made a rendered search for 满意度
# take 1.4 s instead of 60 ms (make bench, issue 18 item 7). Replaced, not added to, when the data moves.
_KEPT: dict[tuple[str, int], tuple[str, dict]] = {}


def standing(group: dict, department_id: int) -> dict:
    """Where one department's target stands among its peers: rank from the top, how many set a lower one."""
    mine = group["departments"][department_id][1]
    values = [v for _, v in group["departments"].values()]
    return {
        "value": mine,
        "count": group["count"],
        "median": group["median"],
        "below": sum(1 for v in values if v < mine),
        "above": sum(1 for v in values if v > mine),
    }


def far_below(comparator: str, value: Decimal, group: dict) -> bool:
    return comparator in HIGHER_IS_BETTER and group["median"] > 0 and value < group["median"] * FAR_BELOW


def for_indicators(indicators, year: int, department_id: int, version: str | None = None) -> list[dict]:
    """The peers of each numeric target of a project: [{"indicator", "key", "group", "standing", "far_below"}]."""
    common = year_groups(year, version)
    found = []
    for i in indicators:
        if i.target_value is None:
            continue
        k = key(i.name, i.level2.name if i.level2_id else "", i.target_unit)
        group = common.get(k)
        if group and department_id in group["departments"]:
            found.append(
                {
                    "indicator": i,
                    "key": k,
                    "group": group,
                    "standing": standing(group, department_id),
                    "far_below": far_below(i.comparator, i.target_value, group),
                }
            )
    return found
