import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from budget.importing.importer import import_table
from budget.models import BudgetTable

REFERENCE = Path(settings.BASE_DIR) / "fixtures" / "huadu-zwfw-project-targets.txt"
# The reference table states no year; 2021 is an assumption (its projects are the 2021 budget's).
REFERENCE_YEAR = 2021


class Command(BaseCommand):
    help = "首次运行: 导入示例表(花都区政数局),创建本地管理员并打印登录方式"

    def handle(self, *args, **options):
        if not BudgetTable.objects.exists():
            result = import_table(REFERENCE, filename=REFERENCE.name, year=REFERENCE_YEAR)
            self.stdout.write("已导入示例数据: " + result.summary())
        User = get_user_model()
        password_file = Path(settings.BASE_DIR) / "var" / "admin-password.txt"
        if not User.objects.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "", password)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
        password = password_file.read_text().strip() if password_file.exists() else "(已修改,见 createsuperuser)"
        self.stdout.write(
            f"浏览: http://127.0.0.1:8000/   管理后台: http://127.0.0.1:8000/admin/  用户 admin  密码 {password}"
        )
