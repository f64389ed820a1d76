"""Every real published table of the corpus (tests/data/real) imports to the facts written down from
its source (<slug>.json), from the spreadsheet and from Excel's GB18030 CSV, with only --year (and
--department where the form names none): department, projects, amounts, goals, each indicator's
categories, name and target — and nothing more."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from budget import exporter
from budget.importing.forms_layout import FORM_LABELS
from budget.importing.importer import import_table

REAL = Path(__file__).resolve().parent / "data" / "real"
TARGET_LAYOUTS = {"single-project-form", "department-targets", "indicator-per-row", "project-per-row"}


STRUCTURED_LABELS = {label for role, labels in FORM_LABELS.items() if role != "attribute" for label in labels} | {
    f"其中:{label}" for label in ("当年财政拨款", "财政拨款", "其他资金")}


def cases():
    for path in sorted(REAL.glob("*.json")):
        facts = json.loads(path.read_text(encoding="utf-8"))
        if facts["layout"] not in TARGET_LAYOUTS:
            continue
        for ext in ("xlsx", "csv"):
            yield pytest.param(path.stem, ext, id=f"{path.stem}.{ext}")


def amount(text):
    return None if text is None else Decimal(text)


def target(t):
    return None if t is None else (t["comparator"], Decimal(t["value"]), t["unit"])


def indicators(items, expected=None):
    """What is compared of each indicator; a target the facts mark ambiguous is not pinned."""
    ambiguous = [i.get("target_ambiguous", False) for i in (expected or items)]
    return [(i["level1"], i["level2"], i["name"], i["period_value"], i["annual_value"],
             None if vague else target(i["target"]), i.get("extra") or {}) for i, vague in zip(items, ambiguous)]


def department_given(facts):
    """--department only where the form names none: the publisher's name."""
    return None if facts["department"] else facts["publisher"].split(" (")[0]


def imported(slug, ext, facts):
    path = REAL / f"{slug}.{ext}"
    # A transcription cut short (truncated) cannot reconcile its declared totals: imported leniently, the
    # difference is a flag.
    options = {"year": facts["year"] or facts["year_hint"], "department": department_given(facts),
               "lenient": "truncated" in facts}
    import_table(path, filename=path.name, **options)
    (table,) = exporter.json_document()["tables"]
    return table


@pytest.mark.parametrize("slug, ext", list(cases()))
def test_every_fact_of_a_real_table_is_imported(db, slug, ext):
    facts = json.loads((REAL / f"{slug}.json").read_text(encoding="utf-8"))
    table = imported(slug, ext, facts)
    assert (table["department"], table["department_code"], table["year"], table["layout"]) == (
        facts["department"] or department_given(facts), facts["department_code"], facts["year"] or facts["year_hint"],
        facts["layout"])
    if facts["layout"] == "department-targets":
        assert table["kind"] == "department-targets" and table["units"] == []
        expected, overall = facts["overall"], table["overall"]
        assert (overall["goal"], overall["period_goal"]) == (expected["goal"], expected["period_goal"])
        funding = overall["funding"]
        assert amount(funding["total"]) == amount(expected["funding"]["total"])
        assert {k: amount(v) for k, v in funding["by_source"].items()} == {
            k: amount(v) for k, v in expected["funding"]["by_source"].items()}
        assert {k: amount(v) for k, v in funding["by_purpose"].items()} == {
            k: amount(v) for k, v in expected["funding"]["by_purpose"].items()}
        assert overall["duties"] == expected["duties"]
        assert indicators(overall["indicators"], expected["indicators"]) == indicators(expected["indicators"])
        return
    assert table["kind"] == "project-targets"
    got = [(u, p) for u in table["units"] for p in u["projects"]]
    assert [p["name"] for _, p in got] == [p["name"] for p in facts["projects"]]
    flags = table["flags"]
    removed = [i for p in facts["projects"] for i in p["indicators"] if i.get("removed")]
    assert len([f for f in flags if f["code"] == "name-cleaned"]) == len(removed)
    for (unit, project), want in zip(got, facts["projects"]):
        # A form without 实施单位 is the department's own project (the department --department names when the form
        # names none either).
        assert (unit["name"], unit["code"]) == (want["unit"] or facts["department"] or department_given(facts),
                                                want.get("unit_code"))
        assert amount(project["funding"]["total"]) == amount(want["total"])
        assert {k: amount(v) for k, v in project["funding"]["by_source"].items()} == {
            k: amount(v) for k, v in want["by_source"].items()}
        assert (project["goal"], project["period_goal"]) == (want["goal"], want["period_goal"])
        # Every attribute is as written; the facts may list as attributes labels the importer structures
        # (当年年度预算 is the total), never the other way round.
        assert {k: project["attributes"][k] for k in project["attributes"]} == {
            k: v for k, v in want["attributes"].items() if k in project["attributes"]}
        assert not set(want["attributes"]) - set(project["attributes"]) - STRUCTURED_LABELS, want["attributes"]
        assert indicators(project["indicators"], want["indicators"]) == indicators(want["indicators"])
        if want.get("total_note"):
            assert any(f["code"] == "amount-note" and want["total_note"] in f["message"] for f in flags)
        for item in want["indicators"]:
            if item.get("removed"):  # "*" or "* and (≥**人)": each part is named on the name's flag
                cleaned = [f["message"] for f in flags
                           if f["code"] == "name-cleaned" and f"存为「{item['name']}」" in f["message"]]
                assert len(cleaned) == 1, item["name"]
                removed = cleaned[0].split("去掉了模板占位符或标记", 1)[1]
                assert all(part in removed for part in item["removed"].split(" and ")), (removed, item["removed"])


def self_evaluation_cases():
    for path in sorted(REAL.glob("*.json")):
        if json.loads(path.read_text(encoding="utf-8"))["layout"] != "self-evaluation":
            continue
        for ext in ("xlsx", "csv"):
            yield pytest.param(path.stem, ext, id=f"{path.stem}.{ext}")


def blank_none(text):
    return text or None


@pytest.mark.parametrize("slug, ext", list(self_evaluation_cases()))
def test_every_result_of_a_real_self_evaluation_is_imported(db, slug, ext):
    """A 自评表 for a project with no targets yet: import_actuals brings the targets, then the results."""
    from budget.importing.actuals import import_actuals
    from budget.models import Project

    facts = json.loads((REAL / f"{slug}.json").read_text(encoding="utf-8"))
    path = REAL / f"{slug}.{ext}"
    import_actuals(path, filename=path.name, year=facts["year"] or facts.get("year_hint"),
                   department=department_given(facts))
    (want,) = facts["projects"]
    project = Project.objects.get()
    assert (project.table.department.name, project.table.year, project.name) == (
        facts["department"] or department_given(facts), facts["year"] or facts.get("year_hint"), want["name"])
    evaluation = want["self_evaluation"]
    assert (project.budget_initial, project.budget_adjusted, project.executed) == tuple(
        amount(evaluation[k]) for k in ("budget_initial", "budget_adjusted", "executed"))
    got = [(i.level1_label, i.level2_label, i.name, blank_none(i.actual_value), i.actual_points,
            blank_none(i.deviation_reason)) for i in project.indicators.order_by("position")]
    assert got == [(i["level1"], i["level2"], i["name"], i["actual"], amount(i["score"]), i["deviation_reason"])
                   for i in want["indicators"]]
