"""Data entry in the admin as a clerk uses it (issue 20): the import preview says what changes, amounts as
finance staff write them, findings as readable lists, targets that cannot disagree with their value text."""

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
