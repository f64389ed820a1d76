import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget import charts
from budget.templatetags.budget_format import amount, share

SOURCES = ["财政拨款", "财政专户拨款", "其他资金"]


def project(name, *amounts):
    by_source = dict(zip(SOURCES, (Decimal(a) for a in amounts)))
    return {"name": name, "total": sum(by_source.values(), Decimal(0)), "by_source": by_source}


def target(label, value, unit, comparator=">=", level1="产出指标"):
    return {"label": label, "level1": level1, "comparator": comparator, "value": Decimal(value), "unit": unit}


# -- numbers as finance staff write them ------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (Decimal("2616.61"), "2,616.61"),
    (Decimal("2616.610000"), "2,616.61"),
    (Decimal("330.984"), "330.984"),  # converted from 元: every digit kept
    (Decimal("1"), "1.00"),
    (Decimal("0"), "0.00"),
    (Decimal("1234567.5"), "1,234,567.50"),
    (None, ""),
])
def test_amounts_read_like_a_finance_table(value, text):
    assert amount(value) == text


@pytest.mark.parametrize("part, whole, text", [
    (Decimal("1"), Decimal("2616.61"), "0.04%"),
    (Decimal("814.96"), Decimal("2616.61"), "31.1%"),
    (Decimal("0"), Decimal("10"), "0.0%"),
    (Decimal("1"), Decimal("0"), ""),
])
def test_shares_keep_small_ones_visible(part, whole, text):
    assert share(part, whole) == text


@pytest.mark.parametrize("comparator, value, unit, text", [
    (">=", "120000", "宗", "≥120,000宗"),
    ("=", "99.90000000", "%", "99.9%"),
    ("<=", "4.2", "万平方米", "≤4.2万平方米"),
    (">", "3000000", "条", ">3,000,000条"),
    ("=", "13000", "", "13,000"),
])
def test_a_target_reads_comparator_number_and_unit(comparator, value, unit, text):
    assert charts.target_text(comparator, Decimal(value), unit) == text


# -- colours ----------------------------------------------------------------------------

def test_funding_sources_keep_their_colour_on_every_chart():
    overview = charts.funding_by_department(
        [{"label": "甲", "total": Decimal(3), "by_source": {"财政拨款": Decimal(1), "其他资金": Decimal(2)}}], SOURCES)
    department = charts.funding_per_project([project("乙", 1, 0, 2)], SOURCES)
    for figure in (overview, department):
        assert {t["name"]: t["marker"]["color"] for t in figure["data"]} == {
            "财政拨款": "#2f6db5", "其他资金": "#3d9a5f"}


def test_a_source_the_seed_does_not_know_gets_the_same_colour_every_time():
    assert charts.source_colour("上级补助") == charts.source_colour("上级补助")
    assert charts.source_colour("上级补助") in charts.SPARE_COLOURS


@pytest.mark.parametrize("name, colour", [
    ("产出指标", "#3b6fb6"), ("产出", "#3b6fb6"), ("效益指标", "#d9822b"), ("满意度指标", "#2e9d6a"),
    ("成本指标", "#b0475a"),
])
def test_level_1_categories_keep_their_colour(name, colour):
    assert charts.level1_colour(name) == colour


# -- funding ----------------------------------------------------------------------------

def test_funding_per_project_puts_the_largest_on_top_and_drops_empty_sources():
    figure = charts.funding_per_project([project("小", 1, 0, 0), project("大", 800, 0, 0), project("中", 50, 0, 0)],
                                        SOURCES)
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


def test_long_names_are_shortened_on_the_axis_but_whole_in_the_hover():
    name = "2018年1月-2019年7月广电电子政务光纤租赁"
    axis = charts.funding_per_project([project(name, 2, 0, 0)], SOURCES)["layout"]["yaxis"]
    assert axis["tickvals"] == [name]
    assert axis["ticktext"] == ["2018年1月-2019年7月…"]


def test_a_table_without_source_columns_is_drawn_by_its_totals():
    figure = charts.funding_per_project([{"name": "甲", "total": Decimal(5), "by_source": {}}], [])
    assert [(t["name"], t["x"], t["marker"]["color"]) for t in figure["data"]] == [("总计", [5.0], charts.TOTAL_COLOUR)]


# -- indicator mix ----------------------------------------------------------------------

def test_the_indicator_mix_nests_level_2_in_level_1():
    figure = charts.indicator_mix([
        {"level1": "产出指标", "level2": "数量指标", "count": 5},
        {"level1": "产出指标", "level2": "质量指标", "count": 2},
        {"level1": "满意度指标", "level2": "服务对象满意度", "count": 1},
    ])
    trace = figure["data"][0]
    nodes = list(zip(trace["ids"], trace["parents"], trace["values"]))
    assert nodes == [("产出指标", "", 7), ("满意度指标", "", 1), ("产出指标/数量指标", "产出指标", 5),
                     ("产出指标/质量指标", "产出指标", 2), ("满意度指标/服务对象满意度", "满意度指标", 1)]
    assert trace["branchvalues"] == "total"
    assert trace["marker"]["colors"][0] == "#3b6fb6"
    assert trace["marker"]["colors"][2] == charts._tint("#3b6fb6", 0.35)


# -- numeric targets --------------------------------------------------------------------

def test_percent_and_counts_never_share_an_axis():
    panels = charts.numeric_targets([
        target("1. 发送短信数量", "3000000", "条", "="),
        target("2. 终端数量", "13000", "", "="),
        target("5. 满意度", "85", "%", level1="满意度指标"),
    ])
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
        [u for u, _ in items].count(unit) for unit in {u for u, _ in items})
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
        charts.funding_by_department([{"label": "甲", "total": Decimal(1), "by_source": {"财政拨款": Decimal(1)}}], SOURCES),
        charts.funding_per_project([project("乙", 1, 0, 0)], SOURCES),
        charts.indicator_mix([{"level1": "产出指标", "level2": "数量指标", "count": 1}]),
        charts.funding_per_year([{"year": 2021, "total": Decimal("2616.61")}]),
        *(p["figure"] for p in charts.numeric_targets([target("a", "1", "%")])),
    ]
    for figure in figures:
        assert set(figure) == {"data", "layout"}
        json.dumps(figure)  # no Decimal, no objects: json_script hands it to plotly.js as is
