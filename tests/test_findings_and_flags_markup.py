"""A finding or an import flag reads the same wherever it is shown (templates/budget/_badge.html, _finding.html,
_findings.html, _flags.html): the severity as a coloured word, the row it came from, the sentence."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budget.models import Flag, Project
from tests.conftest import REFERENCE

FLAG = "项目「基层服务平台示范点建设经费」第3项指标(产出指标/数量指标)没有三级指标名称"  # the source's row 13


def flag_items(text):
    card = re.search(r'<section class="card" id="flags">(.*?)</section>', text, re.S).group(1)
    return [re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", card, re.S)]


def test_the_table_and_the_project_list_the_same_flag_alike(client, reference_table):
    flag = Flag.objects.get()
    url = flag.project.get_absolute_url()
    on_table = flag_items(client.get(reference_table.get_absolute_url()).content.decode())
    on_project = flag_items(client.get(url).content.decode())
    assert on_table == [f'<span class="badge warning">警告</span> <span class="row">第13行</span> '
                        f'<a href="{url}">基层服务平台示范点建设经费</a>: {FLAG}']
    # The project's own page need not name the project.
    assert on_project == [f'<span class="badge warning">警告</span> <span class="row">第13行</span> {FLAG}']


def test_the_department_page_the_project_page_and_the_admin_show_a_finding_alike(client, admin_client,
                                                                                   reference_table):
    project = Project.objects.get(name="基层服务平台示范点建设经费")
    finding = '<li><span class="badge error">错误</span> 第3项指标(产出指标/数量指标)没有名称'
    assert finding + "</li>" in client.get(reference_table.get_absolute_url()).content.decode()  # the review card
    assert finding + "</li>" in client.get(project.get_absolute_url()).content.decode()
    change = admin_client.get(reverse("admin:budget_project_change", args=[project.pk])).content.decode()
    assert finding + " <code>indicator-without-name</code></li>" in change  # the admin adds the code


def test_the_admin_lists_flags_with_the_pages_badge(admin_client, reference_table):
    listing = admin_client.get(reverse("admin:budget_flag_changelist")).content.decode()
    assert '<td class="field-severity_badge"><span class="badge warning">警告</span></td>' in listing


def test_the_import_preview_lists_flags_as_the_pages_do_with_their_codes(admin_client, db):
    upload = SimpleUploadedFile(REFERENCE.name, REFERENCE.read_bytes())
    preview = admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"}).content.decode()
    items = [re.sub(r"\s+", " ", li).strip() for li in
             re.findall(r"<li>(.*?)</li>", re.search(r'<ul class="flags">(.*?)</ul>', preview, re.S).group(1), re.S)]
    assert items == [f'<span class="badge warning">警告</span> <span class="row">第13行</span> {FLAG} '
                     '<code>indicator-without-name</code>']
    assert "css/admin-entry.css" in preview  # where the admin's badge colours are
