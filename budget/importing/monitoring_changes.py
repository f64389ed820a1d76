"""What a monitoring upload changes in each project's report of that month, for the import preview.

A month reported again replaces the stored report of each project in the file (monitoring_import._write): the
preview names the projects reported for the first time that month, and for the others each figure and each
indicator's progress that differs, old → new, with the indicator rows the new report no longer holds. Two
queries over the reports of the file's projects and month, whatever the number of projects.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from budget.formats import amount
from budget.models import IndicatorProgress, MonitoringReport

FIGURES = ["budget_initial", "budget_adjustment", "budget_adjusted", "executed", "forecast"]
PROGRESS = ["value", "forecast", "likelihood", "deviation_causes", "deviation_note", "measures"]


@dataclass
class ReportChange:
    name: str  # the project's
    new: bool  # no report of this project for that month yet
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, old, new)


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Decimal):
        return amount(value)
    return "、".join(value) if isinstance(value, list) else str(value)


def _same(stored, new) -> bool:
    """An amount computed from a rate has more decimals than the six a stored one keeps."""
    if isinstance(stored, Decimal) and isinstance(new, Decimal):
        places = MonitoringReport._meta.get_field("executed").decimal_places
        return stored == new.quantize(Decimal(1).scaleb(-places))
    return stored == new


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def changes(reports, month: int) -> list[ReportChange]:
    """reports: the (unsaved report, its progress rows) pairs of an upload, in file order."""
    projects = [report.project_id for report, _rows in reports]
    stored = {r.project_id: r for r in MonitoringReport.objects.filter(project_id__in=projects, month=month)}
    progress: dict[int, dict] = {r.pk: {} for r in stored.values()}
    for row in IndicatorProgress.objects.filter(report__in=list(stored.values())).select_related("indicator"):
        progress[row.report_id][row.indicator_id] = row
    out = []
    for report, rows in reports:
        old = stored.get(report.project_id)
        change = ReportChange(report.project.name, new=old is None)
        if old is not None:
            _figure_rows(change, old, report)
            _progress_rows(change, progress[old.pk], rows)
        out.append(change)
    return out


def _figure_rows(change: ReportChange, old, new) -> None:
    for name in FIGURES:
        before, after = getattr(old, name), getattr(new, name)
        if not _same(before, after):
            change.rows.append((_label(MonitoringReport, name), _text(before), _text(after)))
    if old.light != new.light:
        change.rows.append((_label(MonitoringReport, "light"), old.get_light_display(), new.get_light_display()))


def _progress_rows(change: ReportChange, stored: dict, rows) -> None:
    """Each indicator's progress against the stored row of the same indicator, in the new report's order."""
    for row in rows:
        before = stored.pop(row.indicator.pk, None)
        if before is None:
            change.rows.append((_("新增指标:{name}").format(name=row.indicator.name), "—", _text(row.value)))
            continue
        for name in PROGRESS:
            if getattr(before, name) != getattr(row, name):
                what = f"{row.indicator.name} · {_label(IndicatorProgress, name)}"
                change.rows.append((what, _text(getattr(before, name)), _text(getattr(row, name))))
    for before in stored.values():
        change.rows.append((_("删除指标:{name}").format(name=before.indicator.name), _text(before.value), "—"))
