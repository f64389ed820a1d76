"""Every URL the admin exposes, walked for every role: what each may read and what it may write.

Two departments: the reference one (A), whose editor is `clerk`, and 某区教育局 (B). A reviewer reads everything
and writes nothing; an editor reads and writes A only; nobody restores a past version (revert is off).
"""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from budget import exporter
from budget.importing.importer import import_table
from budget.models import BudgetTable
from tests.conftest import REFERENCE

OTHER = "某区教育局"
SCOPED = ["budgettable", "fundingunit", "project", "indicator", "flag"]
HISTORY = ["budgettable", "fundingunit", "project", "indicator"]


@pytest.fixture
def world(reference_table, write_file, django_user_model):
    from django.contrib.auth.models import Group

    from budget.apps import EDITORS, REVIEWERS, ensure_groups

    text = REFERENCE.read_text(encoding="utf-8").replace(
        "部门名称: 广州市花都区政务服务和数据管理局", f"部门名称: {OTHER}"
    )
    import_table(write_file("edu.txt", text), filename="edu.txt", year=2021)
    ensure_groups(None)
    clerk = django_user_model.objects.create_user("clerk", password="a-long-passphrase-1", is_staff=True)
    clerk.groups.add(Group.objects.get(name=EDITORS))
    reference_table.department.editors.add(clerk)
    reviewer = django_user_model.objects.create_user("reviewer", password="a-long-passphrase-2", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    boss = django_user_model.objects.create_superuser("boss", "", "a-long-passphrase-3")
    tables = {"A": reference_table, "B": BudgetTable.objects.get(department__name=OTHER)}
    for table in tables.values():  # imports write in bulk; one saved version of each object to look at
        for obj in objects_of(table).values():
            obj.save()
    return {"users": {"clerk": clerk, "reviewer": reviewer, "boss": boss}, "tables": tables}


def objects_of(table):
    project = table.projects.order_by("position").first()
    return {
        "budgettable": table,
        "fundingunit": table.units.first(),
        "project": project,
        "indicator": project.indicators.first(),
        "flag": table.flags.first() or project,
    }


def urls_of(table, model):
    obj = objects_of(table)[model]
    if model == "flag" and obj.__class__.__name__ != "Flag":
        return {}
    urls = {action: reverse(f"admin:budget_{model}_{action}", args=[obj.pk]) for action in ("change", "delete")}
    if model in HISTORY:
        urls["history"] = reverse(f"admin:budget_{model}_history", args=[obj.pk])
        version = obj.history.first()
        urls["version"] = reverse(f"admin:budget_{model}_simple_history", args=[obj.pk, version.history_id])
    return urls


def snapshot():
    return json.dumps(exporter.json_document(year=2021), ensure_ascii=False, sort_keys=True, default=str)


def as_user(client, world, name):
    if name != "anonymous":
        client.force_login(world["users"][name])
    return client


def test_every_registered_budget_model_is_walked():
    registered = {m._meta.model_name for m in admin.site._registry if m._meta.app_label == "budget"}
    assert set(SCOPED) <= registered


@pytest.mark.parametrize("role", ["anonymous", "clerk", "reviewer", "boss"])
def test_no_role_can_restore_a_past_version_of_anything(client, world, role):
    client = as_user(client, world, role)
    before = snapshot()
    for table in world["tables"].values():
        for model in HISTORY:
            url = urls_of(table, model)["version"]
            response = client.post(
                url, {"title": "moved", "department": world["tables"]["A"].department_id, "year": 2021, "name": "moved"}
            )
            expected = (302,) if role == "anonymous" else (403, 404)
            assert response.status_code in expected, (role, url, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize(
    "role, table, readable",
    [
        ("clerk", "A", True),
        ("clerk", "B", False),
        ("reviewer", "A", True),
        ("reviewer", "B", True),
        ("boss", "B", True),
        ("anonymous", "A", False),
    ],
)
def test_who_may_read_each_object_its_history_and_its_past_versions(client, world, role, table, readable):
    client = as_user(client, world, role)
    for model in SCOPED:
        for action, url in urls_of(world["tables"][table], model).items():
            response = client.get(url)
            if role == "anonymous":
                assert response.status_code == 302 and "/admin/login/" in response["Location"]
            elif action == "delete" and role == "reviewer":
                assert response.status_code == 403, url
            elif readable:
                assert response.status_code == 200, (role, url, response.status_code)
            else:
                assert response.status_code in (302, 403, 404), (role, url, response.status_code)
                assert OTHER not in response.content.decode()


@pytest.mark.parametrize("role, table", [("clerk", "B"), ("reviewer", "A"), ("reviewer", "B"), ("anonymous", "A")])
def test_who_may_not_write_changes_nothing_through_any_form(client, world, role, table):
    client = as_user(client, world, role)
    before = snapshot()
    for model in SCOPED:
        urls = urls_of(world["tables"][table], model)
        for action in ("change", "delete"):
            if action in urls:
                response = client.post(urls[action], {"post": "yes", "title": "changed", "name": "changed"})
                assert response.status_code in (302, 403, 404), (role, urls[action], response.status_code)
                if response.status_code == 302:  # to the login, or home with "does not exist"
                    assert "/admin/login/" in response["Location"] or response["Location"] == "/admin/"
        response = client.post(reverse(f"admin:budget_{model}_add"), {"name": "new"})
        assert response.status_code in (302, 403) if role != "clerk" else response.status_code in (200, 302, 403)
    assert snapshot() == before


def test_a_reviewer_cannot_open_the_import_page_or_the_user_admin(client, world):
    client = as_user(client, world, "reviewer")
    assert client.get(reverse("admin:budget_import")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_a_clerk_reads_shared_lists_but_cannot_change_them(client, world):
    from budget.models import Level1Category

    client = as_user(client, world, "clerk")
    category = Level1Category.objects.first()
    url = reverse("admin:budget_level1category_change", args=[category.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "篡改", "code": "9", "kind": "output"}).status_code == 403
    category.refresh_from_db()
    assert category.name != "篡改"


def test_a_denied_revert_is_written_to_the_security_log(client, world, caplog):
    client = as_user(client, world, "clerk")
    url = urls_of(world["tables"]["B"], "budgettable")["version"]
    with caplog.at_level("WARNING", logger="budget.security"):
        client.post(url, {"title": "moved"})
    assert any(
        r.getMessage().startswith("permission-denied user='clerk'") and "history revert" in r.getMessage()
        for r in caplog.records
    )
