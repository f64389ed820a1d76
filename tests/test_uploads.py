"""The admin's upload → preview → confirm (budget/uploads.py): each file parsed once, at upload; the
confirmation writes the records kept since, re-checking the approval lock and the department in its transaction;
and the previews say what changes, old → new, for targets, self-evaluation and monitoring."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budget.importing import actuals, importer, monitoring_import
from budget.importing.monitoring_import import import_monitoring
from budget.models import ImportLog, Indicator, IndicatorProgress, MonitoringReport, Project, TableReview
from budget.uploads import pending_dir
from tests.conftest import REFERENCE
from tests.test_identity import corrected_edition
from tests.test_workflow import people, table  # noqa: F401 (fixtures)

DEPARTMENT = "广州市花都区政务服务和数据管理局"
MONITORING = Path(__file__).parent / "data" / "monitoring" / "huadu-2021-06-rows.csv"
SELF_EVALUATION = ("项目名称,三级指标,实际完成值,偏差原因,得分\n"
                   "窗口工作人员服装费,服装发放及时性,98%,一批服装晚到,9\n").encode()


@pytest.fixture
def parses(monkeypatch):
    """How many times a file was opened for parsing, by any of the three importers."""
    count = {"n": 0}
    for module in (importer, actuals, monitoring_import):
        def counted(*args, _open=module.open_table, **kwargs):
            count["n"] += 1
            return _open(*args, **kwargs)
        monkeypatch.setattr(module, "open_table", counted)
    return count


def post(client, url, name, content, **fields):
    return client.post(url, {"file": SimpleUploadedFile(name, content), "year": "2021", **fields})


def test_a_targets_upload_is_parsed_once_at_upload_and_not_again_to_confirm(admin_client, db, parses):
    url = reverse("admin:budget_import")
    response = post(admin_client, url, REFERENCE.name, REFERENCE.read_bytes())
    assert "项目13个 指标63个" in response.content.decode() and Indicator.objects.count() == 0
    assert parses["n"] == 1
    assert admin_client.post(url, {"token": response.context["token"]}).status_code == 302
    assert parses["n"] == 1 and Indicator.objects.count() == 63


def test_a_self_evaluation_upload_is_parsed_once(admin_client, reference_table, parses):
    url = reverse("admin:budget_actuals")
    response = post(admin_client, url, "自评.csv", SELF_EVALUATION, department=DEPARTMENT)
    assert parses["n"] == 1
    assert admin_client.post(url, {"token": response.context["token"]}).status_code == 302
    assert parses["n"] == 1
    assert Indicator.objects.get(project__name="窗口工作人员服装费", name="服装发放及时性").actual_value == "98%"


def test_a_self_evaluation_form_bringing_its_targets_is_read_at_upload_only(admin_client, db, parses):
    """A 自评表 for a project with no targets is read twice at upload, as results and as targets, and not again:
    the confirmation writes both from the records kept."""
    form = Path(__file__).parent / "data" / "real" / "sc-qingshen-2023-self-eval.csv"
    url = reverse("admin:budget_actuals")
    response = admin_client.post(url, {"file": SimpleUploadedFile(form.name, form.read_bytes())})
    assert "青神县发展和改革局本级 2023年 项目1个 实际完成值2条 全年执行数1条" in response.content.decode()
    assert parses["n"] == 2 and not Project.objects.exists()
    assert admin_client.post(url, {"token": response.context["token"]}).status_code == 302
    assert parses["n"] == 2
    project = Project.objects.get()
    assert (project.name, project.total, project.executed) == ("工资性支出", Decimal("251.89"), Decimal("251.89"))
    assert project.indicators.count() == 2


def test_a_monitoring_upload_is_parsed_once(admin_client, reference_table, parses):
    url = reverse("admin:budget_monitoring_import")
    response = post(admin_client, url, MONITORING.name, MONITORING.read_bytes())
    assert parses["n"] == 1 and MonitoringReport.objects.count() == 0
    assert admin_client.post(url, {"token": response.context["token"]}).status_code == 302
    assert parses["n"] == 1 and MonitoringReport.objects.count() == 4


def test_only_the_sealed_records_wait_between_preview_and_confirmation(admin_client, db):
    url = reverse("admin:budget_import")
    token = post(admin_client, url, REFERENCE.name, REFERENCE.read_bytes()).context["token"]
    assert not (pending_dir() / token).exists()  # the file itself is gone once read
    records = pending_dir() / f"{token}.records"
    blob = bytearray(records.read_bytes())
    blob[-1] ^= 1  # one bit changed: never unpickled
    records.write_bytes(bytes(blob))
    response = admin_client.post(url, {"token": token}, follow=True)
    assert "预览已过期,请重新上传" in response.content.decode()
    assert Indicator.objects.count() == 0 and not records.exists()


def test_a_token_that_names_another_file_is_refused(admin_client, db):
    url = reverse("admin:budget_import")
    post(admin_client, url, REFERENCE.name, REFERENCE.read_bytes())
    for token in ("../../settings", "x" * 32, ""):
        response = admin_client.post(url, {"token": token}, follow=True)
        assert "预览已过期,请重新上传" in response.content.decode()
    assert Indicator.objects.count() == 0


def test_records_kept_for_one_user_are_not_written_for_another(client, table, people):
    """The token alone is not enough: the records name the user who previewed them."""
    url = reverse("admin:budget_import")
    client.force_login(people["admin"])
    token = post(client, url, REFERENCE.name, REFERENCE.read_bytes()).context["token"]
    held = client.session[f"import-{token}"]
    client.force_login(people["editor"])  # a new session: put the admin's key into it
    session = client.session
    session[f"import-{token}"] = held
    session.save()
    response = client.post(url, {"token": token}, follow=True)
    assert "预览已过期,请重新上传" in response.content.decode()


def test_an_approval_between_preview_and_confirmation_refuses_the_import(admin_client, reference_table, write_file):
    url = reverse("admin:budget_import")
    response = post(admin_client, url, "corrected.txt", corrected_edition(write_file).read_bytes())
    assert response.context["preview"].changed == ["区长专线日常经费"]
    TableReview.objects.update_or_create(department=reference_table.department, year=2021,
                                         defaults={"status": TableReview.Status.APPROVED})
    response = admin_client.post(url, {"token": response.context["token"]}, follow=True)
    assert "2021年的绩效目标表已通过审核" in response.content.decode()
    assert Project.objects.get(name="区长专线日常经费").total == Decimal("1.00")
    assert Project.objects.filter(name="政务大厅便民改造").exists() and ImportLog.objects.count() == 1


def test_a_department_taken_away_between_preview_and_confirmation_refuses_the_import(client, table, people,
                                                                                      write_file):
    url = reverse("admin:budget_import")
    client.force_login(people["editor"])
    response = post(client, url, "corrected.txt", corrected_edition(write_file).read_bytes())
    assert response.context["preview"].changed == ["区长专线日常经费"]
    table.department.editors.remove(people["editor"])
    response = client.post(url, {"token": response.context["token"]}, follow=True)
    assert "不是您负责的部门,您只能导入本部门的数据" in response.content.decode()
    # The write ran and was rolled back with the check, in one transaction.
    assert Project.objects.get(name="区长专线日常经费").total == Decimal("1.00")
    assert Project.objects.filter(name="政务大厅便民改造").exists() and ImportLog.objects.count() == 1


def test_the_targets_preview_says_what_changes_in_a_project(admin_client, reference_table, write_file):
    body = post(admin_client, reverse("admin:budget_import"), "corrected.txt",
                corrected_edition(write_file).read_bytes()).content.decode()
    project = body.split("<caption>区长专线日常经费</caption>")[1].split("</table>")[0]
    assert '<tr><th>合计</th><td class="old">1.00</td><td class="new">4.00</td></tr>' in project
    assert '<tr><th>财政拨款</th><td class="old">1.00</td><td class="new">4.00</td></tr>' in project


# -- the self-evaluation preview: each result old → new ------------------------------------------

def test_a_second_self_evaluation_shows_each_result_old_and_new(admin_client, reference_table):
    actuals.import_actuals(SimpleUploadedFile("自评.csv", SELF_EVALUATION), filename="自评.csv", year=2021,
                           department=DEPARTMENT)
    again = ("项目名称,三级指标,实际完成值,偏差原因,得分\n"
             "窗口工作人员服装费,服装发放及时性,100%,,10\n"
             "窗口工作人员服装费,全年执行数,9.5,,\n").encode()
    body = post(admin_client, reverse("admin:budget_actuals"), "自评2.csv", again,
                department=DEPARTMENT).content.decode()
    rows = [
        '<td>窗口工作人员服装费</td><th>服装发放及时性 · 实际完成值</th><td class="old">98%</td><td class="new">100%</td>',
        '<td>窗口工作人员服装费</td><th>服装发放及时性 · 偏差原因</th><td class="old">一批服装晚到</td><td class="new">—</td>',
        '<td>窗口工作人员服装费</td><th>服装发放及时性 · 评价得分</th><td class="old">9.00</td><td class="new">10.00</td>',
    ]
    for row in rows:
        assert row in body, row
    assert '<th>全年执行数(万元)</th><td class="old">—</td><td class="new">9.50</td>' in body


# -- the monitoring preview: each report against the stored one of that month -------------------

def monitoring_text(*, without=None, changes=()) -> str:
    """The June monitoring table of the reference department, a project's block left out or cells changed."""
    lines, kept, skipping = MONITORING.read_bytes().decode("gb18030").splitlines(), [], False
    for line in lines:
        if line.split(",")[0]:
            skipping = bool(without) and line.startswith(without + ",")
        if not skipping:
            for old, new in changes:
                line = line.replace(old, new)
            kept.append(line)
    return "\n".join(kept)


