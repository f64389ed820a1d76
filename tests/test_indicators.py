import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.importing import indicators
from budget.importing.indicators import (
    IndicatorItem,
    Target,
    clean_name,
    excel_serial_date,
    level1_kind,
    normalize,
    parse_indicator_cell,
    parse_target,
    split_code,
)

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "huadu-zwfw-project-targets.txt"
REPORTS = "每年进行全面监测并出具全面监测检查报告(12份);全站内容安全监测报告(4份);预考评报告(1份)"


def fixture_cells():
    """(project name, indicator cell) for every project row below the header."""
    with open(FIXTURE, encoding="utf-8") as f:
        rows = [line.split("\t") for line in f.read().splitlines()]
    header = next(i for i, row in enumerate(rows) if row[0].startswith("项目名称"))
    return [(row[0], row[6]) for row in rows[header + 1 :] if len(row) > 6 and row[6].strip()]


def item(seq, level1, l1, level2, l2, name, period, annual, library_code=None):
    return IndicatorItem(seq, level1, l1, level2, l2, name, library_code, period, annual)


# --- normalize -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, ""),
        ("", ""),
        ("  满意度≥90％ \r\n", "满意度≥90%"),
        ("实施周期指标值：16人；", "实施周期指标值:16人;"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("（％）", "(%)"),
        ("１２３", "123"),
    ],
)
def test_normalize_reads_full_width_as_ascii_and_folds_line_breaks(text, expected):
    assert normalize(text) == expected


@given(st.text())
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


# --- the indicator cell ------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, expected",
    [
        pytest.param(
            "1.1-产出指标:11-数量指标:工作天数;实施周期指标值:正常工作每月天数22天;年度指标值:正常工作每月天数22天。",
            [item(1, "产出指标", "1", "数量指标", "11", "工作天数", "正常工作每月天数22天", "正常工作每月天数22天")],
            id="one regular item",
        ),
        pytest.param(
            "9.1-产出指标:11-数量指标:a;年度指标值:1人。"
            "10.2-效益指标:22-社会效益:b;实施周期指标值:2人;年度指标值:3人。",
            [
                item(9, "产出指标", "1", "数量指标", "11", "a", None, "1人"),
                item(10, "效益指标", "2", "社会效益", "22", "b", "2人", "3人"),
            ],
            id="seq past nine",
        ),
        pytest.param(
            "3.1-产出指标:11-数量指标:实施周期指标值:100000人;年度指标值:100000人。",
            [item(3, "产出指标", "1", "数量指标", "11", "", "100000人", "100000人")],
            id="level-3 name missing",
        ),
        pytest.param(
            "5.3-满意度指标:31-服务对象满意度:22135476-目标群体满意度(%);实施周期指标值:≥80%;年度指标值:≥80%。",
            [
                item(
                    5,
                    "满意度指标",
                    "3",
                    "服务对象满意度",
                    "31",
                    "目标群体满意度(%)",
                    "≥80%",
                    "≥80%",
                    library_code="22135476",
                )
            ],
            id="library code before the name",
        ),
        pytest.param(
            "2.1-产出指标:11-数量指标:网站运维及驻点服务人员数量;实施周期指标值:4人。年度指标值:4人。",
            [item(2, "产出指标", "1", "数量指标", "11", "网站运维及驻点服务人员数量", "4人", "4人")],
            id="full stop before the annual value",
        ),
        pytest.param(
            f"1.1-产出指标:11-数量指标:网站监测及预考评;实施周期指标值:{REPORTS}。年度指标值:{REPORTS}。"
            "2.1-产出指标:11-数量指标:人数;实施周期指标值:4人。年度指标值:4人。",
            [
                item(1, "产出指标", "1", "数量指标", "11", "网站监测及预考评", REPORTS, REPORTS),
                item(2, "产出指标", "1", "数量指标", "11", "人数", "4人", "4人"),
            ],
            id="values holding semicolons parentheses and full stops",
        ),
        pytest.param(
            "1.1-产出指标：11-数量指标：工作天数；实施周期指标值：22天；年度指标值：22天。",
            [item(1, "产出指标", "1", "数量指标", "11", "工作天数", "22天", "22天")],
            id="full-width punctuation",
        ),
        pytest.param(
            "1.1-产出指标:11-数量指标:a;实施周期指标值:1;年度指标值:1。\r\n\r\n"
            "2.3-满意度指标:31-服务对象满意度:b;实施周期指标值:90%;年度指标值:90%\n",
            [
                item(1, "产出指标", "1", "数量指标", "11", "a", "1", "1"),
                item(2, "满意度指标", "3", "服务对象满意度", "31", "b", "90%", "90%"),
            ],
            id="line breaks between items",
        ),
        pytest.param(
            "1.1-产出指标:11-数量指标:a;实施周期指标值:5个。2.1-产出指标:12-质量指标:b;年度指标值:合格。",
            [
                item(1, "产出指标", "1", "数量指标", "11", "a", "5个", None),
                item(2, "产出指标", "1", "质量指标", "12", "b", None, "合格"),
            ],
            id="items with only one of the two values",
        ),
        pytest.param(
            "1.1-产出指标:数量指标:工作天数;年度指标值:22天。",
            [item(1, "产出指标", "1", "数量指标", None, "工作天数", None, "22天")],
            id="level 2 without a code",
        ),
        pytest.param(
            "1.1-产出指标:工作天数;年度指标值:22天。",
            [item(1, "产出指标", "1", "", None, "工作天数", None, "22天")],
            id="no level 2 at all",
        ),
        pytest.param(
            "5.4-成本指标:41-经济成本指标:人均成本;实施周期指标值:≤5万元/人;年度指标值:≤5万元/人。",
            [item(5, "成本指标", "4", "经济成本指标", "41", "人均成本", "≤5万元/人", "≤5万元/人")],
            id="cost as a level-1 category",
        ),
        pytest.param(
            "1.7-创新指标:71-数字化指标:上线系统;年度指标值:2个。",
            [item(1, "创新指标", "7", "数字化指标", "71", "上线系统", None, "2个")],
            id="unknown categories kept as written",
        ),
        pytest.param(
            "1.1-产出指标:11-数量指标:增长;年度指标值:比上年增长1.5-2个百分点。",
            [item(1, "产出指标", "1", "数量指标", "11", "增长", None, "比上年增长1.5-2个百分点")],
            id="a range inside a value is not an item start",
        ),
    ],
)
def test_it_reads_every_item_of_a_cell(cell, expected):
    parsed = parse_indicator_cell(cell)
    assert parsed.items == expected
    assert parsed.unparsed is None


