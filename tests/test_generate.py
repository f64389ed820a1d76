import io
import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from budget import generate
from budget.importing.importer import import_table
from budget.models import BudgetTable, Flag, FundingUnit, Indicator, Project

LAYOUTS = ["project-per-row", "indicator-per-row"]


def stored_counts() -> dict:
    flags = Counter(Flag.objects.values_list("code", flat=True))
    return {
        "units": FundingUnit.objects.count(),
        "projects": Project.objects.count(),
        "indicators": Indicator.objects.count(),
        "nameless": Indicator.objects.filter(name="").count(),
        "library_codes": Indicator.objects.exclude(library_code="").count(),
        "unparsed": Project.objects.exclude(unparsed_indicator_text="").count(),
        "notes": flags["note-row"],
        "excel_dates": flags["excel-date"],
        "total_cents": int(sum(t.total for t in BudgetTable.objects.all()) * 100),
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_same_seed_gives_the_same_bytes(layout):
    first = generate.text(generate.table(projects=50, seed="x", layout=layout))
    assert generate.text(generate.table(projects=50, seed="x", layout=layout)) == first
    assert generate.text(generate.table(projects=50, seed="y", layout=layout)) != first


def test_the_written_file_is_the_text_in_utf8():
    table = generate.table(projects=20, seed=1)
    out = io.BytesIO()
    generate.write(table, out)
    assert out.getvalue() == generate.text(table).encode("utf-8")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_generated_table_imports_cleanly_with_the_expected_counts(db, layout):
    table = generate.table(projects=400, seed=7, layout=layout, year=2023)
    result = import_table(io.BytesIO(generate.text(table).encode()), filename="generated.txt")
    expected = table.expected()
    assert stored_counts() == expected
    assert (result.table.layout, result.table.year, result.table.department) == (layout, 2023, table.department)
    assert result.summary().startswith(
        f"generated.txt: {table.department} 2023年 单位{expected['units']}个 项目{expected['projects']}个 "
        f"指标{expected['indicators']}个"
    )
    flags = Counter(Flag.objects.values_list("code", flat=True))
    # Marks the generator leaves on indicator names (★, 指标3:, "( ≥**个 )") are taken off and kept on a flag.
    decorated = re.compile(r"^(★|指标[0-9]:)|\( ≥\*\*个 \)$")
    cleaned = sum(
        bool(decorated.search(line.split("\t")[6]))
        for line in generate.text(table).splitlines()
        if layout == "indicator-per-row" and line.count("\t") >= 6
    )
    # The only findings are the ones the generator put in on purpose: nothing fails to reconcile.
    assert (
        flags
        == Counter(
            {
                "indicator-without-name": expected["nameless"],
                "note-row": expected["notes"],
                "unparsed-indicator-text": expected["unparsed"],
                "excel-date": expected["excel_dates"],
                "name-cleaned": cleaned,
            }
        )
        + Counter()
    )


def test_the_indicator_per_row_table_is_in_yuan_with_codes_and_clean_names(db):
    table = generate.table(projects=300, seed=2, layout="indicator-per-row")
    text = generate.text(table)
    assert "★" in text and "( ≥**个 )" in text and "\t\t\t\t\t\t\t\t\t\t\t\n" in text
    import_table(io.BytesIO(text.encode()), filename="yuan.txt")
    stored = BudgetTable.objects.get()
    assert (stored.amount_unit, stored.department.code) == ("元", table.department_code)
    assert stored.total == Decimal(table.expected()["total_cents"]) / 100
    assert list(FundingUnit.objects.values_list("code", flat=True)) == [u.code for u in table.units]
    names = [i.name for p in table.projects for i in p.indicators]
    assert list(Indicator.objects.order_by("project__position", "position").values_list("name", flat=True)) == names
    assert table.expected()["excel_dates"] > 0


def test_a_large_table_shows_the_variety_of_real_tables():
    text = generate.text(generate.table(projects=2000, seed=0))
    for sample in [
        "。年度指标值:",
        ":实施周期指标值:",
        "不低于",
        "不超过",
        "以上",
        "≥",
        "%",
        "良好",
        "每月上旬",
        "(12份);",
        "：",
    ]:
        assert sample in text, sample
    table = generate.table(projects=2000, seed=0)
    expected = table.expected()
    assert expected["nameless"] and expected["library_codes"] and expected["unparsed"]
    assert expected["units"] > 1 and 5.5 < expected["indicators"] / expected["projects"] < 6.5
    assert {p.amounts[1] > 0 or p.amounts[2] > 0 for p in table.projects} == {True, False}


def test_departments_are_distinct_and_a_database_holds_every_table(db):
    assert len({generate.department_name(i) for i in range(2000)}) == 2000
    expected = [t.expected() for _, t in generate.database_tables(departments=3, years=(2023, 2024), seed=5)]
    assert generate.populate(departments=3, years=(2023, 2024), seed=5, batch=4) == 6
    assert BudgetTable.objects.count() == 6
    assert Indicator.objects.count() == sum(e["indicators"] for e in expected)
    assert set(BudgetTable.objects.values_list("layout", flat=True)) <= set(LAYOUTS)


def test_the_command_writes_a_table_file_that_imports(db, tmp_path):
    out = StringIO()
    call_command("generate_tables", "--out", str(tmp_path / "t.txt"), "--projects", "25", "--seed", "3", stdout=out)
    assert out.getvalue().startswith(f"{tmp_path / 't.txt'}: ")
    assert "项目25个" in out.getvalue()
    import_table(tmp_path / "t.txt")
    assert Project.objects.count() == 25


def test_the_command_populates_the_database(db):
    out = StringIO()
    call_command(
        "generate_tables", "--database", "--departments", "2", "--years", "2024", stdout=out, stderr=StringIO()
    )
    assert out.getvalue() == "已导入 2 张表 (2 个部门 × 1 个年度)\n"
    assert BudgetTable.objects.count() == 2
