"""`make bench`: does an import run close to COPY speed, and does every page cost the same at any size?

Prints figures and ratios and asserts nothing: benchmarks are not unit tests (pytest does not
collect this module, whose name does not match test_*.py). It works in its own database,
budget_bench on the same server, never in the developer's; the generated database of a million
indicators is kept between runs and rebuilt only when its size or the generator changes.

    .venv/bin/python -m tests.bench               # 2,000 departments × 3 years; a 20,000-project import, 400 files
    .venv/bin/python -m tests.bench --scale 0.1   # a tenth of every size (--quick), shorter runs
    .venv/bin/python -m tests.bench --profile     # also the parse path's hottest functions
    .venv/bin/python -m tests.bench --import-only # the import figures alone (tests/bench_import.py)
    .venv/bin/python -m tests.bench --pages-only  # the page and search figures alone, big table kept between runs
    .venv/bin/python -m tests.bench --datasette /tmp/dsvenv/bin/datasette  # the search beside Datasette's
"""

import argparse
import contextlib
import os
import re
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

from tests.bench_import import BIG_DEPARTMENT, BIG_YEAR, ROOT, child, import_bench

BENCH_DB = "budget_bench"  # a smaller --scale has its own database, so that neither run regenerates the other's
# Bump when budget/generate.py changes what it writes, so that a kept database is rebuilt.
GENERATOR_VERSION = 2
SEED = 0


