"""Data entry in the admin as a clerk uses it (issue 20): the import preview says what changes, amounts as
finance staff write them, findings as readable lists, targets that cannot disagree with their value text."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budget.models import Indicator, Project
from tests.conftest import REFERENCE


def corrected_edition() -> bytes:
    """The reference table with 窗口工作人员服装费 at 12.00 instead of 10.00 (as a department corrects it)."""
    text = REFERENCE.read_text(encoding="utf-8")
    old = "窗口工作人员服装费\t10.00\t10.00\t"
    assert old in text
    text = text.replace(old, "窗口工作人员服装费\t12.00\t12.00\t")
    return text.replace("服装发放及时性;实施周期指标值:99%;年度指标值:99%", "服装发放及时性;实施周期指标值:99%;年度指标值:98%").encode()


def test_the_preview_of_a_corrected_edition_shows_old_and_new_amounts(admin_client, reference_table):
    Indicator.objects.filter(project__name="窗口工作人员服装费", name="购置服装完好率").update(actual_value="100%")
    upload = SimpleUploadedFile("corrected.txt", corrected_edition())
    response = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021", "lenient": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    start = body.index("<caption>窗口工作人员服装费</caption>")
    section = body[start:body.index("</table>", start)]
    assert "<th>合计</th><td class=\"old\">10.00</td><td class=\"new\">12.00</td>" in section
    assert "<th>财政拨款</th><td class=\"old\">10.00</td><td class=\"new\">12.00</td>" in section
    assert "<th>服装发放及时性 · 年度指标值</th><td class=\"old\">99%</td><td class=\"new\">98%</td>" in section
    assert "保留自评结果的指标:购置服装完好率" in body
    assert Project.objects.get(name="窗口工作人员服装费").total == Decimal("10.00")  # nothing written yet


def change_page_data(project, **changes):
    """The project's change form as the browser posts it, with `changes` over it."""
    funding = list(project.funding.select_related("source"))
    indicators = list(project.indicators.all())
    data = {
        "table": project.table_id, "unit": project.unit_id, "position": project.position, "name": project.name,
        "code": "", "goal": project.goal, "period_goal": "", "attributes": "{}", "total": str(project.total),
        "source_row": project.source_row or "",
        "indicators-TOTAL_FORMS": len(indicators), "indicators-INITIAL_FORMS": len(indicators),
        "indicator_results-TOTAL_FORMS": len(indicators), "indicator_results-INITIAL_FORMS": len(indicators),
    }
    data.update({f"funding_{f.source_id}": str(f.amount) for f in funding})
    for i, ind in enumerate(indicators):
        data.update({f"indicators-{i}-id": ind.pk, f"indicators-{i}-project": project.pk,
                     f"indicators-{i}-level2": ind.level2_id, f"indicators-{i}-position": ind.position,
                     f"indicators-{i}-seq": ind.seq, f"indicators-{i}-name": ind.name,
                     f"indicators-{i}-period_value": ind.period_value or "",
                     f"indicators-{i}-annual_value": ind.annual_value or "",
                     f"indicator_results-{i}-id": ind.pk, f"indicator_results-{i}-project": project.pk,
                     f"indicator_results-{i}-weight": "" if ind.weight is None else str(ind.weight),
                     f"indicator_results-{i}-actual_value": ind.actual_value,
                     f"indicator_results-{i}-actual_points": "",
                     f"indicator_results-{i}-deviation_reason": ind.deviation_reason})
    data.update(changes)
    return data


@pytest.mark.parametrize("typed", ["2,616.61", "2616.61", "2616.61万", "2,616.61万元"])
def test_amount_inputs_accept_what_finance_staff_type(admin_client, reference_table, typed):
    from budget.entry_admin import AmountField

    assert AmountField(max_digits=20, decimal_places=6).clean(typed) == Decimal("2616.61")


