import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from budget import charts, score_charts
from budget.templatetags.budget_format import amount, share

SOURCES = ["财政拨款", "财政专户拨款", "其他资金"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def chinese():
    # A page test that asked for English leaves it active in this thread (LocaleMiddleware never deactivates).
    with translation.override("zh-hans"):
        yield


def project(name, *amounts):
    by_source = dict(zip(SOURCES, (Decimal(a) for a in amounts)))
    return {"name": name, "total": sum(by_source.values(), Decimal(0)), "by_source": by_source}


def target(label, value, unit, comparator=">=", level1="产出指标"):
    return {"label": label, "level1": level1, "comparator": comparator, "value": Decimal(value), "unit": unit}


# -- numbers as finance staff write them ------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("2616.61"), "2,616.61"),
        (Decimal("2616.610000"), "2,616.61"),
        (Decimal("330.984"), "330.984"),  # converted from 元: every digit kept
        (Decimal("1"), "1.00"),
        (Decimal("0"), "0.00"),
        (Decimal("1234567.5"), "1,234,567.50"),
        (None, ""),
    ],
)
def test_amounts_read_like_a_finance_table(value, text):
    assert amount(value) == text


@pytest.mark.parametrize(
    "part, whole, text",
    [
        (Decimal("1"), Decimal("2616.61"), "0.04%"),
        (Decimal("814.96"), Decimal("2616.61"), "31.1%"),
        (Decimal("0"), Decimal("10"), "0.0%"),
        (Decimal("1"), Decimal("0"), ""),
    ],
)
def test_shares_keep_small_ones_visible(part, whole, text):
    assert share(part, whole) == text


# -- colours ----------------------------------------------------------------------------


def test_funding_sources_keep_their_colour_on_every_chart():
    overview = charts.funding_by_department(
        [{"label": "甲", "total": Decimal(3), "by_source": {"财政拨款": Decimal(1), "其他资金": Decimal(2)}}], SOURCES
    )
    department = charts.funding_per_project([project("乙", 1, 0, 2)], SOURCES)
    for figure in (overview, department):
        assert {t["name"]: t["marker"]["color"] for t in figure["data"]} == {
            "财政拨款": "#2f6db5",
            "其他资金": "#3d9a5f",
        }


COLOURS_IN_A_NEW_PROCESS = """
import django
django.setup()
from budget import charts
print(charts.source_colour("上级补助"), charts.source_colour("上级补助资金"), charts.level1_colour("其他指标"))
"""


