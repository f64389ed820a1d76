"""The read-only API under /api/v1/: its OpenAPI document, every response against it, the table as the export,
filters, pages, conditional requests, throttling, private mode and tokens."""

import hashlib
import json
import re

import pytest
from django.contrib.staticfiles import finders
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from budget import exporter, generate
from budget.models import ApiToken, Department, Indicator, Level2Category, Project

API = "/api/v1/"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def get(client, path, **headers):
    response = client.get(API + path, headers=headers)
    content = body(response)
    return response, (json.loads(content) if content else None)


@pytest.fixture
def openapi(client, db):
    response = client.get(API + "openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def conforms(openapi, path, response):
    """The response's body is valid against what the OpenAPI document says `path` answers with that status."""
    operation = openapi["paths"][path]["get"]
    content = operation["responses"][str(response.status_code)]["content"]
    (media,) = content.values()
    registry = Registry().with_resource("urn:api", Resource.from_contents(openapi, default_specification=DRAFT202012))
    schema = (
        {"$ref": "urn:api#/components/schemas/" + media["schema"]["$ref"].rsplit("/", 1)[1]}
        if "$ref" in media["schema"]
        else media["schema"]
    )
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(json.loads(body(response))))
    assert not errors, [e.message for e in errors[:5]]


def test_the_document_is_valid_openapi_3_and_names_every_endpoint(openapi):
    validate_openapi(openapi)
    assert openapi["openapi"].startswith("3.")
    assert {
        "/api/v1/tables/",
        "/api/v1/tables/{table_id}/",
        "/api/v1/projects/{project_id}/",
        "/api/v1/indicators/",
        "/api/v1/departments/",
        "/api/v1/datapackage.json",
        "/api/v1/bulk/{year}/{name}",
    } <= set(openapi["paths"])
    names = {p["name"] for p in openapi["paths"]["/api/v1/indicators/"]["get"]["parameters"]}
    assert {"q", "year", "department", "level1", "level2", "unit", "numeric", "page", "page_size"} <= names


def test_every_documented_endpoint_answers_as_documented(client, reference_table, openapi):
    project = reference_table.projects.order_by("position").first()
    concrete = {"{table_id}": str(reference_table.pk), "{project_id}": str(project.pk)}
    checked = 0
    for path in openapi["paths"]:
        if "{year}" in path or path.endswith("datapackage.json"):
            continue  # files and the Frictionless descriptor: tests/test_bulk.py
        url = path
        for name, value in concrete.items():
            url = url.replace(name, value)
        response = client.get(url)
        assert response.status_code == 200, url
        conforms(openapi, path, response)
        checked += 1
        if "{" in path:  # the same address with an id nobody has: a documented 404
            missing = client.get(re.sub(r"/\d+/$", "/999999/", url))
            assert missing.status_code == 404
            assert missing["Content-Type"] == "application/problem+json"
            conforms(openapi, path, missing)
    assert checked == 5
    for path, item in openapi["paths"].items():
        assert {"200", "304", "404", "429"} <= set(item["get"]["responses"]), path
    bad = client.get(API + "indicators/?page_size=101")
    assert bad.status_code == 422
    conforms(openapi, "/api/v1/indicators/", bad)


def test_the_year_lists_the_reference_department_and_its_table_equals_the_export(client, reference_table):
    response, page = get(client, "tables/?year=2021")
    assert response.status_code == 200
    assert page["count"] == 1 and page["next"] is None and page["previous"] is None
    (row,) = page["results"]
    assert row["department"]["name"] == "广州市花都区政务服务和数据管理局"
    assert (row["year"], row["kind"], row["status"], row["total"]) == (2021, "project-targets", "submitted", "2616.61")
    assert row["by_source"] == {"财政拨款": "2616.61", "财政专户拨款": "0", "其他资金": "0"}
    assert row["project_count"] == reference_table.projects.count()
    detail = client.get(row["links"]["self"])
    (exported,) = exporter.json_document(year=2021)["tables"]
    assert json.loads(body(detail)) == exported
    assert get(client, "tables/?year=2020")[1]["count"] == 0
    assert get(client, f"tables/?department={row['department']['id']}")[1]["count"] == 1
    assert get(client, "tables/?department=广州市花都区政务服务和数据管理局&kind=project-targets")[1]["count"] == 1
    assert get(client, "tables/?kind=department-targets")[1]["count"] == 0
    assert get(client, "tables/?status=approved")[1]["count"] == 0


