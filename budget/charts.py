"""Plotly figures as plain dicts: rows in, {"data": [...], "layout": {...}} out.

Pure: no queries, no templates. Pages hand a figure to plotly.js with json_script. Funding
sources and level-1 categories keep one colour on every page, so a reader who learned that
blue is 财政拨款 on the overview reads the project page the same way. The self-evaluation
figures are in budget/score_charts.py, built from the helpers here.

Every text that comes from the data goes through `_plain` before it reaches a figure: plotly
reads a subset of HTML in labels, ticks, legends and hovers (<b>, <br>, <a href>), so a project
named "<b>…" would otherwise be drawn bold, and one holding <a href> would become a link.
Data never goes into a hovertemplate either, where "%{…}" would be read as a placeholder.
"""

import zlib
from decimal import Decimal

from django.utils.translation import gettext as _

from budget import formats
from budget.importing.indicators import level1_kind
from budget.wording import known

SOURCE_COLOURS = {"财政拨款": "#2f6db5", "财政专户拨款": "#e0862a", "其他资金": "#3d9a5f"}
LEVEL1_COLOURS = {"output": "#3b6fb6", "outcome": "#d9822b", "satisfaction": "#2e9d6a", "cost": "#b0475a"}
# Sources and categories the seed data does not know still get a colour that is the same everywhere.
SPARE_COLOURS = ["#8a5ca8", "#c24b4b", "#5f7d8c", "#b39b2a", "#1d98a3", "#a4607a"]
TOTAL_COLOUR = "#6b7785"
# The bar of the departments or projects not listed: its own colour, never 未分来源's grey.
REST_COLOUR = "#b8c2cc"
PEER_COLOUR, OWN_COLOUR = "#9aa5b1", "#c24b4b"
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
LABEL_CHARS = 16
TOP_PROJECTS = 25


def _spare(name: str) -> str:
    return SPARE_COLOURS[zlib.crc32(name.encode()) % len(SPARE_COLOURS)]


def source_colour(name: str) -> str:
    return SOURCE_COLOURS.get(name) or _spare(name)


def level1_colour(name: str) -> str:
    return LEVEL1_COLOURS.get(level1_kind(name) or "") or _spare(name)


def _tint(colour: str, share: float) -> str:
    """The colour mixed with `share` white: level-2 slices are lighter shades of their level 1."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def _plain(text) -> str:
    """Text plotly shows as written: it decodes &amp; &lt; &gt; after reading its tags."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _layout(**extra) -> dict:
    layout = {
        "font": {"family": FONT, "size": 13, "color": "#1f2933"},
        "margin": {"l": 10, "r": 20, "t": 30, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        "hoverlabel": {"font": {"family": FONT}},
    }
    layout.update(extra)
    return layout


def _number(value) -> float:
    return float(value or Decimal(0))


def _category_axis(labels: list[str]) -> dict:
    # Full names stay the categories; only the tick text is shortened. Plotly's hover shows the
    # tick text for %{y}, so hovers take the full name from customdata.
    return {
        "type": "category",
        "automargin": True,
        "tickmode": "array",
        "tickvals": [_plain(x) for x in labels],
        "ticktext": [_plain(_short(label)) for label in labels],
    }


def _stacked_bars(
    labels: list[str], series: dict[str, list], sources: list[str], unit: str, rest_name: str = ""
) -> list[dict]:
    traces = []
    for name, values in series.items():
        colour = source_colour(name) if name in sources else REST_COLOUR if name == rest_name else TOTAL_COLOUR
        if not any(values):
            continue  # an empty column would only add a legend entry
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": _plain(known(name)),
                "y": [_plain(x) for x in labels],
                "x": values,
                "customdata": [[_plain(label), _plain(known(name))] for label in labels],
                "marker": {"color": colour},
                "hovertemplate": f"%{{customdata[0]}}<br>%{{customdata[1]}}: %{{x:,.2f}} {_plain(unit)}<extra></extra>",
            }
        )
    return traces


