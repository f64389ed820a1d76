"""`make bench`: does an import run close to COPY speed, and does every page cost the same at any size?

Prints figures and ratios and asserts nothing: benchmarks are not unit tests (pytest does not
collect this module, whose name does not match test_*.py). It works in its own database,
budget_bench on the same server, never in the developer's; the generated database of a million
indicators is kept between runs and rebuilt only when its size or the generator changes.

    .venv/bin/python -m tests.bench             # 2,000 departments × 3 years; a 20,000-project import
    .venv/bin/python -m tests.bench --quick     # 150 departments; a 2,000-project import; short load
    .venv/bin/python -m tests.bench --profile   # also the parse path's hottest functions
    .venv/bin/python -m tests.bench --pages-only  # the page figures alone, big table kept between runs
"""

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

BENCH_DB = "budget_bench"  # --quick uses budget_bench_quick, so that neither run regenerates the other's data
# Bump when budget/generate.py changes what it writes, so that a kept database is rebuilt.
GENERATOR_VERSION = 2
SEED = 0
BIG_DEPARTMENT, BIG_YEAR = "广东省财政厅", 2024  # the 20,000-project table; no generated department has this name
FULL = {"departments": 2000, "years": (2022, 2023, 2024), "projects": 20000, "requests": 40, "page_seconds": 40,
        "load_seconds": 20}
QUICK = {"departments": 150, "years": (2022, 2023, 2024), "projects": 2000, "requests": 15, "page_seconds": 10,
         "load_seconds": 5}
ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller database and import, shorter runs")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the bench database even if it is current")
    parser.add_argument("--profile", action="store_true", help="print the parse path's hottest functions")
    parser.add_argument("--import-only", action="store_true", help="skip the page and load measurements")
    parser.add_argument("--pages-only", action="store_true",
                        help="skip the import measurement: the page figures alone (the big table is imported once "
                             "and kept for the next --pages-only run)")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "COPY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        configure(None)  # the parent passes the bench database in DATABASE_URL
        return child_import(Path(args.child[0]), measure_copy=args.child[1] == "copy")
    cfg = QUICK if args.quick else FULL
    configure(BENCH_DB + ("_quick" if args.quick else ""))
    started = time.perf_counter()
    report = {"machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"}
    report["database"] = ensure_database(cfg, rebuild=args.rebuild)
    if args.pages_only:
        report["import"] = None
    else:
        with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
            report["import"] = import_bench(cfg, Path(tmp), profile=args.profile)
    try:
        report["pages"] = None if args.import_only else page_bench(cfg)
        if report["pages"]:
            with gunicorn_server() as base:
                if base is None:
                    report["load"] = {"skipped": "gunicorn did not answer within a minute"}
                else:
                    report["http"] = http_bench(cfg, {label: f["url"] for label, f in report["pages"]["pages"].items()},
                                                base)
                    report["load"] = (load_bench(cfg, report["pages"]["load_url"], base) if shutil.which("wrk") else
                                      {"skipped": "wrk is not installed (Debian: apt-get install -y wrk)"})
    finally:
        if not args.pages_only:
            delete_big_table()
    report["seconds"] = time.perf_counter() - started
    print_report(cfg, report)


# -- setup --------------------------------------------------------------------------------------