@pytest.mark.parametrize("hash_seed", ["1", "2"])
def test_names_the_seed_does_not_know_get_a_colour_fixed_by_name_in_every_server_process(hash_seed):
    # Each server process has its own str hash (PYTHONHASHSEED); a colour taken from it would differ page to page.
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "DJANGO_SETTINGS_MODULE": "budget.settings"}
    done = subprocess.run(
        [sys.executable, "-c", COLOURS_IN_A_NEW_PROCESS], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["#a4607a", "#5f7d8c", "#8a5ca8"]


@pytest.mark.parametrize(
    "name, colour",
    [
        ("产出指标", "#3b6fb6"),
        ("产出", "#3b6fb6"),
        ("效益指标", "#d9822b"),
        ("满意度指标", "#2e9d6a"),
        ("成本指标", "#b0475a"),
    ],
)
def test_level_1_categories_keep_their_colour(name, colour):
    assert charts.level1_colour(name) == colour


# -- funding ----------------------------------------------------------------------------


def test_funding_per_project_puts_the_largest_on_top_and_drops_empty_sources():
    figure = charts.funding_per_project(
        [project("小", 1, 0, 0), project("大", 800, 0, 0), project("中", 50, 0, 0)], SOURCES
    )
    assert [t["name"] for t in figure["data"]] == ["财政拨款"]
    assert figure["data"][0]["y"] == ["小", "中", "大"]  # plotly draws the last category on top
    assert figure["data"][0]["x"] == [1.0, 50.0, 800.0]
    assert figure["layout"]["barmode"] == "stack"


def test_funding_per_project_folds_the_long_tail_into_one_bar():
    projects = [project(f"项目{n:02d}", n, 1, 0) for n in range(1, 41)]
    figure = charts.funding_per_project(projects, SOURCES)
    labels = figure["data"][0]["y"]
    assert len(labels) == charts.TOP_PROJECTS + 1
    assert labels[0] == "其余 15 个项目"
    assert figure["data"][0]["x"][0] == float(sum(range(1, 16)))
    assert figure["data"][1]["x"][0] == 15.0


def test_funding_per_project_adds_a_rest_summed_in_sql_to_the_tail():
    projects = [project(f"项目{n:02d}", n, 1, 0) for n in range(1, 27)]
    rest = {"count": 100, "total": Decimal(300), "by_source": {"财政拨款": Decimal(200), "财政专户拨款": Decimal(100)}}
    figure = charts.funding_per_project(projects, SOURCES, rest=rest)
    labels = figure["data"][0]["y"]
    assert len(labels) == charts.TOP_PROJECTS + 1
    assert labels[0] == "其余 101 个项目"  # project 01 and the hundred the query summed
    assert figure["data"][0]["x"][0] == 201.0
    assert figure["data"][1]["x"][0] == 101.0


def test_funding_by_department_draws_the_rest_as_one_grey_bar_at_the_bottom():
    rows = [{"label": "甲", "total": Decimal(10), "by_source": {"财政拨款": Decimal(10)}}]
    figure = charts.funding_by_department(rows, SOURCES, rest={"count": 7, "total": Decimal(4)})
    assert figure["layout"]["yaxis"]["tickvals"] == ["其余 7 个部门", "甲"]
    rest = next(t for t in figure["data"] if t["name"] == "其余部门合计")
    assert rest["x"] == [4.0, 0.0] and rest["marker"]["color"] == charts.REST_COLOUR
    assert next(t for t in figure["data"] if t["name"] == "财政拨款")["x"] == [0.0, 10.0]


def test_long_names_are_shortened_on_the_axis_but_whole_in_the_hover():
    name = "2018年1月-2019年7月广电电子政务光纤租赁"
    figure = charts.funding_per_project([project(name, 2, 0, 0)], SOURCES)
    axis = figure["layout"]["yaxis"]
    assert axis["tickvals"] == [name]
    assert axis["ticktext"] == ["2018年1月-2019年7月…"]
    # Plotly's %{y} would be the shortened tick: the hover takes the name from customdata.
    assert figure["data"][0]["customdata"] == [[name, "财政拨款"]]
    assert figure["data"][0]["hovertemplate"].startswith("%{customdata[0]}<br>%{customdata[1]}: ")


def test_a_table_without_source_columns_is_drawn_by_its_totals():
    figure = charts.funding_per_project([{"name": "甲", "total": Decimal(5), "by_source": {}}], [])
    assert [(t["name"], t["x"], t["marker"]["color"]) for t in figure["data"]] == [("总计", [5.0], charts.TOTAL_COLOUR)]


# -- indicator mix ----------------------------------------------------------------------


def test_the_indicator_mix_nests_level_2_in_level_1():
    figure = charts.indicator_mix(
        [
            {"level1": "产出指标", "level2": "数量指标", "count": 5},
            {"level1": "产出指标", "level2": "质量指标", "count": 2},
            {"level1": "满意度指标", "level2": "服务对象满意度", "count": 1},
        ]
    )
    trace = figure["data"][0]
    nodes = list(zip(trace["ids"], trace["parents"], trace["values"]))
    assert nodes == [
        ("产出指标", "", 7),
        ("满意度指标", "", 1),
        ("产出指标/数量指标", "产出指标", 5),
        ("产出指标/质量指标", "产出指标", 2),
        ("满意度指标/服务对象满意度", "满意度指标", 1),
    ]
    assert trace["branchvalues"] == "total"
    assert trace["marker"]["colors"][0] == "#3b6fb6"
    assert trace["marker"]["colors"][2] == charts._tint("#3b6fb6", 0.35)


# -- numeric targets --------------------------------------------------------------------


def test_percent_and_counts_never_share_an_axis():
    panels = charts.numeric_targets(
        [
            target("1. 发送短信数量", "3000000", "条", "="),
            target("2. 终端数量", "13000", "", "="),
            target("5. 满意度", "85", "%", level1="满意度指标"),
        ]
    )
    assert [(p["unit"], p["percent"]) for p in panels] == [("%", True), ("条", False), ("(无单位)", False)]
    percent = panels[0]["figure"]
    assert percent["layout"]["xaxis"]["range"] == [0, 100.0]
    assert percent["layout"]["xaxis"]["ticksuffix"] == "%"
    assert percent["data"][0]["text"] == ["≥85%"]
    assert percent["data"][0]["marker"]["color"] == ["#2e9d6a"]
    assert panels[1]["figure"]["data"][0]["x"] == [3000000.0]
    assert [p["id"] for p in panels] == ["targets-1", "targets-2", "targets-3"]
    assert panels[1]["rows"][0]["text"] == "3,000,000条"


def test_a_percent_above_100_widens_the_axis():
    panel = charts.numeric_targets([target("增长", "120", "%")])[0]
    assert panel["figure"]["layout"]["xaxis"]["range"] == [0, 120.0]


units = st.sampled_from(["%", "条", "人", "个节点", "", "万元"])
values = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(units, values), min_size=1, max_size=30))
def test_every_panel_holds_one_unit_and_every_value_fits_its_axis(items):
    panels = charts.numeric_targets([target(f"{n}. 指标", v, u) for n, (u, v) in enumerate(items)])
    assert sorted(len(p["rows"]) for p in panels) == sorted(
        [u for u, _ in items].count(unit) for unit in {u for u, _ in items}
    )
    for panel in panels:
        assert len({r["unit"] for r in panel["rows"]}) == 1
        low, high = panel["figure"]["layout"]["xaxis"]["range"]
        assert low == 0
        assert all(x <= high for x in panel["figure"]["data"][0]["x"])
        if panel["percent"]:
            assert high >= 100
    assert [p["percent"] for p in panels] == sorted((p["percent"] for p in panels), reverse=True)


