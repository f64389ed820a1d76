"""The self-evaluation figures (绩效自评): each indicator's attainment of its target on the project page, and the
department's projects as dots per grade. Plotly dicts like budget/charts.py, and pure in the same way: rows in,
no queries, every text from the data through `_plain`."""

from django.utils.translation import gettext as _

from budget import formats
from budget.charts import TOTAL_COLOUR, _category_axis, _layout, _plain, _tint, level1_colour
from budget.evaluation.scoring import attainment
from budget.wording import known

ATTAINMENT_CAP = 200  # bars stop here; the label still gives the whole figure
GRADE_COLOURS = ["#2e9d6a", "#3b6fb6", "#d9822b", "#c24b4b", "#8a5ca8", "#5f7d8c"]


def target_vs_actual(rows: list[dict]) -> dict:
    """One bar per indicator: its attainment of the target, against a line at 100%.

    rows: [{"label", "level1", "comparator", "target", "actual", "unit"}], target and actual
    Decimals in the target's unit, in the order the indicators are listed.
    """
    rows = [
        {
            **r,
            "attainment": attainment(r["comparator"], r["target"], r["actual"]) * 100,
            "lower": r["comparator"] in formats.LOWER_IS_BETTER,
        }
        for r in rows
    ]
    shown = rows[::-1]  # plotly draws the first category at the bottom
    labels = [r["label"] for r in shown]
    values = [min(float(r["attainment"]), ATTAINMENT_CAP) for r in shown]
    top = max([100.0, *values])
    return {
        "data": [_attainment_bars(shown, labels, values)],
        "layout": _layout(
            height=80 + 30 * len(rows),
            showlegend=False,
            margin={"l": 10, "r": 30, "t": 24, "b": 40},
            xaxis={
                "range": [0, top * 1.08],
                "ticksuffix": "%",
                "nticks": 6,
                "zeroline": False,
                "title": {"text": _("达成度")},
            },
            yaxis=_category_axis(labels),
            **_target_line(),
        ),
    }


def _attainment_bars(shown: list[dict], labels: list[str], values: list[float]) -> dict:
    """The bars of target_vs_actual, bottom to top; the hover names actual and target in the target's unit."""
    hovers = [
        _plain(
            f"{r['label']}\n"
            + _("实际 %(actual)s · 目标 %(target)s")
            % {
                "actual": formats.quantity(r["actual"], r["unit"]),
                "target": formats.target(r["comparator"], r["target"], r["unit"]),
            }
            + (" · " + _("越低越好") if r["lower"] else "")
        ).replace("\n", "<br>")
        for r in shown
    ]
    return {
        "type": "bar",
        "orientation": "h",
        "y": [_plain(x) for x in labels],
        "x": values,
        # A missed target is drawn hollow: its category's outline around a pale fill.
        "marker": {
            "color": [
                level1_colour(r["level1"]) if r["attainment"] >= 100 else _tint(level1_colour(r["level1"]), 0.75)
                for r in shown
            ],
            "line": {"color": [level1_colour(r["level1"]) for r in shown], "width": 1.5},
        },
        "text": [formats.percent(r["attainment"]) for r in shown],
        "textposition": "auto",
        "cliponaxis": False,
        "customdata": hovers,
        "hovertemplate": "%{customdata}<br>" + _("达成度") + " %{text}<extra></extra>",
    }


def _target_line() -> dict:
    """The dashed line at 100% and its caption, as layout shapes and annotations."""
    return {
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": TOTAL_COLOUR, "width": 1.5, "dash": "dash"},
            }
        ],
        "annotations": [
            {
                "xref": "x",
                "yref": "paper",
                "x": 100,
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "text": _plain(_("目标 100%")),
                "font": {"size": 11, "color": TOTAL_COLOUR},
            }
        ],
    }


def score_distribution(projects: list[dict], grades: list) -> dict:
    """A strip per grade: one dot per project at its score, best grade on top.

    projects: [{"name", "score": Decimal, "grade"}]; grades: [[threshold, name], …] as the
    scoring settings give them. Dots in one grade are spread vertically in a fixed pattern so
    that equal scores stay apart and the picture is the same on every load.
    """
    ordered = sorted(grades, key=lambda g: -g[0])
    names = [name for _, name in ordered]
    rows = {name: n for n, name in enumerate(reversed(names))}
    traces = []
    for n, name in enumerate(names):
        members = sorted((p for p in projects if p["grade"] == name), key=lambda p: p["score"])
        if members:
            traces.append(_grade_strip(name, members, rows[name], GRADE_COLOURS[n % len(GRADE_COLOURS)]))
    counts = {name: sum(1 for p in projects if p["grade"] == name) for name in names}
    return {
        "data": traces,
        "layout": _layout(
            height=60 + 48 * len(names),
            showlegend=False,
            margin={"l": 10, "r": 20, "t": 10, "b": 40},
            # No grid: the dotted lines are the grade thresholds.
            xaxis={
                "range": [-2, 102],
                "title": {"text": _("自评得分")},
                "dtick": 10,
                "zeroline": False,
                "showgrid": False,
            },
            yaxis={
                "range": [-0.6, len(names) - 0.4],
                "tickmode": "array",
                "automargin": True,
                "zeroline": False,
                "tickvals": [rows[name] for name in names],
                "showgrid": False,
                "ticktext": [_plain(f"{known(name)} ({counts[name]})") for name in names],
            },
            shapes=[_threshold_line(t) for t, _ in ordered if 0 < t < 100],
        ),
    }


def _grade_strip(name: str, members: list[dict], row: int, colour: str) -> dict:
    """One grade's dots around its row, in the same fixed spread on every load."""
    spread = [((k * 0.618) % 1 - 0.5) * 0.5 for k in range(len(members))]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": _plain(known(name)),
        "x": [float(p["score"]) for p in members],
        "y": [row + d for d in spread],
        "marker": {"color": colour, "size": 11, "opacity": 0.8, "line": {"color": "#ffffff", "width": 1}},
        "customdata": [_plain(f"{p['name']}: {formats.points(p['score'])}") for p in members],
        "hovertemplate": "%{customdata}<extra></extra>",
    }


def _threshold_line(threshold) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": threshold,
        "x1": threshold,
        "y0": 0,
        "y1": 1,
        "line": {"color": "#9aa5b1", "width": 1, "dash": "dot"},
    }
