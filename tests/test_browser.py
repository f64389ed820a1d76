"""A reader in Debian's Chromium, driven by Playwright, against the live server with the reference table."""

import csv
import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from budget.models import Department, Project
from tests.ui_helpers import (
    HOSTILE_DEPARTMENT,
    HOSTILE_GOAL,
    HOSTILE_INDICATOR,
    HOSTILE_PROJECT,
    WORKED_EXAMPLE,
    evaluate_all,
    import_actuals,
    import_hostile_table,
)

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain test setup.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# The live server answers on 127.0.0.1, the one host a page may talk to.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
    # serialized_rollback: the flush after a transactional test would otherwise drop the seeded categories.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser tab that refuses and remembers every request leaving 127.0.0.1, every script error
    and every alert, confirm or prompt a script opened."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(
            accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

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
        assert self.dialogs == []


@pytest.fixture
def visit(browser, live_server, reference_table):
    v = Visit(browser, live_server.url)
    yield v
    v.context.close()


def wait_for_charts(page, count):
    sync_api.expect(page.locator(".plot svg.main-svg").first).to_be_visible()
    page.wait_for_function(
        f"document.querySelectorAll('.plot').length >= {count} && "
        "[...document.querySelectorAll('.plot')].every(p => p.querySelector('svg.main-svg'))"
    )


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
    page.get_by_label("搜索", exact=True).fill("满意度")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".result-line")).to_contain_text("共 12 个指标")
    expect(page.locator("#indicators tbody")).to_contain_text("12345热线满意度")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 CSV").click()
    download = info.value
    assert download.suggested_filename == "indicators.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["部门", "年度", "项目名称"]
    assert len(rows) == 1 + 12
    assert [
        "广州市花都区政务服务和数据管理局",
        "2021",
        "区长专线日常经费",
        "满意度指标",
        "服务对象满意度",
        "12345热线满意度",
        "满意度≥75%",
        "满意度≥75%",
        "≥",
        "75",
        "%",
    ] in rows
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
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Overview")
    expect(page.locator(".tile.total .label")).to_have_text("Total")
    wait_for_charts(page, 2)
    visit.assert_clean()


# -- self-evaluation ------------------------------------------------------------------------


def test_a_reader_sees_the_self_evaluation_on_the_department_and_project_pages(visit, reference_table, tmp_path):
    expect = sync_api.expect
    evaluate_all(reference_table)
    import_actuals(tmp_path, WORKED_EXAMPLE)
    page = visit.open(f"/departments/{reference_table.department_id}/2021/")
    wait_for_charts(page, 3)
    expect(page.locator("#review ol.ranked > li").first).to_contain_text("窗口工作人员服装费")
    expect(page.locator("#score-distribution .ytick")).to_have_text(["优 (8)", "良 (2)", "中 (2)", "差 (1)"])
    page.screenshot(path=str(SCREENSHOTS / "budget-department-self-evaluation.png"), full_page=True)
    page.locator("#self-evaluation").screenshot(path=str(SCREENSHOTS / "budget-score-distribution.png"))

    page.locator("#review").get_by_role("link", name="区长专线日常经费").click()
    section = page.locator("#self-evaluation")
    expect(section.locator(".tile.total .value")).to_have_text("92.95")
    expect(section.locator(".tile.grade .value")).to_have_text("优")
    expect(section.locator("tr", has_text="疑难工单现场协调量").locator("td.num").last).to_have_text("18.75 / 25.00")
    wait_for_charts(page, 4)
    expect(page.locator("#target-vs-actual .bartext")).to_have_count(4)
    page.screenshot(path=str(SCREENSHOTS / "budget-project-self-evaluation.png"), full_page=True)
    section.screenshot(path=str(SCREENSHOTS / "budget-project-self-evaluation-section.png"))
    visit.assert_clean()


# -- hostile text (issue 5) -------------------------------------------------------------------

POINT = """([id, needle]) => {
    const gd = document.getElementById(id);
    const holds = values => (values || []).findIndex(v => String(v).includes(needle));
    const trace = gd.data.findIndex(t => holds(t.y) >= 0 || holds(t.customdata) >= 0);
    const point = Math.max(holds(gd.data[trace].y), holds(gd.data[trace].customdata));
    const box = gd.querySelectorAll(".barlayer .trace, .scatterlayer .trace")[trace]
        .querySelectorAll(".point")[point].getBoundingClientRect();
    return [box.x + box.width / 2, box.y + box.height / 2];
}"""


