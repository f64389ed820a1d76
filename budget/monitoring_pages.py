"""What the pages show of monitoring: the department's latest month (lights, spending against the
month's threshold, target progress against spending), a project's months, the overview's counts.

Figures are plotly dicts (drawn by static/js/charts.js from json_script); the queries are a fixed
number per page, whatever the number of projects.
"""

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from budget.charts import _layout, _plain, _short
from budget.evaluation import monitoring
from budget.evaluation.monitoring_text import message
from budget.importing.monitoring_import import figures

LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}
LIGHT_COLOURS = {"red": "#c62828", "yellow": "#e0a800", "green": "#2e7d32"}


def department_monitoring(table) -> dict | None:
    """The table's latest reported month: rows red first, the two charts' figures; None before any report."""
    from budget.models import MonitoringReport

    month = MonitoringReport.objects.filter(project__table=table).aggregate(m=Max("month"))["m"]
    if month is None:
        return None
    reports = list(
        MonitoringReport.objects.filter(project__table=table, month=month)
        .select_related("project")
        .prefetch_related("indicators__indicator")
    )
    rules = monitoring.settings_rules()
    threshold = monitoring.threshold_for(month, rules["execution_thresholds"])
    rows = []
    for r in reports:
        shown = figures(r, list(r.indicators.all()))
        rows.append(
            {
                "report": r,
                "project": r.project,
                "light": r.light,
                "rate": monitoring.execution_rate(shown),
                "progress": monitoring.target_progress(shown),
                "messages": [message(w) for w in r.warnings],
            }
        )
    rows.sort(key=lambda row: (LIGHT_ORDER[row["light"]], row["project"].position))
    gap = monitoring.Decimal(str(rules["progress_gap"]))
    return {
        "month": month,
        "threshold": threshold,
        "rows": rows,
        "gap": gap,
        "counts": {light: sum(row["light"] == light for row in rows) for light in LIGHT_ORDER},
        "spending_chart": spending_chart(rows, threshold, month),
        "progress_chart": progress_chart(rows, gap),
    }


def spending_chart(rows, threshold, month) -> dict | None:
    """Each project's 1-M月执行率 as a bar in its light's colour, the month's threshold as a line."""
    shown = [row for row in rows if row["rate"] is not None]
    if not shown:
        return None
    names = [_plain(_short(row["project"].name)) for row in shown]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": [float(round(row["rate"], 2)) for row in shown],
            "marker": {"color": [LIGHT_COLOURS[row["light"]] for row in shown]},
            "name": _("执行率(%)"),
            "hovertemplate": "%{y}: %{x}%<extra></extra>",
        }
    ]
    shapes = []
    if threshold is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": float(threshold),
                "x1": float(threshold),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#1f2933", "dash": "dash", "width": 2},
            }
        )
    title = _("1-%(month)s月执行率与时间进度要求") % {"month": month}
    return {
        "data": data,
        "layout": _layout(
            title={"text": title},
            shapes=shapes,
            xaxis={"range": [0, 105], "ticksuffix": "%"},
            yaxis={"autorange": "reversed", "automargin": True},
            height=max(240, 32 * len(shown) + 100),
            showlegend=False,
        ),
    }


def progress_chart(rows, gap) -> dict | None:
    """One dot per project: spending rate across, target progress up; the diagonal and the ±gap band drawn,
    dots outside the band red."""
    shown = [row for row in rows if row["rate"] is not None and row["progress"] is not None]
    if not shown:
        return None
    limit = max(100.0, *(float(row["rate"]) for row in shown))
    g = float(gap)
    outside = [abs(row["progress"] - row["rate"]) > gap for row in shown]
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": [float(round(row["rate"], 2)) for row in shown],
            "y": [float(round(row["progress"], 2)) for row in shown],
            "text": [_plain(row["project"].name) for row in shown],
            "marker": {"size": 11, "color": ["#c62828" if out else "#2f6db5" for out in outside]},
            "hovertemplate": "%{text}<br>%{x}% / %{y}%<extra></extra>",
        }
    ]
    band = {
        "type": "path",
        "path": f"M 0 {-g} L {limit} {limit - g} L {limit} {limit + g} L 0 {g} Z",
        "fillcolor": "rgba(47,109,181,0.12)",
        "line": {"width": 0},
    }
    diagonal = {"type": "line", "x0": 0, "y0": 0, "x1": limit, "y1": limit, "line": {"color": "#6b7785", "dash": "dot"}}
    return {
        "data": data,
        "layout": _layout(
            shapes=[band, diagonal],
            showlegend=False,
            height=380,
            xaxis={"title": {"text": _("预算执行率(%)")}, "range": [0, limit + 5]},
            yaxis={"title": {"text": _("目标完成进度(%)")}, "range": [0, 105]},
        ),
    }


def project_months(project) -> list[dict]:
    """Each reported month, oldest first, with its money, warnings and indicator rows (progress against target)."""
    months = []
    for r in sorted(project.monitoring.all(), key=lambda r: r.month):
        rows = list(r.indicators.all())
        shown = figures(r, rows)
        indicators = [{"row": row, "progress": monitoring.progress(f)} for row, f in zip(rows, shown.indicators)]
        months.append(
            {
                "report": r,
                "budget": monitoring.budget_of(r),
                "rate": monitoring.execution_rate(shown),
                "progress": monitoring.target_progress(shown),
                "messages": [message(w) for w in r.warnings],
                "indicators": indicators,
            }
        )
    return months


def lights_by_table(table_ids) -> dict[int, dict]:
    """{table id: {"month", "red", "yellow", "green"}} for each table's latest month, in two queries."""
    from budget.models import MonitoringReport

    latest = dict(
        MonitoringReport.objects.filter(project__table_id__in=table_ids)
        .values("project__table_id")
        .annotate(m=Max("month"))
        .values_list("project__table_id", "m")
    )
    if not latest:
        return {}
    where = Q()
    for table_id, month in latest.items():
        where |= Q(project__table_id=table_id, month=month)
    counts = (
        MonitoringReport.objects.filter(where)
        .values("project__table_id")
        .annotate(**{light: Count("id", filter=Q(light=light)) for light in LIGHT_ORDER})
    )
    return {
        c["project__table_id"]: {"month": latest[c["project__table_id"]], **{k: c[k] for k in LIGHT_ORDER}}
        for c in counts
    }
