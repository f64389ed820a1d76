import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.importer import import_table
from budget.problems import ImportFailed


class Command(BaseCommand):
    help = "导入项目支出绩效目标表 (TSV/CSV/XLSX, 两种版式)。每个文件全部校验通过才写入。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--year", type=int, help="预算年度,当表题中没有年份时使用")
        parser.add_argument("--department", help="部门名称,当表中没有「部门名称」行时使用")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将发生的变化,不写入")
        parser.add_argument("--lenient", action="store_true", help="金额勾稽不平时仍导入,并把差额记为数据质量提示")

    def handle(self, *args, paths=(), year=None, department=None, dry_run=False, lenient=False, **options):
        failures = 0
        progress = self.progress if sys.stderr.isatty() else None
        for path in paths:
            if not Path(path).is_file():
                self.stderr.write(f"{path}: 文件不存在")
                failures += 1
                continue
            try:
                result = import_table(Path(path), filename=Path(path).name, year=year, department=department,
                                      lenient=lenient, dry_run=dry_run, progress=progress)
            except ImportFailed as failed:
                failures += 1
                self.stderr.write(f"{Path(path).name}: 导入失败,共{len(failed.problems)}处问题,未写入任何数据:")
                for problem in failed.problems:
                    self.stderr.write(f"  {problem}")
                continue
            prefix = "[试运行,未写入] " if dry_run else ""
            self.stdout.write(prefix + result.summary())
            for label, names in (("新增", result.added), ("修改", result.changed), ("删除", result.removed)):
                if names and not result.unchanged:
                    self.stdout.write(f"  {label}: " + "、".join(names[:20]) + (" …" if len(names) > 20 else ""))
        if failures:
            raise CommandError(f"{failures} 个文件未能导入")

    def progress(self, row):
        self.stderr.write(f"\r  已读取 {row} 行…", ending="")
        self.stderr.flush()
