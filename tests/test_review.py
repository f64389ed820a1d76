from decimal import Decimal
from types import SimpleNamespace

import pytest

from budget import export_sections, selectors
from budget.evaluation import applying, review
from budget.models import BudgetTable, Flag, Indicator, Level2Category, Project

KINDS = {"output": "产出指标", "outcome": "效益指标", "satisfaction": "满意度指标", "cost": "成本指标"}


def said(findings):
    """The findings as a reader sees them in Chinese: code, severity and sentence (params aside)."""
    return [{k: v for k, v in f.items() if k != "params"} for f in findings]


def ind(name="工作天数", kind="output", level2="数量指标", value="22天", target=None, unit="", comparator="=",
        period=None, seq=1):
    """A plain indicator with the attributes the rules read; target defaults to the number in value."""
    if target is None and value and any(c.isdigit() for c in value):
        target = Decimal("".join(c for c in value if c.isdigit() or c == "."))
        unit = unit or value.lstrip("≥≤<>=0123456789.")
    return SimpleNamespace(
        seq=seq, name=name, level1_label=KINDS[kind], level2_label=level2,
        level2=SimpleNamespace(name=level2, level1=SimpleNamespace(kind=kind)),
        period_value=value if period is None else period, annual_value=value,
        target_value=target, target_unit=unit if target is not None else "", comparator=comparator if target is not None else "",
    )


def complete():
    """A project that passes every rule."""
    return [
        ind("工作天数", "output", "数量指标", "22天", seq=1),
        ind("合格率", "output", "质量指标", "≥95%", comparator=">=", seq=2),
        ind("办结率", "outcome", "社会效益", "≥99%", comparator=">=", seq=3),
        ind("服务对象满意度", "satisfaction", "服务对象满意度", "≥90%", comparator=">=", seq=4),
    ]


def codes(findings):
    return [f["code"] for f in findings]


# --- on the reference table --------------------------------------------------------------


@pytest.fixture
def reviewed(reference_table):
    applying.refresh_table(reference_table)
    return {p.name: p for p in Project.objects.filter(table=reference_table)}


def test_the_portal_project_is_missing_its_satisfaction_indicator(reviewed):
    findings = reviewed["区政府门户网站和政务新媒体运行经费"].review_findings
    assert {"code": "missing-category", "severity": "error", "message": "缺少满意度指标"} in said(findings)


def test_the_grassroots_platform_project_has_an_indicator_without_a_name(reviewed):
    findings = reviewed["基层服务平台示范点建设经费"].review_findings
    assert {"code": "indicator-without-name", "severity": "error", "message": "第3项指标(产出指标/数量指标)没有名称"} in said(findings)


def test_the_hotline_projects_satisfaction_target_of_75_percent_is_below_the_usual_band(reviewed):
    messages = [f["message"] for f in reviewed["区长专线日常经费"].review_findings]
    assert "指标「12345热线满意度」的目标值75%低于通常的80%" in messages


def test_a_project_score_is_100_minus_the_weights_of_its_findings(reviewed):
    portal = reviewed["区政府门户网站和政务新媒体运行经费"]
    assert codes(portal.review_findings) == ["missing-category", "low-numeric-share"]
    assert portal.review_score == Decimal("65.00")


def test_the_table_score_is_the_funding_weighted_mean_of_its_projects(reference_table, reviewed):
    reference_table.refresh_from_db()
    total = sum(p.total for p in reviewed.values())
    expected = sum(p.review_score * p.total for p in reviewed.values()) / total
    assert reference_table.review_score == expected.quantize(Decimal("0.01"))


def grow(table, projects):
    """Copies of the hotline project, so that query counts can be compared across sizes."""
    template = Project.objects.get(table=table, name="区长专线日常经费")
    indicators = list(template.indicators.all())
    start = table.projects.count()
    copies = Project.objects.bulk_create([
        Project(table=table, unit=template.unit, position=start + n, name=f"扩展项目{n}", total=Decimal(1))
        for n in range(projects)
    ])
    level2 = Level2Category.objects.first()
    Indicator.objects.bulk_create([
        Indicator(project=p, position=i.position, seq=i.seq, level2=level2, name=i.name, annual_value=i.annual_value)
        for p in copies for i in indicators
    ])