def test_the_monitoring_preview_says_what_each_report_changes(admin_client, reference_table, write_file):
    stored = write_file("june.csv", monitoring_text(without="区长专线日常经费"))
    import_monitoring(stored, year=2021)
    assert MonitoringReport.objects.count() == 3
    # 办证大厅窗口服务经费: executed 59.7 → 100 of 199 (30% → 50.25%, no longer behind the 40% of June, so no
    # red); 工作人数 16人 → 15人 of 16: progress (100 + 93.75 + 100) / 3 = 97.9% against a rate of 50.25%:
    # still more than 10 points apart, yellow.
    text = monitoring_text(changes=[("199,0,199,59.7,30.00%", "199,0,199,100,50.25%"),
                                    ("工作人数,16人,16人,16人", "工作人数,16人,15人,16人")])
    body = post(admin_client, reverse("admin:budget_monitoring_import"), "june-again.csv",
                text.encode("gb18030")).content.decode()
    assert '<p class="import-new-reports">新增报告:区长专线日常经费</p>' in body
    changed = body.split("<caption>办证大厅窗口服务经费</caption>")[1].split("</table>")[0]
    assert changed.split("<tbody>")[1].split("</tbody>")[0] == (
        '<tr><th>执行数(万元)</th><td class="old">59.70</td><td class="new">100.00</td></tr>'
        '<tr><th>信号灯</th><td class="old">红灯</td><td class="new">黄灯</td></tr>'
        '<tr><th>工作人数 · 当前完成值</th><td class="old">16人</td><td class="new">15人</td></tr>')
    assert '<p class="import-same-reports">与已有报告相同:基层服务平台示范点建设经费、新政务中心大楼后勤保障经费</p>' in body
    assert MonitoringReport.objects.get(project__name="办证大厅窗口服务经费").executed == Decimal("59.7")


