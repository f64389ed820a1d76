"""How figures are written: for people as finance staff write them, in files as export-format.md says."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget import formats

D = Decimal


@pytest.mark.parametrize("value, text", [
    ("2616.61", "2,616.61"),
    ("2616.610000", "2,616.61"),
    ("330.984", "330.984"),  # converted from 元: every digit kept
    ("1", "1.00"),
    ("0", "0.00"),
    ("1234567.5", "1,234,567.50"),
    ("-0.1", "-0.10"),
])
def test_an_amount_for_people_has_two_decimals_and_thousands_separators(value, text):
    assert formats.amount(D(value)) == text


@pytest.mark.parametrize("value, text", [("1200", "+1,200.00"), ("-35.5", "−35.50"), ("0", "0.00")])
def test_a_change_of_an_amount_carries_its_sign(value, text):
    assert formats.signed_amount(D(value)) == text


@pytest.mark.parametrize("value, text", [
    ("2616.61", "2616.61"),
    ("199.000000", "199.00"),
    ("330.984", "330.984"),
    ("0", "0"), ("0.000000", "0"),  # export-format.md: blank cells as "0"
    ("1234567.5", "1234567.50"),
    (None, None),
])
def test_an_amount_in_an_export_is_exact_and_ungrouped(value, text):
    assert formats.exact_amount(None if value is None else D(value)) == text


@pytest.mark.parametrize("value, text", [
    ("22.000000", "22"), ("0.5000", "0.5"), ("120000", "120000"), ("1E+2", "100"), ("0E-6", "0"), (None, None),
])
def test_a_number_in_a_file_is_written_as_is_without_trailing_zeros(value, text):
    assert formats.number(None if value is None else D(value)) == text


@pytest.mark.parametrize("value, text", [
    ("18.75", "18.75"), ("92.945", "92.95"), ("92.9449", "92.94"), ("0.125", "0.13"), ("100", "100.00"), (None, None),
])
def test_points_have_two_decimals_rounded_half_up(value, text):
    assert formats.points(None if value is None else D(value)) == text


@pytest.mark.parametrize("value, text", [("37.5", "37.5"), ("40.00", "40"), ("37.125", "37.13"), ("33.3333", "33.33")])
def test_a_monitoring_rate_is_rounded_to_cents_without_trailing_zeros(value, text):
    assert formats.rounded(D(value)) == text


@pytest.mark.parametrize("comparator, value, unit, text", [
    (">=", "120000", "宗", "≥120,000宗"),
    ("=", "99.90000000", "%", "99.9%"),
    ("<=", "4.2", "万平方米", "≤4.2万平方米"),
    (">", "3000000", "条", ">3,000,000条"),
    ("<", "5", "天", "<5天"),
    ("=", "13000", "", "13,000"),
])
def test_a_target_reads_comparator_number_and_unit(comparator, value, unit, text):
    assert formats.target(comparator, D(value), unit) == text


def test_an_indicator_without_a_numeric_target_shows_none():
    class Qualitative:
        comparator, target_value, target_unit = "", None, ""

    assert formats.target_of(Qualitative()) == ""


@pytest.mark.parametrize("part, whole, text", [
    ("1", "2616.61", "0.04%"), ("814.96", "2616.61", "31.1%"), ("0", "10", "0.0%"), ("10", "10", "100.0%"),
])
def test_a_share_keeps_small_ones_visible(part, whole, text):
    assert formats.share(D(part), D(whole)) == text


@pytest.mark.parametrize("value, text", [("108.333", "108.3%"), ("1250", "1,250.0%"), ("0", "0.0%")])
def test_a_percent_has_one_decimal(value, text):
    assert formats.percent(D(value)) == text


@pytest.mark.parametrize("value, text", [("12.5", "+12.5%"), ("-3", "−3.0%"), ("0", "0.0%")])
def test_a_change_in_percent_carries_its_sign(value, text):
    assert formats.signed_percent(D(value)) == text


@pytest.mark.parametrize("value, number", [
    (D("2.5"), D("2.5")), ("2,616.61", None), ("12", D(12)), (7, D(7)), ("", None), (None, None), ("abc", None),
    ("NaN", None), ("Infinity", None),
])
def test_only_finite_numbers_are_read_as_numbers(value, number):
    assert formats.decimal(value) == number


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False))
def test_what_an_export_writes_reads_back_as_the_same_amount(value):
    assert Decimal(formats.exact_amount(value)) == value
    assert Decimal(formats.number(value)) == value
    assert Decimal(formats.amount(value).replace(",", "")) == value


@pytest.mark.parametrize("write, value, text", [
    (formats.percent, "108.25", "108.3%"), (formats.percent, "0.05", "0.1%"), (formats.points, "0.005", "0.01"),
    (formats.signed_percent, "-2.25", "−2.3%"), (formats.rounded, "0.125", "0.13"),
])
def test_figures_are_rounded_half_up_as_finance_tables_round(write, value, text):
    assert write(D(value)) == text