@pytest.mark.parametrize("extra_projects", [0, 40])
def test_refresh_table_costs_five_queries_whatever_the_number_of_projects(
    reference_table, django_assert_num_queries, extra_projects
):
    grow(reference_table, projects=extra_projects)
    with django_assert_num_queries(5):
        applying.refresh_table(reference_table)
    assert Project.objects.filter(table=reference_table, review_score__isnull=True).count() == 0


def test_refresh_all_reviews_every_table(reference_table):
    Project.objects.update(review_score=None, review_findings=[])
    applying.refresh_all()
    assert not Project.objects.filter(review_score__isnull=True).exists()


def test_a_reconciliation_flag_becomes_a_money_finding_on_its_project_only(reference_table):
    hotline = Project.objects.get(table=reference_table, name="区长专线日常经费")
    Flag.objects.create(table=reference_table, project=hotline, severity="warning", code="reconciliation",
                        message="第16行「总计」列“1.00”与财政拨款之和 0.90 不一致,相差 0.10 万元", row=16)
    Flag.objects.create(table=reference_table, project=None, severity="warning", code="reconciliation",
                        message="合计不平", row=6)
    applying.refresh_table(reference_table)
    hotline.refresh_from_db()
    assert {"code": "reconciliation", "severity": "error",
            "message": "金额不平:第16行「总计」列“1.00”与财政拨款之和 0.90 不一致,相差 0.10 万元"} in said(hotline.review_findings)
    others = Project.objects.filter(table=reference_table).exclude(pk=hotline.pk)
    assert not any("reconciliation" in codes(p.review_findings) for p in others)


def test_the_export_dicts_hold_the_score_as_text_and_the_findings(reviewed, reference_table):
    reference_table.refresh_from_db()
    portal = export_sections.project_review_dict(reviewed["区政府门户网站和政务新媒体运行经费"])
    assert portal["score"] == "65.00"
    assert portal["findings"][0] == {"code": "missing-category", "severity": "error", "message": "缺少满意度指标"}
    assert export_sections.table_review_dict(reference_table) == {"score": f"{reference_table.review_score:.2f}"}


def test_a_table_never_reviewed_exports_a_null_score(db):
    assert export_sections.table_review_dict(BudgetTable(review_score=None)) == {"score": None}


def test_projects_rank_by_errors_then_by_number_of_findings(reviewed, reference_table):
    ranked = list(selectors.ranked_by_findings(Project.objects.filter(table=reference_table)))
    # Both have one error; the uniform project has three findings, the portal two.
    assert [p.name for p in ranked[:2]] == ["窗口工作人员服装费", "区政府门户网站和政务新媒体运行经费"]
    assert ranked[-1].name == "花都区人才管家线上服务平台建设"


# --- completeness ------------------------------------------------------------------------


def test_a_project_with_all_categories_has_no_findings():
    assert review.review_project(complete()).findings == []
    assert review.review_project(complete()).score == Decimal("100.00")


@pytest.mark.parametrize("missing, message", [
    ("output", "缺少产出指标"), ("outcome", "缺少效益指标"), ("satisfaction", "缺少满意度指标"),
])
def test_a_missing_level1_category_is_named(missing, message):
    indicators = [i for i in complete() if i.level2.level1.kind != missing]
    assert {"code": "missing-category", "severity": "error", "message": message} in said(review.completeness(indicators))


def test_cost_is_required_only_when_the_table_uses_the_newer_framework():
    assert review.completeness(complete(), newer_framework=False) == []
    assert said(review.completeness(complete(), newer_framework=True)) == [
        {"code": "missing-category", "severity": "error", "message": "缺少成本指标"}
    ]


def test_a_table_uses_the_newer_framework_when_any_project_has_a_cost_category():
    cost = ind("单位成本", "cost", "经济成本指标", "≤30万元", comparator="<=")
    assert review.uses_newer_framework([complete(), complete() + [cost]])
    assert not review.uses_newer_framework([complete(), complete()])


