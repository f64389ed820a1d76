from budget.importing.actuals import import_actuals
from budget.management.importing import FileImportCommand


class Command(FileImportCommand):
    help = "导入绩效自评数据(实际完成值、偏差原因、得分、全年执行数),CSV 或 XLSX。每个文件全部校验通过才写入。"

    def import_one(self, path, *, year=None, department=None, **options):
        return import_actuals(path, filename=path.name, year=year, department=department)
