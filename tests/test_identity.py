"""A project keeps its page, links, admin history and self-evaluation across editions of its table."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from budget import generate
from budget.evaluation import applying
from budget.importing.importer import import_table
from budget.models import BudgetTable, FundingUnit, ImportLog, Indicator, Project, RemovedProject
from tests.conftest import REFERENCE
from tests.test_admin import project_post_data

DEPARTMENT = "广州市花都区政务服务和数据管理局"
NEW_PROJECT = (
    "数据共享交换平台运维经费\t20.00\t20.00\t\t\t保障数据共享交换平台全年稳定运行。\t"
    "1.1-产出指标:11-数量指标:数据接口数量;实施周期指标值:50个;年度指标值:50个。"
    "2.3-满意度指标:31-服务对象满意度:使用部门满意度;实施周期指标值:≥90%;年度指标值:≥90%。"
)


def corrected_edition(write_file):
    """The reference table corrected: 区长专线日常经费 1.00 → 4.00, 政务大厅便民改造 (30.00) dropped, a 20.00
    project added after the last one; 合计 and the unit's subtotal 2,616.61 + 3 − 30 + 20 = 2,609.61."""
    lines = REFERENCE.read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        if line.startswith("政务大厅便民改造\t"):
            continue
        line = line.replace("区长专线日常经费\t1.00\t1.00\t", "区长专线日常经费\t4.00\t4.00\t")
        out.append(line.replace("2,616.61\t2,616.61", "2,609.61\t2,609.61"))
    last = max(i for i, line in enumerate(out) if line.startswith("窗口工作人员服装费\t"))
    out.insert(last + 1, NEW_PROJECT)
    return write_file("corrected.txt", "\n".join(out))


def project_links(client, table) -> list[str]:
    page = client.get(reverse("budget:department", args=[table.department_id, table.year])).content.decode()
    return sorted(set(re.findall(r'href="(/projects/\d+/)"', page)))


def test_every_link_of_a_kept_project_answers_with_it_after_a_corrected_edition(client, reference_table, write_file):
    links = project_links(client, reference_table)
    assert len(links) == 13
    names = {link: Project.objects.get(pk=int(link.split("/")[2])).name for link in links}
    stable = {
        name: reverse("budget:project_by_ref", args=[reference_table.department_id, 2021, name])
        for name in names.values()
    }
    result = import_table(corrected_edition(write_file), filename="corrected.txt", year=2021)
    assert (result.added, result.changed, result.removed) == (
        ["数据共享交换平台运维经费"],
        ["区长专线日常经费"],
        ["政务大厅便民改造"],
    )
    table = BudgetTable.objects.get()
    assert table.pk == reference_table.pk and table.total == Decimal("2609.61")
    for link, name in names.items():
        response = client.get(link)
        if name == "政务大厅便民改造":
            body = response.content.decode()
            assert response.status_code == 410
            assert "项目「政务大厅便民改造」(广州市花都区政务服务和数据管理局)已不在" in body
            assert "删除它的版本:corrected.txt" in body
            assert reverse("budget:department", args=[table.department_id, 2021]) in body
        else:
            assert response.status_code == 200, link
            assert f"<h1>{name}</h1>" in response.content.decode()
        by_path = client.get(stable[name])
        assert by_path.status_code == (410 if name == "政务大厅便民改造" else 200)
    assert Project.objects.get(name="区长专线日常经费").total == Decimal("4.00")
    new_links = set(project_links(client, table)) - set(links)
    assert [Project.objects.get(pk=int(link.split("/")[2])).name for link in new_links] == ["数据共享交换平台运维经费"]
    assert client.get("/projects/999999999/").status_code == 404  # never existed: a plain 404