def test_a_level1_without_a_category_kind_is_read_from_the_source_words():
    indicator = ind("单位成本", "cost", "经济成本指标", "≤30万元", comparator="<=")
    indicator.level2.level1.kind = ""
    assert review.kind(indicator) == "cost"


@pytest.mark.parametrize("level2, message", [("数量指标", "产出指标下缺少数量指标"), ("质量指标", "产出指标下缺少质量指标")])
def test_an_output_category_without_a_quantity_or_quality_indicator_is_found(level2, message):
    indicators = [i for i in complete() if i.level2_label != level2]
    assert message in [f["message"] for f in review.completeness(indicators)]


def test_a_project_without_indicators_has_one_finding_and_scores_zero():
    result = review.review_project([])
    assert said(result.findings) == [{"code": "no-indicators", "severity": "error", "message": "项目没有绩效指标"}]
    assert result.score == Decimal("0.00")


# --- measurability -----------------------------------------------------------------------


def qualitative(name, value, seq=1):
    return ind(name, "output", "时效指标", value, seq=seq)


def test_fewer_than_half_numeric_targets_is_a_finding_with_the_share():
    indicators = complete()[:1] + [qualitative("发放时间", "每月上旬", 2), qualitative("网站考评", "良好", 3)]
    assert said(review.measurability(indicators)) == [{
        "code": "low-numeric-share", "severity": "warning", "message": "只有1/3项指标(33%)有可量化的目标值,指标未细化量化",
    }]


def test_half_numeric_targets_is_enough():
    indicators = complete()[:1] + [qualitative("发放时间", "每月上旬", 2)]
    assert review.measurability(indicators) == []


@pytest.mark.parametrize("value, word", [
    ("服务水平不断提升", "提升"), ("提高群众获得感", "提高"), ("持续改善营商环境", "持续改善"),
    ("发挥长远效益", "长远"), ("受益人数逐年增加", "逐年增加"), ("宣传效果明显", "效果明显"),
])
def test_a_value_that_says_nothing_testable_is_vague(value, word):
    indicators = complete() + [qualitative("社会影响", value, 5)]
    assert {"code": "vague-target", "severity": "warning",
            "message": f"指标「社会影响」的指标值“{value}”只说“{word}”,无法检验是否达成"} in said(review.measurability(indicators))


def test_a_number_makes_an_improvement_testable():
    indicators = complete() + [ind("办结率提高", "outcome", "社会效益", "提高5%", comparator=">=", seq=5)]
    assert review.measurability(indicators) == []


# --- form --------------------------------------------------------------------------------


def test_the_same_indicator_name_twice_is_a_duplicate():
    indicators = complete() + [ind("工作天数", "output", "数量指标", "22天", seq=5)]
    assert said(review.form(indicators)) == [
        {"code": "duplicate-indicator", "severity": "warning", "message": "指标「工作天数」在项目中出现了2次"}
    ]


def test_period_and_annual_values_that_differ_are_found():
    indicators = [ind("服务人数", value="1000人", period="3000人")]
    assert said(review.form(indicators)) == [{
        "code": "period-annual-differ", "severity": "info",
        "message": "指标「服务人数」的实施周期指标值“3000人”与年度指标值“1000人”不一致",
    }]


@pytest.mark.parametrize("name, flagged", [
    ("系统正常运行率", True), ("服务对象满意度", True), ("政策覆盖率", True), ("资金占比", True),
    ("收入增长率", False), ("业务量", False),
])
def test_a_percent_above_100_is_impossible_only_for_bounded_rates(name, flagged):
    found = review.form([ind(name, "outcome", "社会效益", "120%")])
    assert ("percent-above-100" in codes(found)) is flagged


def test_the_percent_above_100_message_names_indicator_and_value():
    found = review.form([ind("系统正常运行率", "output", "质量指标", "199.9%")])
    assert said(found) == [{"code": "percent-above-100", "severity": "error",
                      "message": "指标「系统正常运行率」的目标值199.9%超过100%,该比率不可能达到"}]


@pytest.mark.parametrize("value, flagged", [("≥75%", True), ("≥79.5%", True), ("≥80%", False), ("95%", False)])
def test_a_satisfaction_target_below_80_percent_is_found(value, flagged):
    found = review.form([ind("服务对象满意度", "satisfaction", "服务对象满意度", value, comparator=">=")])
    assert ("satisfaction-below-usual" in codes(found)) is flagged