def hover(page, chart_id, needle):
    """Move the mouse onto the bar or dot whose label holds `needle`; the hover label's text."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    x, y = page.evaluate(POINT, [chart_id, needle])
    page.mouse.move(x, y)
    label = page.locator(f"#{chart_id} .hoverlayer .hovertext")
    sync_api.expect(label.first).to_be_visible()
    return label.first.text_content()


def chart_texts(page):
    """Every text plotly drew: ticks, bar labels, annotations."""
    return page.evaluate("[...document.querySelectorAll('.plot svg text')].map(t => t.textContent)")


def assert_nothing_became_markup(page):
    # An <img>, a bold <b> or a link drawn from the data would mean a label was read as HTML.
    assert page.locator("img").count() == 0
    assert page.locator("main b, main script:not([type='application/json']), main svg a").count() == 0
    assert page.locator(".plot tspan[style*='bold']").count() == 0


def test_hostile_names_show_as_text_and_run_nothing(visit, tmp_path):
    expect = sync_api.expect
    import_hostile_table(tmp_path)
    department = Department.objects.get(name=HOSTILE_DEPARTMENT)
    project = Project.objects.get(name=HOSTILE_PROJECT)

    page = visit.open("/")
    wait_for_charts(page, 1)
    expect(page.locator("#tables")).to_contain_text(HOSTILE_DEPARTMENT)
    assert hover(page, "funding-by-department", "恶意部门").startswith(HOSTILE_DEPARTMENT)
    assert_nothing_became_markup(page)

    page = visit.open(f"/departments/{department.pk}/2021/")
    wait_for_charts(page, 3)
    expect(page.locator("h1")).to_contain_text(HOSTILE_DEPARTMENT)
    expect(page.locator("#projects")).to_contain_text(HOSTILE_PROJECT)
    expect(page.locator("#score-table")).to_contain_text(HOSTILE_PROJECT)
    assert "<img src=x oner…" in chart_texts(page)  # the shortened tick, drawn as text
    assert HOSTILE_PROJECT in hover(page, "funding-per-project", "恶意项目")
    assert HOSTILE_PROJECT + ": 92.95" in hover(page, "score-distribution", "恶意项目")
    assert_nothing_became_markup(page)

    page = visit.open(f"/projects/{project.pk}/")
    wait_for_charts(page, 4)
    expect(page.locator("h1")).to_have_text(HOSTILE_PROJECT)
    expect(page.locator(".goal")).to_contain_text(HOSTILE_GOAL)
    expect(page.locator("#indicator-table")).to_contain_text(HOSTILE_INDICATOR)
    expect(page.locator("#evaluation-table")).to_contain_text(HOSTILE_INDICATOR)
    assert f"2. {HOSTILE_INDICATOR}"[:15] + "…" in chart_texts(page)
    shown = hover(page, "target-vs-actual", "onmouseover")
    assert f"2. {HOSTILE_INDICATOR}" in shown and "实际 15次" in shown
    assert_nothing_became_markup(page)
    assert page.title() == f"{HOSTILE_PROJECT} · 预算绩效目标看板"
    page.screenshot(path=str(SCREENSHOTS / "budget-hostile-project.png"), full_page=True)

    page = visit.open("/indicators/?q=恶意&scope=projects")
    expect(page.locator("#indicators tbody")).to_contain_text(HOSTILE_PROJECT)
    page.get_by_label("搜索", exact=True).fill("onmouseover")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#indicators tbody")).to_contain_text(HOSTILE_INDICATOR)
    assert_nothing_became_markup(page)

    # Hovering the table cells themselves fires nothing either.
    page.locator("#indicators tbody td", has_text="onmouseover").first.hover()
    visit.assert_clean()


def test_the_api_documentation_renders_under_the_content_security_policy(visit):
    """Swagger UI from our own static files: every operation listed, no request elsewhere, no CSP refusal."""
    page = visit.open("/api/v1/docs")
    for path in ["/api/v1/tables/", "/api/v1/tables/{table_id}/", "/api/v1/indicators/", "/api/v1/datapackage.json"]:
        sync_api.expect(page.locator(".opblock-summary-path", has_text=path).first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/departments/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    live = page.locator(".live-responses-table tbody .response-col_status")
    sync_api.expect(live).to_have_text("200")
    sync_api.expect(page.locator(".live-responses-table")).to_contain_text("广州市花都区政务服务和数据管理局")
    visit.assert_clean()
