import io
import json

from django.core.management.base import BaseCommand, CommandError

from budget import export_rows, exporter, selectors


class Command(BaseCommand):
    help = (
        "导出绩效目标表: json(公开数据格式)、csv/xlsx(每行一个指标)、table / table-xlsx(原表版式的文本或 Excel,"
        "可再导入)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--department")
        parser.add_argument("--format", choices=["json", "csv", "xlsx", "table", "table-xlsx"], default="json")
        parser.add_argument("--output", help="输出文件路径;省略时写到标准输出(xlsx 必须指定)")
        parser.add_argument(
            "--kind",
            choices=["project-targets", "department-targets"],
            help="table 格式:项目支出表或部门整体支出表(同一部门同一年度两种都有时指定)",
        )

    def handle(self, *args, year=None, department=None, format="json", output=None, kind=None, **options):
        if format in ("xlsx", "table-xlsx") and not output:
            raise CommandError(f"{format} 是二进制格式,请用 --output 指定文件")
        if format == "xlsx":
            export_rows.write_xlsx(export_rows.indicator_rows(year=year, department=department), output)
            return
        if format == "table-xlsx":
            exporter.write_table_xlsx(self.one_table(year, department, kind), output)
            return
        buffer = io.StringIO()
        if format == "json":
            json.dump(exporter.json_document(year=year, department=department), buffer, ensure_ascii=False, indent=2)
            buffer.write("\n")
        elif format == "csv":
            export_rows.write_csv(export_rows.indicator_rows(year=year, department=department), buffer)
        else:
            buffer.write(exporter.table_text(self.one_table(year, department, kind)))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(buffer.getvalue())
        else:
            self.stdout.write(buffer.getvalue(), ending="")

    def one_table(self, year, department, kind):
        tables = selectors.tables_for_export(year=year, department=department, kind=kind)
        if len(tables) != 1:
            raise CommandError(
                f"原表版式一次导出一张表,当前条件匹配 {len(tables)} 张;请用 --year 和 --department(以及 --kind)指定"
            )
        return tables[0]