def funding_by_department(tables: list[dict], sources: list[str], *, rest: dict | None = None) -> dict:
    """Horizontal bars per table stacked by funding source.

    tables: [{"label", "total", "by_source": {name: amount}}]; a table without a source
    breakdown is drawn as one bar of its total. rest: {"count", "total"} of the tables not
    listed, drawn at the bottom as one grey bar of their total.
    """
    ordered = sorted(tables, key=lambda t: t["total"])
    labels = [t["label"] for t in ordered]
    series = {s: [_number(t["by_source"].get(s)) for t in ordered] for s in sources}
    unsourced = [_number(t["total"]) - sum(_number(v) for v in t["by_source"].values()) for t in ordered]
    if any(v > 0.005 for v in unsourced):
        series[_("未分来源")] = [max(v, 0) for v in unsourced]
    if rest:
        # Summing the rest by source would read every project of the year; their total is on the tables.
        labels.insert(0, _("其余 %(count)d 个部门") % {"count": rest["count"]})
        series = {name: [0.0, *values] for name, values in series.items()}
        series[_("其余部门合计")] = [_number(rest["total"])] + [0.0] * len(ordered)
    traces = _stacked_bars(labels, series, sources, _("万元"), rest_name=_("其余部门合计"))
    # Each bar's total written beside it: one large department flattens the others' bars, not their numbers.
    totals = [sum(v[n] for v in series.values()) for n in range(len(labels))]
    notes = [
        {
            "x": t,
            "y": _plain(label),
            "text": formats.amount(round(Decimal(t), 2)),
            "showarrow": False,
            "xanchor": "left",
            "xshift": 4,
            "font": {"size": 11, "color": TOTAL_COLOUR},
        }
        for label, t in zip(labels, totals, strict=True)
    ]
    return {
        "data": traces,
        "layout": _layout(
            barmode="stack",
            height=max(220, 90 + 34 * len(labels)),
            annotations=notes,
            xaxis={
                "title": {"text": _("万元")},
                "tickformat": ",.0f",
                "rangemode": "tozero",
                "range": [0, max(totals, default=1) * 1.25 or 1],
            },
            yaxis=_category_axis(labels),
        ),
    }


def funding_per_project(projects: list[dict], sources: list[str], *, rest: dict | None = None) -> dict:
    """Projects sorted by funding, largest on top, stacked by source; the long tail is one bar.

    projects: [{"name", "total", "by_source": {name: amount}}]; rest: {"count", "total",
    "by_source"} of projects summed in SQL and not listed, added to the tail.
    """
    ranked = sorted(projects, key=lambda p: p["total"], reverse=True)
    shown, tail = ranked[:TOP_PROJECTS], ranked[TOP_PROJECTS:]
    if rest:
        tail = [*tail, {**rest, "count": rest["count"]}]
    if tail:
        count = sum(p.get("count", 1) for p in tail)
        shown.append(
            {
                "name": _("其余 %(count)d 个项目") % {"count": count},
                "total": sum((p["total"] for p in tail), Decimal(0)),
                "by_source": {s: sum((p["by_source"].get(s) or Decimal(0) for p in tail), Decimal(0)) for s in sources},
            }
        )
    shown.reverse()
    labels = [p["name"] for p in shown]
    if sources:
        series = {s: [_number(p["by_source"].get(s)) for p in shown] for s in sources}
    else:
        series = {_("总计"): [_number(p["total"]) for p in shown]}
    return {
        "data": _stacked_bars(labels, series, sources, _("万元")),
        "layout": _layout(
            barmode="stack",
            height=max(220, 90 + 28 * len(labels)),
            xaxis={"title": {"text": _("万元")}, "tickformat": ",.0f", "rangemode": "tozero"},
            yaxis=_category_axis(labels),
        ),
    }


def indicator_mix(rows: list[dict]) -> dict:
    """Sunburst of indicator counts: level 1 inside, level 2 outside. rows: [{"level1", "level2", "count"}]."""
    ids, labels, parents, values, colours = [], [], [], [], []
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["level1"]] = totals.get(row["level1"], 0) + row["count"]
    for level1, total in totals.items():
        ids.append(_plain(level1))
        labels.append(_plain(known(level1)))
        parents.append("")
        values.append(total)
        colours.append(level1_colour(level1))
    for row in rows:
        ids.append(_plain(f"{row['level1']}/{row['level2']}"))
        labels.append(_plain(known(row["level2"])))
        parents.append(_plain(row["level1"]))
        values.append(row["count"])
        colours.append(_tint(level1_colour(row["level1"]), 0.35))
    trace = {
        "type": "sunburst",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "total",
        "marker": {"colors": colours, "line": {"color": "#ffffff", "width": 1}},
        "insidetextorientation": "horizontal",
        "hovertemplate": "%{label}: %{value}<extra></extra>",
    }
    # Slices too thin for a readable label stay unlabelled; hover and the data table name them.
    return {
        "data": [trace],
        "layout": _layout(
            height=360, margin={"l": 0, "r": 0, "t": 10, "b": 10}, uniformtext={"minsize": 10, "mode": "hide"}
        ),
    }


