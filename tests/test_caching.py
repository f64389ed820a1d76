"""Pages for visitors are kept until the data changes, and never shown to anyone they were not made for."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from budget.importing.importer import import_table
from budget.models import Department, Project
from tests.conftest import REFERENCE

NAME = "广州市花都区政务服务和数据管理局"


@pytest.fixture
def pages(reference_table):
    return {
        "overview": reverse("budget:overview"),
        "department": reverse("budget:department", args=[reference_table.department_id, 2021]),
        "project": reverse("budget:project", args=[Project.objects.get(name="区长专线日常经费").pk]),
        "explorer": reverse("budget:explorer") + "?q=满意度",
    }


@pytest.mark.parametrize("page", ["overview", "department", "project", "explorer"])
def test_a_visitor_is_served_the_kept_page_for_one_query(client, pages, page, django_assert_num_queries):
    first = client.get(pages[page])
    with django_assert_num_queries(1):  # the data version
        again = client.get(pages[page])
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("page", ["overview", "department", "project", "explorer"])
def test_pages_for_visitors_carry_no_token_and_set_no_cookie(client, pages, page):
    response = client.get(pages[page])
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert not response.cookies


def test_a_new_edition_of_the_table_is_shown_at_once(client, pages, write_file):
    assert "区长专线日常经费(改)" not in client.get(pages["department"]).content.decode()
    edited = REFERENCE.read_text(encoding="utf-8").replace("区长专线日常经费", "区长专线日常经费(改)")
    import_table(write_file("edited.txt", edited), filename="edited.txt", year=2021)
    assert "区长专线日常经费(改)" in client.get(pages["department"]).content.decode()
    assert "区长专线日常经费(改)" in client.get(pages["explorer"]).content.decode()


def test_the_address_with_its_query_string_is_the_key(client, pages):
    everything = client.get(reverse("budget:explorer")).content.decode()
    searched = client.get(pages["explorer"]).content.decode()
    assert searched != everything
    assert client.get(reverse("budget:explorer") + "?q=不存在的指标名").content.decode() not in (everything, searched)


def test_each_language_has_its_own_page(client, pages):
    assert "<h2>资金来源</h2>" in client.get(pages["project"]).content.decode()
    client.get(reverse("budget:language", args=["en"]), {"next": "/"})
    english = client.get(pages["project"]).content.decode()
    assert '<html lang="en">' in english and "资金来源" not in english.split("<main")[1].split("</h2>")[0]
    client.get(reverse("budget:language", args=["zh-hans"]), {"next": "/"})
    assert '<html lang="zh-hans">' in client.get(pages["project"]).content.decode()


def test_a_page_rendered_for_staff_is_never_served_to_a_visitor(client, admin_client, pages):
    edit = reverse("admin:budget_project_change", args=[Project.objects.get(name="区长专线日常经费").pk])
    assert edit in admin_client.get(pages["project"]).content.decode()
    assert edit not in client.get(pages["project"]).content.decode()
    assert edit in admin_client.get(pages["project"]).content.decode()


def test_downloads_are_not_kept(client, pages, reference_table, django_assert_num_queries):
    csv_url = reverse("budget:explorer") + "?q=满意度&format=csv"
    client.get(csv_url)
    with django_assert_num_queries(1):  # the CSV's own query, and no data version
        response = client.get(csv_url)
        assert response["Content-Disposition"].startswith("attachment") and response.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_department_renamed_in_the_admin_is_shown_renamed_to_visitors(client, admin_user):
    # Committed for real: the version moves after the commit, as it does on a server.
    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    department = Department.objects.get(name=NAME)
    url = reverse("budget:department", args=[department.pk, 2021])
    assert NAME in client.get(url).content.decode()
    department.name = "花都区政务服务数据管理局(新名)"
    department.save()
    assert "花都区政务服务数据管理局(新名)" in client.get(url).content.decode()
    assert "花都区政务服务数据管理局(新名)" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_leaves_the_pages_as_they_were(client):
    from django.db import transaction

    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    department = Department.objects.get(name=NAME)
    url = reverse("budget:department", args=[department.pk, 2021])
    before = client.get(url).content
    with pytest.raises(RuntimeError), transaction.atomic():
        department.name = "不会保存的名字"
        department.save()
        raise RuntimeError
    assert client.get(url).content == before


@pytest.mark.parametrize("code, status", [("en", 302), ("zh-hans", 302), ("fr", 404), ("../admin", 404)])
def test_the_language_link_switches_only_to_offered_languages(client, db, code, status):
    response = client.get(f"/i18n/{code}/", {"next": "/indicators/?q=满意度"})
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == "/indicators/?q=" + quote("满意度")
        assert response.cookies["django_language"].value == code


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_language_link_never_sends_the_visitor_elsewhere(client, db, target):
    response = client.get("/i18n/en/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("page", ["overview", "department", "project", "explorer"])
def test_a_head_request_is_answered_like_a_get(client, pages, page):
    assert client.head(pages[page]).status_code == 200
    assert client.post(pages[page]).status_code == 405


def test_the_sections_around_the_project_table_are_rendered_once_per_table(client, pages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        unsorted = client.get(pages["department"]).content.decode()
    with CaptureQueriesContext(connection) as again:
        by_total = client.get(pages["department"] + "?sort=-total").content.decode()
    # A new address, so a new page; but the tiles, charts, review, flags and years come from the fragments.
    assert (
        unsorted.split("<main")[1].split('id="project-list"')[0]
        == by_total.split("<main")[1].split('id="project-list"')[0]
    )
    assert unsorted.split('id="flags"')[1] == by_total.split('id="flags"')[1]
    assert unsorted.split('id="project-list"')[1] != by_total.split('id="project-list"')[1]
    assert any('FROM "budget_flag"' in q["sql"] for q in first.captured_queries)
    assert not any('FROM "budget_flag"' in q["sql"] for q in again.captured_queries)
    assert len(again) < len(first)


def _sequence():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM budget_data_version")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_actuals_import_moves_the_version_even_when_a_later_history_id_committed_first(client, tmp_path):
    # Its bulk updates send no signal; its history ids may be below one another writer committed meanwhile,
    # so the largest ids alone would not move. It bumps the sequence once committed.
    from tests.ui_helpers import WORKED_EXAMPLE, import_actuals

    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    url = reverse("budget:project", args=[Project.objects.get(name="区长专线日常经费").pk])
    assert "130000宗" not in client.get(url).content.decode()
    before = _sequence()
    import_actuals(tmp_path, WORKED_EXAMPLE)
    assert _sequence() == before + 1
    assert "130000宗" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failed_actuals_import_does_not_move_the_version(tmp_path):
    from budget.importing.problems import ImportFailed
    from tests.ui_helpers import import_actuals

    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    before = _sequence()
    with pytest.raises(ImportFailed):
        import_actuals(tmp_path, "没有这个项目,12345热线工单办结量,130000宗,,\n")
    assert _sequence() == before
