from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from budget.models import BudgetTable, Department, FundingSource, FundingUnit, Project, ProjectFunding


@pytest.fixture
def project(db):
    table = BudgetTable.objects.create(department=Department.objects.create(name="测试局"), year=2024)
    unit = FundingUnit.objects.create(table=table, position=0, name="测试局")
    return Project.objects.create(table=table, unit=unit, position=0, name="项目甲", total=Decimal("10"))


def test_the_database_refuses_a_negative_amount(project):
    source = FundingSource.objects.get(name="财政拨款")
    with pytest.raises(IntegrityError, match="funding_amount_not_negative"), transaction.atomic():
        ProjectFunding.objects.create(project=project, source=source, amount=Decimal("-1"))


def test_the_database_refuses_a_negative_project_total(project):
    project.total = Decimal("-0.01")
    with pytest.raises(IntegrityError, match="project_total_not_negative"), transaction.atomic():
        project.save()


def test_the_database_refuses_a_second_table_for_the_same_department_and_year(project):
    with pytest.raises(IntegrityError, match="one_table_per_department_year"), transaction.atomic():
        BudgetTable.objects.create(department=project.table.department, year=2024)


def test_the_standard_funding_sources_and_categories_are_there_from_the_start(db):
    from budget.models import Level2Category

    assert list(FundingSource.objects.values_list("name", flat=True)) == ["财政拨款", "财政专户拨款", "其他资金"]
    assert Level2Category.objects.filter(level1__name="产出指标", name="数量指标", code="11").exists()