# -- plain data -------------------------------------------------------------------------


def test_figures_are_plain_json():
    figures = [
        charts.funding_by_department(
            [{"label": "甲", "total": Decimal(1), "by_source": {"财政拨款": Decimal(1)}}], SOURCES
        ),
        charts.funding_per_project([project("乙", 1, 0, 0)], SOURCES),
        charts.indicator_mix([{"level1": "产出指标", "level2": "数量指标", "count": 1}]),
        charts.funding_per_year([{"year": 2021, "total": Decimal("2616.61")}]),
        *(p["figure"] for p in charts.numeric_targets([target("a", "1", "%")])),
        score_charts.target_vs_actual([actual("a", "99", "98")]),
        score_charts.score_distribution([{"name": "甲", "score": Decimal("92.95"), "grade": "优"}], GRADES),
    ]
    for figure in figures:
        assert set(figure) == {"data", "layout"}
        json.dumps(figure)  # no Decimal, no objects: json_script hands it to plotly.js as is


# -- self-evaluation --------------------------------------------------------------------


def actual(label, target_value, actual_value, unit="%", comparator=">=", level1="产出指标"):
    return {
        "label": label,
        "level1": level1,
        "comparator": comparator,
        "target": Decimal(target_value),
        "actual": Decimal(actual_value),
        "unit": unit,
    }


def test_target_against_actual_draws_each_indicator_against_the_100_percent_line():
    figure = score_charts.target_vs_actual(
        [
            actual("1. 12345热线工单办结量", "120000", "130000", "宗"),
            actual("2. 疑难工单现场协调量", "20", "15", "次"),
            actual("3. 投诉处理时长", "5", "4", "天", comparator="<=", level1="效益指标"),
        ]
    )
    bars = figure["data"][0]
    assert bars["y"] == ["3. 投诉处理时长", "2. 疑难工单现场协调量", "1. 12345热线工单办结量"]  # first on top
    assert bars["text"] == ["120.0%", "75.0%", "108.3%"]
    assert bars["x"] == [120.0, 75.0, pytest.approx(108.333, abs=0.001)]
    # Met targets are filled in their category's colour, a missed one is pale inside the same outline.
    assert bars["marker"]["color"] == ["#d9822b", charts._tint("#3b6fb6", 0.75), "#3b6fb6"]
    assert bars["marker"]["line"]["color"] == ["#d9822b", "#3b6fb6", "#3b6fb6"]
    assert bars["customdata"][0] == "3. 投诉处理时长<br>实际 4天 · 目标 ≤5天 · 越低越好"
    assert bars["customdata"][2] == "1. 12345热线工单办结量<br>实际 130,000宗 · 目标 ≥120,000宗"
    line = figure["layout"]["shapes"][0]
    assert (line["x0"], line["x1"]) == (100, 100)
    assert figure["layout"]["xaxis"]["range"][1] > 120


def test_a_far_exceeded_target_stops_at_the_cap_but_says_how_far():
    bars = score_charts.target_vs_actual([actual("1. 培训人数", "10", "1000", "人")])["data"][0]
    assert bars["x"] == [score_charts.ATTAINMENT_CAP]
    assert bars["text"] == ["10,000.0%"]


def scored(name, score, grade):
    return {"name": name, "score": Decimal(score), "grade": grade}


