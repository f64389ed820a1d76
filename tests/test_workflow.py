"""The review round's rules (budget/workflow.py): every transition, who may make it, and the approval lock
on every write path (import function, command line, admin upload, admin forms)."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from budget import exporter, workflow
from budget.apps import EDITORS, REVIEWERS, ensure_groups
from budget.importing.importer import import_table
from budget.models import BudgetTable, ImportLog, Indicator, Project, ReviewComment, TableReview
from budget.importing.problems import ImportFailed
from tests.conftest import REFERENCE
from tests.test_admin import project_post_data

NAME = "广州市花都区政务服务和数据管理局"
Status = TableReview.Status


@pytest.fixture
def people(db, django_user_model):
    """An administrator, a reviewer, the department's editor, another department's editor, and a staff
    user with no role at all."""
    ensure_groups(None)
    admin = django_user_model.objects.create_superuser("admin", "", "pw-12345678")
    reviewer = django_user_model.objects.create_user("reviewer", password="pw-12345678", is_staff=True,
                                                     first_name="", last_name="")
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    reviewer.user_permissions.add(*Group.objects.get(name=REVIEWERS).permissions.filter(codename="view_all_departments"))
    editor = django_user_model.objects.create_user("clerk", password="pw-12345678", is_staff=True)
    other = django_user_model.objects.create_user("other-clerk", password="pw-12345678", is_staff=True)
    for user in (editor, other):
        user.groups.add(Group.objects.get(name=EDITORS))
    nobody = django_user_model.objects.create_user("nobody", password="pw-12345678", is_staff=True)
    return {"admin": admin, "reviewer": reviewer, "editor": editor, "other": other, "nobody": nobody}


@pytest.fixture
def table(reference_table, people):
    reference_table.department.editors.add(people["editor"])
    return reference_table


def set_status(table, status):
    TableReview.objects.update_or_create(department=table.department, year=table.year, defaults={"status": status})


def opinion(user, table, text="请补充满意度指标", project=""):
    workflow.add_opinions(user, table.department, table.year, [workflow.Opinion(text, project)])


def test_an_imported_table_waits_for_review_with_no_history(table):
    assert workflow.status_of(table.department_id, 2021) == Status.SUBMITTED
    assert workflow.export_section(table) == {"status": "submitted", "history": [], "comments": []}


def test_the_round_records_who_when_from_to_and_the_comment(table, people):
    reviewer, editor = people["reviewer"], people["editor"]
    opinion(reviewer, table, "产出指标缺少质量指标", "区长专线日常经费")
    workflow.transition(reviewer, table.department, 2021, "return", "请按意见修改")
    comment = ReviewComment.objects.get()
    workflow.mark_resolved(editor, table.department, 2021, {comment.pk}, {comment.pk})
    workflow.transition(editor, table.department, 2021, "submit", "已补充")
    workflow.transition(reviewer, table.department, 2021, "approve")
    review = TableReview.objects.get()
    assert review.status == Status.APPROVED and review.changed_by == "reviewer"
    assert [(e.by, e.from_status, e.to_status, e.comment) for e in review.events.all()] == [
        ("reviewer", "submitted", "returned", "请按意见修改"),
        ("clerk", "returned", "submitted", "已补充"),
        ("reviewer", "submitted", "approved", ""),
    ]
    times = [e.at for e in review.events.all()]
    assert times == sorted(times) and all(times)
    comment.refresh_from_db()
    assert (comment.resolved, comment.resolved_by, comment.project) == (True, "clerk", "区长专线日常经费")


# Each action from the state it starts in, and who may make it.
RULES = [
    ("submit", Status.RETURNED, {"admin", "editor"}),
    ("submit", Status.DRAFT, {"admin", "editor"}),
    ("withdraw", Status.SUBMITTED, {"admin", "editor"}),
    ("return", Status.SUBMITTED, {"admin", "reviewer"}),
    ("approve", Status.SUBMITTED, {"admin", "reviewer"}),
    ("reopen", Status.APPROVED, {"admin", "reviewer"}),
]


@pytest.mark.parametrize("who", ["admin", "reviewer", "editor", "other", "nobody"])
@pytest.mark.parametrize(("action", "start", "allowed"), RULES)
def test_who_may_make_each_transition(table, people, who, action, start, allowed):
    set_status(table, start)
    ReviewComment.objects.create(review=TableReview.objects.get(), text="意见", by="reviewer", at="2026-01-01T00:00Z")
    user = people[who]
    if who in allowed:
        review = workflow.transition(user, table.department, 2021, action, "理由")
        assert review.status == workflow.ACTIONS[action].target
        assert review.events.get().by == user.username
    else:
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.transition(user, table.department, 2021, action, "理由")
        assert str(refused.value) == f"您无权「{workflow.ACTIONS[action].label}」"
        assert workflow.status_of(table.department_id, 2021) == start


@pytest.mark.parametrize(("action", "start", "message"), [
    ("approve", Status.RETURNED, "当前状态为「已退回」,不能「通过」"),
    ("approve", Status.DRAFT, "当前状态为「草稿」,不能「通过」"),
    ("return", Status.APPROVED, "当前状态为「已通过」,不能「退回修改」"),
    ("submit", Status.SUBMITTED, "当前状态为「待审」,不能「提交审核」"),
    ("submit", Status.APPROVED, "当前状态为「已通过」,不能「提交审核」"),
    ("reopen", Status.SUBMITTED, "当前状态为「待审」,不能「撤销通过」"),
])
def test_a_transition_from_the_wrong_state_is_refused(table, people, action, start, message):
    set_status(table, start)
    with pytest.raises(workflow.WorkflowError, match=message):
        workflow.transition(people["admin"], table.department, 2021, action, "理由")
    assert TableReview.objects.get().events.count() == 0


def test_returning_needs_an_open_opinion(table, people):
    with pytest.raises(workflow.WorkflowError, match="「退回修改」需要至少一条审核意见"):
        workflow.transition(people["reviewer"], table.department, 2021, "return")
    opinion(people["reviewer"], table)
    ReviewComment.objects.update(resolved=True)  # an opinion already acted on does not count
    with pytest.raises(workflow.WorkflowError, match="需要至少一条审核意见"):
        workflow.transition(people["reviewer"], table.department, 2021, "return")
    opinion(people["reviewer"], table, "另一条意见")
    assert workflow.transition(people["reviewer"], table.department, 2021, "return").status == Status.RETURNED


def test_reopening_needs_a_reason_which_becomes_an_opinion(table, people):
    set_status(table, Status.APPROVED)
    with pytest.raises(workflow.WorkflowError, match="「撤销通过」需要填写理由"):
        workflow.transition(people["reviewer"], table.department, 2021, "reopen", "  ")
    workflow.transition(people["reviewer"], table.department, 2021, "reopen", "预算调整,需修改目标")
    assert workflow.status_of(table.department_id, 2021) == Status.RETURNED
    assert list(ReviewComment.objects.values_list("text", "by", "resolved")) == [("预算调整,需修改目标", "reviewer", False)]


def test_only_reviewers_write_opinions_and_only_editors_mark_them(table, people):
    for who in ("editor", "nobody", "other"):
        with pytest.raises(workflow.WorkflowError, match="您不能对「待审」的表提出审核意见"):
            opinion(people[who], table)
    opinion(people["reviewer"], table)
    workflow.transition(people["reviewer"], table.department, 2021, "return")
    pk = ReviewComment.objects.get().pk
    for who in ("reviewer", "other", "nobody"):
        with pytest.raises(workflow.WorkflowError, match="只有本部门的编辑人员能在表退回后标记「已修改」"):
            workflow.mark_resolved(people[who], table.department, 2021, {pk}, {pk})
    assert not ReviewComment.objects.get().resolved


def test_an_approved_table_takes_no_opinions(table, people):
    set_status(table, Status.APPROVED)
    with pytest.raises(workflow.WorkflowError, match="您不能对「已通过」的表提出审核意见"):
        opinion(people["admin"], table)


# -- the lock ---------------------------------------------------------------------------------

@pytest.fixture
def approved(table, people):
    workflow.transition(people["reviewer"], table.department, 2021, "approve")
    review = TableReview.objects.get()
    when = timezone.localtime(review.changed_at).strftime("%Y-%m-%d %H:%M")
    return table, f"{NAME} 2021年的绩效目标表已通过审核(reviewer 于 {when}),已锁定;需审核员先「撤销通过」才能修改或重新导入"


def assert_unchanged(table):
    again = BudgetTable.objects.get()
    assert (again.pk, again.imported_at, again.source_sha256) == (table.pk, table.imported_at, table.source_sha256)


def test_an_import_of_an_approved_table_is_refused_and_writes_nothing(approved, write_file):
    table, message = approved
    changed = REFERENCE.read_text(encoding="utf-8").replace("区长专线日常经费", "区长专线经费")
    logs = ImportLog.objects.count()
    with pytest.raises(ImportFailed) as failed:
        import_table(write_file("new.txt", changed), filename="new.txt", year=2021)
    assert [str(p) for p in failed.value.problems] == [f"new.txt: {message}"]
    with pytest.raises(ImportFailed):
        import_table(write_file("new.txt", changed), filename="new.txt", year=2021, dry_run=True)
    assert_unchanged(table)
    assert ImportLog.objects.count() == logs and Project.objects.filter(name="区长专线日常经费").exists()


def test_the_import_command_refuses_an_approved_table(approved, capsys):
    table, message = approved
    with pytest.raises(CommandError, match="1 个文件未能导入"):
        call_command("import_targets", str(REFERENCE), "--year", "2021")
    assert f"{REFERENCE.name}: {message}" in capsys.readouterr().err
    assert_unchanged(table)


def test_the_admin_upload_refuses_an_approved_table(approved, client, people):
    table, message = approved
    client.force_login(people["admin"])
    upload = SimpleUploadedFile(REFERENCE.name, REFERENCE.read_bytes())
    response = client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    assert f"{REFERENCE.name}: {message}" in response.content.decode()
    assert "token" not in response.context
    assert_unchanged(table)


def test_an_admin_edit_of_an_approved_project_is_refused_with_who_approved(approved, client, people):
    _, message = approved
    client.force_login(people["admin"])
    project = Project.objects.get(name="区长专线日常经费")
    url = reverse("admin:budget_project_change", args=[project.pk])
    assert message in [str(m) for m in client.get(url).context["messages"]]
    data = project_post_data(project, "1.00", {}) | {"goal": "改写的目标"}
    response = client.post(url, data)
    assert response.status_code == 200 and message in response.content.decode()
    project.refresh_from_db()
    assert project.goal != "改写的目标"


@pytest.mark.parametrize("model", ["budgettable", "fundingunit", "indicator"])
def test_other_admin_forms_of_an_approved_table_are_refused(approved, client, people, model):
    table, message = approved
    client.force_login(people["admin"])
    obj = {"budgettable": table, "fundingunit": table.units.first(),
           "indicator": Indicator.objects.filter(project__table=table).first()}[model]
    url = reverse(f"admin:budget_{model}_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list)}
    response = client.post(url, data | {"name": "改名", "title": "改名"} | _inline_management(client.get(url)))
    assert response.status_code == 200 and message in response.content.decode()
    assert "改名" not in {str(getattr(type(obj).objects.get(pk=obj.pk), f, "")) for f in ("name", "title")}


def _inline_management(response):
    """The management form of each inline on the page, saying no inline row changes."""
    data = {}
    for formset in response.context.get("inline_admin_formsets") or []:
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_adding_a_project_to_an_approved_table_is_refused(approved, client, people):
    table, message = approved
    client.force_login(people["admin"])
    data = {"table": table.pk, "unit": table.units.first().pk, "position": 999, "name": "新增项目", "total": "0",
            "indicators-TOTAL_FORMS": 0,
            "indicators-INITIAL_FORMS": 0}
    response = client.post(reverse("admin:budget_project_add"), data)
    assert message in response.content.decode()
    assert not Project.objects.filter(name="新增项目").exists()


def test_deleting_from_an_approved_table_is_refused(approved, client, people):
    table, message = approved
    client.force_login(people["admin"])
    project = Project.objects.get(name="区长专线日常经费")
    response = client.post(reverse("admin:budget_project_delete", args=[project.pk]), {"post": "yes"}, follow=True)
    assert message in [str(m) for m in response.context["messages"]]
    response = client.post(reverse("admin:budget_budgettable_changelist"),
                           {"action": "delete_selected", "_selected_action": [table.pk], "post": "yes"})
    assert response.status_code in (200, 403)
    assert Project.objects.filter(pk=project.pk).exists() and BudgetTable.objects.filter(pk=table.pk).exists()


def test_reopening_lifts_the_lock(approved, people, write_file):
    table, _ = approved
    workflow.transition(people["reviewer"], table.department, 2021, "reopen", "需更正金额")
    changed = REFERENCE.read_text(encoding="utf-8").replace("区长专线日常经费", "区长专线经费")
    import_table(write_file("new.txt", changed), filename="new.txt", year=2021)
    assert Project.objects.filter(name="区长专线经费").exists()
    # The round goes on where it was: the re-imported table is still returned, with its opinion.
    assert workflow.status_of(table.department_id, 2021) == Status.RETURNED
    assert list(ReviewComment.objects.values_list("text", flat=True)) == ["需更正金额"]


def test_another_departments_table_is_not_locked_by_this_approval(approved, write_file):
    text = REFERENCE.read_text(encoding="utf-8").replace(f"部门名称: {NAME}", "部门名称: 某区教育局")
    import_table(write_file("edu.txt", text), filename="edu.txt", year=2021)
    import_table(REFERENCE, filename=REFERENCE.name, year=2022)
    assert BudgetTable.objects.count() == 3


# -- the export -------------------------------------------------------------------------------

def test_the_export_carries_status_history_and_opinions(table, people):
    opinion(people["reviewer"], table, "满意度指标值偏低", "区长专线日常经费")
    workflow.transition(people["reviewer"], table.department, 2021, "return", "请修改")
    workflow.transition(people["editor"], table.department, 2021, "submit")
    workflow.transition(people["reviewer"], table.department, 2021, "approve", "同意")
    review = exporter.json_document(year=2021)["tables"][0]["review"]
    assert review["score"] == f"{table.review_score:.2f}" and review["status"] == "approved"
    assert [(h["status"], h["by"], h["comment"]) for h in review["history"]] == [
        ("returned", "reviewer", "请修改"), ("submitted", "clerk", ""), ("approved", "reviewer", "同意")]
    assert all(h["at"].startswith("20") and "T" in h["at"] for h in review["history"])
    (comment,) = review["comments"]
    assert comment | {"at": None} == {"project": "区长专线日常经费", "indicator": None, "by": "reviewer", "at": None,
                                      "text": "满意度指标值偏低", "resolved": False}
    visitor = exporter.json_document(year=2021, opinions=False)["tables"][0]["review"]
    assert visitor["comments"] == [] and [h["comment"] for h in visitor["history"]] == ["", "", ""]
