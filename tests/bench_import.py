"""The import half of `make bench` (tests/bench.py): a large table, its re-imports and export, a batch of
many files in one command, each against COPY of its own parsed rows into tables like ours, in the same run.

Every import runs in a fresh process (`python -m tests.bench --child …`), so that its peak resident size
(getrusage's ru_maxrss) is its own; the parent keeps small (it generates the bench database in a child
too), since a child's ru_maxrss starts from its parent's resident size at the fork.
"""

import io
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIG_DEPARTMENT, BIG_YEAR = "广东省财政厅", 2024  # the 20,000-project table; no generated department has this name
BATCH_PROJECTS = 50  # a province's batch: departments of 50 projects each
BATCH_FIRST = 17000  # generate.department_name indices of the batch's departments, clear of the bench database's


# -- the parent: files, children, figures -----------------------------------------------------------------


def import_bench(cfg, tmp: Path, *, profile: bool) -> dict:
    big, corrected, small = tmp / "national.txt", tmp / "national-corrected.txt", tmp / "small.txt"
    batch = tmp / "batch"
    dropped = run_child("files", tmp, cfg["projects"], cfg["files"])["dropped"]
    base = run_child("base", small)
    result = run_child("single", big, corrected, dropped)
    result["file_bytes"] = big.stat().st_size
    result["base_maxrss_kb"], result["base_hwm_kb"] = base["maxrss_kb"], base["hwm_kb"]
    # As a user runs it: the command in a fresh process, Python and Django start-up included.
    result["command_seconds"] = run_command([big])
    delete_tables([BIG_DEPARTMENT])
    result["batch"] = run_child("batch", batch)
    files = sorted(batch.iterdir())
    result["batch"]["command_seconds"] = run_command(files)
    delete_tables([path.name.rsplit("-", 1)[0] for path in files])
    if profile:
        result["profile"] = profile_parse(big)
    return result


def batch_bench(cfg, tmp: Path) -> dict:
    """--batch-only: the batch and its COPY, without the 20,000-project table (its file is still written, small)."""
    run_child("files", tmp, 100, cfg["files"])
    return run_child("batch", tmp / "batch")


def child_files(folder, projects, files):
    """The files the import children read, written by a child of their own: the parent stays small."""
    from budget import generate

    tmp = Path(folder)
    gen = generate.table(projects=int(projects), seed=f"bench:{projects}", year=BIG_YEAR, department=BIG_DEPARTMENT)
    edition, dropped = corrected_edition(gen)
    for path, table in (
        ("national.txt", gen),
        ("national-corrected.txt", edition),
        ("small.txt", generate.table(projects=10, seed="bench:10", year=BIG_YEAR, department=BIG_DEPARTMENT)),
    ):
        with open(tmp / path, "wb") as out:
            generate.write(table, out)
    (tmp / "batch").mkdir()
    for n in range(int(files)):
        name = generate.department_name(BATCH_FIRST + n)
        with open(tmp / "batch" / f"{name}-{BIG_YEAR}.txt", "wb") as out:
            generate.write(
                generate.table(projects=BATCH_PROJECTS, seed=f"batch:{n}", year=BIG_YEAR, department=name), out
            )
    return {"dropped": dropped}


def corrected_edition(gen):
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


def run_child(kind: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--child", kind, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(f"the {kind} import run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_command(paths) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "import_targets", *map(str, paths)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def delete_tables(departments):
    from django.db import connection, transaction

    from budget.importing import writer
    from budget.models import BudgetTable

    pks = list(BudgetTable.objects.filter(department__name__in=departments, year=BIG_YEAR).values_list("pk", flat=True))
    if pks:
        # In a database made for the run the planner has no statistics yet of the rows just imported, and
        # plans the deletes' joins as nested loops over them: minutes instead of a second.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE budget_project, budget_projectfunding, budget_indicator, budget_flag")
        with transaction.atomic():
            for pk in pks:
                writer._delete_table(pk)


def peak_kb() -> tuple[int, int]:
    """(ru_maxrss, VmHWM) in kB: getrusage's peak, and the kernel's high-water mark of this program alone
    (ru_maxrss carries a parent's resident size at the fork over the exec; the parent is kept small)."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        status = Path("/proc/self/status").read_text()
        return maxrss, int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))
    except (OSError, AttributeError):
        return maxrss, maxrss


def profile_parse(path: Path) -> list[str]:
    import cProfile
    import pstats

    from budget.importing.importer import cyclic_gc_paused, parse_table

    profiler = cProfile.Profile()
    with cyclic_gc_paused():
        profiler.runcall(parse_table, path)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return [line for line in out.getvalue().splitlines() if re.match(r"\s+\d", line)]


# -- the children ---------------------------------------------------------------------------------------


def child(kind: str, args: list[str]):
    figures = {"files": child_files, "base": child_base, "single": child_single, "batch": child_batch}[kind](*args)
    print(json.dumps(figures))


def child_base(path):
    from budget.importing.importer import import_table

    delete_tables([BIG_DEPARTMENT])
    import_table(Path(path), filename=Path(path).name)
    maxrss, hwm = peak_kb()
    delete_tables([BIG_DEPARTMENT])
    return {"maxrss_kb": maxrss, "hwm_kb": hwm}


def timers(spent: dict):
    """Wrap the writer's steps to time them. Module attributes are looked up at call time, so the
    importer's own calls go through the wrappers."""
    from django.db import connection

    from budget.evaluation import applying
    from budget.importing import writer

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0) + time.perf_counter() - start
                spent[name + "_calls"] = spent.get(name + "_calls", 0) + 1

        return wrapper

    writer.write = timed("write", writer.write)
    writer._insert = timed("insert", writer._insert)
    writer.parsed_fingerprints = timed("fingerprints", writer.parsed_fingerprints)
    writer._reviews = timed("review", writer._reviews)  # inside _insert: the review written with the rows
    applying.refresh_table = timed("refresh", applying.refresh_table)  # no import should call it
    applying.refresh_all = timed("refresh_all", applying.refresh_all)
    connection.commit = timed("commit", connection.commit)
    connection.connect = timed("connect", connection.connect)