def test_admin_history_and_self_evaluation_stay_with_the_project(admin_client, reference_table, write_file):
    project = Project.objects.get(name="区长专线日常经费")
    indicator = project.indicators.get(name="12345热线工单办结量")
    url = reverse("admin:budget_project_change", args=[project.pk])
    data = project_post_data(project, "1.00", {})
    data["goal"] = "经管理员修改的绩效目标"
    assert admin_client.post(url, data).status_code == 302
    Project.objects.filter(pk=project.pk).update(executed=Decimal("0.95"))
    Indicator.objects.filter(pk=indicator.pk).update(actual_value="125000宗", actual_points=Decimal("9"))

    result = import_table(corrected_edition(write_file), filename="corrected.txt", year=2021)

    assert result.kept_actuals == 2
    project.refresh_from_db()
    indicator.refresh_from_db()
    assert project.total == Decimal("4.00") and project.goal.startswith("绩效目标-完成12345热线")
    assert project.executed == Decimal("0.95")
    assert (indicator.actual_value, indicator.actual_points) == ("125000宗", Decimal("9"))
    history = admin_client.get(reverse("admin:budget_project_history", args=[project.pk]))
    assert history.status_code == 200
    assert [r.goal for r in history.context["page_obj"].object_list] == ["经管理员修改的绩效目标"]


def test_a_dropped_project_is_remembered_with_the_edition_that_removed_it(reference_table, write_file):
    dropped = Project.objects.get(name="政务大厅便民改造")
    import_table(corrected_edition(write_file), filename="corrected.txt", year=2021)
    gone = RemovedProject.objects.get()
    assert (gone.project_id, gone.name, gone.year, gone.ref) == (
        dropped.pk,
        "政务大厅便民改造",
        2021,
        "政务大厅便民改造",
    )
    assert gone.removed_by == ImportLog.objects.get(filename="corrected.txt")
    assert ImportLog.objects.get(filename="corrected.txt").removed == ["政务大厅便民改造"]


def small_table(projects, *, total=None) -> str:
    """A table in the reference layout: (name, amount in 万元 as written, indicator name) under one unit."""
    rows = [
        f"{name}\t{amount}\t{amount}\t\t\t{name}的绩效目标。\t1.1-产出指标:11-数量指标:{indicator};"
        f"实施周期指标值:10次;年度指标值:10次。"
        for name, amount, indicator in projects
    ]
    return "\n".join(
        [
            "项目支出绩效目标表",
            "部门名称: 测试区设备管理中心",
            "单位: 万元",
            "项目名称(资金使用单位)\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标",
            f"合计\t{total}\t{total}\t\t\t\t",
            f"测试区设备管理中心\t{total}\t{total}\t\t\t\t",
            *rows,
        ]
    )


def test_two_projects_of_one_name_keep_their_own_self_evaluation(client, db, write_file):
    first = write_file(
        "v1.txt",
        small_table([("设备维护经费", "10.00", "维护次数"), ("设备维护经费", "20.00", "巡检次数")], total="30.00"),
    )
    import_table(first, year=2022)
    one, two = Project.objects.order_by("position")
    Project.objects.filter(pk=one.pk).update(executed=Decimal("9"))
    Project.objects.filter(pk=two.pk).update(executed=Decimal("19"))
    Indicator.objects.filter(project=two).update(actual_value="12次")
    second = write_file(
        "v2.txt",
        small_table([("设备维护经费", "10.00", "维护次数"), ("设备维护经费", "25.00", "巡检次数")], total="35.00"),
    )
    result = import_table(second, year=2022)
    assert (result.added, result.changed, result.removed, result.kept_actuals) == ([], ["设备维护经费"], [], 3)
    assert list(Project.objects.order_by("position").values_list("pk", "total", "executed")) == [
        (one.pk, Decimal("10"), Decimal("9")),
        (two.pk, Decimal("25"), Decimal("19")),
    ]
    assert list(Indicator.objects.filter(project=two).values_list("name", "actual_value")) == [("巡检次数", "12次")]
    assert not Indicator.objects.filter(project=one).exclude(actual_value="").exists()
    table = BudgetTable.objects.get()
    page = client.get(reverse("budget:project_by_ref", args=[table.department_id, 2022, "设备维护经费~2"]))
    assert page.status_code == 200 and "25.00" in page.content.decode()
    assert (
        client.get(reverse("budget:project_by_ref", args=[table.department_id, 2022, "设备维护经费~3"])).status_code
        == 404
    )


