from budget.importing.monitoring_import import import_monitoring
from budget.management.importing import FileImportCommand


class Command(FileImportCommand):
    help = "导入绩效运行监控表(1-M月执行数、指标完成值、完成可能性、偏差原因),计算预警和信号灯。每个文件全部校验通过才写入。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--month", type=int, choices=range(1, 13), help="截至月份,当表题中没有「1-M月」时使用")
        parser.add_argument("--dry-run", action="store_true", help="只校验并显示结果,不写入")

    def import_one(self, path, *, year=None, month=None, department=None, dry_run=False, **options):
        return import_monitoring(
            path, filename=path.name, year=year, month=month, department=department, dry_run=dry_run
        )

    def report(self, result, **options):
        super().report(result, **options)
        for report in result.reports:
            codes = ", ".join(w["code"] + (f"({w['indicator']})" if w["indicator"] else "") for w in report.warnings)
            self.stdout.write(f"  {report.project.name}: {report.light} {codes}")
        if options.get("dry_run"):
            self.stdout.write("(--dry-run: 未写入)")