GOOD = "1.1-产出指标:11-数量指标:a;实施周期指标值:1人;年度指标值:1人。"


@pytest.mark.parametrize(
    "cell, seqs, unparsed",
    [
        pytest.param("本项目绩效目标详见附件。", [], "本项目绩效目标详见附件。", id="a whole cell of prose"),
        pytest.param("说明:指标如下\n" + GOOD, [1], "说明:指标如下", id="prose before the first item"),
        pytest.param(
            "1.1-产出指标:11-数量指标:工作天数;22天。\n2.1-产出指标:11-数量指标:a;年度指标值:1人。",
            [2],
            "1.1-产出指标:11-数量指标:工作天数;22天。",
            id="an item segment without values",
        ),
        pytest.param(
            "见附件1.2-说明:无\n" + GOOD, [1], "见附件1.2-说明:无", id="prose that looks like an item start stays whole"
        ),
        pytest.param("", [], None, id="an empty cell"),
        pytest.param("  。\n", [], None, id="only separators"),
    ],
)
def test_it_keeps_what_it_cannot_read_verbatim(cell, seqs, unparsed):
    parsed = parse_indicator_cell(cell)
    assert [i.seq for i in parsed.items] == seqs
    assert parsed.unparsed == unparsed


def test_the_fixture_gives_63_items_over_13_projects_all_read():
    cells = fixture_cells()
    parsed = {name: parse_indicator_cell(cell) for name, cell in cells}

    assert len(cells) == 13
    assert sum(len(p.items) for p in parsed.values()) == 63
    assert all(p.unparsed is None for p in parsed.values())
    for p in parsed.values():
        assert [i.seq for i in p.items] == list(range(1, len(p.items) + 1))
        for i in p.items:
            assert i.level1 and i.level1_code and i.level2 and i.level2_code
            assert i.period_value and i.annual_value

    nameless = [(project, i.seq) for project, p in parsed.items() for i in p.items if not i.name]
    assert nameless == [("基层服务平台示范点建设经费", 3)]

    coded = [i for p in parsed.values() for i in p.items if i.library_code]
    assert [(i.library_code, i.name) for i in coded] == [("22135476", "目标群体满意度(%)")]

    website = parsed["区政府门户网站和政务新媒体运行经费"].items[0]
    assert website.period_value == website.annual_value == REPORTS
    assert parse_target(website.annual_value) is None