def configure(database: str | None):
    """Production settings (no DEBUG) on the bench database; children inherit both through the environment."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget.settings")
    for name, value in {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-only-not-secret",
                        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "DJANGO_SSL_REDIRECT": "false",
                        "DJANGO_SECURE_COOKIES": "false"}.items():
        os.environ.setdefault(name, value)
    import django
    from django.conf import settings

    url = os.environ.get("DATABASE_URL")
    if database and url:
        # A real server: the bench database sits beside the configured one.
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                conn.execute(f'CREATE DATABASE "{database}"')
        os.environ["DATABASE_URL"] = urlsplit(url)._replace(path="/" + database).geturl()
    elif database:
        settings.DATABASES["default"]["NAME"] = database  # the embedded server creates it on first connection
    django.setup()
    # Production pages name the collected, content-hashed static files: collected first, as `make serve` does.
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if database and not url:
        from django.db import connection

        from budget.embedded_db import base

        connection.ensure_connection()
        # Children (the import runs, gunicorn) reach the same embedded server through its socket.
        os.environ["DATABASE_URL"] = f"postgresql://postgres@/{database}?host={quote(base.ensure_server(None))}"


def ensure_database(cfg, *, rebuild) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from budget import generate
    from budget.models import Indicator

    call_command("migrate", verbosity=0, interactive=False)
    marker = (f"budget bench: generator {GENERATOR_VERSION}, seed {SEED}, {cfg['departments']} departments × "
              f"years {','.join(map(str, cfg['years']))}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                       "WHERE datname = current_database()")
        current = cursor.fetchone()[0]
    info = {"tables": cfg["departments"] * len(cfg["years"]), "name": connection.settings_dict["NAME"]}
    if current == marker and not rebuild:
        info.update(reused=True, indicators=Indicator.objects.count())
        return info
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE budget_department CASCADE")  # tables, units, projects, indicators, flags, logs
    total = info["tables"]
    started = time.perf_counter()
    generate.populate(departments=cfg["departments"], years=cfg["years"], seed=SEED,
                      progress=lambda n: print(f"\r  generating the bench database: {n}/{total} tables", end="",
                                               file=sys.stderr, flush=True))
    info["populate_seconds"] = time.perf_counter() - started
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f'COMMENT ON DATABASE "{connection.settings_dict["NAME"]}" IS %s', [marker])
    info.update(reused=False, indicators=Indicator.objects.count())
    return info


def delete_big_table():
    from django.db import transaction

    from budget.importing import writer
    from budget.models import BudgetTable

    pks = list(BudgetTable.objects.filter(department__name=BIG_DEPARTMENT, year=BIG_YEAR).values_list("pk", flat=True))
    if pks:
        # In a database made for the run the planner has no statistics yet of the rows just imported, and
        # plans the deletes' joins as nested loops over them: minutes instead of a second.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE budget_project, budget_projectfunding, budget_indicator, budget_flag")
    for pk in pks:
        with transaction.atomic():
            writer._delete_table(pk)


# -- 1. import speed and memory -------------------------------------------------------------------

def import_bench(cfg, tmp: Path, *, profile: bool) -> dict:
    from budget import generate

    big, small = tmp / "national.txt", tmp / "small.txt"
    for path, projects in ((big, cfg["projects"]), (small, 10)):
        with open(path, "wb") as out:
            generate.write(generate.table(projects=projects, seed=f"bench:{projects}", year=BIG_YEAR,
                                          department=BIG_DEPARTMENT), out)
    # Each run in a fresh process, so that its peak resident size is its own.
    base = run_child(small, copy=False)
    result = run_child(big, copy=True)
    result["file_bytes"] = big.stat().st_size
    # As a user runs it: the command in a fresh process, Python and Django start-up included.
    delete_big_table()
    start = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "import_targets", str(big)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    result["command_seconds"] = time.perf_counter() - start
    result["base_peak_kb"] = base["peak_kb"]
    if profile:
        result["profile"] = profile_parse(big)
    return result


def run_child(path: Path, *, copy: bool) -> dict:
    out = subprocess.run([sys.executable, "-m", "tests.bench", "--child", str(path), "copy" if copy else "-"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(f"the import run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_import(path: Path, *, measure_copy: bool):
    from django.db import connection, transaction

    from budget.evaluation import applying, review
    from budget.importing import writer
    from budget.importing.importer import import_table
    from budget.models import BudgetTable

    delete_big_table()  # left behind by an interrupted run: the import timed must be a first import
    spent: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0) + time.perf_counter() - start
        return wrapper

    # Module attributes are looked up at call time, so the importer's own calls go through these.
    writer.write = timed("write", writer.write)
    writer._insert = timed("insert", writer._insert)
    writer.parsed_fingerprints = timed("fingerprints", writer.parsed_fingerprints)
    writer._reviews = timed("review", writer._reviews)  # inside _insert: the review written with the rows
    applying.refresh_table = timed("refresh", applying.refresh_table)  # no longer called by an import
    connection.commit = timed("commit", connection.commit)
    start = time.perf_counter()
    result = import_table(path, filename=path.name)
    seconds = time.perf_counter() - start
    peak_kb = peak_resident_kb()
    figures = {"seconds": seconds, "peak_kb": peak_kb, **spent,
               "projects": len(result.table.projects),
               "indicators": sum(len(p.indicators) for p in result.table.projects)}
    if measure_copy:
        rows = copy_rows(result.table)
        figures["copy_rows"] = sum(len(r) for r in rows.values())
        figures["copy_unlogged"] = time_copy(rows, "UNLOGGED")
        figures["copy_logged"] = time_copy(rows, "")
        figures["copy_indexed"] = time_copy(rows, "", "INCLUDING ALL")
        figures["copy_keyed"] = time_copy(rows, "", "INCLUDING ALL", foreign_keys=True)
    else:
        with transaction.atomic():
            writer._delete_table(BudgetTable.objects.get(department__name=BIG_DEPARTMENT, year=BIG_YEAR).pk)
    print(json.dumps(figures))


def peak_resident_kb() -> int:
    """This process's peak resident size. Linux's ru_maxrss starts from the parent's at fork and survives
    exec, so a child of a large parent would report the parent's peak; VmHWM belongs to this program alone."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def copy_rows(parsed) -> dict:
    """The parsed table as rows of the four big tables, every column filled as the writer fills it."""
    from django.db import connection

    from budget.models import Flag, Indicator, Project, ProjectFunding

    def row(model, values):
        return tuple(values[f.attname] if f.attname in values else f.get_db_prep_save(f.get_default(), connection)
                     for f in model._meta.concrete_fields)

    rows = {Project: [], ProjectFunding: [], Indicator: [], Flag: []}
    for unit_id, unit in enumerate(parsed.units, start=1):
        for p in unit.projects:
            project_id = len(rows[Project]) + 1
            rows[Project].append(row(Project, {
                "id": project_id, "table_id": 1, "unit_id": unit_id, "position": project_id - 1, "name": p.name,
                "code": p.code, "goal": p.goal, "total": p.total, "source_row": p.source_row,
                "indicator_text": p.indicator_text, "unparsed_indicator_text": p.unparsed or ""}))
            for source_id, name in enumerate(parsed.sources, start=1):
                rows[ProjectFunding].append(row(ProjectFunding, {
                    "id": len(rows[ProjectFunding]) + 1, "project_id": project_id, "source_id": source_id,
                    "amount": p.funding.get(name, 0)}))
            for position, i in enumerate(p.indicators):
                rows[Indicator].append(row(Indicator, {
                    "id": len(rows[Indicator]) + 1, "project_id": project_id, "position": position, "seq": i.seq,
                    "level2_id": 1, "level1_label": i.level1, "level2_label": i.level2,
                    "level2_code": i.level2_code or "", "name": i.name, "library_code": i.library_code or "",
                    "period_value": i.period_value, "annual_value": i.annual_value,
                    "comparator": i.target.comparator if i.target else "",
                    "target_value": i.target.value if i.target else None,
                    "target_unit": i.target.unit if i.target else "", "weight": i.weight}))
    for number, f in enumerate(parsed.flags, start=1):
        rows[Flag].append(row(Flag, {"id": number, "table_id": 1, "project_id": None, "severity": f.severity,
                                     "code": f.code, "message": f.message, "row": f.row}))
    return rows


