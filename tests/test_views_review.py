"""The review pages: the worklist (who reaches it, its filters, sorting and query count at 2,000 tables), a
table's review page and its buttons, the opinion document, and what the admin home says waits."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from budget import workflow
from budget.models import BudgetTable, Department, FundingUnit, Project, ReviewComment, ReviewEvent, TableReview
from tests.test_workflow import NAME, opinion, people, set_status, table  # noqa: F401 (fixtures)
from tests.ui_helpers import table_rows

Status = TableReview.Status
WORKLIST = "/review/"


def signed_in(client, user):
    client.force_login(user)
    return client


def page_url(table, suffix=""):
    return f"/review/{table.department_id}/{table.year}/{suffix}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# -- who reaches the pages ---------------------------------------------------------------------

def test_an_anonymous_visitor_gets_the_login_page(client, table):
    for url in (WORKLIST, page_url(table), page_url(table, "opinion/"), page_url(table, "opinion.xlsx")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/admin/login/?next={url}"
    assert client.post(page_url(table), {"action": "approve"}).status_code == 302
    assert workflow.status_of(table.department_id, 2021) == Status.SUBMITTED


@pytest.mark.parametrize("who", ["editor", "other", "nobody"])
def test_the_worklist_sends_anyone_but_reviewers_to_the_login_page(client, table, people, who):
    response = signed_in(client, people[who]).get(WORKLIST)
    assert response.status_code == 302 and response["Location"] == f"/admin/login/?next={WORKLIST}"


@pytest.mark.parametrize("who", ["other", "nobody"])
def test_someone_without_a_role_for_the_department_sees_none_of_its_opinions(client, table, people, who):
    opinion(people["reviewer"], table, "内部意见:目标值偏低")
    signed_in(client, people[who])
    for suffix in ("", "opinion/", "opinion.xlsx"):
        response = client.get(page_url(table, suffix))
        assert response.status_code == 404 and "内部意见" not in response.content.decode(errors="replace")
    download = client.get(f"/departments/{table.department_id}/2021/download.json").getvalue().decode()
    assert "内部意见" not in download and '"status":"submitted"' in download


def test_the_pages_are_never_kept(client, table, people):
    signed_in(client, people["reviewer"])
    for url in (WORKLIST, page_url(table), page_url(table, "opinion/")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_every_post_needs_a_csrf_token(table, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["reviewer"])
    response = client.post(page_url(table), {"action": "approve"})
    assert response.status_code == 403
    assert workflow.status_of(table.department_id, 2021) == Status.SUBMITTED


# -- the worklist ------------------------------------------------------------------------------

def test_the_worklist_shows_status_score_grade_counts_and_last_action(client, table, people):
    opinion(people["reviewer"], table)
    workflow.transition(people["reviewer"], table.department, 2021, "return", "请修改")
    body = signed_in(client, people["reviewer"]).get(WORKLIST)
    findings = [f for p in table.projects.all() for f in p.review_findings]
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = sum(f["severity"] == "warning" for f in findings)
    score = table.review_score
    grade = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
    event = ReviewEvent.objects.get()
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    assert table_rows(body, "worklist") == [
        [NAME, "已退回", f"{score:.2f}", grade, str(errors), str(warnings), "0", f"退回修改 · reviewer · {when}"]]
    assert f'href="{page_url(table)}"' in body.content.decode()


def make_year(count, *, year=2021):
    """`count` departments with a table each. Table n: score n % 100; its first project lacks 满意度指标 when
    n % 7 == 0 (an error) and 质量指标 when n % 5 == 0 (a warning); returned when n % 4 == 1, approved when
    n % 4 == 2, else never acted on (待审)."""
    prefix = "测试部门" if year == 2021 else f"{year}年测试部门"
    departments = Department.objects.bulk_create([Department(name=f"{prefix}{n:04d}") for n in range(count)])
    tables = BudgetTable.objects.bulk_create([
        BudgetTable(department=d, year=year, review_score=Decimal(n % 100)) for n, d in enumerate(departments)])
    units = FundingUnit.objects.bulk_create([FundingUnit(table=t, position=0, name=t.department.name) for t in tables])
    projects = []
    for n, (t, u) in enumerate(zip(tables, units)):
        findings = []
        if n % 7 == 0:
            findings.append({"code": "missing-category", "severity": "error", "message": "缺少满意度指标"})
        if n % 5 == 0:
            findings.append({"code": "missing-output-quality", "severity": "warning", "message": "产出指标下缺少质量指标"})
        projects += [Project(table=t, unit=u, position=0, name="项目甲", review_findings=findings),
                     Project(table=t, unit=u, position=1, name="项目乙", review_findings=[
                         {"code": "missing-category", "severity": "error", "message": "缺少效益指标"}] if n % 3 == 0 else [])]
    Project.objects.bulk_create(projects)
    reviews = TableReview.objects.bulk_create([
        TableReview(department=d, year=year, status=Status.RETURNED if n % 4 == 1 else Status.APPROVED)
        for n, d in enumerate(departments) if n % 4 in (1, 2)])
    start = timezone.now()
    ReviewEvent.objects.bulk_create([
        ReviewEvent(review=r, action="return" if r.status == Status.RETURNED else "approve", from_status="submitted",
                    to_status=r.status, by="reviewer", at=start + timedelta(seconds=k)) for k, r in enumerate(reviews)])
    return departments


@pytest.fixture
def reviewer_client(client, people):
    return signed_in(client, people["reviewer"])


def worklist_queries(client, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{WORKLIST}?{query}")
    assert response.status_code == 200
    return response, len(queries)


def listed(response) -> int:
    return int(re.search(r'id="worklist-total">共 (\d+) 张表', response.content.decode()).group(1))


QUERIES = ["", "status=returned", "finding=missing-category:satisfaction", "q=0012", "sort=-errors",
           "sort=last&page=3", "status=submitted&sort=-score"]


def test_the_worklist_costs_the_same_queries_for_20_tables_as_for_2000(db, people):
    small, large = Client(), Client()
    make_year(20, year=2020)
    make_year(2000)
    small.force_login(people["reviewer"])
    large.force_login(people["reviewer"])
    for query in QUERIES:
        _, few = worklist_queries(small, query + "&year=2020")
        response, many = worklist_queries(large, query + "&year=2021")
        assert few == many <= 12, query
        assert len(table_rows(response, "worklist")) <= 100


FILTERS = [
    ("", 2000),
    ("status=returned", 500),  # n % 4 == 1
    ("status=approved", 500),
    ("status=submitted", 1000),
    ("status=draft", 0),
    ("finding=missing-category:satisfaction", 286),  # n % 7 == 0 for n < 2000
    ("finding=missing-category:outcome", 667),  # n % 3 == 0
    ("finding=missing-output-quality", 400),  # n % 5 == 0
    ("finding=missing-category:satisfaction&status=approved", 71),  # n % 28 == 14
    ("finding=vague-target", 0),
    ("q=测试部门19", 100),
    ("q=没有这个部门", 0),
]


def test_the_worklist_filters_by_status_finding_and_department(reviewer_client):
    make_year(2000)
    assert [(query, listed(reviewer_client.get(f"{WORKLIST}?{query}"))) for query, _ in FILTERS] == FILTERS


def test_the_worklist_counts_tables_per_status(reviewer_client):
    make_year(2000)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(
        r'id="status-counts">(.*?)</p>', reviewer_client.get(WORKLIST).content.decode(), re.DOTALL).group(1)))
    assert text.split() == ["草稿", "0", "待审", "1000", "已退回", "500", "已通过", "500"]


def test_the_worklist_sorts_by_each_column(reviewer_client):
    make_year(300)
    rows = table_rows(reviewer_client.get(f"{WORKLIST}?sort=-score"), "worklist")
    assert [r[2] for r in rows[:3]] == ["99.00", "99.00", "99.00"] and rows[0][3] == "优"
    rows = table_rows(reviewer_client.get(f"{WORKLIST}?sort=score"), "worklist")
    assert [r[:4] for r in rows[:2]] == [["测试部门0000", "待审", "0.00", "差"], ["测试部门0100", "待审", "0.00", "差"]]
    rows = table_rows(reviewer_client.get(f"{WORKLIST}?sort=-errors"), "worklist")
    assert rows[0][0] == "测试部门0000" and rows[0][4] == "2"  # n % 21 == 0: both projects lack a category
    rows = table_rows(reviewer_client.get(f"{WORKLIST}?sort=-last&status=approved"), "worklist")
    assert rows[0][0] == "测试部门0298" and rows[0][7].startswith("通过 · reviewer")
    rows = table_rows(reviewer_client.get(f"{WORKLIST}?sort=department"), "worklist")
    assert [r[0] for r in rows[:2]] == ["测试部门0000", "测试部门0001"] and rows[1][1] == "已退回"


# -- the review page ---------------------------------------------------------------------------

def first_project_with_findings(table):
    return next(p for p in table.projects.order_by("position") if p.review_findings)


def test_the_review_page_prefills_each_projects_findings_as_draft_opinions(reviewer_client, table):
    body = reviewer_client.get(page_url(table)).content.decode()
    for p in table.projects.all():
        for n, f in enumerate(p.review_findings):
            assert f'name="f-{p.pk}-{n}" value="{f["message"]}"' in body
            assert f'name="accept" value="{p.pk}-{n}"' in body
    assert ">退回修改</button>" in body and ">通过</button>" in body and ">提交审核</button>" not in body


def test_a_reviewer_accepts_edits_and_drops_findings_then_returns_the_table(reviewer_client, table):
    project = first_project_with_findings(table)
    kept = project.review_findings[0]
    indicator = project.indicators.order_by("position").first()
    data = {"action": "return", "table_comment": "整表:满意度指标普遍缺失", "accept": [f"{project.pk}-0"],
            f"f-{project.pk}-0": "改写后的意见", f"p-{project.pk}": "项目意见", f"i-{project.pk}": indicator.pk,
            f"ic-{project.pk}": "指标值应量化"}
    for n in range(1, len(project.review_findings)):
        data[f"f-{project.pk}-{n}"] = "不采纳的草稿"
    response = reviewer_client.post(page_url(table), data, follow=True)
    assert "已完成「退回修改」,当前状态: 已退回" in messages_of(response)
    assert list(ReviewComment.objects.values_list("project", "indicator", "code", "finding", "text")) == [
        ("", "", "", "", "整表:满意度指标普遍缺失"),
        (project.name, "", kept["code"], kept["message"], "改写后的意见"),
        (project.name, "", "", "", "项目意见"),
        (project.name, indicator.name, "", "", "指标值应量化"),
    ]
    # The accepted finding is no longer offered as a draft.
    assert f'name="accept" value="{project.pk}-0"' not in reviewer_client.get(page_url(table)).content.decode()


def test_returning_without_an_opinion_is_refused_on_the_page(reviewer_client, table):
    response = reviewer_client.post(page_url(table), {"action": "return", "table_comment": "  "}, follow=True)
    assert messages_of(response) == ["「退回修改」需要至少一条审核意见"]
    assert workflow.status_of(table.department_id, 2021) == Status.SUBMITTED


def test_an_editor_cannot_approve_or_comment_from_the_page(client, table, people):
    signed_in(client, people["editor"])
    body = client.get(page_url(table)).content.decode()
    assert ">通过</button>" not in body and 'name="table_comment"' not in body
    response = client.post(page_url(table), {"action": "approve"}, follow=True)
    assert messages_of(response) == ["您无权「通过」"]
    response = client.post(page_url(table), {"action": "save", "table_comment": "自己提意见"}, follow=True)
    assert messages_of(response) == ["您不能对「待审」的表提出审核意见"]
    assert workflow.status_of(table.department_id, 2021) == Status.SUBMITTED and not ReviewComment.objects.exists()


def test_the_editor_marks_opinions_done_and_resubmits(client, table, people):
    opinion(people["reviewer"], table, "补充质量指标", "区长专线日常经费")
    opinion(people["reviewer"], table, "满意度目标偏低")
    workflow.transition(people["reviewer"], table.department, 2021, "return")
    first, second = ReviewComment.objects.order_by("id")
    signed_in(client, people["editor"])
    body = client.get(page_url(table)).content.decode()
    assert "补充质量指标" in body and "满意度目标偏低" in body and ">提交审核</button>" in body
    response = client.post(page_url(table), {"action": "resolve", "shown": [first.pk, second.pk],
                                             "resolved": [first.pk]}, follow=True)
    assert "已保存修改标记" in messages_of(response)
    assert list(ReviewComment.objects.order_by("id").values_list("resolved", flat=True)) == [True, False]
    response = client.post(page_url(table), {"action": "submit", "shown": [first.pk, second.pk],
                                             "resolved": [first.pk, second.pk]}, follow=True)
    assert "已完成「提交审核」,当前状态: 待审" in messages_of(response)
    assert list(ReviewComment.objects.values_list("resolved", flat=True)) == [True, True]


def test_a_reviewer_reopens_an_approved_table_with_a_reason(reviewer_client, table):
    reviewer_client.post(page_url(table), {"action": "approve"})
    body = reviewer_client.get(page_url(table)).content.decode()
    assert ">撤销通过</button>" in body and 'name="table_comment"' not in body
    response = reviewer_client.post(page_url(table), {"action": "reopen", "reason": "金额有误"}, follow=True)
    assert "已完成「撤销通过」,当前状态: 已退回" in messages_of(response)


# -- the opinion document ----------------------------------------------------------------------

@pytest.fixture
def reviewed(table, people):
    opinion(people["reviewer"], table, "补充质量指标", "区长专线日常经费")
    opinion(people["reviewer"], table, "整表满意度指标缺失")
    workflow.transition(people["reviewer"], table.department, 2021, "return", "请修改")
    workflow.transition(people["editor"], table.department, 2021, "submit")
    workflow.transition(people["reviewer"], table.department, 2021, "approve")
    return table


def test_the_printable_opinion_names_department_year_status_score_opinions_reviewer_and_date(reviewer_client, reviewed):
    response = reviewer_client.get(page_url(reviewed, "opinion/"))
    body = response.content.decode()
    approved_at = timezone.localtime(TableReview.objects.get().changed_at).strftime("%Y-%m-%d %H:%M")
    score = reviewed.review_score
    grade = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
    assert table_rows(response, "facts") == [["部门", NAME, "预算年度", "2021"],
                                             ["审核状态", "已通过", "审核得分", f"{score:.2f} ({grade})"],
                                             ["审核人", "reviewer", "日期", approved_at]]
    rows = table_rows(response, "opinion-list")
    assert [r[:5] + r[6:] for r in rows] == [["1", "区长专线日常经费", "", "补充质量指标", "reviewer", "否"],
                                            ["2", "(整表)", "", "整表满意度指标缺失", "reviewer", "否"]]
    assert 'href="/static/css/opinion-print.css"' in body and "style=" not in body and "<script" not in body


def test_the_opinion_downloads_as_xlsx(reviewer_client, reviewed):
    response = reviewer_client.get(page_url(reviewed, "opinion.xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    def rows(name):
        # A write-only sheet pads every row to the widest; the cells past a row's last value are empty.
        found = []
        for row in book[name].iter_rows(values_only=True):
            row = list(row)
            while row and row[-1] is None:
                row.pop()
            found.append(row)
        return found

    sheet = rows("审核意见书")
    approved_at = timezone.localtime(TableReview.objects.get().changed_at).strftime("%Y-%m-%d %H:%M")
    score = reviewed.review_score
    grade = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
    assert sheet[:8] == [["部门", NAME], ["预算年度", 2021], ["审核状态", "已通过"], ["审核得分", f"{score:.2f}"],
                         ["等级", grade], ["审核人", "reviewer"], ["日期", approved_at], []]
    assert sheet[8] == ["序号", "项目", "指标", "审核意见", "提出人", "时间", "已修改"]
    assert [r[:5] + r[6:] for r in sheet[9:]] == [[1, "区长专线日常经费", None, "补充质量指标", "reviewer", "否"],
                                                 [2, "(整表)", None, "整表满意度指标缺失", "reviewer", "否"]]
    history = rows("审核记录")
    assert [r[1:] for r in history[1:]] == [["reviewer", "待审", "已退回", "请修改"], ["clerk", "已退回", "待审"],
                                           ["reviewer", "待审", "已通过"]]


# -- what waits, on the admin home -------------------------------------------------------------

def test_the_admin_home_shows_a_reviewer_the_tables_waiting(client, table, people):
    body = signed_in(client, people["reviewer"]).get(reverse("admin:index")).content.decode()
    assert "待审核的绩效目标表(1 张)" in body and f'href="{page_url(table)}"' in body
    set_status(table, Status.APPROVED)
    assert "待审核的绩效目标表" not in client.get(reverse("admin:index")).content.decode()


def test_the_admin_home_shows_an_editor_the_returned_tables_with_their_opinions(client, table, people):
    signed_in(client, people["editor"])
    assert "已退回待修改" not in client.get(reverse("admin:index")).content.decode()
    opinion(people["reviewer"], table, "补充质量指标", "区长专线日常经费")
    workflow.transition(people["reviewer"], table.department, 2021, "return")
    body = client.get(reverse("admin:index")).content.decode()
    assert "已退回待修改的绩效目标表(1 张)" in body and "区长专线日常经费: 补充质量指标" in body
    assert "(未修改意见 1 条)" in body
    other = signed_in(Client(), people["other"]).get(reverse("admin:index")).content.decode()
    assert "补充质量指标" not in other


def test_the_review_page_costs_the_same_queries_for_a_large_table(reviewer_client, table):
    from tests.ui_helpers import grow

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = reviewer_client.get(page_url(table))
        assert response.status_code == 200
        return response, len(captured)

    _, few = queries()
    grow(table, projects=320, indicators=4)
    response, many = queries()
    assert few == many
    body = response.content.decode()
    assert body.count('<fieldset class="project') == 300
    assert "另有 33 个项目没有列出" in body  # 13 + 320 projects, 300 listed


def test_the_review_page_lists_the_weakest_projects_first_when_it_cannot_list_all(reviewer_client, table,
                                                                                 monkeypatch):
    # One error each; 窗口工作人员服装费 has three findings, the portal two (the order of selectors.ranked_by_findings,
    # which the department page's review card uses too).
    monkeypatch.setattr("budget.review_views.PROJECTS_SHOWN", 2)
    body = reviewer_client.get(page_url(table)).content.decode()
    listed = re.findall(r'<fieldset class="project[^"]*">\s*<legend>([^<]+?) <span', body)
    assert sorted(listed) == sorted(["窗口工作人员服装费", "区政府门户网站和政务新媒体运行经费"])
    assert listed == [p.name for p in table.projects.order_by("position") if p.name in listed]  # in source order
    assert "另有 11 个项目没有列出" in body


def test_the_review_pages_speak_english_when_asked(reviewer_client, table, people):
    opinion(people["reviewer"], table, "补充质量指标")
    reviewer_client.get(f"/i18n/en/?next={WORKLIST}")
    rows = table_rows(reviewer_client.get(WORKLIST), "worklist")
    assert rows[0][:2] == [NAME, "Submitted"] and rows[0][7].startswith("Import")
    body = reviewer_client.get(page_url(table)).content.decode()
    assert ">Return for revision</button>" in body and ">Approve</button>" in body and "Opinion on the whole table" in body
    response = reviewer_client.post(page_url(table), {"action": "approve"}, follow=True)
    assert messages_of(response) == ["Done: “Approve”; status now: Approved"]
    response = reviewer_client.post(page_url(table), {"action": "approve"}, follow=True)
    assert messages_of(response) == ["The table is “Approved”: it cannot be “Approve”"]


def test_the_site_navigation_links_the_worklist_for_reviewers_only(client, table, people):
    link = f'<a href="{WORKLIST}">审核工作台</a>'
    assert link not in client.get("/").content.decode()
    assert link not in signed_in(client, people["editor"]).get("/").content.decode()
    assert link in signed_in(client, people["reviewer"]).get("/").content.decode()


def test_the_review_page_links_the_next_table_waiting(reviewer_client, db):
    departments = make_year(10)  # 待审: n % 4 in (0, 3) → 0, 3, 4, 7, 8
    first = BudgetTable.objects.get(department=departments[0])
    body = reviewer_client.get(page_url(first)).content.decode()
    assert f'href="{page_url(BudgetTable.objects.get(department=departments[3]))}" id="next-pending"' in body
    last = BudgetTable.objects.get(department=departments[8])
    body = reviewer_client.get(page_url(last)).content.decode()
    assert f'href="{page_url(first)}" id="next-pending"' in body  # wraps round to the first