def test_a_rate_targeted_as_a_head_count_is_found():
    found = review.form([ind("宣传知晓率", "outcome", "社会效益", "100000人")])
    assert said(found) == [{"code": "rate-not-percent", "severity": "warning",
                      "message": "指标「宣传知晓率」是比率,目标值却是“100000人”"}]


def test_a_cost_indicator_written_as_a_percent_is_found():
    found = review.form([ind("服装配套覆盖率", "output", "成本指标", "100%")])
    assert said(found) == [{"code": "cost-as-percent", "severity": "warning",
                      "message": "成本类指标「服装配套覆盖率」的目标值是百分比“100%”,没有给出成本金额"}]


# --- score --------------------------------------------------------------------------------


def test_the_score_never_falls_below_zero():
    findings = [review.finding("missing-category", "error", category="x")] * 6
    assert review.score(findings) == Decimal("0.00")


def test_rule_weights_come_from_settings(settings):
    settings.BUDGET_REVIEW_WEIGHTS = {"missing-category": 7.5}
    indicators = [i for i in complete() if i.level2.level1.kind != "satisfaction"]
    assert review.review_project(indicators).score == Decimal("92.50")


@pytest.mark.parametrize("scored, expected", [
    ([(Decimal(100), Decimal(300)), (Decimal(50), Decimal(100))], Decimal("87.50")),
    ([(Decimal(100), Decimal(0)), (Decimal(50), Decimal(0))], Decimal("75.00")),
    ([(None, Decimal(10)), (Decimal(80), Decimal(0))], Decimal("80.00")),
    ([], None),
])
def test_the_table_score_weights_by_funding_and_falls_back_to_the_plain_mean(scored, expected):
    assert review.table_score(scored) == expected


# --- an import stores the review with the rows ------------------------------------------------


def stored_review(table) -> tuple:
    table.refresh_from_db()
    projects = Project.objects.filter(table=table).order_by("position")
    return table.review_score, list(projects.values_list("name", "review_score", "review_findings"))


def recomputed_review(table) -> tuple:
    Project.objects.filter(table=table).update(review_score=None, review_findings=[])
    BudgetTable.objects.filter(pk=table.pk).update(review_score=None)
    applying.refresh_table(table)
    return stored_review(table)


def test_the_reference_import_stores_the_review_that_refresh_table_computes(reference_table):
    imported = stored_review(reference_table)
    assert imported[0] is not None and all(score is not None for _, score, _ in imported[1])
    assert recomputed_review(reference_table) == imported


def test_a_lenient_import_reviews_its_reconciliation_flags_as_refresh_table_does(db, write_file):
    from budget.importing.importer import import_table
    from tests.conftest import REFERENCE

    rows = [line.split("\t") for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    rows[11][1] = "199.50"
    path = write_file("bad.txt", "\n".join("\t".join(r) for r in rows) + "\n")
    import_table(path, filename="bad.txt", year=2021, lenient=True)
    table = BudgetTable.objects.get()
    assert Flag.objects.filter(table=table, code="reconciliation").count() == 2
    imported = stored_review(table)
    assert recomputed_review(table) == imported


@pytest.mark.parametrize("layout", ["project-per-row", "indicator-per-row"])
def test_a_generated_import_stores_the_review_that_refresh_table_computes(db, write_file, layout):
    from budget import generate
    from budget.importing.importer import import_table
    from budget.models import Level1Category

    # A category whose stored kind differs from its words: the import must follow the stored kind.
    Level1Category.objects.update_or_create(name="效益指标", defaults={"kind": "cost"})
    path = write_file("gen.txt", generate.text(generate.table(projects=120, seed=f"review:{layout}", layout=layout)))
    import_table(path, filename="gen.txt", lenient=True)
    table = BudgetTable.objects.get()
    imported = stored_review(table)
    assert len(imported[1]) == 120
    assert len({score for _, score, _ in imported[1]}) > 3  # the generated variety shows in the review
    assert recomputed_review(table) == imported