def test_every_fixture_value_reads_as_a_target_or_as_qualitative():
    values = [i.annual_value for _, cell in fixture_cells() for i in parse_indicator_cell(cell).items]
    qualitative = {v for v in values if parse_target(v) is None}
    assert len(values) - sum(v in qualitative for v in values) == 51
    assert qualitative == {
        "每月上旬", REPORTS, "良好", "通过项目验收", "按时发放", "网站考评达到良好以上",
        "持续增加全区电子政务光纤覆盖面积", "实现三个或以上系统接入平台进行统一调度",
        "区政府门户网站运行实现分级分类、利企便民、安全可靠等目标",
        "按照市政数局文件精神和工作要求,完成花都区政府门户网站、智游花都和花都区政府微信小程序适老化与无障碍改造",
    }  # fmt: skip
    assert parse_target("≥100") == Target(">=", Decimal("100"), "")


# Fragments of the grammar, so that generated cells reach item starts and value markers.
FRAGMENTS = [
    "1.1-", "10.2-", "3.3-", "产出指标", "满意度指标", ":", "：", "11-", "数量指标",
    "22135476-", "工作天数", ";", "；", "。", "实施周期指标值:", "年度指标值:", "年度指标值",
    "≥90%", "(12份)", "\n", " ", "\r\n", "-", ".", "0", "9",
]  # fmt: skip
cells = st.one_of(
    st.text(), st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=25).map("".join)
)
# Whatever the parser may consume: whitespace, punctuation of the grammar, value markers.
SEPARATORS = re.compile(r"[\s:;。.,\-]+|实施周期指标值|年度指标值")


def kept_text(parsed):
    fields = [parsed.unparsed or ""]
    for i in parsed.items:
        fields += [str(i.seq), i.level1, i.level1_code or "", i.level2, i.level2_code or ""]
        fields += [i.name, i.library_code or "", i.period_value or "", i.annual_value or ""]
    return "\n".join(fields)


@settings(max_examples=300)
@given(cells)
def test_no_text_of_a_cell_is_lost(text):
    kept = kept_text(parse_indicator_cell(text))
    for chunk in SEPARATORS.split(normalize(text)):
        # An item may start right after prose ("附件1.1-…"), so digits are their own tokens.
        for token in re.findall("[0-9]+|[^0-9]+", chunk):
            # seq is an int, so "01.1-" comes back as 1.
            assert token in kept or (token.isascii() and token.isdigit() and str(int(token)) in kept), token


@given(st.text())
def test_a_cell_without_a_dash_is_kept_whole_as_unparsed(text):
    cell = normalize(text)
    if "-" in cell:
        return
    parsed = parse_indicator_cell(text)
    assert parsed.items == []
    assert parsed.unparsed == (None if re.fullmatch(r"[\s;。,]*", cell) else cell)


@given(cells)
def test_parsing_a_cell_never_raises(text):
    parse_indicator_cell(text)


# --- target values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, comparator, number, unit",
    [
        # the spec's table
        ("正常工作每月天数22天", "=", "22", "天"),
        ("满意度≥90%", ">=", "90", "%"),
        ("300", "=", "300", ""),
        ("30万元", "=", "30", "万元"),
        ("服务人员100人次", "=", "100", "人次"),
        ("工单量≥120000宗", ">=", "120000", "宗"),
        ("不低于503个节点", ">=", "503", "个节点"),
        ("不超过10个工作日", "<=", "10", "个工作日"),
        ("满意度达到85%以上", ">=", "85", "%"),
        ("达85%以上", ">=", "85", "%"),
        ("4.2万平方米", "=", "4.2", "万平方米"),
        ("子系统个数不少于5", ">=", "5", ""),
        ("≥85%", ">=", "85", "%"),
        # more from the reference table and others
        ("99.9%", "=", "99.9", "%"),
        ("运维服务时长3年", "=", "3", "年"),
        ("不超过1小时", "<=", "1", "小时"),
        ("24小时", "=", "24", "小时"),
        ("3000000条", "=", "3000000", "条"),
        ("≤5%", "<=", "5", "%"),
        (">=90%", ">=", "90", "%"),
        ("<=3天", "<=", "3", "天"),
        ("≥ 90 %", ">=", "90", "%"),
        ("＞＝９０％", ">=", "90", "%"),
        ("1,200人", "=", "1200", "人"),
        ("≥1万", ">=", "1", "万"),
        ("达到90%", ">=", "90", "%"),
        ("≤5万元/人", "<=", "5", "万元/人"),
        ("30万元/场。", "=", "30", "万元/场"),
        ("85%及以上", ">=", "85", "%"),
        ("(90%)", "=", "90", "%"),
        ("≥-5%", ">=", "-5", "%"),
    ],
)
def test_it_reads_comparator_number_and_unit(value, comparator, number, unit):
    assert parse_target(value) == Target(comparator, Decimal(number), unit)


