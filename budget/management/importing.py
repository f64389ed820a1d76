"""What import_targets and import_actuals share: every file validated, every error listed,
no traceback, a non-zero exit when any file failed."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from budget.importing import lookups
from budget.importing.problems import ImportFailed


class Batch:
    """The files of one command written in transactions that commit every `seconds` (None: a transaction per
    file, as each import opens its own). Each file's import is a savepoint inside, so one file failing leaves
    the others; a commit per 50-project file (its WAL flush, the data version's bump) was a large part of a
    province's batch (make bench). What was written is reported once its transaction has committed."""

    def __init__(self, seconds: float | None, report):
        self.seconds, self.report = seconds, report
        self.atomic, self.opened, self.pending = None, 0.0, []

    def begin(self):
        if self.seconds and self.atomic is None:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.opened = time.monotonic()

    def written(self, result):
        self.pending.append(result)
        if self.atomic is None or time.monotonic() - self.opened >= self.seconds:
            self.commit()

    def commit(self):
        atomic, self.atomic = self.atomic, None
        if atomic is not None:
            atomic.__exit__(None, None, None)
        pending, self.pending = self.pending, []
        for result in pending:
            self.report(result)

    def abort(self, error: BaseException):
        """An unexpected error: the open transaction's files are rolled back, and not reported as written."""
        atomic, self.atomic, self.pending = self.atomic, None, []
        if atomic is not None:
            atomic.__exit__(type(error), error, error.__traceback__)


class FileImportCommand(BaseCommand):
    # As migrate does: the checks (URLs, admin, templates) say nothing about a data file, and loading
    # what they inspect is a tenth of a second on every run of a script importing many files.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--year", type=int, help="预算年度,当表题中没有年份时使用")
        parser.add_argument("--department", help="部门名称,当表中没有「部门名称」行时使用")

    def import_one(self, path: Path, **options):
        raise NotImplementedError

    def finish(self, **options) -> list:
        """Results of what import_one held back, once every file has been read."""
        return []

    def report(self, result, **options):
        self.stdout.write(result.summary())

    progress_shown = False

    def clear_progress(self):
        """The progress line (a terminal's only) is erased before what is said about the file."""
        if self.progress_shown:
            self.stderr.write("\r\033[K", ending="")
            self.progress_shown = False

    commit_every: float | None = None  # seconds; see Batch

    def handle(self, *args, paths=(), **options):
        batch = Batch(self.commit_every, lambda result: self.report(result, **options))
        try:
            with lookups.shared():  # sources and categories read once for all the files
                failures = self.import_all(batch, [Path(p) for p in paths], options)
        except BaseException as error:
            batch.abort(error)
            raise
        batch.commit()
        if failures:
            raise CommandError(f"{failures} 个文件未能导入")

    def import_all(self, batch: Batch, paths: list[Path], options) -> int:
        failures = 0
        self.batch = (0, len(paths))
        for index, path in enumerate(paths, 1):
            self.batch = (index, len(paths))
            if not path.is_file():
                self.stderr.write(f"{path}: 文件不存在")
                failures += 1
                continue
            batch.begin()
            try:
                result = self.import_one(path, **options)
            except ImportFailed as failed:
                self.clear_progress()
                failures += 1
                self.stderr.write(f"{path.name}: 导入失败,共{len(failed.problems)}处问题,未写入任何数据:")
                for problem in failed.problems:
                    self.stderr.write(f"  {problem}")
                continue
            self.clear_progress()
            if result is not None:  # None: held back to be written with the files after it (finish)
                batch.written(result)
        batch.begin()
        for result in self.finish(**options):
            batch.written(result)
        return failures
