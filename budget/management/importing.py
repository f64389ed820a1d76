"""What import_targets and import_actuals share: every file validated, every error listed,
no traceback, a non-zero exit when any file failed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.importing.problems import ImportFailed


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

    def handle(self, *args, paths=(), **options):
        failures = 0
        self.batch = (0, len(paths))
        for index, path in enumerate(map(Path, paths), 1):
            self.batch = (index, len(paths))
            if not path.is_file():
                self.stderr.write(f"{path}: 文件不存在")
                failures += 1
                continue
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
                self.report(result, **options)
        for result in self.finish(**options):
            self.report(result, **options)
        if failures:
            raise CommandError(f"{failures} 个文件未能导入")