def time_copy(rows: dict, kind: str, like: str = "", *, foreign_keys: bool = False) -> float:
    """COPY into plain tables with the same columns (no keys, indexes or constraints), commit included;
    with like="INCLUDING ALL" the tables also get the real ones' indexes and checks, and with foreign_keys
    their foreign keys too, deferred to the commit as Django declares them — the real tables' full cost."""
    from django.db import connection, transaction

    names = {model: f"bench_copy_{model._meta.model_name}" for model in rows}
    stubs = []
    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
        for model, name in names.items():
            cursor.execute(f"CREATE {kind} TABLE {name} (LIKE {model._meta.db_table} {like})")
        for model, name in (names.items() if foreign_keys else ()):
            fields = model._meta.concrete_fields
            for index, field in enumerate(fields):
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
                cursor.execute(f'ALTER TABLE {name} ADD FOREIGN KEY ("{field.column}") REFERENCES {parent} (id) '
                               "DEFERRABLE INITIALLY DEFERRED")
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


def profile_parse(path: Path) -> list[str]:
    import cProfile
    import io
    import pstats

    from budget.importing.importer import parse_table

    profiler = cProfile.Profile()
    profiler.runcall(parse_table, path)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return [line for line in out.getvalue().splitlines() if re.match(r"\s+\d", line)]