def test_the_change_page_shows_amounts_and_findings_as_a_clerk_reads_them(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    body = admin_client.get(reverse("admin:budget_project_change", args=[project.pk])).content.decode()
    assert 'value="10.00"' in body and "10.000000" not in body
    assert '<span class="badge error">错误</span> 缺少效益指标' in body
    assert "[{" not in body and "&quot;code&quot;" not in body


def test_a_target_is_read_again_from_its_value_text_on_save(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    indicator = project.indicators.get(name="服装发放及时性")
    i = list(project.indicators.all()).index(indicator)
    data = change_page_data(project, **{f"indicators-{i}-annual_value": "不低于95%",
                                        # a target typed by hand is not a field of the form: it cannot win
                                        f"indicators-{i}-comparator": "<=", f"indicators-{i}-target_value": "7"})
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    indicator.refresh_from_db()
    assert (indicator.annual_value, indicator.comparator, indicator.target_value, indicator.target_unit) == (
        "不低于95%", ">=", Decimal("95"), "%")


def test_a_value_text_without_one_number_leaves_no_target(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    indicator = project.indicators.get(name="服装发放及时性")
    i = list(project.indicators.all()).index(indicator)
    data = change_page_data(project, **{f"indicators-{i}-annual_value": "及时发放"})
    admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    indicator.refresh_from_db()
    assert (indicator.comparator, indicator.target_value, indicator.target_unit) == ("", None, "")


def test_a_weight_and_a_value_edited_together_are_both_kept(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    indicator = project.indicators.get(name="服装发放及时性")
    i = list(project.indicators.all()).index(indicator)
    data = change_page_data(project, **{f"indicators-{i}-annual_value": "≥97%",
                                        f"indicator_results-{i}-weight": "20",
                                        f"indicator_results-{i}-actual_value": "98%"})
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    indicator.refresh_from_db()
    assert (indicator.annual_value, indicator.target_value, indicator.weight, indicator.actual_value) == (
        "≥97%", Decimal("97"), Decimal("20"), "98%")


def test_the_project_list_shows_total_sources_indicators_score_and_grade(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    body = admin_client.get(reverse("admin:budget_project_changelist") + "?q=窗口工作人员服装费").content.decode()
    assert f'<td class="field-score">{project.review_score:.2f}</td>' in body
    assert '<td class="field-total_amount">10.00</td>' in body
    assert '<td class="field-indicators">4</td>' in body
    filtered = admin_client.get(reverse("admin:budget_project_changelist") + "?finding=missing-category")
    assert "窗口工作人员服装费" in filtered.content.decode()


def test_the_admin_home_offers_the_clerk_shortcuts(admin_client, reference_table):
    body = admin_client.get(reverse("admin:index")).content.decode()
    start = body.index('id="entry-shortcuts"')
    shortcuts = body[start:body.index("</div>", start)]
    assert f'href="{reverse("admin:budget_import")}"' in shortcuts
    assert f'href="{reverse("admin:budget_monitoring_import")}"' in shortcuts
    assert f'href="{reverse("admin:budget_budgettable_changelist")}"' in shortcuts
    assert f'href="{reverse("budget:review")}"' in shortcuts


def test_an_editor_is_not_offered_the_worklist_they_may_not_open(client, reference_table, django_user_model):
    from django.contrib.auth.models import Group

    from budget.apps import EDITORS, ensure_groups

    ensure_groups(None)
    clerk = django_user_model.objects.create_user("clerk", password="a-long-passphrase-1", is_staff=True)
    clerk.groups.add(Group.objects.get(name=EDITORS))
    reference_table.department.editors.add(clerk)
    client.force_login(clerk)
    body = client.get(reverse("admin:index")).content.decode()
    start = body.index('id="entry-shortcuts"')
    shortcuts = body[start:body.index("</div>", start)]
    assert f'href="{reverse("admin:budget_import")}"' in shortcuts
    assert f'href="{reverse("budget:review")}"' not in shortcuts


# The 绩效指标 cell of 窗口工作人员服装费 as the reference table publishes it, with a sentence no grammar reads.
CELL = ("1.1-产出指标:12-质量指标:购置服装完好率;实施周期指标值:100%;年度指标值:100%。"
        "2.1-产出指标:13-时效指标:服装发放及时性;实施周期指标值:99%;年度指标值:99%。")


def test_a_pasted_cell_is_shown_as_indicators_before_it_is_saved(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    before = project.indicators.count()
    url = reverse("admin:budget_project_change", args=[project.pk])
    response = admin_client.post(url, change_page_data(project, paste="另附说明文字" + CELL))
    body = response.content.decode()
    assert response.status_code == 200
    assert "读出 2 个指标:" in body
    assert "1. 产出指标 / 质量指标 / 购置服装完好率:100% → 100%" in body
    assert "2. 产出指标 / 时效指标 / 服装发放及时性:99% → 99%" in body
    assert "未能识别(保存时记入「未能识别的指标文本」):另附说明文字" in body
    assert project.indicators.count() == before

    response = admin_client.post(url, change_page_data(project, paste="另附说明文字" + CELL, paste_confirmed="on"))
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    added = list(project.indicators.order_by("position"))[before:]
    assert [(i.level2.name, i.name, i.annual_value, i.comparator, i.target_value, i.target_unit) for i in added] == [
        ("质量指标", "购置服装完好率", "100%", "=", Decimal("100"), "%"),
        ("时效指标", "服装发放及时性", "99%", "=", Decimal("99"), "%")]
    project.refresh_from_db()
    assert "另附说明文字" in project.unparsed_indicator_text


def test_spreadsheet_lines_are_read_and_a_short_line_is_shown_not_dropped(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    lines = "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t购置服装套数\t≥120套\n效益指标\t只有两列"
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]),
                                 change_page_data(project, paste=lines))
    body = response.content.decode()
    assert "读出 1 个指标:" in body
    assert "1. 产出指标 / 数量指标 / 购置服装套数:≥120套 → ≥120套" in body
    assert "未能识别(保存时记入「未能识别的指标文本」):效益指标\t只有两列" in body


def test_the_self_evaluation_upload_previews_each_result_then_writes_it(admin_client, reference_table):
    csv = ("项目名称,三级指标,实际完成值,偏差原因,得分\n"
           "窗口工作人员服装费,服装发放及时性,98%,一批服装晚到,9\n").encode()
    url = reverse("admin:budget_actuals")
    response = admin_client.post(url, {"file": SimpleUploadedFile("自评.csv", csv), "year": "2021",
                                       "department": "广州市花都区政务服务和数据管理局"})
    body = response.content.decode()
    assert response.status_code == 200, body[:2000]
    assert ("<td>窗口工作人员服装费</td><th>服装发放及时性 · 实际完成值</th>"
            "<td class=\"old\">—</td><td class=\"new\">98%</td>") in body
    assert "<th>服装发放及时性 · 偏差原因</th><td class=\"old\">—</td><td class=\"new\">一批服装晚到</td>" in body
    indicator = Indicator.objects.get(project__name="窗口工作人员服装费", name="服装发放及时性")
    assert indicator.actual_value == ""  # the preview wrote nothing
    token = response.context["token"]
    response = admin_client.post(url, {"token": token})
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.actual_value, indicator.deviation_reason, indicator.actual_points) == (
        "98%", "一批服装晚到", Decimal("9"))


def test_the_self_evaluation_template_lists_each_indicator_with_its_points_and_reads_back(
        admin_client, reference_table, tmp_path):
    import io

    import openpyxl

    from budget.importing.actuals import import_actuals

    Indicator.objects.filter(project__name="窗口工作人员服装费", name="服装发放及时性").update(weight=Decimal("20"))
    response = admin_client.get(reverse("admin:budget_self_evaluation_template", args=[reference_table.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "部门名称:广州市花都区政务服务和数据管理局"
    assert rows[1][:7] == ("项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", "实际完成值")
    row = next(r for r in rows if r[0] == "窗口工作人员服装费" and r[3] == "服装发放及时性")
    assert (row[4], row[5]) == ("99%", 20)
    sheet = book.active
    for cells in sheet.iter_rows(min_row=3):
        if cells[0].value == "窗口工作人员服装费" and cells[3].value == "服装发放及时性":
            cells[6].value = "98%"
    path = tmp_path / "filled.xlsx"
    book.save(path)
    import_actuals(path, filename="filled.xlsx", year=2021)
    assert Indicator.objects.get(project__name="窗口工作人员服装费", name="服装发放及时性").actual_value == "98%"


def test_an_editor_of_another_department_gets_no_template(client, reference_table, django_user_model):
    from django.contrib.auth.models import Permission

    from budget.models import Department

    other = Department.objects.create(name="另一个部门")
    editor = django_user_model.objects.create_user("clerk", password="pw-clerk-12345", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_budgettable", "change_indicator"]))
    other.editors.add(editor)
    client.force_login(editor)
    url = reverse("admin:budget_self_evaluation_template", args=[reference_table.pk])
    assert client.get(url).status_code == 404


def test_the_grade_filter_keeps_the_projects_of_that_grade(admin_client, reference_table):
    Project.objects.update(review_score=Decimal("95"))
    Project.objects.filter(name="窗口工作人员服装费").update(review_score=Decimal("59.99"))
    poor = admin_client.get(reverse("admin:budget_project_changelist") + "?grade=差").content.decode()
    good = admin_client.get(reverse("admin:budget_project_changelist") + "?grade=优").content.decode()
    assert "窗口工作人员服装费" in poor and "区长专线日常经费" not in poor
    assert "窗口工作人员服装费" not in good and "区长专线日常经费" in good
    assert '<td class="field-grade">差</td>' in poor


def test_the_table_list_shows_status_total_and_a_chinese_date(admin_client, reference_table):
    import re

    body = admin_client.get(reverse("admin:budget_budgettable_changelist")).content.decode()
    assert '<td class="field-status">待审</td>' in body
    assert '<td class="field-total_amount">2,616.61</td>' in body
    assert re.search(r'<td class="field-imported_at nowrap">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d</td>', body)


RAW_JSON = ("[{", '"code":', "&quot;code&quot;:", "{&quot;", "{'code'")


def test_the_flag_list_and_its_pages_show_no_raw_json(admin_client, write_file):
    """Flags of a lenient import (窗口工作人员服装费's 总计 12.00 against 财政拨款 10.00, and the reference table's
    nameless indicator of 基层服务平台示范点建设经费) as a clerk reads them: code, badge, row, message."""
    from budget.importing.importer import import_table
    from budget.models import Flag

    text = REFERENCE.read_text(encoding="utf-8").replace("窗口工作人员服装费\t10.00\t", "窗口工作人员服装费\t12.00\t")
    import_table(write_file("lenient.txt", text), filename="lenient.txt", year=2021, lenient=True)
    flags = list(Flag.objects.order_by("row"))
    assert len(flags) >= 2 and {"error", "warning"} & {f.severity for f in flags}
    pages = [reverse("admin:budget_flag_changelist"),
             reverse("admin:budget_flag_changelist") + f"?code={flags[0].code}",
             *(reverse("admin:budget_flag_change", args=[f.pk]) for f in flags)]
    for url in pages:
        body = admin_client.get(url).content.decode()
        assert not [raw for raw in RAW_JSON if raw in body], url
    body = admin_client.get(reverse("admin:budget_flag_changelist")).content.decode()
    for flag in flags:
        assert f'<td class="field-message">{flag.message}</td>' in body
        label = dict(Flag.Severity.choices)[flag.severity]
        assert f'<td class="field-severity_badge"><span class="badge {flag.severity}">{label}</span></td>' in body
    assert "项目「基层服务平台示范点建设经费」第3项指标(产出指标/数量指标)没有三级指标名称" in body


def test_the_import_preview_lists_flags_without_raw_json(admin_client, reference_table):
    text = REFERENCE.read_text(encoding="utf-8").replace("窗口工作人员服装费\t10.00\t", "窗口工作人员服装费\t12.00\t")
    upload = SimpleUploadedFile("lenient.txt", text.encode())
    body = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021", "lenient": "on"}
                             ).content.decode()
    start = body.index("<h3>数据质量提示</h3>")
    flags = " ".join(re.sub(r"<[^>]+>", " ", body[start:body.index("</ul>", start)]).split())  # as it reads
    assert "第13行 项目「基层服务平台示范点建设经费」第3项指标(产出指标/数量指标)没有三级指标名称" in flags
    # line 23 of the fixture: 窗口工作人员服装费, its 总计 made 12.00 over 财政拨款 10.00
    assert "第23行「总计」列“12.00”与财政拨款+财政专户拨款+其他资金之和 10.00 不一致,相差 2.00 万元" in flags
    assert not [raw for raw in RAW_JSON if raw in body]


def hand_added_row(data, project, i, **fields):
    """One more indicator row of the inline, as "添加另一个 绩效指标" gives it and the clerk fills it in."""
    data["indicators-TOTAL_FORMS"] = i + 1
    data.update({f"indicators-{i}-project": project.pk, f"indicators-{i}-id": "",
                 **{f"indicators-{i}-{k}": v for k, v in fields.items()}})
    return data


def test_pasted_and_hand_added_indicators_of_one_save_keep_distinct_numbers_in_the_clerks_order(
        admin_client, reference_table):
    from budget.models import Level2Category

    # 窗口工作人员服装费: four indicators, 顺序 0–3 and 序号 1–4 as imported
    project = Project.objects.get(name="窗口工作人员服装费")
    stored = list(project.indicators.values_list("name", flat=True))
    quantity = Level2Category.objects.get(level1__name="产出指标", name="数量指标")
    data = change_page_data(project, paste=CELL, paste_confirmed="on")
    # the clerk's row leaves 顺序 and 序号 empty: it takes the next ones
    hand_added_row(data, project, 4, level2=quantity.pk, name="购置服装套数", annual_value="≥120套",
                   position="", seq="")
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    rows = list(project.indicators.order_by("position").values_list("position", "seq", "name"))
    assert [name for _p, _s, name in rows] == [*stored, "购置服装套数", "购置服装完好率", "服装发放及时性"]
    assert [seq for _p, seq, _n in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert len({position for position, _s, _n in rows}) == 7


def test_a_hand_added_row_with_typed_numbers_comes_before_the_pasted_ones(admin_client, reference_table):
    from budget.models import Level2Category

    project = Project.objects.get(name="窗口工作人员服装费")
    quantity = Level2Category.objects.get(level1__name="产出指标", name="数量指标")
    data = change_page_data(project, paste=CELL, paste_confirmed="on")
    hand_added_row(data, project, 4, level2=quantity.pk, name="购置服装套数", annual_value="≥120套",
                   position="9", seq="5")
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    rows = list(project.indicators.order_by("position").values_list("position", "seq", "name"))
    assert rows[4:] == [(9, 5, "购置服装套数"), (10, 6, "购置服装完好率"), (11, 7, "服装发放及时性")]


def test_a_hand_added_row_on_a_stored_position_is_refused_with_a_message(admin_client, reference_table):
    from budget.models import Level2Category

    project = Project.objects.get(name="窗口工作人员服装费")
    quantity = Level2Category.objects.get(level1__name="产出指标", name="数量指标")
    data = hand_added_row(change_page_data(project), project, 4, level2=quantity.pk, name="购置服装套数",
                          annual_value="≥120套", position="1", seq="5")
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 200
    assert "两个指标的「顺序」相同:每个指标的顺序各不相同,请改正" in response.content.decode()
    assert project.indicators.count() == 4


def test_two_stored_indicators_swap_places_in_one_save(admin_client, reference_table):
    project = Project.objects.get(name="窗口工作人员服装费")
    names = list(project.indicators.values_list("name", flat=True))  # 顺序 0, 1, 2, 3
    data = change_page_data(project, **{"indicators-0-position": "1", "indicators-1-position": "0",
                                        "indicators-2-DELETE": "on", "indicators-3-position": "2"})
    response = admin_client.post(reverse("admin:budget_project_change", args=[project.pk]), data)
    assert response.status_code == 302, re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    assert list(project.indicators.order_by("position").values_list("position", "name")) == [
        (0, names[1]), (1, names[0]), (2, names[3])]