@pytest.mark.parametrize(
    "value, comparator",
    [
        ("不低于90%", ">="), ("不少于90%", ">="), ("不小于90%", ">="), ("至少90%", ">="),
        ("大于等于90%", ">="), ("不超过90%", "<="), ("不高于90%", "<="), ("不大于90%", "<="),
        ("不多于90%", "<="), ("最多90%", "<="), ("小于等于90%", "<="), ("90%以上", ">="),
        ("90%以下", "<="), ("90%以内", "<="), ("超过90%", ">"), ("高于90%", ">"),
        ("大于90%", ">"), ("多于90%", ">"), ("低于90%", "<"), ("少于90%", "<"),
        ("小于90%", "<"), ("=90%", "="), (">90%", ">"), ("<90%", "<"), ("达90%", ">="),
    ],
)  # fmt: skip
def test_comparator_words_are_read_longest_first(value, comparator):
    target = parse_target(value)
    assert (target.comparator, target.value, target.unit) == (comparator, Decimal("90"), "%")


@pytest.mark.parametrize(
    "value",
    [
        None, "", "良好", "按时发放", "每月上旬", "通过项目验收",
        "持续增加全区电子政务光纤覆盖面积", "实现三个或以上系统接入平台进行统一调度",
        "网站考评达到良好以上", "2021年12月31日", "2021-12-31", REPORTS, REPORTS + "。",
        "1:1", "80%-90%", "80-90%", "2021年底前完成", "12345热线满意度≥90%",
    ],
)  # fmt: skip
def test_qualitative_and_ambiguous_values_have_no_target(value):
    assert parse_target(value) is None


@pytest.mark.parametrize(
    "value, hints, expected",
    [
        ("90", {"unit_hint": "%"}, ("=", "90", "%")),
        ("1", {"unit_hint": "%"}, ("=", "100", "%")),
        ("0.95", {"unit_hint": "%"}, ("=", "95", "%")),
        ("≥1", {"unit_hint": "%"}, (">=", "100", "%")),
        ("0.5", {"unit_hint": "万元"}, ("=", "0.5", "万元")),
        ("30万元", {"unit_hint": "元"}, ("=", "30", "万元")),
        ("90", {"comparator_hint": "≥", "unit_hint": "%"}, (">=", "90", "%")),
        ("90", {"comparator_hint": ">="}, (">=", "90", "")),
        ("3", {"comparator_hint": "≤", "unit_hint": "天"}, ("<=", "3", "天")),
        ("3", {"comparator_hint": "＝"}, ("=", "3", "")),
        ("5", {"direction_hint": "反向", "unit_hint": "天"}, ("<=", "5", "天")),
        ("90%", {"direction_hint": "正向"}, (">=", "90", "%")),
        ("90", {"comparator_hint": "定量", "direction_hint": "正向"}, (">=", "90", "")),
        ("≤90%", {"direction_hint": "正向"}, ("<=", "90", "%")),
        ("不超过3天", {"comparator_hint": "≥"}, ("<=", "3", "天")),
        ("≥90%", {"comparator_hint": "定性"}, (">=", "90", "%")),
        ("90", {"comparator_hint": "定性"}, ("=", "90", "")),
    ],
)
def test_hints_from_an_indicator_per_row_table_fill_what_the_value_leaves_open(value, hints, expected):
    comparator, number, unit = expected
    assert parse_target(value, **hints) == Target(comparator, Decimal(number), unit)


def test_a_fraction_turned_percent_prints_without_exponent():
    assert str(parse_target("1", unit_hint="%").value) == "100"
    assert str(parse_target("0.95", unit_hint="%").value) == "95"


def test_a_qualitative_value_stays_none_whatever_the_hints():
    assert parse_target("良好", comparator_hint="定性", unit_hint="%", direction_hint="正向") is None


maybe_text = st.none() | st.text(max_size=5)


@given(st.text(), maybe_text, maybe_text, maybe_text)
def test_parsing_a_target_never_raises(value, comparator_hint, unit_hint, direction_hint):
    target = parse_target(value, comparator_hint=comparator_hint, unit_hint=unit_hint, direction_hint=direction_hint)
    assert target is None or target.comparator in {">=", "<=", "=", ">", "<"}


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_a_written_percent_comes_back_as_written(number):
    assert parse_target(f"≥{number}%") == Target(">=", number, "%")


