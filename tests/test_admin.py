from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budget.models import BudgetTable, Indicator, Project, ProjectFunding
from tests.conftest import REFERENCE


@pytest.fixture
def staff(admin_client, reference_table):
    return admin_client


@pytest.mark.parametrize("model", ["department", "budgettable", "fundingunit", "project", "indicator", "flag",
                                   "level1category", "level2category", "fundingsource"])
def test_admin_list_pages_cost_a_bounded_number_of_queries(staff, django_assert_max_num_queries, model):
    with django_assert_max_num_queries(12):
        response = staff.get(reverse(f"admin:budget_{model}_changelist"))
    assert response.status_code == 200


def test_the_project_change_page_shows_funding_and_indicators_inline(staff, django_assert_max_num_queries):
    project = Project.objects.get(name="区长专线日常经费")
    with django_assert_max_num_queries(40):
        response = staff.get(reverse("admin:budget_project_change", args=[project.pk]))
    body = response.content.decode()
    assert "12345热线工单办结量" in body and "工单量≥120000宗" in body


def project_post_data(project, total, amounts):
    funding = list(project.funding.all())
    indicators = list(project.indicators.all())
    data = {
        "table": project.table_id, "unit": project.unit_id, "position": project.position, "name": project.name,
        "code": "", "goal": project.goal, "total": total, "source_row": project.source_row or "",
        "indicators-TOTAL_FORMS": len(indicators), "indicators-INITIAL_FORMS": len(indicators),
        "indicators-MIN_NUM_FORMS": 0, "indicators-MAX_NUM_FORMS": 1000,
        # weights and self-evaluation of the same indicators, in their own section (budget/entry_admin.py)
        "indicator_results-TOTAL_FORMS": 0, "indicator_results-INITIAL_FORMS": 0,
        "indicator_results-MIN_NUM_FORMS": 0, "indicator_results-MAX_NUM_FORMS": 0,
    }
    for f in funding:  # one amount per source, in one row of the form (budget/funding_entry.py)
        data[f"funding_{f.source_id}"] = amounts.get(f.source.name, f.amount)
    for i, ind in enumerate(indicators):
        for field in ("position", "seq", "name", "library_code", "period_value", "annual_value", "comparator",
                      "target_value", "target_unit", "weight", "actual_value", "actual_points", "deviation_reason"):
            value = getattr(ind, field)
            data[f"indicators-{i}-{field}"] = "" if value is None else value
        data.update({f"indicators-{i}-id": ind.pk, f"indicators-{i}-project": project.pk,
                     f"indicators-{i}-level2": ind.level2_id})
    return data