def funding_per_year(years: list[dict]) -> dict:
    """Bars of a department's total per year. years: [{"year", "total"}]."""
    labels = [str(y["year"]) for y in years]
    trace = {
        "type": "bar",
        "x": labels,
        "y": [_number(y["total"]) for y in years],
        "marker": {"color": TOTAL_COLOUR},
        "hovertemplate": "%{x}: %{y:,.2f} " + _("万元") + "<extra></extra>",
    }
    return {
        "data": [trace],
        "layout": _layout(
            height=260,
            xaxis={"type": "category"},
            yaxis={"title": {"text": _("万元")}, "tickformat": ",.0f", "rangemode": "tozero", "automargin": True},
        ),
    }


def numeric_targets(indicators: list[dict]) -> list[dict]:
    """One small chart per unit, so 3,000,000 条 and 99% never share an axis.

    indicators: [{"label", "level1", "comparator", "value", "unit"}], value a Decimal.
    Returns [{"id", "unit", "percent", "rows", "figure"}], each row given its "text" (≥99%):
    percent first on a 0–100 axis, then the other units in the order they first appear.
    """
    groups: dict[str, list[dict]] = {}
    for ind in indicators:
        groups.setdefault(ind["unit"], []).append(ind)
    order = sorted(groups, key=lambda unit: unit not in formats.PERCENT_UNITS)
    panels = []
    for n, unit in enumerate(order, 1):
        rows = [{**r, "text": formats.target(r["comparator"], r["value"], unit)} for r in groups[unit]]
        percent = unit in formats.PERCENT_UNITS
        labels = [r["label"] for r in rows][::-1]
        values = [_number(r["value"]) for r in rows][::-1]
        top = max(values, default=0)
        axis_top = max(100.0, top) if percent else (top * 1.15 or 1)
        shown_unit = unit or _("(无单位)")
        trace = {
            "type": "bar",
            "orientation": "h",
            "y": [_plain(x) for x in labels],
            "x": values,
            "marker": {"color": [level1_colour(r["level1"]) for r in rows][::-1]},
            "text": [_plain(r["text"]) for r in rows][::-1],
            "textposition": "auto",
            "cliponaxis": False,
            "customdata": [_plain(x) for x in labels],
            "hovertemplate": "%{customdata}: %{text}<extra></extra>",
        }
        panels.append(
            {
                "id": f"targets-{n}",
                "unit": shown_unit,
                "percent": percent,
                "rows": rows,
                "figure": {
                    "data": [trace],
                    "layout": _layout(
                        height=70 + 30 * len(rows),
                        showlegend=False,
                        margin={"l": 10, "r": 20, "t": 10, "b": 36},
                        # The caption names the unit; the axis only needs a few readable ticks.
                        xaxis={
                            "range": [0, axis_top],
                            "tickformat": ",",
                            "nticks": 4,
                            "ticksuffix": "%" if percent else "",
                        },
                        yaxis=_category_axis(labels),
                    ),
                },
            }
        )
    return panels


def peer_dots(values: list[float], own: float, median: float, unit: str) -> dict:
    """One indicator's targets across the departments of a year as dots on one line; this department's
    in its own colour and the median as a dashed line. values: every department's target (this one's too)."""
    shown_unit = unit or ""
    others = list(values)
    others.remove(own)
    dots = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": others,
            "y": [0] * len(others),
            "name": _("其他部门"),
            "marker": {"color": PEER_COLOUR, "size": 9, "opacity": 0.7},
            "hovertemplate": "%{x}" + _plain(shown_unit) + "<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "x": [own],
            "y": [0],
            "name": _("本部门"),
            "marker": {"color": OWN_COLOUR, "size": 13, "symbol": "diamond"},
            "hovertemplate": _("本部门") + " %{x}" + _plain(shown_unit) + "<extra></extra>",
        },
    ]
    return {
        "data": dots,
        "layout": _layout(
            height=90,
            showlegend=False,
            margin={"l": 10, "r": 10, "t": 6, "b": 28},
            xaxis={"zeroline": False, "ticksuffix": _plain(shown_unit) if shown_unit in formats.PERCENT_UNITS else ""},
            yaxis={"visible": False, "range": [-1, 1]},
            shapes=[
                {
                    "type": "line",
                    "x0": median,
                    "x1": median,
                    "y0": -0.8,
                    "y1": 0.8,
                    "line": {"color": TOTAL_COLOUR, "width": 1.5, "dash": "dash"},
                }
            ],
        ),
    }