def test_a_renamed_project_is_dropped_and_added_and_the_preview_says_so(admin_client, db, write_file):
    import_table(write_file("v1.txt", small_table([("设备维护经费", "10.00", "维护次数")], total="10.00")), year=2022)
    renamed = small_table([("设备运行维护经费", "10.00", "维护次数")], total="10.00").encode()
    page = admin_client.post(
        reverse("admin:budget_import"), {"file": SimpleUploadedFile("v2.txt", renamed), "year": "2022"}
    ).content.decode()
    assert "改名的项目不做推测:旧名称按删除、新名称按新增处理" in page
    result = import_table(write_file("v2.txt", renamed), year=2022)
    assert (result.added, result.removed) == (["设备运行维护经费"], ["设备维护经费"])
    assert RemovedProject.objects.get().name == "设备维护经费"


def test_a_no_change_reimport_writes_nothing_and_costs_a_few_queries(db, write_file, django_assert_max_num_queries):
    path = write_file("big.txt", generate.text(generate.table(projects=200, seed=4, year=2023)))
    import_table(path)
    before = list(Project.objects.order_by("position").values_list("pk", "fingerprint"))
    with django_assert_max_num_queries(12):  # the same for 200 projects as for 20,000: no row is loaded one by one
        result = import_table(path)
    assert result.unchanged and not result.written
    assert list(Project.objects.order_by("position").values_list("pk", "fingerprint")) == before
    assert all(fingerprint for _, fingerprint in before)


@pytest.mark.parametrize("layout", ["project-per-row", "indicator-per-row"])
def test_the_fingerprint_of_the_stored_rows_is_the_one_stored_at_import(db, write_file, layout):
    from budget.importing import identity

    import_table(write_file("t.txt", generate.text(generate.table(projects=300, seed=6, year=2023, layout=layout))))
    stored = dict(Project.objects.values_list("id", "fingerprint"))
    assert identity.stored_fingerprints(stored) == stored


def test_an_edit_outside_the_importer_is_compared_from_the_rows(db, write_file):
    path = write_file("t.txt", generate.text(generate.table(projects=30, seed=5, year=2023)))
    import_table(path)
    project = Project.objects.order_by("position")[3]
    indicator = project.indicators.first()
    indicator.annual_value = "改过的值"
    indicator.save()
    assert Project.objects.get(pk=project.pk).fingerprint == ""
    result = import_table(path)
    assert result.changed == [project.name] and result.added == result.removed == []
    assert Indicator.objects.get(pk=indicator.pk).annual_value != "改过的值"  # the file's value, same row
    assert Project.objects.get(pk=project.pk).fingerprint


def test_the_database_refuses_a_unit_of_another_table(reference_table, write_file):
    import_table(
        write_file("other.txt", small_table([("设备维护经费", "10.00", "维护次数")], total="10.00")), year=2022
    )
    project = Project.objects.get(name="区长专线日常经费")
    other = FundingUnit.objects.get(name="测试区设备管理中心")
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(unit=other)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS project_unit_in_own_table IMMEDIATE")


