"""Issue 5: HTML and script in a table's text come out as text on every page and in every chart."""

import pytest
from django.urls import reverse

from budget.models import Department, Project
from tests.ui_helpers import (
    HOSTILE_DEPARTMENT,
    HOSTILE_GOAL,
    HOSTILE_INDICATOR,
    HOSTILE_PROJECT,
    figure,
    import_hostile_table,
)

RAW = ["<img src=x", "<script>alert", "<b onmouseover", "<svg onload"]


def escaped(text):
    """As Django's templates write it, and as the charts hand it to plotly.js, which shows &lt; as <."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def hostile(db, tmp_path):
    import_hostile_table(tmp_path)
    department = Department.objects.get(name=HOSTILE_DEPARTMENT)
    project = Project.objects.get(name=HOSTILE_PROJECT)
    return {
        "overview": reverse("budget:overview"),
        "department": reverse("budget:department", args=[department.pk, 2021]),
        "project": reverse("budget:project", args=[project.pk]),
        "explorer": reverse("budget:explorer")
        + "?scope=projects&q=script",  # found in the goal only: no shown text is cut by <mark>
    }


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.mark.parametrize(
    "name, shown",
    [
        ("overview", [HOSTILE_DEPARTMENT]),
        ("department", [HOSTILE_DEPARTMENT, HOSTILE_PROJECT]),
        ("project", [HOSTILE_DEPARTMENT, HOSTILE_PROJECT, HOSTILE_GOAL, HOSTILE_INDICATOR]),
        ("explorer", [HOSTILE_DEPARTMENT, HOSTILE_PROJECT, HOSTILE_INDICATOR]),
    ],
)
def test_hostile_text_is_html_escaped_in_the_page_source(client, hostile, name, shown):
    _, text = page(client, hostile[name])
    for item in shown:
        assert escaped(item) in text
    for raw in RAW:
        assert raw not in text


def test_hostile_text_reaches_the_charts_as_plotly_text(client, hostile):
    overview, _ = page(client, hostile["overview"])
    assert escaped(HOSTILE_DEPARTMENT) in figure(overview, "funding-by-department")["data"][0]["y"]

    department, _ = page(client, hostile["department"])
    bars = figure(department, "funding-per-project")
    assert escaped(HOSTILE_PROJECT) in bars["data"][0]["y"]
    assert escaped(HOSTILE_PROJECT) in bars["layout"]["yaxis"]["tickvals"]
    scores = figure(department, "score-distribution")["data"][0]
    assert scores["customdata"] == [escaped(HOSTILE_PROJECT) + ": 92.95"]

    project, text = page(client, hostile["project"])
    actual = figure(project, "target-vs-actual")["data"][0]
    assert "2. " + escaped(HOSTILE_INDICATOR) in actual["y"]
    assert any(escaped(HOSTILE_INDICATOR) in hover for hover in actual["customdata"])
    # The self-evaluation scores the renamed project exactly as the worked example.
    assert '<span class="label">自评得分</span><span class="value">92.95</span>' in text