def test_the_admin_refuses_a_project_whose_amounts_do_not_reconcile(staff):
    project = Project.objects.get(name="区长专线日常经费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    response = staff.post(url, project_post_data(project, "1.50", {}))
    assert response.status_code == 200
    assert "总计 1.50 与各资金来源之和 1.00 不一致,相差 0.50 万元" in response.content.decode()
    project.refresh_from_db()
    assert project.total == Decimal("1.00")


def test_the_admin_saves_a_project_whose_amounts_reconcile(staff):
    project = Project.objects.get(name="区长专线日常经费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    response = staff.post(url, project_post_data(project, "1.50", {"财政拨款": "1.20", "其他资金": "0.30"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    amounts = dict(ProjectFunding.objects.filter(project=project).values_list("source__name", "amount"))
    assert amounts == {"财政拨款": Decimal("1.2"), "财政专户拨款": Decimal("0"), "其他资金": Decimal("0.3")}


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get(reverse("admin:budget_import"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_import_page_previews_then_imports_on_confirmation(admin_client):
    upload = SimpleUploadedFile(REFERENCE.name, REFERENCE.read_bytes())
    response = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    body = response.content.decode()
    assert "广州市花都区政务服务和数据管理局 2021年 单位1个 项目13个 指标63个 提示1条" in body
    assert "办证大厅窗口服务经费" in body and BudgetTable.objects.count() == 0
    token = response.context["token"]
    response = admin_client.post(reverse("admin:budget_import"), {"token": token})
    assert response.status_code == 302
    assert Indicator.objects.count() == 63
    assert BudgetTable.objects.get().imported_by.username == "admin"


def test_the_import_page_lists_every_problem_and_writes_nothing(admin_client):
    bad = REFERENCE.read_text(encoding="utf-8").replace("199.00\t199.00", "199.00\tabc")
    upload = SimpleUploadedFile("bad.txt", bad.encode("gb18030"))
    response = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    assert "bad.txt 第12行 「财政拨款」列: 值“abc”不是有效的金额" in response.content.decode()
    assert BudgetTable.objects.count() == 0


def test_the_import_page_refuses_an_upload_over_the_size_cap(admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    upload = SimpleUploadedFile(REFERENCE.name, REFERENCE.read_bytes())
    response = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    assert "文件过大" in response.content.decode()
    assert BudgetTable.objects.count() == 0


def test_the_form_names_each_amount_that_disagrees(staff):
    project = Project.objects.get(name="区长专线日常经费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    body = staff.post(url, project_post_data(project, "4.00", {"财政拨款": "3.00", "其他资金": "0.50"})).content.decode()
    assert "总计 4.00 与各资金来源之和 3.50 不一致,相差 0.50 万元" in body
    assert "各资金来源:财政拨款 3.00、财政专户拨款 0.00、其他资金 0.50" in body


def test_an_admin_edit_moves_the_unit_and_table_totals_and_the_export_imports_back_unchanged(staff, tmp_path, client):
    from django.core.management import call_command

    from budget.importing.importer import import_table
    from budget.models import FundingUnit

    project = Project.objects.get(name="区长专线日常经费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    response = staff.post(url, project_post_data(project, "4.00", {"财政拨款": "4.00"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    # The reference table: 合计 and the unit's subtotal 2,616.61; this project 1.00 → 4.00.
    assert FundingUnit.objects.get().total == Decimal("2619.61")
    table = BudgetTable.objects.get()
    assert table.total == Decimal("2619.61")
    assert table.history.latest().total == Decimal("2619.61")  # the change is in the table's history
    page = client.get(reverse("budget:department", args=[table.department_id, 2021])).content.decode()
    assert "2,619.61" in page and "2,616.61" not in page
    from tests.test_importer import document

    edited = document(rows=False)
    exported = tmp_path / "export.txt"
    call_command("export_targets", "--year", "2021", "--format", "table", "--output", str(exported))
    result = import_table(exported, year=2021)
    assert (result.added, result.changed, result.removed) == ([], [], [])
    assert document(rows=False) == edited  # the same data, provenance and source rows aside
    assert Project.objects.get(pk=project.pk).total == Decimal("4.00")
    assert BudgetTable.objects.get().total == Decimal("2619.61")


def test_deleting_a_project_in_the_admin_moves_the_totals(staff):
    from budget.models import FundingUnit

    project = Project.objects.get(name="政务大厅便民改造")
    response = staff.post(reverse("admin:budget_project_delete", args=[project.pk]), {"post": "yes"})
    assert response.status_code == 302
    # 2,616.61 − 30.00
    assert FundingUnit.objects.get().total == Decimal("2586.61")
    assert BudgetTable.objects.get().total == Decimal("2586.61")


def test_adding_a_project_in_the_admin_moves_the_totals(staff):
    from budget.models import FundingSource, FundingUnit

    table, unit = BudgetTable.objects.get(), FundingUnit.objects.get()
    sources = list(FundingSource.objects.order_by("position"))
    data = {
        "table": table.pk, "unit": unit.pk, "position": 99, "name": "新增的项目", "code": "", "goal": "",
        "total": "5.00", "source_row": "",
        "indicators-TOTAL_FORMS": 0, "indicators-INITIAL_FORMS": 0, "indicators-MIN_NUM_FORMS": 0,
        "indicators-MAX_NUM_FORMS": 1000,
    }
    for i, source in enumerate(sources):
        data[f"funding_{source.pk}"] = "5.00" if i == 0 else "0"
    response = staff.post(reverse("admin:budget_project_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    # 2,616.61 + 5.00
    assert FundingUnit.objects.get().total == Decimal("2621.61")
    assert BudgetTable.objects.get().total == Decimal("2621.61")


def test_deleting_a_unit_in_the_admin_moves_the_table_total(staff):
    from budget.models import FundingUnit

    unit = FundingUnit.objects.get()
    response = staff.post(reverse("admin:budget_fundingunit_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert BudgetTable.objects.get().total == Decimal("0") and not Project.objects.exists()
