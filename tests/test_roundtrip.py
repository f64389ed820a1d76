"""A table exported in its original layout — as text (`--format table`) or as a workbook (`--format table-xlsx`) —
imports back to the same data, whatever the table (issue 11, item 8)."""

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget import generate
from budget.importing.importer import import_table
from budget.models import BudgetTable
from tests.test_importer import document


def facts():
    """The export without provenance: source rows, the source's layout (the export is always written in the
    project-per-row layout), and flags, which are findings about the file read (a decorated name cleaned, a note
    row skipped) that the clean re-export no longer has."""
    doc = document(rows=False)
    for table in doc["tables"]:
        table.pop("flags")
        table.pop("layout")
    return doc


def round_trip(tmp_path, fmt: str, year: int):
    before = facts()
    exported = tmp_path / f"exported.{'xlsx' if fmt == 'table-xlsx' else 'txt'}"
    call_command("export_targets", "--year", str(year), "--format", fmt, "--output", str(exported))
    BudgetTable.objects.all().delete()
    import_table(exported, filename=exported.name, year=year)
    return before, facts()


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    projects=st.integers(1, 12),
    layout=st.sampled_from(["project-per-row", "indicator-per-row"]),
    fmt=st.sampled_from(["table", "table-xlsx"]),
)
def test_a_generated_table_exported_in_its_layout_imports_back_to_the_same_data(tmp_path, seed, projects, layout, fmt):
    BudgetTable.objects.all().delete()
    source = tmp_path / "source.txt"
    source.write_text(
        generate.text(generate.table(projects=projects, seed=seed, layout=layout, year=2024)), encoding="utf-8"
    )
    import_table(source, filename=source.name, year=2024)
    before, after = round_trip(tmp_path, fmt, 2024)
    assert after == before


@pytest.mark.parametrize("fmt", ["table", "table-xlsx"])
def test_the_reference_table_comes_back_from_both_layouts(reference_table, tmp_path, fmt):
    before, after = round_trip(tmp_path, fmt, 2021)
    assert after == before


def test_the_workbook_holds_amounts_as_numbers_and_text_that_starts_a_formula_as_text(reference_table, tmp_path):
    from openpyxl import load_workbook

    from budget.models import Project

    Project.objects.filter(name="办证大厅窗口服务经费").update(goal='=HYPERLINK("http://evil.example")')
    out = tmp_path / "t.xlsx"
    call_command("export_targets", "--year", "2021", "--format", "table-xlsx", "--output", str(out))
    sheet = load_workbook(out).active
    rows = [[c for c in row] for row in sheet.iter_rows()]
    total = next(row for row in rows if row[0].value == "合计")
    assert total[1].value == pytest.approx(2616.61) and total[1].data_type == "n"
    goal = next(c for row in rows for c in row if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert goal.data_type == "s"