def test_the_monitoring_preview_names_indicator_rows_added_and_dropped(admin_client, reference_table, write_file):
    import_monitoring(write_file("june.csv", monitoring_text()), year=2021)
    text = "\n".join(line for line in monitoring_text().splitlines() if ",工作人数,16人," not in line)
    body = post(admin_client, reverse("admin:budget_monitoring_import"), "june-again.csv",
                text.encode("gb18030")).content.decode()
    changed = body.split("<caption>办证大厅窗口服务经费</caption>")[1].split("</table>")[0]
    assert '<tr><th>删除指标:工作人数</th><td class="old">16人</td><td class="new">—</td></tr>' in changed
    assert IndicatorProgress.objects.filter(indicator__name="工作人数").count() == 1


# -- the pages: ModelAdmin methods, with the admin's permissions and titles -----------------------

PAGES = ["admin:budget_import", "admin:budget_actuals", "admin:budget_monitoring_import"]


def test_each_upload_page_is_open_to_an_editor_with_the_sites_titles_and_its_list(client, table, people):
    client.force_login(people["editor"])
    for name, changelist, listed in zip(PAGES, ["budgettable", "indicator", "monitoringreport"],
                                        ["绩效目标表", "绩效指标", "绩效运行监控"]):
        body = client.get(reverse(name)).content.decode()
        assert "<title>" in body and "| 预算绩效目标看板</title>" in body, name
        assert '<div id="site-name"><a href="/admin/">预算绩效目标看板 · 管理</a></div>' in body, name
        link = f'<a href="{reverse(f"admin:budget_{changelist}_changelist")}">{listed}</a>'
        assert link in body, (name, link)


def test_a_reviewer_may_open_no_upload_page(client, table, people):
    client.force_login(people["reviewer"])
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("admin:budget_monitoringreport_add")).status_code == 403


def test_adding_a_monitoring_report_is_importing_one(client, table, people):
    client.force_login(people["editor"])
    response = client.get(reverse("admin:budget_monitoringreport_add"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:budget_monitoring_import")