def test_a_project_is_its_element_of_the_export_with_where_it_belongs(client, reference_table):
    (exported,) = exporter.json_document(year=2021)["tables"]
    project = Project.objects.get(table=reference_table, name="办证大厅窗口服务经费")
    _, body = get(client, f"projects/{project.pk}/")
    context = body.pop("context")
    assert body == next(p for u in exported["units"] for p in u["projects"] if p["name"] == "办证大厅窗口服务经费")
    assert body["funding"]["total"] == "199.00"  # as the source table writes it
    assert (context["table"], context["year"], context["department"]["name"]) == (
        reference_table.pk,
        2021,
        "广州市花都区政务服务和数据管理局",
    )


def test_q_counts_exactly_the_indicators_whose_name_or_values_hold_the_word(client, reference_table):
    (exported,) = exporter.json_document(year=2021)["tables"]
    holding = [
        i
        for u in exported["units"]
        for p in u["projects"]
        for i in p["indicators"]
        if any("满意度" in (i[k] or "") for k in ("name", "period_value", "annual_value"))
    ]
    _, page = get(client, "indicators/?q=满意度&year=2021")
    assert page["count"] == len(holding) > 0
    assert {r["name"] for r in page["results"]} == {i["name"] for i in holding}


def test_q_reads_names_and_values_but_not_projects_or_categories(client, reference_table):
    project = Project.objects.get(table=reference_table, name="办证大厅窗口服务经费")
    project.goal += "独特词甲"
    project.name += "独特词乙"
    project.save()
    indicator = project.indicators.get(name="工作天数")
    indicator.annual_value = "独特词丙 22天"
    indicator.save()
    assert get(client, "indicators/?q=独特词甲")[1]["count"] == 0
    assert get(client, "indicators/?q=独特词乙")[1]["count"] == 0
    assert [r["name"] for r in get(client, "indicators/?q=独特词丙")[1]["results"]] == ["工作天数"]
    assert get(client, "indicators/?q=独特词丙 天")[1]["count"] == 1  # every word, anywhere in name or values
    assert get(client, "indicators/?q=独特词丙 满意度")[1]["count"] == 0
    # The explorer's own search is unchanged: it still reads project goals.
    assert "独特词甲" in client.get("/indicators/?q=独特词甲").content.decode()


def test_the_explorer_filters(client, reference_table):
    satisfaction = Level2Category.objects.get(name="服务对象满意度")
    everything = Indicator.objects.filter(project__table=reference_table)
    cases = {
        "year=2021": everything.count(),
        "year=2022": 0,
        f"department={reference_table.department.pk}": everything.count(),
        f"level1={satisfaction.level1.pk}": everything.filter(level2__level1=satisfaction.level1).count(),
        f"level2={satisfaction.pk}": everything.filter(level2=satisfaction).count(),
        "unit=%25": everything.filter(target_unit="%").count(),
        "numeric=true": everything.filter(target_value__isnull=False).count(),
        "numeric=false": everything.filter(target_value__isnull=True).count(),
    }
    for query, expected in cases.items():
        assert get(client, "indicators/?" + query)[1]["count"] == expected, query
    assert cases["numeric=true"] + cases["numeric=false"] == cases["year=2021"]
    qualitative = get(client, "indicators/?numeric=false&page_size=100")[1]["results"]
    assert "每月上旬" in {r["annual_value"] for r in qualitative}  # 工资发放时间: 每月上旬, in the source