GRADES = [[90, "优"], [80, "良"], [60, "中"], [0, "差"]]


def test_the_score_distribution_has_a_strip_per_grade_best_on_top():
    figure = score_charts.score_distribution(
        [scored("甲", "92.95", "优"), scored("乙", "95", "优"), scored("丙", "55.5", "差")], GRADES
    )
    assert [(t["name"], t["x"]) for t in figure["data"]] == [("优", [92.95, 95.0]), ("差", [55.5])]
    assert figure["data"][0]["customdata"] == ["甲: 92.95", "乙: 95.00"]
    yaxis = figure["layout"]["yaxis"]
    assert yaxis["ticktext"] == ["优 (2)", "良 (0)", "中 (0)", "差 (1)"]
    assert yaxis["tickvals"] == [3, 2, 1, 0]
    # Dots stay on their grade's row, apart from each other.
    ys = figure["data"][0]["y"]
    assert all(abs(y - 3) < 0.5 for y in ys) and len(set(ys)) == 2
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [90, 80, 60]


def test_the_score_distribution_follows_configured_grades():
    figure = score_charts.score_distribution([scored("甲", "75", "合格")], [[60, "合格"], [0, "不合格"]])
    assert figure["layout"]["yaxis"]["ticktext"] == ["合格 (1)", "不合格 (0)"]
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [60]


# -- hostile text: plotly reads <b>, <br>, <a href> in labels; data must never be markup ----------

HOSTILE = [
    "<img src=x onerror=alert(1)>恶意项目",
    "<b onmouseover=alert(3)>x</b>",
    "<a href='javascript:alert(4)'>y</a>",
    "a & b &lt; c",
    "%{x}",
]
# Markup the charts write themselves, around the data.
OWN_MARKUP = ("<br>", "<extra>", "</extra>")


def every_figure_with(text):
    sources = [text, "财政拨款"]
    return [
        charts.funding_by_department(
            [{"label": text, "total": Decimal(3), "by_source": {text: Decimal(1), "财政拨款": Decimal(1)}}], sources
        ),
        charts.funding_per_project([{"name": text, "total": Decimal(2), "by_source": {text: Decimal(2)}}], sources),
        charts.indicator_mix([{"level1": text, "level2": text, "count": 1}]),
        *(p["figure"] for p in charts.numeric_targets([target(text, "5", text)])),
        score_charts.target_vs_actual([actual(text, "5", "4", unit=text)]),
        score_charts.score_distribution([scored(text, "80", "良")], GRADES),
    ]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_from_the_data_reaches_plotly_as_markup(text):
    for figure in every_figure_with(text):
        emitted = list(strings(figure))
        for s in emitted:
            for markup in OWN_MARKUP:
                s = s.replace(markup, "")
            assert "<" not in s and ">" not in s, s
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert any(escaped in s for s in emitted)


def test_names_are_escaped_in_labels_ticks_legends_and_hovers():
    name = "<b onmouseover=alert(3)>x</b>"
    shown = "&lt;b onmouseover=alert(3)&gt;x&lt;/b&gt;"
    bars = charts.funding_per_project([{"name": name, "total": Decimal(2), "by_source": {name: Decimal(2)}}], [name])
    trace = bars["data"][0]
    assert trace["y"] == [shown] and trace["name"] == shown and trace["customdata"] == [[shown, shown]]
    assert bars["layout"]["yaxis"]["tickvals"] == [shown]
    assert bars["layout"]["yaxis"]["ticktext"] == ["&lt;b onmouseover=…"]  # shortened, then escaped


def test_data_never_goes_into_a_hover_template():
    # "%{x}" in a name would be filled in by plotly if the name were part of the template.
    for figure in every_figure_with("%{x}危险"):
        for trace in figure["data"]:
            assert "危险" not in trace.get("hovertemplate", "")


def test_the_rest_and_the_unsourced_never_share_a_colour_and_every_bar_is_labelled():
    rows = [{"label": "甲", "total": Decimal(10), "by_source": {"财政拨款": Decimal(6)}}]
    figure = charts.funding_by_department(rows, SOURCES, rest={"count": 7, "total": Decimal(4)})
    colours = {t["name"]: t["marker"]["color"] for t in figure["data"]}
    assert colours["未分来源"] != colours["其余部门合计"]
    assert len(set(colours.values())) == len(colours)
    assert [(a["y"], a["text"]) for a in figure["layout"]["annotations"]] == [
        ("其余 7 个部门", "4.00"),
        ("甲", "10.00"),
    ]