def test_the_admin_refuses_a_unit_of_another_table_and_offers_only_the_tables_units(
    admin_client, reference_table, write_file
):
    import_table(
        write_file("other.txt", small_table([("设备维护经费", "10.00", "维护次数")], total="10.00")), year=2022
    )
    project = Project.objects.get(name="区长专线日常经费")
    other = FundingUnit.objects.get(name="测试区设备管理中心")
    url = reverse("admin:budget_project_change", args=[project.pk])
    choices = admin_client.get(url).context["adminform"].form.fields["unit"].queryset
    assert list(choices.values_list("name", flat=True)) == [DEPARTMENT]
    data = project_post_data(project, "1.00", {})
    data["unit"] = other.pk
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode() or "Select a valid choice" in response.content.decode()
    project.refresh_from_db()
    assert project.unit.name == DEPARTMENT
    # The add page has no table yet: the model's own check says which table the unit belongs to.
    new = Project(table=project.table, unit=other, position=99, name="新项目", total=0)
    with pytest.raises(Exception) as refused:
        new.full_clean()
    assert "资金使用单位「测试区设备管理中心」属于「测试区设备管理中心 2022」,不属于本项目的绩效目标表" in str(
        refused.value
    )


def test_changing_a_categorys_kind_refreshes_the_stored_reviews(admin_client, reference_table):
    from budget.models import Level1Category

    def missing_satisfaction():
        return sorted(
            p.name
            for p in Project.objects.all()
            if any(f["code"] == "missing-category" and "满意度" in f["message"] for f in p.review_findings)
        )

    assert missing_satisfaction() == [
        "区政府门户网站和政务新媒体运行经费"
    ]  # the one without a 3-满意度指标 in the source
    category = Level1Category.objects.get(name__startswith="满意度")
    response = admin_client.post(
        reverse("admin:budget_level1category_change", args=[category.pk]),
        {"name": category.name, "code": category.code, "kind": "output"},
    )
    assert response.status_code == 302
    assert len(missing_satisfaction()) == 13


