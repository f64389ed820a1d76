"""import_targets as a clerk runs it over a batch: a progress line on a terminal only, reports per file."""

from io import StringIO

import pytest
from django.core.management import call_command

from budget.models import BudgetTable
from tests.conftest import REFERENCE

DEPARTMENT = "广州市花都区政务服务和数据管理局"
SUMMARY = "huadu-zwfw-project-targets.txt: 广州市花都区政务服务和数据管理局 2021年 单位1个 项目13个 指标63个 提示1条"


class Terminal(StringIO):
    def isatty(self):
        return True


def test_a_batch_says_nothing_on_stderr_when_it_is_not_a_terminal(db, write_file):
    other = write_file("other.txt", REFERENCE.read_text(encoding="utf-8").replace(DEPARTMENT, "广州市花都区另一个局"))
    out, err = StringIO(), StringIO()
    call_command("import_targets", str(REFERENCE), str(other), "--year", "2021", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().splitlines()[0] == SUMMARY + " (新增13 修改0 删除0)"
    assert len(out.getvalue().splitlines()) == 4  # each file's summary and its list of added projects
    assert BudgetTable.objects.count() == 2


def test_on_a_terminal_a_batch_shows_the_file_of_how_many_and_erases_it_before_each_summary(db):
    err = Terminal()
    call_command("import_targets", str(REFERENCE), str(REFERENCE), "--year", "2021", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ("\r  1/2 个文件, 已读取 0 行…\r\033[K\r  2/2 个文件, 已读取 0 行…\r\033[K")


def test_a_file_refused_inside_a_batch_leaves_the_files_before_and_after_it(db, write_file):
    from django.core.management.base import CommandError

    text = REFERENCE.read_text(encoding="utf-8")
    bad = write_file("bad.txt", text.replace("199.00\t199.00", "199.00\tabc").replace(DEPARTMENT, "另一个局"))
    later = write_file("later.txt", text.replace(DEPARTMENT, "广州市花都区后一个局"))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command("import_targets", str(REFERENCE), str(bad), str(later), "--year", "2021", stdout=out, stderr=err)
    assert set(BudgetTable.objects.values_list("department__name", flat=True)) == {DEPARTMENT, "广州市花都区后一个局"}
    assert [line.split(":")[0] for line in out.getvalue().splitlines() if not line.startswith(" ")] == [
        "huadu-zwfw-project-targets.txt",
        "later.txt",
    ]
    assert err.getvalue().splitlines() == [
        "bad.txt: 导入失败,共2处问题,未写入任何数据:",
        "  bad.txt 第12行 「财政拨款」列: 值“abc”不是有效的金额(应为数字,如 2,616.61)",
        "  bad.txt 第12行 「总计」列: 值“199.00”与财政拨款+财政专户拨款+其他资金之和 0.00 不一致,相差 199.00 万元",
    ]


def test_a_crash_amid_a_batch_rolls_back_and_does_not_report_the_files_of_its_open_transaction(
    db, write_file, monkeypatch
):
    """Files are committed together (once a second): a crash rolls back those not yet committed, and a file is
    reported written only once committed, so the clerk is never told of a table that is not there."""
    from budget.importing import writer

    later = write_file("later.txt", REFERENCE.read_text(encoding="utf-8").replace(DEPARTMENT, "广州市花都区后一个局"))
    write = writer.write

    def crash_on_the_second(parsed, **kwargs):
        if parsed.filename == "later.txt":
            raise RuntimeError("the server went away")
        return write(parsed, **kwargs)

    monkeypatch.setattr(writer, "write", crash_on_the_second)
    out = StringIO()
    with pytest.raises(RuntimeError):
        call_command("import_targets", str(REFERENCE), str(later), "--year", "2021", stdout=out, stderr=StringIO())
    assert out.getvalue() == ""
    assert not BudgetTable.objects.exists()


def test_a_batch_reads_funding_sources_and_categories_once_not_per_file(db, write_file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    text = REFERENCE.read_text(encoding="utf-8")
    others = [write_file(f"{n}.txt", text.replace(DEPARTMENT, f"广州市花都区第{n}局")) for n in (2, 3)]
    with CaptureQueriesContext(connection) as queries:
        call_command("import_targets", str(REFERENCE), *map(str, others), "--year", "2021", stdout=StringIO())
    statements = [q["sql"] for q in queries.captured_queries]
    logs = [i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "budget_importlog"')]
    assert len(logs) == 3
    shared = ("budget_fundingsource", "budget_level1category", "budget_level2category")
    # The first file reads (and here creates) them; the two after it neither read nor write them.
    assert [sql[:80] for sql in statements[logs[1] :] if any(name in sql for name in shared)] == []
    assert BudgetTable.objects.count() == 3


def test_a_file_failing_after_it_created_a_funding_source_does_not_leave_the_next_file_its_rolled_back_id(
    db, write_file, monkeypatch
):
    """What a batch keeps across files (budget/importing/lookups.py) is forgotten when a file rolls back."""
    from django.core.management.base import CommandError

    from budget.importing import writer
    from budget.importing.problems import ImportFailed, Problem
    from budget.models import FundingSource

    text = REFERENCE.read_text(encoding="utf-8").replace("\t其他资金\t", "\t上级补助资金\t")
    failing = write_file("failing.txt", text.replace(DEPARTMENT, "广州市花都区第2局"))
    later = write_file("later.txt", text.replace(DEPARTMENT, "广州市花都区第3局"))
    write_flags = writer.write_flags

    def refuse_the_failing_file(cursor, parsed, *args):
        if parsed.filename == "failing.txt":
            raise ImportFailed([Problem(parsed.filename, None, None, None, "refused after its rows went in")])
        return write_flags(cursor, parsed, *args)

    monkeypatch.setattr(writer, "write_flags", refuse_the_failing_file)
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command(
            "import_targets",
            str(REFERENCE),
            str(failing),
            str(later),
            "--year",
            "2021",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert set(BudgetTable.objects.values_list("department__name", flat=True)) == {DEPARTMENT, "广州市花都区第3局"}
    source = FundingSource.objects.get(name="上级补助资金")
    later_table = BudgetTable.objects.get(department__name="广州市花都区第3局")
    assert later_table.projects.filter(funding__source=source).exists()
