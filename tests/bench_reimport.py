"""Re-import speed: a generated table imported, re-imported unchanged, then as a corrected edition.

    .venv/bin/python -m tests.bench_reimport                 # 20,000 projects
    .venv/bin/python -m tests.bench_reimport --projects 2000

Works in its own database (budget_bench_reimport on the same server, as tests/bench.py does), prints the
seconds of each step in process, and asserts what each import must report: a benchmark of a re-import
that silently rewrote everything would measure the wrong thing.
"""

import argparse
import io
import time

from tests.bench import configure

DEPARTMENT, YEAR = "广东省财政厅", 2024  # no generated department has this name


def corrected(gen):
    """One amount changed (+1.00 万元), one project dropped, one added: the totals stay balanced, since the
    generator sums them from the projects."""
    import copy

    gen = copy.deepcopy(gen)
    gen.units[0].projects[0].amounts[0] += 100
    dropped = max(gen.units, key=lambda u: len(u.projects)).projects.pop()
    added = copy.deepcopy(gen.units[0].projects[0])
    added.name = "新增的项目（基准测试）"
    gen.units[0].projects.append(added)
    return gen, dropped.name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    args = parser.parse_args()
    configure("budget_bench_reimport")
    from django.core.management import call_command
    from django.db import transaction

    from budget import generate
    from budget.importing import writer
    from budget.importing.importer import import_table, parse_table
    from budget.models import BudgetTable, Project

    call_command("migrate", verbosity=0, interactive=False)
    for pk in BudgetTable.objects.filter(department__name=DEPARTMENT, year=YEAR).values_list("pk", flat=True):
        with transaction.atomic():
            writer._delete_table(pk)
    gen = generate.table(projects=args.projects, seed=f"bench:{args.projects}", year=YEAR, department=DEPARTMENT)
    first = generate.text(gen).encode()
    second, dropped = corrected(gen)
    second = generate.text(second).encode()

    def timed(label, data, check):
        start = time.perf_counter()
        result = import_table(io.BytesIO(data), filename=f"{label}.txt")
        seconds = time.perf_counter() - start
        check(result)
        print(f"{label:<28} {seconds:6.2f} s   {result.summary()}")
        return seconds

    start = time.perf_counter()
    parse_table(io.BytesIO(first), filename="parse.txt")
    print(f"{'parse alone':<28} {time.perf_counter() - start:6.2f} s")
    timed("first import", first, lambda r: r.written)
    ids = set(Project.objects.values_list("id", flat=True))
    timed("re-import, unchanged", first, lambda r: r.unchanged and not r.written)
    timed("re-import, another file", first + b"\n", lambda r: not (r.added or r.changed or r.removed))
    timed("re-import, corrected", second,
          lambda r: len(r.added) == 1 and r.removed == [dropped] and len(r.changed) == 1)
    kept = ids & set(Project.objects.values_list("id", flat=True))
    print(f"projects that kept their id: {len(kept):,} of {len(ids):,}")


if __name__ == "__main__":
    main()