# --- names, codes, categories, dates --------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("820001-井研县马踏镇人民政府", ("820001", "井研县马踏镇人民政府")),
        ("22135476-目标群体满意度(%)", ("22135476", "目标群体满意度(%)")),
        ("服务对象满意度", (None, "服务对象满意度")),
        ("1-数量指标", (None, "1-数量指标")),
        ("2018-2019年度项目", (None, "2018-2019年度项目")),
        ("2018年1月-2019年7月广电电子政务光纤租赁", (None, "2018年1月-2019年7月广电电子政务光纤租赁")),
        ("12345热线满意度", (None, "12345热线满意度")),
    ],
)
def test_split_code_takes_only_a_leading_numeric_code(text, expected):
    assert split_code(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("★服务对象满意度", "服务对象满意度"),
        ("*工作天数", "工作天数"),
        ("工作天数☆", "工作天数"),
        ("▲ 工作天数 ", "工作天数"),
        ("指标1:工作天数", "工作天数"),
        ("指标12：工作天数", "工作天数"),
        ("贫困地区旅游景点开发数量( ≥**个 )", "贫困地区旅游景点开发数量"),
        ("贫困地区旅游景点开发数量（**）", "贫困地区旅游景点开发数量"),
        ("目标群体满意度(%)", "目标群体满意度(%)"),
        ("★指标1:*工作天数(**)★", "工作天数"),
    ],
)
def test_clean_name_removes_decorations_and_template_residue(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    "level1, kind",
    [
        ("产出指标", "output"),
        ("效益指标", "outcome"),
        ("效果指标", "outcome"),
        ("满意度指标", "satisfaction"),
        ("成本指标", "cost"),
        ("1-产出指标", "output"),
        ("创新指标", None),
        ("", None),
    ],
)
def test_level1_kind_names_the_category(level1, kind):
    assert level1_kind(level1) == kind


@pytest.mark.parametrize(
    "value, expected",
    [
        ("44561", "2021-12-31"),
        ("44,561", "2021-12-31"),
        ("44561.0", "2021-12-31"),
        ("43831", "2020-01-01"),
        ("12", None),
        ("99999", None),
        ("2021-12-31", None),
        ("良好", None),
        ("", None),
    ],
)
def test_excel_serial_date_reads_the_1900_date_system(value, expected):
    assert excel_serial_date(value) == expected


def test_every_comparator_word_before_the_number_is_read_as_the_longest_word_it_ends_with():
    for word, comparator in indicators._BEFORE_WORDS.items():
        assert parse_target(f"{word}5个").comparator == comparator, word
        assert parse_target(f"数量{word}5个").comparator == comparator, word


def test_an_item_whose_period_and_annual_values_agree_keeps_both():
    (item,) = parse_indicator_cell("1.1-产出指标:11-数量指标:天数;实施周期指标值:22天;年度指标值:22天").items
    assert (item.period_value, item.annual_value) == ("22天", "22天")


@pytest.mark.parametrize(
    "cell, expected",
    [
        # the annual value first: each value still runs to the other marker
        ("1.1-产出指标:11-数量指标:天数;年度指标值:20天;实施周期指标值:22天", ("天数", "22天", "20天")),
        # a marker's words without the colon are text, not a marker
        ("1.1-产出指标:11-数量指标:天数;实施周期指标值:同年度指标值;年度指标值:5个", ("天数", "同年度指标值", "5个")),
        ("1.1-产出指标:11-数量指标:年度指标值天数;实施周期指标值:3天;年度指标值:2天", ("年度指标值天数", "3天", "2天")),
        # a marker repeated inside a value stays in that value
        (
            "1.1-产出指标:11-数量指标:天数;实施周期指标值:3天;年度指标值:2天;年度指标值:9天",
            ("天数", "3天", "2天;年度指标值:9天"),
        ),
    ],
)
def test_values_run_from_each_markers_first_occurrence_to_the_next(cell, expected):
    (item,) = parse_indicator_cell(cell).items
    assert (item.name, item.period_value, item.annual_value) == expected


@pytest.mark.parametrize("value", ["每年12月底前", "6月30日前", "12月份", "10日前"])
def test_a_point_in_the_year_is_no_target(value):
    assert parse_target(value) is None


def test_a_number_of_months_is_still_a_target():
    assert parse_target("≥3个月") == Target(">=", Decimal(3), "个月")
