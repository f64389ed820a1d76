"""The public pages for every reader (issue 16): a phone at 390 px, English throughout, in Chromium."""

import re

import pytest

from budget.models import Project
from tests.test_browser import CHROMIUM, Visit, sync_api, wait_for_charts
from tests.ui_helpers import WORKED_EXAMPLE, import_actuals

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

from tests.test_browser import browser  # noqa: E402,F401  (the module's Chromium)

PHONE = {"width": 390, "height": 844}
CJK = re.compile(r"[\u3400-\u9fff]")


class Phone(Visit):
    def __init__(self, browser, base_url, locale="zh-CN"):
        super().__init__(browser, base_url)
        self.context.close()
        self.context = browser.new_context(locale=locale, viewport=PHONE, has_touch=True, is_mobile=True)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)


@pytest.fixture
def phone(browser, live_server, reference_table):
    v = Phone(browser, live_server.url)
    yield v
    v.context.close()


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def one_line(page, selector):
    """Each element's height against its own line height: a link that wraps is two lines tall."""
    return page.evaluate(
        """s => [...document.querySelectorAll(s)].map(a => {
             const r = a.getClientRects(); return [a.textContent.trim(), r.length]; })""",
        selector,
    )


def test_every_public_page_fits_a_390_px_phone(phone, reference_table):
    project = Project.objects.get(table=reference_table, name="区长专线日常经费")
    for path in (
        "/",
        f"/departments/{reference_table.department_id}/2021/",
        f"/projects/{project.pk}/",
        "/indicators/?q=满意度",
    ):
        page = phone.open(path)
        if path != "/indicators/?q=满意度":
            wait_for_charts(page, 1)
        assert page_width(page) <= PHONE["width"], path
        for text, lines in one_line(page, "header.site nav a"):
            assert lines == 1, (path, text)
        # The plotly toolbar is hidden on a touch screen.
        assert page.locator(".modebar-container").count() == 0 or not page.locator(".modebar").first.is_visible()
        page.screenshot(path=f"/tmp/budget-phone-{path.strip('/').replace('/', '-') or 'overview'}.png", full_page=True)
    phone.assert_clean()


def test_a_phone_table_scrolls_in_its_box_with_the_first_column_kept(phone, reference_table):
    project = Project.objects.get(table=reference_table, name="区长专线日常经费")
    page = phone.open(f"/projects/{project.pk}/")
    box = page.locator("#indicators .table-responsive")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    first = page.locator("#indicator-table tbody tr:not(.group) th").first
    before = first.bounding_box()["x"]
    box.evaluate("b => { b.scrollLeft = 200; }")
    page.wait_for_timeout(50)
    assert first.bounding_box()["x"] == pytest.approx(before, abs=1)
    # The overview's department name is not broken one character a line.
    page = phone.open("/")
    name = page.locator("#tables tbody td").first
    # At least six characters a line (13.5 px each in a table), however long the name.
    assert name.bounding_box()["width"] >= 6 * 13.5
    phone.assert_clean()


QUOTED = re.compile(r"“[^”]*”")


def test_the_english_project_page_on_a_phone_has_no_chinese_finding_and_no_code(
    browser, live_server, reference_table, tmp_path
):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    project = Project.objects.get(table=reference_table, name="区长专线日常经费")
    phone = Phone(browser, live_server.url, locale="en-GB")
    try:
        page = phone.open(f"/projects/{project.pk}/")
        page.get_by_role("link", name="English").click()
        sync_api.expect(page.locator("#review h2")).to_have_text("Review findings")
        wait_for_charts(page, 1)
        assert page_width(page) <= PHONE["width"]
        for item in page.locator(
            "#review li, #self-evaluation td.findings, #self-evaluation ul.flags li"
        ).all_inner_texts():
            assert not CJK.search(QUOTED.sub("", item)), item
        body = page.locator("body").inner_text()
        assert "missing-output-quality" not in body and "satisfaction-below-usual" not in body
        assert "Budget appropriation" in page.locator("#funding").inner_text()
        phone.assert_clean()
    finally:
        phone.context.close()


def test_every_row_of_the_explorer_search_shows_the_word(phone):
    page = phone.open("/indicators/?q=满意度")
    rows = page.locator("#indicators tbody tr")
    sync_api.expect(rows).to_have_count(12)
    for text in rows.all_inner_texts():
        assert "满意度" in text
    assert page.locator("#indicators tbody mark").count() >= 12
    assert page_width(page) <= PHONE["width"]
    phone.assert_clean()


# -- accessibility -----------------------------------------------------------------------------------

AXE = "/static/vendor/axe-core/axe.min.js"


def axe_violations(page, base_url):
    """axe-core's serious and critical violations on the page (the script from static/vendor, same origin)."""
    page.add_script_tag(url=base_url + AXE)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return found


def test_no_public_page_has_a_serious_accessibility_violation(
    browser, live_server, reference_table, tmp_path, write_file
):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    from tests.test_views_public import peer_departments, second_edition

    peer_departments(write_file)
    second_edition(reference_table, write_file)
    project = Project.objects.get(table=reference_table, name="区长专线日常经费")
    peers = "/indicators/peers/2021/?name=12345热线满意度&level2=服务对象满意度&unit=%25"
    paths = [
        "/",
        "/?year=2021",
        f"/departments/{reference_table.department_id}/2021/",
        f"/departments/{reference_table.department_id}/2022/",
        f"/projects/{project.pk}/",
        "/indicators/?q=满意度",
        "/indicators/?q=满意度&scope=projects",
        peers,
        "/open-data/",
    ]
    for locale, width in (("zh-CN", 1280), ("en-GB", 390)):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        if locale.startswith("en"):
            page.goto(live_server.url + "/i18n/en/?next=/")
        for path in paths:
            page.goto(live_server.url + path)
            if width == PHONE["width"]:
                assert page_width(page) <= width, (locale, path)
            found = axe_violations(page, live_server.url)
            assert found == [], (locale, path, "\n".join(found))
        context.close()
