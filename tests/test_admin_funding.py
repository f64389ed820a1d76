"""A project's funding in one row of its admin form (issue 20): 总计 and one amount per funding source, typed
as finance staff write them; the total follows its sources, the unit and table totals follow the project.

The reference table (fixtures/huadu-zwfw-project-targets.txt) gives 窗口工作人员服装费 总计 10.00 = 财政拨款
10.00 with 财政专户拨款 and 其他资金 empty (kept as 0), and the table 合计 2,616.61."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from budget.models import BudgetTable, FundingSource, FundingUnit, Project, ProjectFunding
from tests.test_admin_entry import change_page_data


@pytest.fixture
def clothing(reference_table):
    return Project.objects.get(name="窗口工作人员服装费")


def source(name) -> FundingSource:
    return FundingSource.objects.get(name=name)


def amounts(project) -> dict:
    return dict(ProjectFunding.objects.filter(project=project).values_list("source__name", "amount"))


def funding_row_html(body: str) -> str:
    start = body.index('<div class="form-row field-total')
    return body[start:body.index('<div class="form-row', start + 1)]


def test_the_total_and_every_source_share_one_row_of_the_form(admin_client, clothing):
    FundingSource.objects.create(name="上级补助", position=9)  # a source a later table brought in
    body = admin_client.get(reverse("admin:budget_project_change", args=[clothing.pk])).content.decode()
    row = funding_row_html(body)
    labels = re.findall(r'<label[^>]*for="id_(\w+)"[^>]*>([^<]+)</label>', row)
    assert [text.rstrip(":: ") for _, text in labels] == ["总计(万元)", "财政拨款", "财政专户拨款", "其他资金", "上级补助"]
    assert re.search(r'<input[^>]*name="total"[^>]*value="10.00"[^>]*readonly', row)
    assert f'name="funding_{source("财政拨款").pk}" value="10.00"' in row
    assert "funding-TOTAL_FORMS" not in body  # no inline of funding rows beside it


@pytest.mark.parametrize("typed", ["1,234.50", "1234.50", "1234.5万", "1,234.50万元"])
def test_a_source_typed_as_finance_staff_write_it_moves_the_project_unit_and_table_totals(
        admin_client, clothing, typed):
    clothing.fingerprint = "0" * 32
    clothing.save(update_fields=["fingerprint"])
    url = reverse("admin:budget_project_change", args=[clothing.pk])
    data = change_page_data(clothing, **{f"funding_{source('其他资金').pk}": typed})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    clothing.refresh_from_db()
    assert clothing.total == Decimal("1244.50")  # 10.00 + 1,234.50: the total follows its sources
    assert amounts(clothing) == {"财政拨款": Decimal("10"), "财政专户拨款": Decimal("0"), "其他资金": Decimal("1234.5")}
    assert clothing.fingerprint == ""  # an edited project is compared by its rows at the next import
    assert FundingUnit.objects.get().total == Decimal("3851.11")  # 2,616.61 + 1,234.50
    assert BudgetTable.objects.get().total == Decimal("3851.11")
    row = funding_row_html(admin_client.get(url).content.decode())
    assert f'name="funding_{source("其他资金").pk}" value="1,234.50"' in row
    assert re.search(r'name="total"[^>]*value="1,244.50"', row)


def test_an_emptied_source_loses_its_row_and_the_total_follows(admin_client, clothing):
    url = reverse("admin:budget_project_change", args=[clothing.pk])
    data = change_page_data(clothing, **{f"funding_{source('财政拨款').pk}": "",
                                         f"funding_{source('财政专户拨款').pk}": "10.00"})
    assert admin_client.post(url, data).status_code == 302
    clothing.refresh_from_db()
    assert amounts(clothing) == {"财政专户拨款": Decimal("10"), "其他资金": Decimal("0")}
    assert clothing.total == Decimal("10")
    history = ProjectFunding.history.filter(project_id=clothing.pk, source__name="财政拨款")
    assert history.latest().history_type == "-"  # the removal is in the funding history


def test_a_typed_total_that_disagrees_with_its_sources_is_refused_with_each_amount(admin_client, clothing):
    url = reverse("admin:budget_project_change", args=[clothing.pk])
    data = change_page_data(clothing, total="12.00", **{f"funding_{source('其他资金').pk}": "1.5"})
    body = admin_client.post(url, data).content.decode()
    assert "总计 12.00 与各资金来源之和 11.50 不一致,相差 0.50 万元" in body
    assert "各资金来源:财政拨款 10.00、财政专户拨款 0.00、其他资金 1.50" in body
    clothing.refresh_from_db()
    assert (clothing.total, amounts(clothing)["其他资金"]) == (Decimal("10"), Decimal("0"))


def test_a_bad_amount_is_named_beside_its_source_and_nothing_is_saved(admin_client, clothing):
    url = reverse("admin:budget_project_change", args=[clothing.pk])
    other = source("其他资金").pk
    for typed, shown, message in [("-3", "-3.00", "确保该值大于或等于0。"), ("三万", "三万", "输入一个数字。")]:
        body = admin_client.post(url, change_page_data(clothing, **{f"funding_{other}": typed})).content.decode()
        assert f'<ul class="errorlist" id="id_funding_{other}_error"><li>{message}</li></ul>' in body
        assert f'name="funding_{other}" value="{shown}"' in body  # what the clerk typed, shown back
    assert amounts(clothing)["其他资金"] == Decimal("0")


def test_without_a_breakdown_by_source_the_total_is_typed(admin_client, clothing):
    BudgetTable.objects.update(has_source_breakdown=False)
    ProjectFunding.objects.filter(project=clothing).delete()
    url = reverse("admin:budget_project_change", args=[clothing.pk])
    body = admin_client.get(url).content.decode()
    assert not re.search(r'name="total"[^>]*readonly', body)
    assert admin_client.post(url, change_page_data(clothing, total="12.5万")).status_code == 302
    clothing.refresh_from_db()
    assert clothing.total == Decimal("12.5") and amounts(clothing) == {}


def test_a_new_project_gets_its_total_from_its_sources(admin_client, reference_table):
    unit = FundingUnit.objects.get()
    data = {"table": reference_table.pk, "unit": unit.pk, "position": 99, "name": "新增的项目", "total": "",
            f"funding_{source('财政拨款').pk}": "3.00", f"funding_{source('其他资金').pk}": "2,000.5",
            "indicators-TOTAL_FORMS": 0, "indicators-INITIAL_FORMS": 0}
    response = admin_client.post(reverse("admin:budget_project_add"), data)
    assert response.status_code == 302, re.findall(r'errorlist.*?</ul>', response.content.decode(), re.S)
    project = Project.objects.get(name="新增的项目")
    assert project.total == Decimal("2003.5")
    assert amounts(project) == {"财政拨款": Decimal("3"), "其他资金": Decimal("2000.5")}
    assert BudgetTable.objects.get().total == Decimal("4620.11")  # 2,616.61 + 2,003.50


def test_the_funding_row_speaks_english_on_an_english_admin(admin_client, clothing):
    admin_client.cookies["django_language"] = "en"
    body = admin_client.get(reverse("admin:budget_project_change", args=[clothing.pk]),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = funding_row_html(body)
    from django.utils import translation

    with translation.override("en"):
        expected = [translation.gettext(name) for name in ("财政拨款", "财政专户拨款", "其他资金")]
    assert all(f">{name}:</label>" in row for name in expected), row
    assert "财政拨款" not in row


def test_a_lenient_total_is_not_rewritten_by_an_edit_elsewhere_but_follows_a_corrected_source(
        admin_client, write_file):
    """A lenient import keeps 窗口工作人员服装费's 总计 12.00 over 财政拨款 10.00 (flagged): editing its goal is
    refused with the difference, as before; correcting 财政拨款 to 12.00 saves, the total agreeing."""
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    text = REFERENCE.read_text(encoding="utf-8").replace("窗口工作人员服装费\t10.00\t", "窗口工作人员服装费\t12.00\t")
    import_table(write_file("lenient.txt", text), filename="lenient.txt", year=2021, lenient=True)
    project = Project.objects.get(name="窗口工作人员服装费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    body = admin_client.post(url, change_page_data(project, goal="新的绩效目标")).content.decode()
    assert "总计 12.00 与各资金来源之和 10.00 不一致,相差 2.00 万元" in body
    project.refresh_from_db()
    assert (project.total, project.goal) == (Decimal("12"), "落实窗口人员规范管理,维护大厅整体服务形象,提升办事便利度,提高群众满意度。")
    data = change_page_data(project, goal="新的绩效目标", **{f"funding_{source('财政拨款').pk}": "12.00"})
    assert admin_client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert (project.total, project.goal, amounts(project)["财政拨款"]) == (Decimal("12"), "新的绩效目标", Decimal("12"))
