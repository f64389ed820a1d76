"""The whole review round in Debian's Chromium, as the bureau's administrator clicks it: sign in, open the
worklist, find the department, write an opinion, 退回修改, 提交审核, 通过; then the export, the lock and the
login page for a visitor."""

import json

import pytest

from budget.importing.importer import import_table
from budget.importing.problems import ImportFailed
from tests.conftest import REFERENCE
from tests.test_browser import CHROMIUM, Visit, browser, sync_api  # noqa: F401 (the browser fixture)
from tests.ui_helpers import DEPARTMENT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "pw-review-12345"


@pytest.fixture
def visit(browser, live_server, reference_table, django_user_model):  # noqa: F811
    django_user_model.objects.create_superuser("bureau", "", PASSWORD)
    v = Visit(browser, live_server.url)
    yield v
    v.context.close()


def test_an_administrator_returns_resubmits_and_approves_a_table(visit, live_server, reference_table):
    expect = sync_api.expect
    page = visit.open("/review/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/review/")
    page.locator("#id_username").fill("bureau")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/review/")

    page.get_by_label("部门").fill("花都区政务服务")
    page.get_by_role("button", name="筛选").click()
    row = page.locator("#worklist tbody tr", has_text=DEPARTMENT)
    expect(row).to_contain_text("待审")
    row.get_by_role("link", name=DEPARTMENT).click()
    expect(page.locator("h1")).to_contain_text(DEPARTMENT)
    expect(page.locator("#review-status")).to_have_text("待审")

    page.get_by_label("对整表的意见").fill("请为每个项目补充满意度指标")
    page.screenshot(path="/tmp/budget-review-form.png", full_page=True)
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("#review-status")).to_have_text("已退回")
    expect(page.locator("#opinions")).to_contain_text("请为每个项目补充满意度指标")
    page.get_by_label("已修改").check()
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#review-status")).to_have_text("待审")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator("#review-status")).to_have_text("已通过")
    expect(page.locator("#history tbody tr")).to_have_count(3)
    page.screenshot(path="/tmp/budget-review.png", full_page=True)

    page.get_by_role("link", name="审核意见书").click()
    expect(page.locator("#opinion-status")).to_have_text("已通过")
    expect(page.locator("#opinion-list")).to_contain_text("请为每个项目补充满意度指标")
    page.emulate_media(media="print")
    expect(page.locator("nav.screen-only")).to_be_hidden()

    url = f"{live_server.url}/departments/{reference_table.department_id}/2021/download.json"
    review = json.loads(visit.context.request.get(url).text())["tables"][0]["review"]
    assert review["status"] == "approved"
    assert [(h["status"], h["by"]) for h in review["history"]] == [
        ("returned", "bureau"),
        ("submitted", "bureau"),
        ("approved", "bureau"),
    ]
    assert [(c["text"], c["resolved"]) for c in review["comments"]] == [("请为每个项目补充满意度指标", True)]
    with pytest.raises(ImportFailed, match=r"已通过审核\(bureau 于 .*\),已锁定"):
        import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    visit.assert_clean()

    stranger = Visit(visit.context.browser, live_server.url)
    try:
        page = stranger.open("/review/")
        expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/review/")
        expect(page.locator("#id_username")).to_be_visible()
    finally:
        stranger.context.close()
