from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.actuals import import_actuals
from budget.problems import ImportFailed


class Command(BaseCommand):
    help = (
        "导入绩效自评数据(实际完成值、偏差原因、得分、全年执行数),CSV 或 XLSX。"
        "每个文件全部校验通过才写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--year", type=int, help="预算年度,当表题中没有年份时使用")
        parser.add_argument("--department", help="部门名称,当表中没有「部门名称」行时使用")

    def handle(self, *args, paths=(), year=None, department=None, **options):
        failures = 0
        for path in paths:
            if not Path(path).is_file():
                self.stderr.write(f"{path}: 文件不存在")
                failures += 1
                continue
            try:
                result = import_actuals(Path(path), filename=Path(path).name, year=year, department=department)
            except ImportFailed as failed:
                failures += 1
                self.stderr.write(f"{Path(path).name}: 导入失败,共{len(failed.problems)}处问题,未写入任何数据:")
                for problem in failed.problems:
                    self.stderr.write(f"  {problem}")
                continue
            self.stdout.write(result.summary())
        if failures:
            raise CommandError(f"{failures} 个文件未能导入")