def child_single(path, corrected, dropped):
    from budget.importing.importer import import_table

    delete_tables([BIG_DEPARTMENT])  # left behind by an interrupted run: the import timed must be a first import
    spent: dict[str, float] = {}
    timers(spent)
    path, corrected = Path(path), Path(corrected)
    start = time.perf_counter()
    result = import_table(path, filename=path.name)
    seconds = time.perf_counter() - start
    maxrss, hwm = peak_kb()
    figures = {
        "seconds": seconds,
        "maxrss_kb": maxrss,
        "hwm_kb": hwm,
        **spent,
        "projects": len(result.table.projects),
        "indicators": sum(len(p.indicators) for p in result.table.projects),
    }
    figures.update(reimports(path, corrected, dropped))
    figures["export_seconds"], figures["export_bytes"] = time_export(BIG_DEPARTMENT)
    rows = copy_rows([result.table])
    del result
    figures["copy_rows"] = sum(len(r) for r in rows.values())
    figures["copy_unlogged"] = time_copy(rows, "UNLOGGED")
    figures["copy_logged"] = time_copy(rows, "")
    figures["copy_indexed"] = time_copy(rows, "", "INCLUDING ALL")
    figures["copy_keyed"] = time_copy(rows, "", "INCLUDING ALL", foreign_keys=True)
    delete_tables([BIG_DEPARTMENT])
    return figures


def reimports(path: Path, corrected: Path, dropped: str) -> dict:
    """The same file again (nothing to write), then a corrected edition (one project changed, one dropped,
    one added); each must report what it did, or the figure would time the wrong work."""
    from budget.importing.importer import import_table

    figures = {}
    for label, source, check in (
        ("reimport_same", path, lambda r: r.unchanged and not r.written),
        (
            "reimport_corrected",
            corrected,
            lambda r: len(r.added) == 1 and r.removed == [dropped] and len(r.changed) == 1,
        ),
    ):
        start = time.perf_counter()
        result = import_table(source, filename=path.name)
        figures[label] = time.perf_counter() - start
        if not check(result):
            sys.exit(f"{label}: the re-import did not do what it should: {result.summary()}")
    return figures


def time_export(department: str) -> tuple[float, int]:
    """The CSV export of one table (export_targets --format csv --department … --year …) into a file."""
    import tempfile

    from budget import export_rows

    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as out:
        export_rows.write_csv(export_rows.indicator_rows(year=BIG_YEAR, department=department), out)
        size = out.tell()
    return time.perf_counter() - start, size


def child_batch(folder):
    """One import_targets command over every file, in process: its time, its connections and reviews, then
    COPY of all its parsed rows at once into keyed tables."""
    from django.core.management import call_command
    from django.db import connection

    from budget.importing.importer import parse_table

    paths = sorted(Path(folder).iterdir())
    delete_tables([path.name.rsplit("-", 1)[0] for path in paths])
    spent: dict[str, float] = {}
    connection.ensure_connection()
    timers(spent)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    start = time.perf_counter()
    call_command("import_targets", *map(str, paths), stdout=io.StringIO(), stderr=io.StringIO())
    seconds = time.perf_counter() - start
    maxrss, hwm = peak_kb()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        same_backend = cursor.fetchone()[0] == pid
    parsed = [parse_table(path) for path in paths]
    rows = copy_rows(parsed)
    figures = {
        "seconds": seconds,
        "maxrss_kb": maxrss,
        "hwm_kb": hwm,
        "files": len(paths),
        **spent,
        "same_backend": same_backend,
        "bytes": sum(p.stat().st_size for p in paths),
        "projects": sum(len(t.projects) for t in parsed),
        "indicators": sum(len(p.indicators) for t in parsed for p in t.projects),
        "copy_rows": sum(len(r) for r in rows.values()),
    }
    del parsed
    figures["copy_keyed"] = time_copy(rows, "", "INCLUDING ALL", foreign_keys=True)
    delete_tables([path.name.rsplit("-", 1)[0] for path in paths])
    return figures


