"""A reader in Debian's Chromium, driven by Playwright, against the live server with the reference table."""

import csv
import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain test setup.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# The live server answers on 127.0.0.1, the one host a page may talk to.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"),
    # serialized_rollback: the flush after a transactional test would otherwise drop the seeded categories.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser tab that refuses and remembers every request leaving 127.0.0.1, and every script error."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                           viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path):
        self.page.goto(self.base_url + path)
        return self.page

    def assert_clean(self):
        assert self.outside == []
        assert self.errors == []


@pytest.fixture
def visit(browser, live_server, reference_table):
    v = Visit(browser, live_server.url)
    yield v
    v.context.close()


def wait_for_charts(page, count):
    sync_api.expect(page.locator(".plot svg.main-svg").first).to_be_visible()
    page.wait_for_function(
        f"document.querySelectorAll('.plot').length >= {count} && "
        "[...document.querySelectorAll('.plot')].every(p => p.querySelector('svg.main-svg'))")


def test_a_reader_clicks_from_the_overview_to_a_department_and_a_project(visit):
    expect = sync_api.expect
    page = visit.open("/")
    wait_for_charts(page, 1)
    expect(page.locator("#tables")).to_contain_text("2,616.61")

    page.get_by_role("link", name="广州市花都区政务服务和数据管理局").click()
    expect(page.locator("h1")).to_contain_text("广州市花都区政务服务和数据管理局")
    expect(page.locator(".tile.total .value")).to_have_text("2,616.61")
    expect(page.locator("#projects tbody tr")).to_have_count(13)
    wait_for_charts(page, 2)
    page.screenshot(path=str(SCREENSHOTS / "budget-department.png"), full_page=True)

    page.locator("#projects").get_by_role("link", name="区长专线日常经费").click()
    expect(page.locator("h1")).to_have_text("区长专线日常经费")
    expect(page.locator(".tile.total .value")).to_have_text("1.00")
    indicators = page.locator("#indicators")
    expect(indicators).to_contain_text("12345热线工单办结量")
    expect(indicators.locator("tr", has_text="12345热线工单办结量").locator("td.target")).to_have_text("≥120,000宗")
    expect(indicators.locator("tr", has_text="12345热线满意度").locator("td.target")).to_have_text("≥75%")
    wait_for_charts(page, 3)
    # Percent and 宗 never share an axis: one chart per unit.
    expect(page.locator("#targets figcaption")).to_have_text(["百分比 (%)", "单位: 宗", "单位: 次"])
    page.screenshot(path=str(SCREENSHOTS / "budget-project.png"), full_page=True)
    visit.assert_clean()


def test_the_project_table_sorts_and_filters(visit, reference_table):
    expect = sync_api.expect
    page = visit.open(f"/departments/{reference_table.department_id}/2021/")
    rows = page.locator("#projects tbody tr")
    total_header = page.locator("#projects thead").get_by_role("link", name="总计(万元)")

    total_header.click()
    expect(rows.first.get_by_role("link")).to_have_text("区长专线日常经费")
    page.locator("#projects thead").get_by_role("link", name="总计(万元)").click()
    expect(rows.first.get_by_role("link")).to_have_text("新政务中心大楼后勤保障经费")

    page.get_by_label("项目名称").fill("光纤")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2018年1月-2019年7月广电电子政务光纤租赁")

    page.get_by_label("项目名称").fill("")
    page.get_by_label("资金使用单位").select_option(label="广州市花都区政务服务和数据管理局")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(13)
    visit.assert_clean()


def test_the_explorer_searches_chinese_text_and_downloads_the_filtered_csv(visit):
    expect = sync_api.expect
    page = visit.open("/indicators/")
    page.get_by_label("搜索").fill("满意度")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".result-line")).to_contain_text("共 18 个指标")
    expect(page.locator("#indicators tbody")).to_contain_text("12345热线满意度")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 CSV").click()
    download = info.value
    assert download.suggested_filename == "indicators.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["部门", "年度", "项目名称"]
    assert len(rows) == 1 + 18
    assert ["广州市花都区政务服务和数据管理局", "2021", "区长专线日常经费", "满意度指标", "服务对象满意度",
            "12345热线满意度", "满意度≥75%", "满意度≥75%", ">=", "75", "%"] in rows
    visit.assert_clean()


def test_the_department_csv_download_is_the_exporters(visit, reference_table):
    page = visit.open(f"/departments/{reference_table.department_id}/2021/")
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["部门", "年度", "资金使用单位", "项目名称"]
    assert len(rows) == 1 + 63
    visit.assert_clean()


def test_english_can_be_chosen_and_the_charts_still_draw(visit, reference_table):
    expect = sync_api.expect
    page = visit.open(f"/departments/{reference_table.department_id}/2021/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("header nav")).to_contain_text("Overview")
    expect(page.locator(".tile.total .label")).to_have_text("Total")
    wait_for_charts(page, 2)
    visit.assert_clean()