def test_pages_link_each_other_and_are_bounded(client, reference_table):
    _, first = get(client, "indicators/?year=2021&page_size=20")
    total = first["count"]
    seen, page = [], first
    while True:
        seen += [r["id"] for r in page["results"]]
        if not page["next"]:
            break
        previous_link = page["next"]
        page = json.loads(client.get(page["next"]).content)
        assert page["previous"] and "page=" in page["previous"] and previous_link != page["previous"]
    assert len(seen) == len(set(seen)) == total
    response, problem = get(client, "indicators/?page_size=101")
    assert response.status_code == 422 and problem["status"] == 422 and "page_size" in problem["detail"]
    response, problem = get(client, "indicators/?q=" + "+".join(["词"] * 9))
    assert response.status_code == 422 and "搜索词最多 8 个" in problem["detail"]
    response, problem = get(client, "indicators/?q=" + "长" * 101)
    assert response.status_code == 422
    assert get(client, "tables/?page=0")[0].status_code == 422


def test_departments_list_their_years(client, reference_table, write_file):
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    Department.objects.create(name="没有表的部门")
    _, page = get(client, "departments/")
    years = {d["name"]: d["years"] for d in page["results"]}
    assert years == {"广州市花都区政务服务和数据管理局": [2022, 2021], "没有表的部门": []}


@pytest.mark.parametrize("departments", [2, 12])
def test_lists_cost_the_same_queries_whatever_the_data(client, db, django_assert_num_queries, departments):
    from django.db import connection

    from budget import explorer_queries

    generate.populate(departments=departments, years=(2023,), seed=3)
    explorer_queries.trigram_indexes(connection)  # asked once per process and database; a migration makes it ask again
    project = Project.objects.order_by("pk").first()
    table = project.table
    # The data version (and, once, when it was first seen), then: count and page (and the page's funding for
    # tables); the project and its funding, indicators, monitoring, flags and source columns; the table and the
    # export's eight (monitoring reports: none, so no query for their indicator rows) and its review state, then
    # the table alone while its kept file serves.
    for path, queries in [
        ("tables/?year=2023", 5),
        ("indicators/?q=满意度&year=2023", 3),
        ("departments/", 3),
        (f"projects/{project.pk}/", 7),
        (f"tables/{table.pk}/", 11),
        (f"tables/{table.pk}/", 2),
    ]:
        with django_assert_num_queries(queries):
            assert client.get(API + path).status_code == 200, path
    _, page = get(client, "tables/?year=2023&page_size=5")
    assert page["count"] == departments and len(page["results"]) == min(5, departments)