def test_generated_tables_never_overwrite_a_real_department(reference_table):
    assert generate.department_name(0) == DEPARTMENT  # the clash is real: the generator's first name
    with pytest.raises(CommandError, match=f"已有导入的真实数据,生成的数据不会覆盖它们:{DEPARTMENT}"):
        call_command(
            "generate_tables",
            "--database",
            "--departments",
            "1",
            "--years",
            "2021",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert BudgetTable.objects.get().pk == reference_table.pk
    assert Project.objects.count() == 13 and ImportLog.objects.count() == 1


def test_generated_tables_may_be_generated_again(db):
    generate.populate(departments=1, years=(2024,), seed=1)
    generate.populate(departments=1, years=(2024,), seed=1)
    assert BudgetTable.objects.count() == 1


def test_the_review_written_in_place_is_the_one_a_refresh_computes(reference_table, write_file):

    import_table(corrected_edition(write_file), filename="corrected.txt", year=2021)
    written = list(Project.objects.order_by("position").values_list("name", "review_score", "review_findings"))
    table_score = BudgetTable.objects.get().review_score
    applying.refresh_table(BudgetTable.objects.get())
    assert list(Project.objects.order_by("position").values_list("name", "review_score", "review_findings")) == written
    assert BudgetTable.objects.get().review_score == table_score


def test_a_project_dropped_then_back_in_a_later_edition_is_reached_by_its_old_link(client, db, write_file):
    import_table(
        write_file(
            "v1.txt",
            small_table([("设备维护经费", "10.00", "维护次数"), ("培训经费", "5.00", "培训人次")], total="15.00"),
        ),
        year=2022,
    )
    old = Project.objects.get(name="培训经费").pk
    import_table(write_file("v2.txt", small_table([("设备维护经费", "10.00", "维护次数")], total="10.00")), year=2022)
    assert client.get(f"/projects/{old}/").status_code == 410
    import_table(
        write_file(
            "v3.txt",
            small_table([("设备维护经费", "10.00", "维护次数"), ("培训经费", "6.00", "培训人次")], total="16.00"),
        ),
        year=2022,
    )
    back = Project.objects.get(name="培训经费").pk
    assert back != old
    response = client.get(f"/projects/{old}/")
    assert response.status_code == 302 and response["Location"] == f"/projects/{back}/"


def test_indicators_are_matched_within_their_project(db, write_file):
    def edition(cell):
        return "\n".join(
            [
                "项目支出绩效目标表",
                "部门名称: 测试区设备管理中心",
                "单位: 万元",
                "项目名称(资金使用单位)\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标",
                "合计\t10.00\t10.00\t\t\t\t",
                "测试区设备管理中心\t10.00\t10.00\t\t\t\t",
                f"设备维护经费\t10.00\t10.00\t\t\t保障设备正常运行。\t{cell}",
            ]
        )

    a = "1.1-产出指标:11-数量指标:维护次数;实施周期指标值:10次;年度指标值:10次。"
    b = "2.1-产出指标:12-质量指标:设备完好率;实施周期指标值:≥95%;年度指标值:≥95%。"
    c = "2.3-满意度指标:31-服务对象满意度:使用人员满意度;实施周期指标值:≥90%;年度指标值:≥90%。"
    import_table(write_file("v1.txt", edition(a + b)), year=2022)
    kept = Indicator.objects.get(name="设备完好率")
    Indicator.objects.filter(pk=kept.pk).update(actual_value="97%")
    # The second edition drops 维护次数, renumbers 设备完好率 to 1 and adds a 满意度 indicator.
    result = import_table(write_file("v2.txt", edition(b.replace("2.1-", "1.1-", 1) + c)), year=2022)
    assert result.changed == ["设备维护经费"]
    assert list(Indicator.objects.order_by("position").values_list("name", "seq", "actual_value")) == [
        ("设备完好率", 1, "97%"),
        ("使用人员满意度", 2, ""),
    ]
    assert Indicator.objects.get(name="设备完好率").pk == kept.pk


@pytest.mark.parametrize("ref", ["%00", "a%00b", "x" * 3000, "~2", "~", "..", "设备~99999999999999999999"])
def test_a_stable_path_that_names_nothing_is_not_found(client, reference_table, ref):
    assert client.get(f"/departments/{reference_table.department_id}/2021/projects/{ref}/").status_code == 404
    assert client.get(f"/departments/999999/2021/projects/{ref}/").status_code == 404


def test_the_project_page_links_its_stable_path_and_it_follows_an_admin_rename(client, admin_client, db, write_file):
    twins = [("设备维护/保养经费", "10.00", "维护次数"), ("设备维护/保养经费", "20.00", "巡检次数")]
    import_table(write_file("v1.txt", small_table(twins, total="30.00")), year=2022)
    one, two = Project.objects.order_by("position")
    table = one.table
    for project, ref in ((one, "设备维护／保养经费"), (two, "设备维护／保养经费~2")):
        path = reverse("budget:project_by_ref", args=[table.department_id, 2022, ref])
        assert f'href="{path}"' in client.get(f"/projects/{project.pk}/").content.decode()
        page = client.get(path).content.decode()
        assert f'href="{path}"' in page and f"{project.total:,.2f}" in page
    data = project_post_data(one, "10.00", {})
    data["name"] = "设备保养经费"
    assert admin_client.post(reverse("admin:budget_project_change", args=[one.pk]), data).status_code == 302
    assert list(Project.objects.order_by("position").values_list("ref", flat=True)) == [
        "设备保养经费",
        "设备维护／保养经费",
    ]
    renamed = reverse("budget:project_by_ref", args=[table.department_id, 2022, "设备保养经费"])
    assert "<h1>设备保养经费</h1>" in client.get(renamed).content.decode()


def test_the_migration_gives_existing_projects_the_refs_the_writer_gives(db, write_file):
    import importlib

    # The SQL that fills the refs of projects stored before the migration, run again over fresh imports.
    migration = importlib.import_module("budget.migrations.0010_stable_identity").Migration
    fill = migration.operations[-1].sql
    import_table(
        write_file("t.txt", generate.text(generate.table(projects=400, seed=8, year=2023, layout="indicator-per-row")))
    )
    written = dict(Project.objects.values_list("id", "ref"))
    assert len(set(written.values())) == len(written)
    Project.objects.update(ref="")
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(Project.objects.values_list("id", "ref")) == written
