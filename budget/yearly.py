"""Year on year: a department's table beside its previous year's, in numbers a reader can check.

Totals and each funding source with their change in percent; the projects that continue (matched by
project code when both years give one, else by name) with their change in money and in targets; the
projects added and dropped. Four queries, whatever the size of the tables; the page caches the result.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from budget import formats
from budget.models import BudgetTable, Indicator, Project, ProjectFunding

CHANGES_LISTED = 3  # target changes named per continuing project; the count says how many there are


def change(before, after) -> Decimal | None:
    """after against before, in percent with one decimal; None when there is nothing to compare with."""
    if before is None or after is None or before == 0:
        return None
    return ((Decimal(after) - Decimal(before)) * 100 / Decimal(before)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _by_source(table_id) -> dict[str, Decimal]:
    rows = (ProjectFunding.objects.filter(project__table_id=table_id).values("source__name", "source__position")
            .annotate(amount=Sum("amount")).order_by("source__position"))
    return {r["source__name"]: r["amount"] or Decimal(0) for r in rows}


def _key(project: dict, use_codes: bool) -> str:
    return f"code:{project['code']}" if use_codes and project["code"] else f"name:{project['name']}"


def _targets(project_ids) -> dict[int, dict[str, str]]:
    """Each project's numeric targets by indicator name, written as the page writes them (≥75%)."""
    targets: dict[int, dict[str, str]] = {}
    rows = Indicator.objects.filter(project_id__in=project_ids, target_value__isnull=False).values_list(
        "project_id", "name", "comparator", "target_value", "target_unit")
    for project_id, name, comparator, value, unit in rows:
        targets.setdefault(project_id, {})[name] = formats.target(comparator, value, unit)
    return targets


def _projects(table_id) -> list[dict]:
    return list(Project.objects.filter(table_id=table_id).order_by("position").values("id", "code", "name", "total"))


def compare(table: BudgetTable, years) -> dict | None:
    """This table against the department's previous year (of `years`, the years it has a table for), or None
    when it has none: then without a query."""
    earlier = [y for y in years if y < table.year]
    if not earlier:
        return None
    before = BudgetTable.objects.get(department_id=table.department_id, kind=table.kind, year=max(earlier))
    now_sources, then_sources = _by_source(table.pk), _by_source(before.pk)
    sources = [{"name": s, "before": then_sources.get(s), "after": now_sources.get(s),
                "change": change(then_sources.get(s), now_sources.get(s))}
               for s in dict.fromkeys([*then_sources, *now_sources])]
    now, then = _projects(table.pk), _projects(before.pk)
    # Codes match only when both years give them; a year without codes is matched by name throughout.
    use_codes = any(p["code"] for p in now) and any(p["code"] for p in then)
    earlier = {_key(p, use_codes): p for p in then}
    later = {_key(p, use_codes): p for p in now}
    both = [k for k in later if k in earlier]
    targets = _targets([later[k]["id"] for k in both] + [earlier[k]["id"] for k in both])
    continuing = [_continuing(earlier[k], later[k], targets) for k in both]
    continuing.sort(key=lambda c: -abs(c["delta"]))
    return {
        "before": before, "year": table.year,
        "total": {"before": before.total, "after": table.total, "change": change(before.total, table.total)},
        "sources": sources,
        "projects": {"before": len(then), "after": len(now), "change": change(len(then), len(now))},
        "continuing": continuing,
        "added": [p["name"] for p in now if _key(p, use_codes) not in earlier],
        "dropped": [p["name"] for p in then if _key(p, use_codes) not in later],
    }


def _continuing(then: dict, now: dict, targets: dict) -> dict:
    old, new = targets.get(then["id"], {}), targets.get(now["id"], {})
    changed = [{"name": n, "before": old[n], "after": new[n]} for n in new if n in old and old[n] != new[n]]
    return {
        "id": now["id"], "name": now["name"], "before_name": then["name"], "before": then["total"],
        "after": now["total"], "delta": now["total"] - then["total"], "change": change(then["total"], now["total"]),
        "targets_changed": len(changed), "changes": changed[:CHANGES_LISTED],
        "targets_added": sum(1 for n in new if n not in old), "targets_dropped": sum(1 for n in old if n not in new),
    }