# -- 2. page speed ----------------------------------------------------------------------------------

PAGE_DEPARTMENT = "广东省财政厅(页面基准)"  # the page bench's own big table, apart from the one the import times


def ensure_big_table(cfg):
    """The 20,000-project table the department page is timed on: imported once and kept, under its own
    department, so that an import measurement running meanwhile (which deletes its table) leaves it alone."""
    from budget import generate
    from budget.importing.importer import import_table
    from budget.models import BudgetTable

    if BudgetTable.objects.filter(department__name=PAGE_DEPARTMENT, year=BIG_YEAR).exists():
        return
    with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
        path = Path(tmp) / "national.txt"
        with open(path, "wb") as out:
            generate.write(generate.table(projects=cfg["projects"], seed=f"bench:{cfg['projects']}", year=BIG_YEAR,
                                          department=PAGE_DEPARTMENT), out)
        print("  importing the page bench's big table (once)", file=sys.stderr, flush=True)
        import_table(path, filename=path.name)


def page_bench(cfg) -> dict | None:
    from django.core.cache import caches
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from budget.models import BudgetTable, Project

    try:
        reverse("budget:overview")
    except NoReverseMatch:
        return None
    ensure_big_table(cfg)
    latest = max(cfg["years"])
    typical = list(BudgetTable.objects.filter(year=latest).exclude(department__name__in=[BIG_DEPARTMENT, PAGE_DEPARTMENT])
                   .annotate(n=Count("projects")).order_by("n", "pk"))
    typical = typical[len(typical) // 2]
    big = BudgetTable.objects.get(department__name=PAGE_DEPARTMENT, year=BIG_YEAR)
    project = Project.objects.filter(table=typical).annotate(n=Count("indicators")).order_by("-n", "position").first()
    pages = {
        "admin login": "/admin/login/",
        "overview": reverse("budget:overview"),
        f"department ({typical.projects.count()} projects)":
            reverse("budget:department", args=[typical.department_id, latest]),
        f"department ({big.projects.count():,} projects)":
            reverse("budget:department", args=[big.department_id, big.year]),
        f"project ({project.n} indicators)": reverse("budget:project", args=[project.pk]),
        "explorer ?q=满意度": reverse("budget:explorer") + "?q=" + quote("满意度"),
        # A word no indicator holds: without pg_trgm every row is read, the search's worst case.
        "explorer ?q=(no match)": reverse("budget:explorer") + "?q=" + quote("无此指标词"),
    }
    pages_cache = caches["pages"]
    client = Client()
    figures, plans = {}, {}
    for label, url in pages.items():
        for _ in range(2):  # warm the caches: the figures are for a running server
            client.get(url)
        with CaptureQueriesContext(connection) as served:
            client.get(url)
        pages_cache.clear()
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        figures[label] = {"url": url, "status": status, "queries": len(queries), "served_queries": len(served),
                          "times": [], "rendered": []}
        captured = queries.captured_queries
        slowest = sorted(range(len(captured)), key=lambda i: float(captured[i]["time"]), reverse=True)[:2]
        plans[label] = [explain(captured[i]["sql"], settings_before(captured, i)) for i in slowest
                        if captured[i]["sql"].lstrip().upper().startswith("SELECT")]
    # Round robin, so that a slow minute of the machine falls on every page alike. Each page twice: as a
    # server serves it to visitors (kept until the data version moves), and rendered afresh, the kept page
    # dropped first (the figures cache stays warm, as it is on a server once a page has been shown).
    deadline = time.perf_counter() + cfg["page_seconds"] * len(pages)
    for _ in range(cfg["requests"]):
        for label, url in pages.items():
            for series in ("rendered", "times"):  # rendered first: clearing drops every kept page
                if series == "rendered":
                    pages_cache.clear()
                start = time.perf_counter()
                response = client.get(url)
                figures[label][series].append(time.perf_counter() - start)
                if response.status_code != 200:
                    figures[label]["status"] = response.status_code
        if time.perf_counter() > deadline and len(figures["admin login"]["times"]) >= 5:
            break
    base = statistics.median(figures["admin login"]["times"])
    for f in figures.values():
        times, rendered = sorted(f.pop("times")), sorted(f.pop("rendered"))
        f.update(n=len(times), median=statistics.median(times), p95=times[round(0.95 * (len(times) - 1))],
                 rendered_median=statistics.median(rendered), rendered_p95=rendered[round(0.95 * (len(rendered) - 1))])
        f["ratio"] = f["median"] / base
        f["rendered_ratio"] = f["rendered_median"] / base
    return {"pages": figures, "plans": plans, "load_url": pages[next(k for k in pages if k.startswith("department ("))]}


def settings_before(captured, index) -> list[str]:
    """The SET LOCAL statements in force for captured[index]: a page may steer the planner for one query
    inside its own transaction (budget.selectors.count_up_to), and the plan shown must be the one it ran."""
    found = []
    for q in reversed(captured[:index]):
        sql = q["sql"].lstrip().upper()
        if sql.startswith(("COMMIT", "RELEASE", "ROLLBACK")):
            break
        if sql.startswith("SET LOCAL"):
            found.insert(0, q["sql"])
        if sql.startswith(("BEGIN", "SAVEPOINT")):
            break
    return found


def explain(sql: str, settings=()) -> dict:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in settings:
            cursor.execute(statement)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return {"sql": sql, "settings": list(settings), "plan": [row[0] for row in cursor.fetchall()]}


# -- 3. load ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def gunicorn_server():
    """gunicorn with 2 workers on the bench database; yields its base URL, or None when it does not start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "budget.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/admin/login/", timeout=10) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            yield None
            return
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def http_bench(cfg, pages: dict, base: str) -> dict:
    """The same pages through gunicorn, one request at a time: what a browser waits for, connection
    handling included (the in-process client keeps one database connection for good)."""
    times = {label: [] for label in pages}
    for _ in range(3):  # each worker renders each page once, then serves it kept
        for url in pages.values():
            urllib.request.urlopen(base + url, timeout=30).read()
    for _ in range(cfg["requests"]):
        for label, url in pages.items():
            start = time.perf_counter()
            with urllib.request.urlopen(base + url, timeout=30) as response:
                response.read()
            times[label].append(time.perf_counter() - start)
    login = statistics.median(times["admin login"])
    return {label: {"median": statistics.median(t), "p95": sorted(t)[round(0.95 * (len(t) - 1))],
                    "ratio": statistics.median(t) / login} for label, t in times.items()}


def load_bench(cfg, path: str, base: str) -> dict:
    url = base + path
    for _ in range(10):
        urllib.request.urlopen(url, timeout=10).read()
    out = subprocess.run(["wrk", "-t2", "-c4", f"-d{cfg['load_seconds']}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {"url": path, "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "latency": latency,
            "errors": int(errors.group(1)) if errors else 0, "socket_errors": sockets.group(1) if sockets else "none",
            "command": f"wrk -t2 -c4 -d{cfg['load_seconds']}s --latency <department page>, gunicorn --workers 2"}


# -- the report ------------------------------------------------------------------------------------------

def print_report(cfg, r):
    db, imp = r["database"], r["import"]
    print(f"\nbudget bench ({'--quick' if cfg is QUICK else 'full'}), {r['machine']}, database {r['database']['name']}")
    how = "kept from an earlier run" if db["reused"] else (
        f"generated in {db['populate_seconds']:.0f} s = {db['indicators'] / db['populate_seconds']:,.0f} indicators/s "
        "through parse_table and the writer")
    print(f"  bench database: {db['tables']:,} tables, {db['indicators']:,} indicators ({how})")
    if imp is None:
        print("\n1. Import: skipped (--pages-only)")
    else:
        print_import(imp)
    print_pages(r, db)
    print(f"\nbench took {r['seconds']:.0f} s")


def print_import(imp):

    mb = imp["file_bytes"] / 1e6
    above = (imp["peak_kb"] - imp["base_peak_kb"]) * 1024 / imp["file_bytes"]
    ratio = imp["seconds"] / imp["copy_unlogged"]
    print(f"\n1. Import: {imp['projects']:,} projects, {imp['indicators']:,} indicators, {mb:.1f} MB of TSV")
    rows = [
        ("import_table, end to end", f"{imp['seconds']:.2f} s",
         f"{imp['indicators'] / imp['seconds']:,.0f} indicators/s"),
        ("  read + parse + validate", f"{imp['seconds'] - imp['write']:.2f} s", ""),
        ("  writer: fingerprints to store", f"{imp.get('fingerprints', 0):.2f} s", "in the review thread"),
        ("  writer: _insert (review + COPY)", f"{imp['insert']:.2f} s", ""),
        ("    the review of the parsed rows", f"{imp.get('review', 0):.2f} s", "in a thread, beside the COPY"),
        ("  writer: applying.refresh_table", f"{imp.get('refresh', 0):.2f} s", "not called by an import"),
        ("  writer: commit", f"{imp['commit']:.2f} s", ""),
        ("  writer: the rest (lock, lookups, log)",
         f"{imp['write'] - imp.get('fingerprints', 0) - imp['insert'] - imp.get('refresh', 0) - imp['commit']:.2f} s",
         ""),
        ("manage.py import_targets, wall clock", f"{imp['command_seconds']:.2f} s", "start-up included"),
        ("COPY of the same rows, UNLOGGED", f"{imp['copy_unlogged']:.2f} s", f"{imp['copy_rows']:,} rows"),
        ("COPY of the same rows, logged", f"{imp['copy_logged']:.2f} s", ""),
        ("COPY, same indexes and checks", f"{imp['copy_indexed']:.2f} s", "logged"),
        ("COPY, same indexes, checks, foreign keys", f"{imp['copy_keyed']:.2f} s", "deferred, as Django's"),
        ("ratio import / COPY (unlogged)", f"{ratio:.1f}×", ""),
        ("ratio import / COPY (logged)", f"{imp['seconds'] / imp['copy_logged']:.1f}×", ""),
        ("ratio import / COPY (indexed)", f"{imp['seconds'] / imp['copy_indexed']:.1f}×", ""),
        ("ratio import / COPY (keyed)", f"{imp['seconds'] / imp['copy_keyed']:.1f}×",
         "goal ≤ 3×: tables like ours, keys included"),
        ("ratio import_targets / COPY (keyed)", f"{imp['command_seconds'] / imp['copy_keyed']:.1f}×",
         "the command, start-up included"),
        ("peak memory (VmHWM)", f"{imp['peak_kb'] / 1024:.0f} MB", f"base {imp['base_peak_kb'] / 1024:.0f} MB"),
        ("peak above base / file size", f"{above:.1f}×", "goal ≤ 10×"),
    ]
    table(rows)
    for line in imp.get("profile", []):
        print("   ", line)


def print_pages(r, db):
    pages = r.get("pages")
    if not pages:
        print("\n2. Pages: skipped (--import-only, or budget/urls.py with app_name 'budget' does not exist yet)")
    else:
        print(f"\n2. Pages, in-process django.test.Client, DEBUG off, {db['indicators']:,}+ indicators")
        rows = [("page", "median", "p95", "× admin", "queries", "rendered: median", "p95", "× admin", "queries",
                 "n")]
        for label, f in pages["pages"].items():
            status = "" if f["status"] == 200 else f" HTTP {f['status']}"
            rows.append((label + status, f"{f['median'] * 1000:.1f} ms", f"{f['p95'] * 1000:.1f} ms",
                         f"{f['ratio']:.1f}×", str(f["served_queries"]), f"{f['rendered_median'] * 1000:.1f} ms",
                         f"{f['rendered_p95'] * 1000:.1f} ms", f"{f['rendered_ratio']:.1f}×", str(f["queries"]),
                         str(f["n"])))
        table(rows)
        print("   served: as visitors get it, the page kept until the data changes (budget/caching.py);")
        print("   rendered: the kept page dropped before each request (figures cache warm)")
        print("   goals: median ≤ 3× admin login, p95 < 300 ms, query counts constant")
        if r.get("http"):
            print("\n   the same pages through gunicorn (2 workers), one request at a time, as a browser gets them:")
            rows = [("page", "median", "p95", "× admin")]
            rows += [(label, f"{f['median'] * 1000:.1f} ms", f"{f['p95'] * 1000:.1f} ms", f"{f['ratio']:.1f}×")
                     for label, f in r["http"].items()]
            table(rows)
        load = r.get("load", {})
        if "skipped" in load:
            print(f"\n3. Load: skipped ({load['skipped']})")
        else:
            print(f"\n3. Load: {load['command']}")
            table([("requests/s", f"{load['requests_per_second']:.1f}", f"{load['requests']} requests"),
                   ("latency p50 / p75 / p90 / p99",
                    " / ".join(load["latency"].get(p, "?") for p in ("50", "75", "90", "99")), ""),
                   ("non-2xx responses, socket errors", str(load["errors"]), load["socket_errors"])])
        print("\nQuery plans (EXPLAIN ANALYZE of each page's two slowest queries):")
        for label, plans in pages["plans"].items():
            for plan in plans:
                print(f"\n-- {label}: {plan['sql'][:300]}{'…' if len(plan['sql']) > 300 else ''}")
                for statement in plan.get("settings", []):
                    print(f"   ({statement})")
                lines = plan["plan"]
                # The top of the plan shows where the time goes; the last lines give the totals.
                for line in lines if len(lines) <= 32 else [*lines[:28], "    …", *lines[-2:]]:
                    print("   ", line)


def table(rows):
    def width(text):  # Chinese characters take two columns in a terminal
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max(width(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [str(cell) for cell in row]
        pads = [" " * (w - width(cell)) for cell, w in zip(cells, widths)]
        print("  " + "  ".join(cell + pad if i == 0 else pad + cell
                               for i, (cell, pad) in enumerate(zip(cells, pads))).rstrip())


if __name__ == "__main__":
    main()
