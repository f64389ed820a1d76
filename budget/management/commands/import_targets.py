from budget.importing import writer
from budget.importing.form_tables import merge_forms
from budget.importing.importer import cyclic_gc_paused, parse_table
from budget.management.importing import FileImportCommand


class Command(FileImportCommand):
    help = (
        "导入项目支出绩效目标表 (PDF/DOCX/XLSX/XLS/CSV/TSV:每行一个项目、每行一个指标、每个项目一张表单) "
        "和部门整体支出绩效目标表。每个文件全部校验通过才写入;同一部门同一年度的多个表单文件合为一张表。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将发生的变化,不写入")
        parser.add_argument("--lenient", action="store_true", help="金额勾稽不平时仍导入,并把差额记为数据质量提示")

    commit_every = 1.0  # a batch commits once a second (budget/management/importing.py, Batch)

    def import_one(self, path, *, year=None, department=None, dry_run=False, lenient=False, **options):
        """Tables are written file by file; single-project forms wait for the other files, since the forms of
        one department and year in one run make one table (a second file must not replace the first)."""
        terminal = self.stderr.isatty()  # progress on a terminal only: a log or a pipe gets the summaries alone
        if terminal:
            self.progress(0)  # a batch's small files read fewer rows than the reader reports progress at
        with cyclic_gc_paused():
            parsed = parse_table(
                path,
                filename=path.name,
                year=year,
                department=department,
                lenient=lenient,
                progress=self.progress if terminal else None,
            )
            if parsed.layout == "single-project-form":
                self.held.append(parsed)
                return None
            return writer.write(parsed, dry_run=dry_run)

    def finish(self, *, dry_run=False, **options):
        return [writer.write(parsed, dry_run=dry_run) for parsed in merge_forms(self.held)]

    def handle(self, *args, **options):
        self.held = []
        super().handle(*args, **options)

    def report(self, result, *, dry_run=False, **options):
        self.stdout.write(("[试运行,未写入] " if dry_run else "") + result.summary())
        if result.unchanged:
            return
        for label, names in (("新增", result.added), ("修改", result.changed), ("删除", result.removed)):
            if names:
                self.stdout.write(f"  {label}: " + "、".join(names[:20]) + (" …" if len(names) > 20 else ""))

    def progress(self, row):
        # On a terminal only (import_one): a batch shows which file of how many, then the rows read.
        index, total = self.batch
        self.stderr.write(
            f"\r  {index}/{total} 个文件, 已读取 {row} 行…" if total > 1 else f"\r  已读取 {row} 行…", ending=""
        )
        self.stderr.flush()
        self.progress_shown = True
