"""The public pages in the reader's language (issue 16): known names translated, findings built from
their code and parameters, no internal codes; data the system does not know stays as written."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from budget.evaluation import review
from budget import export_sections, wording
from budget.models import Department, Project
from tests.ui_helpers import WORKED_EXAMPLE, import_actuals, table_rows

CJK = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")
CODES = re.compile(r"\b(?:missing|no|low|vague|indicator|duplicate|period|percent|rate|satisfaction|cost|reconciliation|"
                   r"partial|unknown|unit|points|actual|qualitative|missed|zero|over)-[a-z0-9-]+\b")


def english(client, path):
    with translation.override(translation.get_language()):
        client.get(reverse("budget:language", args=["en"]), {"next": path})
        return client.get(path)


def section(response, section_id):
    text = response.content.decode()
    match = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', text, re.S)
    assert match, section_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def hotline(reference_table):
    return reverse("budget:project", args=[Project.objects.get(name="区长专线日常经费").pk])


def test_the_english_project_page_has_no_chinese_finding_and_no_internal_code(client, hotline, tmp_path):
    import_actuals(tmp_path, WORKED_EXAMPLE)
    response = english(client, hotline)
    text = response.content.decode()
    findings = section(response, "review")
    assert "No quality indicator under output" in findings
    assert ("The target of indicator “12345热线满意度”, 75%, is below the usual 80%") in findings
    # Quoted data (an indicator's name) is the only Chinese left in a finding.
    assert not CJK.search(QUOTED.sub("", findings))
    assert not CODES.search(re.sub(r"<[^>]+>", " ", text).replace("data-figure", ""))
    # Funding sources, categories and grades the system knows are in English.
    assert table_rows(response, "funding")[0][0] == "Budget appropriation"
    rows = table_rows(response, "indicator-table")
    assert rows[0] == ["Output indicators"] and rows[1][0] == "Quantity"
    assert "Satisfaction of service users" in rows[-1][0]


def test_the_chinese_project_page_shows_the_same_findings_in_chinese_without_codes(client, hotline):
    findings = section(client.get(hotline), "review")
    assert "产出指标下缺少质量指标" in findings
    assert "指标「12345热线满意度」的目标值75%低于通常的80%" in findings
    assert "missing-output-quality" not in findings


def test_a_finding_is_stored_as_code_and_parameters():
    found = review.finding("satisfaction-below-usual", "warning", indicator="服务满意度", target="70", floor="80")
    assert found["params"] == {"indicator": "服务满意度", "target": "70", "floor": "80"}
    assert found["message"] == "指标「服务满意度」的目标值70%低于通常的80%"
    with translation.override("en"):
        assert wording.text(found) == "The target of indicator “服务满意度”, 70%, is below the usual 80%"
    unnamed = review.finding("indicator-without-name", "error", seq=3, labels=["产出指标", "自定义类别"])
    with translation.override("en"):
        # A category the system knows is translated; the department's own stays as written.
        assert wording.text(unnamed) == "Indicator no. 3 (Output indicators/自定义类别) has no name"


def test_a_finding_stored_before_parameters_reads_as_its_kind_in_english():
    old = {"code": "missing-category", "severity": "error", "message": "缺少满意度指标"}
    assert wording.text(old) == "缺少满意度指标"
    with translation.override("en"):
        assert not CJK.search(wording.text(old))
        assert wording.text({"code": "something-new", "severity": "info", "message": "新的发现"}) == "Review findings"


def test_the_export_keeps_codes_and_speaks_the_export_language(reference_table):
    portal = Project.objects.get(name="区政府门户网站和政务新媒体运行经费")
    with translation.override("en"):
        found = export_sections.project_review_dict(portal)["findings"][0]
    assert found == {"code": "missing-category", "severity": "error", "message": "No Satisfaction indicators"}
    assert export_sections.project_review_dict(portal)["findings"][0]["message"] == "缺少满意度指标"


def test_known_names_only_are_translated():
    with translation.override("en"):
        assert wording.known("财政拨款") == "Budget appropriation"
        assert wording.known("优") == "Excellent"
        assert wording.known("上级补助收入") == "上级补助收入"
        assert wording.known(None) == ""


# -- the explorer's search shows what it found ------------------------------------------------------

EXPLORER = reverse("budget:explorer")


def test_every_row_of_a_search_shows_the_word_marked(client, reference_table):
    response = client.get(EXPLORER, {"q": "满意度"})
    rows = table_rows(response, "indicators")
    assert len(rows) == 12
    assert all("满意度" in " ".join(row) for row in rows)
    assert "<td ><mark>满意度</mark></td>" not in response.content.decode()  # a whole cell is marked word by word
    assert "12345热线<mark>满意度</mark>" in response.content.decode()


def test_a_search_of_goals_shows_the_goal_where_the_word_was_found(client, reference_table):
    response = client.get(EXPLORER, {"q": "群众满意度", "scope": "projects"})
    rows = table_rows(response, "indicators")
    assert len(rows) == 8
    assert all("群众满意度" in row[2] for row in rows)  # the project cell carries the line of its goal
    assert '<small class="goal-match">' in response.content.decode()


def test_marking_escapes_the_text_and_the_words():
    from budget.marking import marked, snippet

    assert marked("<b>满意度</b> & 满意", ["满意度", "<b>"]) == "<mark>&lt;b&gt;</mark><mark>满意度</mark>&lt;/b&gt; &amp; 满意"
    assert marked("Rate rate", ["RATE"]) == "<mark>Rate</mark> <mark>rate</mark>"
    assert marked("a<b", []) == "a&lt;b"
    assert snippet("x" * 50 + "光纤" + "y" * 50, ["光纤"]) == "…" + "x" * 30 + "<mark>光纤</mark>" + "y" * 30 + "…"
    assert snippet("没有", ["光纤"]) is None


def test_actual_and_attainment_columns_appear_once_there_are_results(client, reference_table, tmp_path):
    header = re.compile(r"<th[^>]*>\s*(?:<a[^>]*>)?实际完成值")
    assert not header.search(client.get(EXPLORER, {"q": "12345"}).content.decode())
    import_actuals(tmp_path, WORKED_EXAMPLE)
    rows = table_rows(client.get(EXPLORER, {"q": "12345热线"}), "indicators")
    by_name = {row[5]: row for row in rows}
    # 130000宗 against ≥120,000宗: 108.3%; 80% against ≥75%: 106.7% (the worked example of issue 7)
    assert by_name["12345热线工单办结量"][-2:] == ["130000宗", "108.3%"]
    assert by_name["12345热线满意度"][-2:] == ["80%", "106.7%"]


def test_the_explorer_and_the_api_search_alike(client, reference_table):
    api = client.get("/api/v1/indicators/", {"q": "满意度", "page_size": 100}).json()
    assert api["count"] == len(table_rows(client.get(EXPLORER, {"q": "满意度"}), "indicators")) == 12


# -- year on year ------------------------------------------------------------------------------------

def second_edition(reference_table, write_file):
    """The reference table a year on: 区长专线日常经费 gets 0.50 more (1.00 → 1.50, so the total 2,616.61 →
    2,617.11) and its satisfaction target rises from ≥75% to ≥80%; 政务大厅便民改造 is renamed 二期."""
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    lines = []
    for line in REFERENCE.read_text(encoding="utf-8").split("\n"):
        if line.startswith("区长专线日常经费\t"):
            line = line.replace("\t1.00\t1.00\t", "\t1.50\t1.50\t").replace("满意度≥75%", "满意度≥80%")
        lines.append(line.replace("2,616.61", "2,617.11").replace("政务大厅便民改造", "政务大厅便民改造二期"))
    import_table(write_file("2022.txt", "\n".join(lines)), filename="2022.txt", year=2022)
    return reverse("budget:department", args=[reference_table.department_id, 2022])


def test_a_department_compares_its_year_with_the_one_before(client, reference_table, write_file):
    response = client.get(second_edition(reference_table, write_file))
    assert table_rows(response, "yoy-totals") == [
        ["合计(万元)", "2,616.61", "2,617.11", "0.0%"],  # 0.50 / 2,616.61 = 0.019%
        ["财政拨款", "2,616.61", "2,617.11", "0.0%"],
        ["财政专户拨款", "0.00", "0.00", "—"],
        ["其他资金", "0.00", "0.00", "—"],
        ["项目", "13", "13", "0.0%"],
    ]
    continuing = table_rows(response, "yoy-continuing")
    assert len(continuing) == 12  # 13 projects, one renamed
    assert continuing[0] == ["区长专线日常经费", "1.00", "1.50", "+0.50", "+50.0%", "12345热线满意度 ≥75% → ≥80%"]
    assert continuing[1][3:5] == ["0.00", "0.0%"]
    text = response.content.decode()
    assert re.search(r'<details id="yoy-added"><summary>新增项目 1 个</summary><p>政务大厅便民改造二期</p>', text)
    assert re.search(r'<details id="yoy-dropped"><summary>不再列出的项目 1 个</summary><p>政务大厅便民改造</p>', text)


def test_the_change_in_percent_is_computed_on_the_earlier_year():
    from decimal import Decimal

    from budget.yearly import change

    assert change(Decimal("200"), Decimal("150")) == Decimal("-25.0")
    assert change(Decimal("3"), Decimal("4")) == Decimal("33.3")
    assert change(Decimal("0"), Decimal("4")) is None
    assert change(None, Decimal("4")) is None


# -- peers ---------------------------------------------------------------------------------------------

def peer_departments(write_file):
    """Three more departments with the reference table, their 12345热线满意度 target 90%, 95% and 95% where
    the reference department asks for 75%: median of (75, 90, 95, 95) = (90 + 95) / 2 = 92.5."""
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    for name, target in (("乙部门", "90"), ("丙部门", "95"), ("丁部门", "95")):
        text = REFERENCE.read_text(encoding="utf-8").replace(
            "部门名称: 广州市花都区政务服务和数据管理局", f"部门名称: {name}").replace("满意度≥75%", f"满意度≥{target}%")
        import_table(write_file(f"{name}.txt", text), filename=f"{name}.txt", year=2021)


def test_peer_statistics_on_hand_computed_data():
    from decimal import Decimal

    from budget import peers

    rows = [(1, "甲", "满意度", "服务对象满意度", "%", 75), (2, "乙", "满意度", "服务对象满意度", "%", 90),
            (3, "丙", " 满意度", "服务对象满意度", "%", 95), (3, "丙", "满意度", "服务对象满意度", "%", 85),
            (4, "丁", "满意度", "服务对象满意度", "%", 96), (4, "丁", "满意度", "服务对象满意度", "人", 500)]
    found = peers.groups(rows)
    group = found[peers.key("满意度", "服务对象满意度", "%")]
    # 丙 counts once with the median of its 95 and 85 = 90; the departments' values 75, 90, 90, 96 → median 90.
    assert group["count"] == 4 and group["median"] == Decimal(90)
    assert peers.standing(group, 1) == {"value": Decimal(75), "count": 4, "median": Decimal(90), "below": 0, "above": 3}
    assert peers.far_below(">=", Decimal(75), group)  # 75 < 0.85 × 90 = 76.5
    assert not peers.far_below(">=", Decimal(77), group)
    assert not peers.far_below("<=", Decimal(10), group)  # lower is better: a low target is ambitious
    assert found[peers.key("满意度", "服务对象满意度", "人")]["count"] == 1  # another unit, another group


def test_the_project_page_shows_a_target_beside_its_peers(client, reference_table, write_file):
    peer_departments(write_file)
    hotline = Project.objects.get(table=reference_table, name="区长专线日常经费")
    response = client.get(reverse("budget:project", args=[hotline.pk]))
    card = section(response, "peers")
    assert "12345热线满意度 ≥75% 远低于同类" in card
    assert "4 个部门设定,中位数 92.5%;本部门高于 0 个、低于 3 个部门。" in card
    text = response.content.decode()
    from django.utils.http import urlencode

    link = reverse("budget:peers", args=[2021]) + "?" + urlencode(
        {"name": "12345热线满意度", "level2": "服务对象满意度", "unit": "%"})
    assert f'<a href="{link.replace("&", "&amp;")}">各部门目标</a>' in text
    rows = table_rows(client.get(link), "peer-table")
    assert rows == [["丁部门", "95%", ""], ["丙部门", "95%", ""], ["乙部门", "90%", ""],
                    ["广州市花都区政务服务和数据管理局", "75%", "远低于同类"]]
    ascending = table_rows(client.get(link + "&sort=value"), "peer-table")
    assert [r[1] for r in ascending] == ["75%", "90%", "95%", "95%"]


def test_an_indicator_no_other_department_sets_has_no_peers(client, reference_table):
    hotline = Project.objects.get(table=reference_table, name="区长专线日常经费")
    assert 'id="peers"' not in client.get(reverse("budget:project", args=[hotline.pk])).content.decode()
    assert client.get(reverse("budget:peers", args=[2021]), {"name": "12345热线满意度"}).status_code == 404


def test_the_explorer_shows_each_targets_peers(client, reference_table, write_file):
    peer_departments(write_file)
    rows = table_rows(client.get(EXPLORER, {"q": "12345热线满意度", "department": reference_table.department_id}),
                      "indicators")
    assert len(rows) == 1
    assert rows[0][-1] == "4 个部门 · 中位数 92.5% 远低于同类"
    qualitative = table_rows(client.get(EXPLORER, {"q": "良好", "department": reference_table.department_id}),
                             "indicators")
    assert {row[-1] for row in qualitative} == {"—"}


def test_the_reviewer_sees_a_target_far_below_its_peers(client, reference_table, write_file, db, django_user_model):
    from django.contrib.auth.models import Group

    from budget.apps import REVIEWERS, ensure_groups
    from budget.models import TableReview

    peer_departments(write_file)
    ensure_groups(None)
    reviewer = django_user_model.objects.create_user("reviewer", password="pw-12345678", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    TableReview.objects.update_or_create(department=reference_table.department, year=2021,
                                         defaults={"status": TableReview.Status.SUBMITTED})
    client.force_login(reviewer)
    text = client.get(reverse("budget:review_table", args=[reference_table.department_id, 2021])).content.decode()
    assert "指标「12345热线满意度」的目标值≥75%低于同类指标的中位数92.5%(4个部门)" in text
    # The other departments' 90% and 95% are not far below (0.85 × 92.5 = 78.6).
    other = Department.objects.get(name="乙部门")
    TableReview.objects.update_or_create(department=other, year=2021, defaults={"status": TableReview.Status.SUBMITTED})
    assert "指标「12345热线满意度」的目标值≥90%低于" not in client.get(
        reverse("budget:review_table", args=[other.pk, 2021])).content.decode()


def test_a_hostile_name_is_marked_after_it_is_escaped(client, tmp_path, db):
    from tests.ui_helpers import import_hostile_table

    import_hostile_table(tmp_path)
    text = client.get(EXPLORER, {"q": "恶意 onerror", "scope": "projects"}).content.decode()
    assert "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;<mark>恶意</mark>项目" in text
    assert "<img src=x" not in text
