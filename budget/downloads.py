"""A department's table as a download, built once per data version and kept on disk.

A 20,000-project table takes seconds to write in any format; built for every request, a few anonymous
clients could keep every server process busy. So each file is written once per data version into
var/exports (under a lock, so that simultaneous requests wait for one build rather than start several),
streamed from disk to every client after that, and removed when a newer version of it is written.
"""

import fcntl
import io
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

from budget import export_rows, exporter, selectors

FORMATS = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
}


def export_dir() -> Path:
    # Per database: the development and the test database share var/ and may have the same ids and versions.
    folder = Path(settings.EXPORT_DIR) / connection.settings_dict["NAME"]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def table_file(table, fmt: str, version: str, *, opinions: bool = False) -> Path:
    """The kept file of `table` (a BudgetTable with its department) in `fmt` for this data version; the JSON
    with the review opinions (for the bureau and the department) is a file of its own."""
    stem = f"{table.pk}-{fmt}" + ("-opinions" if opinions and fmt == "json" else "")
    return kept_file(stem, version, lambda out: _write(table, fmt, out, opinions))


def kept_file(stem: str, version: str, write, folder: Path | None = None) -> Path:
    """The file `write(out)` writes, kept for this data version: written under a lock by the first request that
    asks (the others wait for it rather than write it again), and the older version's file removed."""
    folder = folder or export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.{version}"
    if path.exists():
        return path
    with open(folder / f"{stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / f"{stem}.{os.getpid()}.partial"
            with open(partial, "wb") as out:
                write(out)
            os.replace(partial, path)
            for old in folder.glob(f"{stem}.*"):
                if old != path and old.suffix not in (".lock", ".partial"):
                    old.unlink(missing_ok=True)
    return path


def _write(table, fmt: str, out, opinions: bool) -> None:
    year, department = table.year, table.department.name
    if fmt == "xlsx":
        export_rows.write_xlsx(export_rows.indicator_rows(year=year, department=department), out)
        return
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    if fmt == "csv":
        export_rows.write_csv(export_rows.indicator_rows(year=year, department=department), text)
    elif fmt == "json":
        text.writelines(exporter.json_stream(year=year, department=department, opinions=opinions))
    else:
        (bare,) = selectors.export_tables(year=year, department=department, kind=table.kind)
        text.writelines(exporter.text_stream(bare))
    text.flush()
    text.detach()