def sizes(scale: float) -> dict:
    """The sizes at a scale: 1 is 2,000 departments × 3 years (1.2 M indicators), a 20,000-project table and a
    batch of 400 department files of 50 projects."""
    full = scale >= 1
    return {
        "scale": scale,
        "departments": max(10, round(2000 * scale)),
        "years": (2022, 2023, 2024),
        "projects": max(100, round(20000 * scale)),
        "files": max(2, round(400 * scale)),
        "requests": 40 if full else 15,
        "page_seconds": 40 if full else 10,
        "load_seconds": 20 if full else 5,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="a fraction (or multiple) of every size: 0.1 for a quick run (default 1)",
    )
    parser.add_argument("--quick", action="store_true", help="the same as --scale 0.1")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the bench database even if it is current")
    parser.add_argument("--profile", action="store_true", help="print the parse path's hottest functions")
    parser.add_argument("--import-only", action="store_true", help="skip the page, search and load measurements")
    parser.add_argument(
        "--batch-only",
        action="store_true",
        help="the batch of department files against COPY alone (no single import, pages or search): "
        "for timing changes to the per-file cost",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="skip the import measurement: the page and search figures alone (the big table is "
        "imported once and kept for the next --pages-only run)",
    )
    parser.add_argument(
        "--datasette",
        metavar="PATH",
        help="the datasette executable to time the same search with (installed apart, never a "
        "dependency); default: datasette on PATH, else skipped",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        configure(None)  # the parent passes the bench database in DATABASE_URL
        return populate(*args.child[1:]) if args.child[0] == "populate" else child(args.child[0], args.child[1:])
    cfg = sizes(0.1 if args.quick else args.scale)
    configure(BENCH_DB + ("" if cfg["scale"] == 1 else f"_{cfg['scale']:g}".replace(".", "_")))
    started = time.perf_counter()
    report = {"machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}", "load_before": os.getloadavg()}
    report["database"] = ensure_database(cfg, rebuild=args.rebuild)
    if args.batch_only:
        from tests.bench_import import batch_bench

        with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
            return print_batch_only(cfg, batch_bench(cfg, Path(tmp)))
    with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
        report["import"] = None if args.pages_only else import_bench(cfg, Path(tmp), profile=args.profile)
        report["pages"] = None if args.import_only else page_bench(cfg)
        if report["pages"]:
            from tests.bench_search import search_bench

            report["search"] = search_bench(cfg, PAGE_DEPARTMENT, BIG_YEAR, Path(tmp), args.datasette)
            with gunicorn_server() as base:
                if base is None:
                    report["load"] = {"skipped": "gunicorn did not answer within a minute"}
                else:
                    report["http"] = http_bench(
                        cfg, {label: f["url"] for label, f in report["pages"]["pages"].items()}, base
                    )
                    report["load"] = (
                        load_bench(cfg, report["pages"]["load_url"], base)
                        if shutil.which("wrk")
                        else {"skipped": "wrk is not installed (Debian: apt-get install -y wrk)"}
                    )
    report["seconds"] = time.perf_counter() - started
    report["load_after"] = os.getloadavg()
    print_report(cfg, report)


# -- setup --------------------------------------------------------------------------------------


def configure(database: str | None):
    """Production settings (no DEBUG) on the bench database; children inherit both through the environment."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget.settings")
    for name, value in {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
    }.items():
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

    from budget.models import Indicator

    call_command("migrate", verbosity=0, interactive=False)
    marker = (
        f"budget bench: generator {GENERATOR_VERSION}, seed {SEED}, {cfg['departments']} departments × "
        f"years {','.join(map(str, cfg['years']))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        current = cursor.fetchone()[0]
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'")
        trigram = cursor.fetchone()
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    info = {
        "tables": cfg["departments"] * len(cfg["years"]),
        "name": connection.settings_dict["NAME"],
        "server": f"PostgreSQL {version}, " + (f"pg_trgm {trigram[0]}" if trigram else "no pg_trgm"),
    }
    if current == marker and not rebuild:
        info.update(reused=True, indicators=Indicator.objects.count())
        return info
    # Generated in a child: this process stays small, since the import children's peak memory starts from it.
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tests.bench", "--child", "populate", str(cfg["departments"]), *map(str, cfg["years"])],
        cwd=ROOT,
        check=True,
    )
    info["populate_seconds"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f'COMMENT ON DATABASE "{connection.settings_dict["NAME"]}" IS %s', [marker])
    info.update(reused=False, indicators=Indicator.objects.count())
    return info


def populate(departments: str, *years: str):
    from django.db import connection

    from budget import generate

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE budget_department CASCADE")  # tables, units, projects, indicators, flags, logs
    total = int(departments) * len(years)
    generate.populate(
        departments=int(departments),
        years=tuple(map(int, years)),
        seed=SEED,
        progress=lambda n: print(
            f"\r  generating the bench database: {n}/{total} tables", end="", file=sys.stderr, flush=True
        ),
    )
    print(file=sys.stderr)


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
            generate.write(
                generate.table(
                    projects=cfg["projects"], seed=f"bench:{cfg['projects']}", year=BIG_YEAR, department=PAGE_DEPARTMENT
                ),
                out,
            )
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
    typical = list(
        BudgetTable.objects.filter(year=latest)
        .exclude(department__name__in=[BIG_DEPARTMENT, PAGE_DEPARTMENT])
        .annotate(n=Count("projects"))
        .order_by("n", "pk")
    )
    typical = typical[len(typical) // 2]
    big = BudgetTable.objects.get(department__name=PAGE_DEPARTMENT, year=BIG_YEAR)
    project = Project.objects.filter(table=typical).annotate(n=Count("indicators")).order_by("-n", "position").first()
    pages = {
        "admin login": "/admin/login/",
        "overview": reverse("budget:overview"),
        f"department ({typical.projects.count()} projects)": reverse(
            "budget:department", args=[typical.department_id, latest]
        ),
        f"department ({big.projects.count():,} projects)": reverse(
            "budget:department", args=[big.department_id, big.year]
        ),
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
        figures[label] = {
            "url": url,
            "status": status,
            "queries": len(queries),
            "served_queries": len(served),
            "times": [],
            "rendered": [],
        }
        captured = queries.captured_queries
        slowest = sorted(range(len(captured)), key=lambda i: float(captured[i]["time"]), reverse=True)[:2]
        plans[label] = [
            explain(captured[i]["sql"], settings_before(captured, i))
            for i in slowest
            if captured[i]["sql"].lstrip().upper().startswith("SELECT")
        ]
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
        f.update(
            n=len(times),
            median=statistics.median(times),
            p95=times[round(0.95 * (len(times) - 1))],
            rendered_median=statistics.median(rendered),
            rendered_p95=rendered[round(0.95 * (len(rendered) - 1))],
        )
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
        [
            sys.executable,
            "-m",
            "gunicorn",
            "budget.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
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
    return {
        label: {
            "median": statistics.median(t),
            "p95": sorted(t)[round(0.95 * (len(t) - 1))],
            "ratio": statistics.median(t) / login,
        }
        for label, t in times.items()
    }


def load_bench(cfg, path: str, base: str) -> dict:
    url = base + path
    for _ in range(10):
        urllib.request.urlopen(url, timeout=10).read()
    out = subprocess.run(
        ["wrk", "-t2", "-c4", f"-d{cfg['load_seconds']}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {
        "url": path,
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "latency": latency,
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "none",
        "command": f"wrk -t2 -c4 -d{cfg['load_seconds']}s --latency <department page>, gunicorn --workers 2",
    }


# -- the report ------------------------------------------------------------------------------------------


def print_report(cfg, r):
    db, imp = r["database"], r["import"]
    print(f"\nbudget bench (--scale {cfg['scale']:g}), {r['machine']}, {db['server']}, database {db['name']}")
    print(
        "  machine load (1, 5, 15 min) before: {:.1f} {:.1f} {:.1f}; after: {:.1f} {:.1f} {:.1f}".format(
            *r["load_before"], *r["load_after"]
        )
    )
    how = (
        "kept from an earlier run"
        if db["reused"]
        else (
            f"generated in {db['populate_seconds']:.0f} s = {db['indicators'] / db['populate_seconds']:,.0f} indicators/s "
            "through parse_table and the writer"
        )
    )
    print(f"  bench database: {db['tables']:,} tables, {db['indicators']:,} indicators ({how})")
    if imp is None:
        print("\n1. Import: skipped (--pages-only)")
    else:
        print_import(imp)
        print_batch(imp, imp["batch"])
    print_pages(r, db)
    if r.get("search"):
        from tests.bench_search import print_search

        print_search(r["search"])
    print(f"\nbench took {r['seconds']:.0f} s")


def print_import(imp):
    mb = imp["file_bytes"] / 1e6
    keyed = imp["copy_keyed"]
    rest = imp["write"] - imp.get("fingerprints", 0) - imp["insert"] - imp.get("refresh", 0) - imp["commit"]
    print(
        f"\n1. Import: {imp['projects']:,} projects, {imp['indicators']:,} indicators, {mb:.1f} MB of TSV, "
        "into the bench database"
    )
    table(
        [
            (
                "import_table, end to end (first import)",
                f"{imp['seconds']:.2f} s",
                f"{imp['seconds'] / keyed:.1f}×",
                f"{imp['indicators'] / imp['seconds']:,.0f} indicators/s",
            ),
            ("  read + parse + validate", f"{imp['seconds'] - imp['write']:.2f} s", "", ""),
            ("  writer: fingerprints to store", f"{imp.get('fingerprints', 0):.2f} s", "", "in the review thread"),
            ("  writer: _insert (review + COPY)", f"{imp['insert']:.2f} s", "", ""),
            ("    the review of the parsed rows", f"{imp.get('review', 0):.2f} s", "", "in a thread, beside the COPY"),
            ("  writer: commit", f"{imp['commit']:.2f} s", "", ""),
            ("  writer: the rest (lock, lookups, log)", f"{rest:.2f} s", "", ""),
            (
                "re-import, the same file",
                f"{imp['reimport_same']:.2f} s",
                f"{imp['reimport_same'] / keyed:.1f}×",
                f"{imp['reimport_same'] / imp['seconds']:.2f}× the first import",
            ),
            (
                "re-import, a corrected edition",
                f"{imp['reimport_corrected']:.2f} s",
                f"{imp['reimport_corrected'] / keyed:.1f}×",
                f"{imp['reimport_corrected'] / imp['seconds']:.2f}× the first import (1 changed, 1 dropped, 1 added)",
            ),
            (
                "CSV export of the table",
                f"{imp['export_seconds']:.2f} s",
                f"{imp['export_seconds'] / keyed:.1f}×",
                f"{imp['export_seconds'] / imp['seconds']:.2f}× its import; {imp['export_bytes'] / 1e6:.1f} MB",
            ),
            (
                "manage.py import_targets, wall clock",
                f"{imp['command_seconds']:.2f} s",
                f"{imp['command_seconds'] / keyed:.1f}×",
                "start-up included",
            ),
            ("COPY of the same rows, UNLOGGED", f"{imp['copy_unlogged']:.2f} s", "", f"{imp['copy_rows']:,} rows"),
            ("COPY of the same rows, logged", f"{imp['copy_logged']:.2f} s", "", ""),
            ("COPY, same indexes and checks", f"{imp['copy_indexed']:.2f} s", "", "logged, trigram index included"),
            (
                "COPY, same indexes, checks, foreign keys",
                f"{keyed:.2f} s",
                "1.0×",
                "the baseline: deferred keys, as Django's",
            ),
        ]
    )
    print(
        "   ratios: ÷ COPY into keyed tables of the same rows, in the same run; goals: import ≤ 2×, re-import ≤ the "
        "first import, export ≤ its import"
    )
    print_memory(imp, imp["base_maxrss_kb"], imp["file_bytes"], "single import")
    for line in imp.get("profile", []):
        print("   ", line)


def print_memory(run, base_kb, size, what):
    above = (run["maxrss_kb"] - base_kb) * 1024 / size
    print(
        f"   peak memory of the {what} (getrusage ru_maxrss): {run['maxrss_kb'] / 1024:.0f} MB, "
        f"{above:.1f}× the input above a 10-project import's {base_kb / 1024:.0f} MB "
        f"(VmHWM {run['hwm_kb'] / 1024:.0f} MB); goal ≤ 10×"
    )


def print_batch_only(cfg, b):
    print(
        f"batch (--scale {cfg['scale']:g}, --batch-only): {b['files']:,} files, {b['indicators']:,} indicators; "
        f"import_targets in process {b['seconds']:.2f} s, COPY into keyed tables {b['copy_keyed']:.2f} s: "
        f"{b['seconds'] / b['copy_keyed']:.2f}×; commits {b['commit']:.2f} s, reviews {b.get('review', 0):.2f} s; "
        f"load {os.getloadavg()[0]:.1f}"
    )


def print_batch(imp, b):
    keyed = b["copy_keyed"]
    # The batch's indicators at the single import's pace; what remains is what each file costs on its own.
    at_pace = imp["seconds"] * b["indicators"] / imp["indicators"]
    per_file = (b["seconds"] - at_pace) / b["files"]
    print(
        f"\n1b. A batch: {b['files']:,} department files, {b['projects']:,} projects, {b['indicators']:,} "
        f"indicators, {b['bytes'] / 1e6:.1f} MB, one import_targets command"
    )
    table(
        [
            (
                "import_targets, in process",
                f"{b['seconds']:.2f} s",
                f"{b['seconds'] / keyed:.1f}×",
                f"{b['indicators'] / b['seconds']:,.0f} indicators/s",
            ),
            ("  of which commits", f"{b['commit']:.2f} s", "", f"{b.get('commit_calls', 0):,} commits"),
            (
                "  of which reviews",
                f"{b.get('review', 0):.2f} s",
                "",
                f"{b.get('review_calls', 0):,} review passes, one per table; refresh_table {b.get('refresh_calls', 0)}, "
                f"refresh_all {b.get('refresh_all_calls', 0)}",
            ),
            (
                "manage.py import_targets, wall clock",
                f"{b['command_seconds']:.2f} s",
                f"{b['command_seconds'] / keyed:.1f}×",
                "start-up included",
            ),
            (
                "COPY, same indexes, checks, foreign keys",
                f"{keyed:.2f} s",
                "1.0×",
                f"{b['copy_rows']:,} rows, every file's at once",
            ),
            (
                "per-file overhead",
                f"{per_file * 1000:.0f} ms",
                "",
                f"(batch − its indicators at the single import's pace {at_pace:.2f} s) ÷ files",
            ),
        ]
    )
    print(
        f"   one process; database connections opened during the command: {b.get('connect_calls', 0)} "
        f"(same server backend before and after: {'yes' if b['same_backend'] else 'no'}); goal: batch ≤ 3× COPY"
    )
    print(
        f"   peak memory of the batch (getrusage ru_maxrss): {b['maxrss_kb'] / 1024:.0f} MB (VmHWM "
        f"{b['hwm_kb'] / 1024:.0f} MB): one file at a time, against {imp['maxrss_kb'] / 1024:.0f} MB for the single "
        "table of as many projects"
    )


def print_pages(r, db):
    pages = r.get("pages")
    if not pages:
        print("\n2. Pages: skipped (--import-only, or budget/urls.py with app_name 'budget' does not exist yet)")
    else:
        print(f"\n2. Pages, in-process django.test.Client, DEBUG off, {db['indicators']:,}+ indicators")
        rows = [("page", "median", "p95", "× admin", "queries", "rendered: median", "p95", "× admin", "queries", "n")]
        for label, f in pages["pages"].items():
            status = "" if f["status"] == 200 else f" HTTP {f['status']}"
            rows.append(
                (
                    label + status,
                    f"{f['median'] * 1000:.1f} ms",
                    f"{f['p95'] * 1000:.1f} ms",
                    f"{f['ratio']:.1f}×",
                    str(f["served_queries"]),
                    f"{f['rendered_median'] * 1000:.1f} ms",
                    f"{f['rendered_p95'] * 1000:.1f} ms",
                    f"{f['rendered_ratio']:.1f}×",
                    str(f["queries"]),
                    str(f["n"]),
                )
            )
        table(rows)
        print("   served: as visitors get it, the page kept until the data changes (budget/caching.py);")
        print("   rendered: the kept page dropped before each request (figures cache warm)")
        print("   goals: median ≤ 3× admin login, p95 < 300 ms, query counts constant")
        if r.get("http"):
            print("\n   the same pages through gunicorn (2 workers), one request at a time, as a browser gets them:")
            rows = [("page", "median", "p95", "× admin")]
            rows += [
                (label, f"{f['median'] * 1000:.1f} ms", f"{f['p95'] * 1000:.1f} ms", f"{f['ratio']:.1f}×")
                for label, f in r["http"].items()
            ]
            table(rows)
        load = r.get("load", {})
        if "skipped" in load:
            print(f"\n3. Load: skipped ({load['skipped']})")
        else:
            print(f"\n3. Load: {load['command']}")
            table(
                [
                    ("requests/s", f"{load['requests_per_second']:.1f}", f"{load['requests']} requests"),
                    (
                        "latency p50 / p75 / p90 / p99",
                        " / ".join(load["latency"].get(p, "?") for p in ("50", "75", "90", "99")),
                        "",
                    ),
                    ("non-2xx responses, socket errors", str(load["errors"]), load["socket_errors"]),
                ]
            )
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
        print(
            "  "
            + "  ".join(cell + pad if i == 0 else pad + cell for i, (cell, pad) in enumerate(zip(cells, pads))).rstrip()
        )


if __name__ == "__main__":
    main()
