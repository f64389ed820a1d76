import sys

from budget.importer import import_table
from budget.management.importing import FileImportCommand


class Command(FileImportCommand):
    help = "导入项目支出绩效目标表 (PDF/DOCX/XLSX/XLS/CSV/TSV, 两种版式)。每个文件全部校验通过才写入。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将发生的变化,不写入")
        parser.add_argument("--lenient", action="store_true", help="金额勾稽不平时仍导入,并把差额记为数据质量提示")

    def import_one(self, path, *, year=None, department=None, dry_run=False, lenient=False, **options):
        return import_table(path, filename=path.name, year=year, department=department, lenient=lenient,
                            dry_run=dry_run, progress=self.progress if sys.stderr.isatty() else None)

    def report(self, result, *, dry_run=False, **options):
        self.stdout.write(("[试运行,未写入] " if dry_run else "") + result.summary())
        if result.unchanged:
            return
        for label, names in (("新增", result.added), ("修改", result.changed), ("删除", result.removed)):
            if names:
                self.stdout.write(f"  {label}: " + "、".join(names[:20]) + (" …" if len(names) > 20 else ""))

    def progress(self, row):
        self.stderr.write(f"\r  已读取 {row} 行…", ending="")
        self.stderr.flush()
