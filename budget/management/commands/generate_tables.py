from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget import generate


class Command(BaseCommand):
    help = "生成逼真的测试数据: 写出N个项目的表格文件(两种版式),或向数据库填充整套部门×年度的数据。"

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="写出表格文件的路径(UTF-8制表符分隔文本)")
        parser.add_argument("--projects", type=int, default=20000, help="表格文件中的项目数")
        parser.add_argument("--layout", choices=["project-per-row", "indicator-per-row"], default="project-per-row")
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument("--seed", default="0", help="相同的种子生成完全相同的数据")
        parser.add_argument("--database", action="store_true", help="向当前数据库导入 部门数×年度数 张表")
        parser.add_argument("--departments", type=int, default=2000)
        parser.add_argument("--years", type=int, nargs="+", default=[2022, 2023, 2024])

    def handle(
        self,
        *args,
        out=None,
        projects=20000,
        layout="project-per-row",
        year=2024,
        seed="0",
        database=False,
        departments=2000,
        years=(),
        **options,
    ):
        if database == bool(out):
            raise CommandError("请指定 --out 文件路径 或 --database 之一")
        if out:
            table = generate.table(projects=projects, seed=seed, year=year, layout=layout)
            with open(out, "wb") as handle:
                generate.write(table, handle)
            counts = table.expected()
            self.stdout.write(
                f"{out}: {table.department} {year}年 单位{counts['units']}个 项目{counts['projects']}个 "
                f"指标{counts['indicators']}个"
            )
            return
        total = departments * len(years)
        try:
            done = generate.populate(
                departments=departments,
                years=years,
                seed=seed,
                progress=lambda n: self.stderr.write(f"\r  已导入 {n}/{total} 张表", ending=""),
            )
        except generate.RealDepartment as refused:
            raise CommandError(str(refused)) from None
        self.stderr.write("")
        self.stdout.write(f"已导入 {done} 张表 ({departments} 个部门 × {len(years)} 个年度)")
