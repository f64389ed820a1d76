"""Data entry as a department clerk does it, in Debian's Chromium on a 1,366 px screen (issue 20): the project
list and a project's change page fit the screen and show amounts and findings as people write them; a corrected
edition's import preview names the old and new amount of the changed project."""

import re

import pytest

from tests.test_admin_entry import corrected_edition
from tests.test_browser import CHROMIUM, Visit, browser, sync_api  # noqa: F401 (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "pw-entry-12345"
SCREEN = 1366


@pytest.fixture
def clerk(browser, live_server, reference_table, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("bureau", "", PASSWORD)
    v = Visit(browser, live_server.url)
    v.page.set_viewport_size({"width": SCREEN, "height": 800})
    page = v.open("/admin/login/")
    page.locator("#id_username").fill("bureau")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    yield v
    v.context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_project_list_and_change_page_fit_the_screen(clerk):
    expect = sync_api.expect
    page = clerk.open("/admin/budget/project/")
    assert page_width(page) <= SCREEN
    row = page.locator("#result_list tr", has_text="窗口工作人员服装费")
    expect(row.locator("td.field-total_amount")).to_have_text("10.00")
    expect(row.locator("td.field-score")).to_have_text(re.compile(r"^\d+\.\d\d$"))
    assert "10.000000" not in page.content()

    row.locator("th a").click()
    expect(page.locator("h2", has_text="绩效指标").first).to_be_visible()
    assert page_width(page) <= SCREEN, "the change page is wider than the screen"
    body = page.content()
    assert "10.000000" not in body and "00000000" not in body
    assert "[{" not in page.locator("#content").inner_text()
    expect(page.locator(".field-findings .badge.error").first).to_have_text("错误")
    # 服装发放及时性 and 服务对象满意度: 年度指标值 99% in the source, written as the pages write a target
    expect(page.locator("td.field-parsed_target").filter(has_text=re.compile(r"^\s*99%\s*$"))).to_have_count(2)
    assert not clerk.errors, clerk.errors


def test_the_import_preview_shows_the_changed_project_old_and_new_amount(clerk, tmp_path):
    expect = sync_api.expect
    upload = tmp_path / "corrected.txt"
    upload.write_bytes(corrected_edition())
    page = clerk.open("/admin/budget/budgettable/import/")
    page.locator("#id_file").set_input_files(str(upload))
    page.locator("#id_year").fill("2021")
    page.locator("#id_lenient").check()
    page.get_by_role("button", name="上传并预览").click()
    table = page.locator("table.import-differences", has_text="窗口工作人员服装费")
    row = table.locator("tr", has_text="合计")
    expect(row.locator("td.old")).to_have_text("10.00")
    expect(row.locator("td.new")).to_have_text("12.00")
    assert page_width(page) <= SCREEN
    assert not clerk.errors, clerk.errors


def test_a_pasted_cell_is_read_and_shown_before_it_is_saved(clerk):
    from budget.models import Project

    expect = sync_api.expect
    project = Project.objects.get(name="窗口工作人员服装费")
    page = clerk.open(f"/admin/budget/project/{project.pk}/change/")
    page.locator("#id_paste").fill("另附说明1.1-产出指标:11-数量指标:购置服装套数;实施周期指标值:≥120套;年度指标值:≥120套。")
    page.locator("input[name=_continue]").click()
    errors = page.locator(".field-paste .errorlist")
    expect(errors).to_contain_text("读出 1 个指标:")
    expect(errors).to_contain_text("1. 产出指标 / 数量指标 / 购置服装套数:≥120套 → ≥120套")
    expect(errors).to_contain_text("未能识别(保存时记入「未能识别的指标文本」):另附说明")
    assert page_width(page) <= SCREEN
    page.locator("#id_paste_confirmed").check()
    page.locator("input[name=_continue]").click()
    expect(page.locator("ul.messagelist")).to_be_visible()
    assert project.indicators.filter(name="购置服装套数", target_value=120, target_unit="套").exists()


def test_the_funding_row_fits_the_screen_and_the_total_follows_a_source(clerk):
    """窗口工作人员服装费: 总计 10.00 = 财政拨款 10.00 in the reference table; the clerk adds 1,234.50 of 其他资金."""
    from decimal import Decimal

    from budget.models import BudgetTable, Project

    expect = sync_api.expect
    project = Project.objects.get(name="窗口工作人员服装费")
    page = clerk.open(f"/admin/budget/project/{project.pk}/change/")
    assert page_width(page) <= SCREEN, "the change page is wider than the screen"
    row = page.locator(".form-row.field-total")
    inputs = row.locator("input[name=total], input[data-funding-source]")
    expect(inputs).to_have_count(4)  # 总计, 财政拨款, 财政专户拨款, 其他资金
    boxes = [inputs.nth(i).bounding_box() for i in range(4)]
    assert {round(b["y"]) for b in boxes} == {round(boxes[0]["y"])}, "总计 and the sources are not on one line"
    assert max(b["x"] + b["width"] for b in boxes) <= SCREEN
    total, other = row.get_by_label("总计"), row.get_by_label("其他资金")
    expect(total).to_have_value("10.00")
    other.fill("1,234.50")
    expect(total).to_have_value("1,244.50")  # follows as the clerk types
    page.locator("input[name=_continue]").click()
    expect(page.locator("ul.messagelist")).to_be_visible()
    expect(row.get_by_label("其他资金")).to_have_value("1,234.50")
    expect(row.get_by_label("总计")).to_have_value("1,244.50")
    assert page_width(page) <= SCREEN
    assert BudgetTable.objects.get().total == Decimal("3851.11")  # 2,616.61 + 1,234.50
    page = clerk.open("/admin/budget/project/?q=窗口工作人员服装费")
    expect(page.locator("#result_list tr", has_text="窗口工作人员服装费").locator("td.field-total_amount")
           ).to_have_text("1,244.50")
    assert not clerk.errors, clerk.errors