def test_a_repeated_request_with_the_etag_gets_304_until_the_data_changes(
    client, reference_table, data_changed, django_assert_max_num_queries
):
    first = client.get(API + "tables/?year=2021")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified and first["Cache-Control"] == "public, max-age=60"
    with django_assert_max_num_queries(1):  # the data version, and nothing else
        again = client.get(API + "tables/?year=2021", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(API + "tables/?year=2021", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(API + "tables/?year=2022", headers={"If-None-Match": etag}).status_code == 200
    data_changed()
    changed = client.get(API + "tables/?year=2021", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_clients_are_throttled_with_a_problem_and_retry_after(client, reference_table, settings):
    settings.API_RATE = "3/m"
    for _ in range(3):
        assert client.get(API + "departments/").status_code == 200
    response, problem = get(client, "departments/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/problem+json" and problem["title"] == "Too many requests"
    other = client.get(API + "departments/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # counted per client


@pytest.fixture
def token(django_user_model):
    user = django_user_model.objects.create_user("script", password="a-long-passphrase-9")
    key = "k" * 40
    digest = hashlib.sha256(key.encode()).hexdigest()
    ApiToken.objects.create(user=user, name="nightly", prefix=key[:8], key_hash=digest)
    return key


def test_a_private_site_answers_401_unless_signed_in_or_sent_a_token(
    client, reference_table, settings, token, django_user_model
):
    settings.PUBLIC_READ = False
    response, problem = get(client, "tables/?year=2021")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert problem["status"] == 401 and "Authorization: Bearer" in problem["detail"]
    assert client.get("/").status_code == 302  # the pages still send visitors to the login
    response, page = get(client, "tables/?year=2021", Authorization=f"Bearer {token}")
    assert response.status_code == 200 and page["count"] == 1
    assert response["Cache-Control"] == "private, no-cache"
    assert ApiToken.objects.get().last_used_at is not None
    assert get(client, "tables/", Authorization="Bearer wrong")[0].status_code == 401
    django_user_model.objects.filter(username="script").update(is_active=False)
    assert get(client, "tables/", Authorization=f"Bearer {token}")[0].status_code == 401
    reader = django_user_model.objects.create_user("reader", password="a-long-passphrase-8")
    client.force_login(reader)
    assert get(client, "tables/?year=2021")[0].status_code == 200


def test_a_wrong_token_is_refused_on_a_public_site_too(client, reference_table):
    assert get(client, "tables/", Authorization="Bearer wrong")[0].status_code == 401


def test_an_administrator_creates_a_token_shown_once(client, reference_table, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "", "a-long-passphrase-3")
    owner = django_user_model.objects.create_user("owner", password="a-long-passphrase-4")
    client.force_login(boss)
    response = client.post("/admin/budget/apitoken/add/", {"user": owner.pk, "name": "统计脚本"}, follow=True)
    text = response.content.decode()
    (key,) = re.findall(re.escape("API 令牌(只显示这一次,请立即复制保存): ") + r"([\w-]+)</li>", text)
    stored = ApiToken.objects.get()
    assert stored.user == owner and stored.prefix == key[:8] and key not in stored.key_hash
    client.logout()
    assert get(client, "departments/", Authorization=f"Bearer {key}")[0].status_code == 200


def test_only_administrators_see_tokens(client, db, django_user_model):
    from django.contrib.auth.models import Group

    from budget.apps import REVIEWERS, ensure_groups

    ensure_groups(None)
    reviewer = django_user_model.objects.create_user("reviewer", password="a-long-passphrase-2", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    client.force_login(reviewer)
    assert client.get("/admin/budget/apitoken/").status_code == 403


def test_the_documentation_page_runs_under_the_content_security_policy(client, db):
    response = client.get(API + "docs")
    text = response.content.decode()
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
    assert scripts and all('src="/static/' in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert "style=" not in text and "<style" not in text and "cdn" not in text.lower()
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', text):
        assert finders.find(asset), asset
    assert client.get(API + "openapi.json", headers={"If-None-Match": response["ETag"]}).status_code == 200


def test_the_open_data_page_is_linked_from_every_page_with_examples(client, reference_table):
    overview = client.get("/").content.decode()
    assert 'href="/open-data/"' in overview
    text = client.get("/open-data/").content.decode()
    assert "数据开放" in text and "curl -s" in text and "import requests" in text
    assert 'href="http://testserver/api/v1/bulk/2021/indicators.csv"' in text
    assert 'href="http://testserver/api/v1/datapackage.json"' in text
    client.cookies["django_language"] = "en"
    english = client.get("/open-data/").content.decode()
    assert "Open data" in english and "数据开放" not in english


def test_unknown_addresses_and_failures_are_problems_too(client, reference_table, monkeypatch):
    from django.db import OperationalError
    from psycopg import errors

    response, problem = get(client, "nothing/here")
    assert response.status_code == 404 and problem["detail"].endswith("/api/v1/nothing/here")

    def stopped(query):
        try:
            raise errors.QueryCanceled("canceling statement due to statement timeout")
        except errors.QueryCanceled as cancelled:
            raise OperationalError("wrapped") from cancelled

    monkeypatch.setattr("budget.api.views.indicators", stopped)
    response, problem = get(client, "indicators/?q=满意度")
    assert response.status_code == 503 and "这次查询耗时过长,已停止。" in problem["detail"]

    def broken(query):
        raise RuntimeError("a bug")

    monkeypatch.setattr("budget.api.views.indicators", broken)
    response, problem = get(client, "indicators/?q=满意度")
    assert response.status_code == 500 and response["Content-Type"] == "application/problem+json"
    assert "a bug" not in problem["detail"]


def test_head_answers_the_headers_of_get_and_writes_are_refused(client, reference_table):
    got = client.get(API + "tables/?year=2021")
    head = client.head(API + "tables/?year=2021")
    assert head.status_code == 200 and head.content == b""
    assert (head["ETag"], head["Content-Length"]) == (got["ETag"], str(len(got.content)))
    assert client.get(API + "tables/?year=2021", headers={"If-None-Match": head["ETag"]}).status_code == 304
    file_head = client.head(API + "bulk/2021/tables.csv")
    assert file_head.status_code == 200 and int(file_head["Content-Length"]) > 0
    for method in (client.post, client.put, client.delete):
        assert method(API + "tables/").status_code == 405


def test_the_kept_table_follows_the_data(client, reference_table):
    _, before = get(client, f"tables/{reference_table.pk}/")
    project = Project.objects.get(table=reference_table, name="办证大厅窗口服务经费")
    project.name = "办证大厅窗口服务经费(更正)"
    project.save()  # its history row moves the data version
    _, after = get(client, f"tables/{reference_table.pk}/")
    names = [p["name"] for u in after["units"] for p in u["projects"]]
    assert "办证大厅窗口服务经费(更正)" in names and after != before
    (exported,) = exporter.json_document(year=2021)["tables"]
    assert after == exported


BIG = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"tables/?page={BIG}",
        f"tables/?year={BIG}",
        f"indicators/?level1={BIG}",
        f"indicators/?department={BIG}",
        f"indicators/?page={BIG}",
        f"departments/?page={BIG}",
        f"tables/{BIG}/",
        f"projects/{BIG}/",
        f"bulk/{BIG}/tables.csv",
        "tables/?year=1066",
        "indicators/?page=-1",
        "indicators/?numeric=maybe",
    ],
)
def test_absurd_numbers_are_refused_with_a_problem_not_a_failed_query(client, reference_table, path):
    response, problem = get(client, path)
    assert response.status_code == 422, problem
    assert response["Content-Type"] == "application/problem+json" and problem["detail"]
    assert get(client, "departments/")[0].status_code == 200  # the connection is still usable


def test_a_page_past_the_end_is_empty_and_a_name_that_looks_like_a_huge_id_matches_nothing(client, reference_table):
    _, page = get(client, "indicators/?page=1000000&page_size=100")
    assert page["results"] == [] and page["count"] == 63 and page["next"] is None
    assert "page=1&" in page["previous"]  # back to the last page there is
    assert get(client, f"tables/?department={BIG}")[1]["count"] == 0


WORDS = ["满意度", "90%", "天", "≥", "率", "人次", "服务", "按时", "完成", "%", "不存在的词"]


def test_any_search_and_filter_counts_what_a_plain_reading_of_the_indicators_finds(client, reference_table):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from budget.importing.indicators import normalize

    everything = list(Indicator.objects.filter(project__table=reference_table))

    def expected(words, numeric, unit):
        def holds(i):
            texts = [i.name, i.period_value or "", i.annual_value or ""]
            return all(any(normalize(w) in t for t in texts) for w in words)

        return sum(
            1
            for i in everything
            if holds(i)
            and (numeric is None or (i.target_value is not None) == numeric)
            and (unit is None or i.target_unit == unit)
        )

    @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.sampled_from(WORDS), max_size=3),
        st.sampled_from([None, True, False]),
        st.sampled_from([None, "%", "天", "人次"]),
    )
    def check(words, numeric, unit):
        query = {"year": 2021, "page_size": 100}
        if words:
            query["q"] = " ".join(words)
        if numeric is not None:
            query["numeric"] = "true" if numeric else "false"
        if unit is not None:
            query["unit"] = unit
        response = client.get(API + "indicators/", query)
        assert response.status_code == 200
        page = json.loads(response.content)
        assert page["count"] == len(page["results"]) == expected(words, numeric, unit), query

    check()
