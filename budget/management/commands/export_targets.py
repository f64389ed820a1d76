import io
import json

from django.core.management.base import BaseCommand, CommandError

from budget import exporter, selectors


class Command(BaseCommand):
    help = "导出绩效目标表: json(公开数据格式)、csv/xlsx(每行一个指标)、table(原表版式,可再导入)"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--department")
        parser.add_argument("--format", choices=["json", "csv", "xlsx", "table"], default="json")
        parser.add_argument("--output", help="输出文件路径;省略时写到标准输出(xlsx 必须指定)")
        parser.add_argument("--kind", choices=["project-targets", "department-targets"],
                            help="table 格式:项目支出表或部门整体支出表(同一部门同一年度两种都有时指定)")

    def handle(self, *args, year=None, department=None, format="json", output=None, kind=None, **options):
        if format == "xlsx":
            if not output:
                raise CommandError("xlsx 是二进制格式,请用 --output 指定文件")
            exporter.write_xlsx(exporter.indicator_rows(year=year, department=department), output)
            return
        buffer = io.StringIO()
        if format == "json":
            json.dump(exporter.json_document(year=year, department=department), buffer, ensure_ascii=False, indent=2)
            buffer.write("\n")
        elif format == "csv":
            exporter.write_csv(exporter.indicator_rows(year=year, department=department), buffer)
        else:
            tables = selectors.tables_for_export(year=year, department=department, kind=kind)
            if len(tables) != 1:
                raise CommandError(f"table 格式一次导出一张表,当前条件匹配 {len(tables)} 张;"
                                   "请用 --year 和 --department(以及 --kind)指定")
            buffer.write(exporter.table_text(tables[0]))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(buffer.getvalue())
        else:
            self.stdout.write(buffer.getvalue(), ending="")
