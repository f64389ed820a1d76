"""Each table and project names its own page (get_absolute_url): the public pages, tables and the admin's
"view on site" all link there."""

import re
from decimal import Decimal

from django.urls import reverse

from budget.models import BudgetTable, Department, Project


def test_a_project_table_and_a_project_link_to_their_pages(client, reference_table):
    project = Project.objects.get(name="区长专线日常经费")
    table_page = client.get(reference_table.get_absolute_url()).content.decode()
    assert "<h1>广州市花都区政务服务和数据管理局" in table_page and "2021" in table_page
    assert f'<a href="{project.get_absolute_url()}">区长专线日常经费</a>' in table_page
    project_page = client.get(project.get_absolute_url()).content.decode()
    assert "区长专线日常经费" in project_page
    # The project page leads back to its table's page.
    assert f'<a href="{reference_table.get_absolute_url()}">广州市花都区政务服务和数据管理局 2021</a>' in project_page


def test_a_department_wide_table_links_to_its_departments_page_of_that_year(client, db):
    department = Department.objects.create(name="只公开整体目标的部门")
    table = BudgetTable.objects.create(department=department, year=2023, kind=BudgetTable.Kind.DEPARTMENT_TARGETS,
                                       total=Decimal("12.5"))
    page = client.get(table.get_absolute_url()).content.decode()
    assert "部门整体支出绩效目标" in page and "12.50 万元" in page


def test_the_admin_offers_each_table_and_project_on_the_site(admin_client, client, reference_table):
    project = Project.objects.get(name="区长专线日常经费")
    for obj, page, name in [(reference_table, "budget_budgettable_change", "广州市花都区政务服务和数据管理局"),
                            (project, "budget_project_change", "区长专线日常经费")]:
        change = admin_client.get(reverse(f"admin:{page}", args=[obj.pk])).content.decode()
        link = re.search(r'<a href="([^"]+)" class="viewsitelink">在站点上查看</a>', change).group(1)
        shown = admin_client.get(link, follow=True)
        assert shown.redirect_chain[-1][0].endswith(obj.get_absolute_url())
        assert name in shown.content.decode()
