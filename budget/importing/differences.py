"""What a new edition changes in each changed project, field by field, for the import preview.

Read from keys and a few queries over the changed projects only (values lists, no model instances), so a
preview of a large re-import costs about what its comparison already does. The preview shows the first
SHOWN changed projects in full and says how many more there are.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from budget import formats
from budget.models import Indicator, Project, ProjectFunding

SHOWN = 200


@dataclass
class ProjectDifference:
    name: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, old, new)
    kept_actuals: list[str] = field(default_factory=list)  # indicators whose self-evaluation stays
    lost_actuals: list[str] = field(default_factory=list)  # removed indicators that had one


def _amount(value) -> str:
    return "—" if value is None else formats.amount(Decimal(value))


def differences(changed) -> list[ProjectDifference]:
    """changed: (stored project id, parsed project) pairs → one ProjectDifference each, in that order."""
    from budget.importing.reimport import match_indicators  # reimport imports this module's caller

    changed = changed[:SHOWN]
    ids = [project_id for project_id, _ in changed]
    stored = {row[0]: row[1:] for row in Project.objects.filter(id__in=ids).values_list("id", "total", "goal")}
    funding: dict[int, dict] = {i: {} for i in ids}
    for project_id, source, amount in ProjectFunding.objects.filter(project_id__in=ids).values_list(
            "project_id", "source__name", "amount"):
        funding[project_id][source] = amount
    indicators = {row[0]: row[1:] for row in Indicator.objects.filter(project_id__in=ids).values_list(
        "id", "project_id", "name", "period_value", "annual_value", "actual_value", "actual_points",
        "deviation_reason")}
    matched, dropped = match_indicators(changed)
    out = []
    for project_id, p in changed:
        total, goal = stored[project_id]
        diff = ProjectDifference(p.name)
        if Decimal(total) != p.total:
            diff.rows.append((_("合计"), _amount(total), _amount(p.total)))
        for source in sorted(set(funding[project_id]) | set(p.funding)):
            old, new = funding[project_id].get(source), p.funding.get(source)
            if (old or Decimal(0)) != (new or Decimal(0)):
                diff.rows.append((source, _amount(old), _amount(new)))
        if (goal or "") != (p.goal or ""):
            diff.rows.append((_("绩效目标"), goal or "—", p.goal or "—"))
        _indicator_rows(diff, project_id, p, indicators, matched)
        out.append(diff)
    for indicator_id in dropped:
        project_id, name, _period, annual, *actual = indicators[indicator_id]
        diff = out[ids.index(project_id)]
        diff.rows.append((_("删除指标:{name}").format(name=name), annual or "—", "—"))
        if any(actual[:1]) or actual[1] is not None or actual[2]:
            diff.lost_actuals.append(name)
    return out


def _indicator_rows(diff: ProjectDifference, project_id: int, p, indicators: dict, matched: dict) -> None:
    for position, ind in enumerate(p.indicators):
        indicator_id = matched.get((project_id, position))
        if indicator_id is None:
            diff.rows.append((_("新增指标:{name}").format(name=ind.name), "—", ind.annual_value or "—"))
            continue
        _project, name, period, annual, actual_value, actual_points, reason = indicators[indicator_id]
        for label, old, new in ((_("年度指标值"), annual, ind.annual_value),
                                (_("实施周期指标值"), period, ind.period_value)):
            if (old or "") != (new or ""):
                diff.rows.append((f"{name} · {label}", old or "—", new or "—"))
        if actual_value or actual_points is not None or reason:
            diff.kept_actuals.append(name)
