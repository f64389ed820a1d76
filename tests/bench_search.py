"""The search half of `make bench` (tests/bench.py): the explorer's rendered search for a word over one large
table's indicators, beside Datasette (SQLite FTS5) searching the same parsed rows, when it is installed.

Datasette is never a dependency of the project: install it apart (`python3 -m venv /tmp/dsvenv &&
/tmp/dsvenv/bin/pip install "datasette==0.65.*"`) and pass `--datasette /tmp/dsvenv/bin/datasette`; without
it the comparison is skipped with a message.
"""

import shutil
import socket
import sqlite3
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

WORD = "满意度"


def search_bench(cfg, department: str, year: int, tmp: Path, datasette: str | None) -> dict:
    from budget import generate
    from budget.importing.importer import parse_table

    path = tmp / "search.txt"
    with open(path, "wb") as out:
        generate.write(
            generate.table(projects=cfg["projects"], seed=f"bench:{cfg['projects']}", year=year, department=department),
            out,
        )
    figures = {"word": WORD, "explorer": explorer_search(cfg, department, year)}
    found = shutil.which(datasette or "datasette")
    if not found:
        figures["datasette"] = {
            "skipped": f"datasette not found ({datasette or 'not on PATH'}); install it apart, "
            "e.g. /tmp/dsvenv/bin/pip install 'datasette==0.65.*', and pass "
            "--datasette /tmp/dsvenv/bin/datasette"
        }
        return figures
    database = tmp / "bench.db"
    figures["indicators"] = write_sqlite(parse_table(path), database)
    figures["datasette"] = datasette_search(cfg, found, database)
    # As it comes, Datasette also times each column as a facet to suggest; without that, its search alone.
    figures["datasette_plain"] = datasette_search(cfg, found, database, "--setting", "suggest_facets", "off")
    return figures


def explorer_search(cfg, department: str, year: int) -> dict:
    """The explorer rendered afresh (the kept page dropped before each request), narrowed to the one table."""
    from django.core.cache import caches
    from django.test import Client
    from django.urls import reverse

    from budget.models import BudgetTable

    table = BudgetTable.objects.select_related("department").get(department__name=department, year=year)
    url = reverse("budget:explorer") + "?" + urlencode({"q": WORD, "department": table.department_id, "year": year})
    client, pages = Client(), caches["pages"]
    for _ in range(2):
        client.get(url)
    times = []
    for _ in range(cfg["requests"]):
        pages.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
    return {"url": url, "status": response.status_code, "indicators": table_indicators(table), **summary(times)}


def table_indicators(table) -> int:
    from budget.models import Indicator

    return Indicator.objects.filter(project__table=table).count()


def summary(times) -> dict:
    times = sorted(times)
    return {"median": statistics.median(times), "p95": times[round(0.95 * (len(times) - 1))], "n": len(times)}


def write_sqlite(parsed, database: Path) -> int:
    """The parsed rows as Datasette would get them: one table of indicators with what the explorer shows,
    and an FTS5 index (trigram tokenizer: Chinese has no spaces to split words on) over the searched texts."""
    db = sqlite3.connect(database)
    db.execute(
        "CREATE TABLE indicator (id INTEGER PRIMARY KEY, department TEXT, year INTEGER, project TEXT, "
        "level1 TEXT, level2 TEXT, name TEXT, period_value TEXT, annual_value TEXT, comparator TEXT, "
        "target_value REAL, target_unit TEXT)"
    )
    rows = (
        (
            parsed.department,
            parsed.year,
            p.name,
            i.level1,
            i.level2,
            i.name,
            i.period_value,
            i.annual_value,
            i.target.comparator if i.target else "",
            float(i.target.value) if i.target else None,
            i.target.unit if i.target else "",
        )
        for p in parsed.projects
        for i in p.indicators
    )
    db.executemany(
        "INSERT INTO indicator (department, year, project, level1, level2, name, period_value, "
        "annual_value, comparator, target_value, target_unit) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.execute(
        "CREATE VIRTUAL TABLE indicator_fts USING fts5(name, period_value, annual_value, content='indicator', "
        "content_rowid='id', tokenize='trigram')"
    )
    db.execute("INSERT INTO indicator_fts (indicator_fts) VALUES ('rebuild')")
    db.commit()
    count = db.execute("SELECT count(*) FROM indicator").fetchone()[0]
    db.close()
    return count


def datasette_search(cfg, executable: str, database: Path, *options: str) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [executable, "serve", str(database), "--port", str(port), "--host", "127.0.0.1", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/{database.stem}/indicator"
    query = "?_search=" + quote(WORD) + "&_size=50"  # the explorer's page size
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + ".json?_size=1", timeout=10).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            return {"skipped": "datasette did not answer within a minute"}
        version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
        figures = {"version": version.stdout.strip()}
        for label, url in (("html", base + query), ("json", base + ".json" + query)):
            for _ in range(2):
                urllib.request.urlopen(url, timeout=30).read()
            times = []
            for _ in range(cfg["requests"]):
                start = time.perf_counter()
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = response.read()
                times.append(time.perf_counter() - start)
            figures[label] = {"url": url.removeprefix(f"http://127.0.0.1:{port}"), **summary(times)}
        figures["matches"] = count_matches(database)
        figures["rows_shown"] = body.count(b'"id":') if body else 0
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)


def count_matches(database: Path) -> int:
    db = sqlite3.connect(database)
    try:
        return db.execute("SELECT count(*) FROM indicator_fts WHERE indicator_fts MATCH ?", [f'"{WORD}"']).fetchone()[0]
    finally:
        db.close()


def print_search(r):
    from tests.bench import table

    print(f"\n4. Search for {r['word']} over one table's indicators, rendered afresh every time")
    e, d = r["explorer"], r["datasette"]
    rows = [
        ("", "median", "p95", "n"),
        (
            f"explorer, {e['indicators']:,} indicators, in process"
            + ("" if e["status"] == 200 else f" HTTP {e['status']}"),
            f"{e['median'] * 1000:.1f} ms",
            f"{e['p95'] * 1000:.1f} ms",
            str(e["n"]),
        ),
    ]
    if "skipped" in d:
        table(rows)
        print(f"   Datasette: skipped ({d['skipped']})")
        return
    plain = r.get("datasette_plain", {})
    for how, figures in (("", d), (", suggest_facets off", plain)):
        for label in ("html", "json") if "html" in figures else ():
            rows.append(
                (
                    f"{d['version']}{how}, FTS5 trigram, {r['indicators']:,} rows, {label} over HTTP",
                    f"{figures[label]['median'] * 1000:.1f} ms",
                    f"{figures[label]['p95'] * 1000:.1f} ms",
                    str(figures[label]["n"]),
                )
            )
    rows.append(("explorer ÷ Datasette (html)", f"{e['median'] / d['html']['median']:.1f}×", "", ""))
    if "html" in plain:
        rows.append(
            ("explorer ÷ Datasette (html, suggest_facets off)", f"{e['median'] / plain['html']['median']:.1f}×", "", "")
        )
    table(rows)
    print(
        f"   {e['url']}: the explorer's page (50 rows, count up to 1,000); Datasette {d['html']['url']}: "
        f"{d['matches']:,} matches, 50 rows shown"
    )
