import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.urls import reverse

from budget.importing.importer import import_table
from budget.models import BudgetTable, ImportLog, Project
from tests.conftest import REFERENCE

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 60 + "-test-only-key",
    "DJANGO_ALLOWED_HOSTS": "example.org",
}


def run(args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_three_production_variables():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_allowed_hosts():
    result = run(["manage.py", "check"], DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "DJANGO_DEBUG=false requires DJANGO_ALLOWED_HOSTS" in result.stderr


def test_pages_answer_a_friendly_503_when_the_database_is_down():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='budget.settings'; django.setup();"
        "from django.test import Client; r = Client(raise_request_exception=False).get('/', HTTP_HOST='example.org', secure=True);"
        "print(r.status_code); print(r.content.decode())"
    )
    result = run(["-c", code], DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing?connect_timeout=2", **PRODUCTION)
    assert result.stdout.startswith("503"), result.stdout + result.stderr
    assert "数据库暂时无法连接,请稍后再试" in result.stdout
    assert "Traceback" not in result.stdout


def test_anonymous_visitors_are_redirected_when_public_reading_is_off(client, db, settings):
    settings.PUBLIC_READ = False
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=/")


def test_anonymous_admin_requests_redirect_to_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/admin/"


def test_every_import_is_logged_with_what_it_changed(reference_table):
    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    first, second = ImportLog.objects.order_by("imported_at")
    assert len(first.added) == 13 and not first.unchanged
    assert second.unchanged and second.added == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_of_the_same_department_and_year_leave_one_table():
    errors = []

    def work():
        from django.db import connection

        try:
            import_table(REFERENCE, filename=REFERENCE.name, year=2021)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert BudgetTable.objects.count() == 1 and Project.objects.count() == 13


def test_csv_export_makes_formula_triggers_inert(db, write_file, client):
    from budget import export_rows

    text = REFERENCE.read_text(encoding="utf-8").replace(
        "办证大厅窗口服务经费", '=HYPERLINK("http://evil.example","点我")'
    )
    import_table(write_file("evil.txt", text), filename="evil.txt", year=2021)
    import io

    out = io.StringIO()
    export_rows.write_csv(export_rows.indicator_rows(), out)
    assert '\'=HYPERLINK(""http://evil.example"",""点我"")' in out.getvalue()
    assert ",=HYPERLINK" not in out.getvalue()


def test_xlsx_export_makes_formula_triggers_inert(db, write_file, tmp_path):
    from openpyxl import load_workbook

    from budget import export_rows

    text = REFERENCE.read_text(encoding="utf-8").replace("办证大厅窗口服务经费", "=1+1").replace("工作天数", "@SUM(A1)")
    import_table(write_file("evil.txt", text), filename="evil.txt", year=2021)
    path = tmp_path / "out.xlsx"
    export_rows.write_xlsx(export_rows.indicator_rows(), path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][3] == "'=1+1" and rows[1][12] == "'@SUM(A1)"
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "@"))) for row in rows for v in row)


def test_the_import_page_needs_a_csrf_token(db, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("boss", "", "pw-12345678")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("admin:budget_import"), {"year": "2021"})
    assert response.status_code == 403


# -- roles: an editor reaches only the departments they belong to -----------------------


@pytest.fixture
def two_departments(reference_table, write_file):
    text = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 某区教育局"
    )
    import_table(write_file("edu.txt", text), filename="edu.txt", year=2021)
    return reference_table, BudgetTable.objects.get(department__name="某区教育局")


@pytest.fixture
def editor_client(two_departments, django_user_model, client):
    from django.contrib.auth.models import Group

    from budget.apps import EDITORS, ensure_groups

    ensure_groups(None)
    user = django_user_model.objects.create_user("clerk", password="pw-12345678", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    two_departments[0].department.editors.add(user)
    client.force_login(user)
    return client


def other_objects(table):
    project = table.projects.first()
    return {
        "budgettable": table.pk,
        "department": table.department_id,
        "fundingunit": table.units.first().pk,
        "project": project.pk,
        "indicator": project.indicators.first().pk,
    }


@pytest.mark.parametrize("model", ["budgettable", "department", "fundingunit", "project", "indicator"])
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_an_editor_cannot_reach_another_departments_objects(editor_client, two_departments, model, action):
    pk = other_objects(two_departments[1])[model]
    response = editor_client.get(reverse(f"admin:budget_{model}_{action}", args=[pk]))
    assert response.status_code in (302, 403, 404)
    assert "某区教育局" not in response.content.decode()


@pytest.mark.parametrize("model", ["budgettable", "department", "fundingunit", "project", "indicator"])
@pytest.mark.parametrize("action", ["change", "delete"])
def test_anonymous_visitors_cannot_reach_any_write_path(client, two_departments, model, action):
    pk = other_objects(two_departments[1])[model]
    response = client.post(reverse(f"admin:budget_{model}_{action}", args=[pk]), {"post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_editor_sees_only_their_own_departments_in_lists(editor_client):
    body = editor_client.get(reverse("admin:budget_project_changelist")).content.decode()
    assert "办证大厅窗口服务经费" in body and "某区教育局" not in body
    assert editor_client.get(reverse("admin:budget_budgettable_changelist")).context["cl"].result_count == 1


def test_an_editor_cannot_import_another_departments_table(editor_client, write_file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", "部门名称: 某区教育局"
    )
    upload = SimpleUploadedFile("edu.txt", text.encode())
    response = editor_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    assert "edu.txt: 值“某区教育局”不是您负责的部门,您只能导入本部门的数据" in response.content.decode()


def test_an_admin_edit_is_recorded_with_who_and_what(admin_client, reference_table):
    from budget.models import Indicator

    indicator = Indicator.objects.get(name="工作天数")
    indicator.save()  # imports write in bulk; the first admin save is the history's baseline
    indicator.annual_value = "正常工作每月天数21天"
    indicator.save()
    latest = indicator.history.first()
    assert latest.history_type == "~" and latest.annual_value == "正常工作每月天数21天"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("annual_value", "正常工作每月天数22天", "正常工作每月天数21天")
    ]
    response = admin_client.get(reverse("admin:budget_indicator_history", args=[indicator.pk]))
    assert response.status_code == 200 and "正常工作每月天数21天" in response.content.decode()