# -- COPY of the same rows ----------------------------------------------------------------------------------


def copy_rows(tables) -> dict:
    """The parsed tables as rows of the four big tables, every column filled as the writer fills it."""
    from django.db import connection

    from budget.models import Flag, Indicator, Project, ProjectFunding

    def row(model, values):
        return tuple(
            values[f.attname] if f.attname in values else f.get_db_prep_save(f.get_default(), connection)
            for f in model._meta.concrete_fields
        )

    rows = {Project: [], ProjectFunding: [], Indicator: [], Flag: []}
    units = 0
    for table_id, parsed in enumerate(tables, start=1):
        for unit in parsed.units:
            units += 1
            for p in unit.projects:
                project_id = len(rows[Project]) + 1
                rows[Project].append(
                    row(
                        Project,
                        {
                            "id": project_id,
                            "table_id": table_id,
                            "unit_id": units,
                            "position": project_id - 1,
                            "name": p.name,
                            "code": p.code,
                            "goal": p.goal,
                            "total": p.total,
                            "source_row": p.source_row,
                            "indicator_text": p.indicator_text,
                            "unparsed_indicator_text": p.unparsed or "",
                        },
                    )
                )
                for source_id, name in enumerate(parsed.sources, start=1):
                    rows[ProjectFunding].append(
                        row(
                            ProjectFunding,
                            {
                                "id": len(rows[ProjectFunding]) + 1,
                                "project_id": project_id,
                                "source_id": source_id,
                                "amount": p.funding.get(name, 0),
                            },
                        )
                    )
                for position, i in enumerate(p.indicators):
                    rows[Indicator].append(
                        row(
                            Indicator,
                            {
                                "id": len(rows[Indicator]) + 1,
                                "project_id": project_id,
                                "position": position,
                                "seq": i.seq,
                                "level2_id": 1,
                                "level1_label": i.level1,
                                "level2_label": i.level2,
                                "level2_code": i.level2_code or "",
                                "name": i.name,
                                "library_code": i.library_code or "",
                                "period_value": i.period_value,
                                "annual_value": i.annual_value,
                                "comparator": i.target.comparator if i.target else "",
                                "target_value": i.target.value if i.target else None,
                                "target_unit": i.target.unit if i.target else "",
                                "weight": i.weight,
                            },
                        )
                    )
        for f in parsed.flags:
            rows[Flag].append(
                row(
                    Flag,
                    {
                        "id": len(rows[Flag]) + 1,
                        "table_id": table_id,
                        "project_id": None,
                        "severity": f.severity,
                        "code": f.code,
                        "message": f.message,
                        "row": f.row,
                    },
                )
            )
    return rows


def time_copy(rows: dict, kind: str, like: str = "", *, foreign_keys: bool = False) -> float:
    """COPY into plain tables with the same columns (no keys, indexes or constraints), commit included;
    with like="INCLUDING ALL" the tables also get the real ones' indexes (the trigram index included) and
    checks, and with foreign_keys their foreign keys too, deferred to the commit as Django declares them —
    the real tables' full cost."""
    from django.db import connection, transaction

    names = {model: f"bench_copy_{model._meta.model_name}" for model in rows}
    stubs = []
    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
        for model, name in names.items():
            cursor.execute(f"CREATE {kind} TABLE {name} (LIKE {model._meta.db_table} {like})")
        for model, name in names.items() if foreign_keys else ():
            for index, field in enumerate(model._meta.concrete_fields):
                if not field.many_to_one:
                    continue
                parent = names.get(field.related_model)
                if parent is None:
                    # A parent outside the copied tables (table, unit, category, source): a stub holding the ids.
                    parent = f"bench_copy_stub_{model._meta.model_name}_{field.column}"
                    stubs.append(parent)
                    top = max((row[index] for row in rows[model] if row[index] is not None), default=0)
                    cursor.execute(f"DROP TABLE IF EXISTS {parent}")
                    cursor.execute(f"CREATE TABLE {parent} (id bigint PRIMARY KEY)")
                    cursor.execute(f"INSERT INTO {parent} SELECT generate_series(1, %s)", [top])
                cursor.execute(
                    f'ALTER TABLE {name} ADD FOREIGN KEY ("{field.column}") REFERENCES {parent} (id) '
                    "DEFERRABLE INITIALLY DEFERRED"
                )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for model, table_rows in rows.items():
            columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
            with cursor.copy(f"COPY {names[model]} ({columns}) FROM STDIN") as copy:
                for values in table_rows:
                    copy.write_row(values)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        for name in [*names.values(), *stubs]:
            cursor.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
    return seconds
