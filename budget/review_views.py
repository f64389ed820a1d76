"""The finance bureau's review pages: the worklist, a table's review page and its opinion document.

For signed-in users only and never kept (no visitor_page, never_cache): they carry forms, opinions and
names. The rules — who may do what in which state — are budget/workflow.py's; these views read the
request, call one of its functions and redirect.
"""

import io
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from budget import caching, formats, opinion, peers, selectors, views, wording, workflow, worklist
from budget.models import BudgetTable, Indicator, Project, TableReview

TABLES_PER_PAGE = 100
PROJECTS_SHOWN = 300  # a review page lists the projects with most findings first, up to this many
Status = TableReview.Status
COLUMNS = [("department", gettext_lazy("部门")), ("status", gettext_lazy("审核状态")),
           ("score", gettext_lazy("审核得分")), ("errors", gettext_lazy("错误")), ("warnings", gettext_lazy("警告")),
           ("red", gettext_lazy("红灯项目")), ("last", gettext_lazy("最近操作"))]


def signed_in(view):
    """Visitors who are not signed in are sent to the login page, and come back after it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@require_safe
@signed_in
def worklist_view(request):
    if not workflow.is_reviewer(request.user):
        return redirect_to_login(request.get_full_path())
    years = selectors.table_years()
    year = views.year_asked(request, years)
    params = {k: request.GET.get(k, "") for k in ("status", "finding", "q", "sort", "monitoring")}
    context = {"years": years, "year": year, "params": params, "statuses": Status.choices,
               "findings": list(worklist.FINDING_LABELS.items())}
    if year is not None:
        rows, order = worklist.tables(year=year, status=params["status"], finding=params["finding"], q=params["q"],
                                      order=params["sort"] or "department", red=params["monitoring"] == "red")
        page = Paginator(rows, TABLES_PER_PAGE).get_page(request.GET.get("page"))
        for t in page:
            t.grade = worklist.grade(t.review_score)
            t.status_label = Status(t.status).label
            t.last_label = workflow.ACTIONS[t.last_action].label if t.last_action else _("导入")
        context.update(page=page, counts=[(s, label, n) for (s, label), n in
                                          zip(Status.choices, worklist.status_counts(year=year).values())],
                       columns=_sort_links(year, params, order), query=_query(year, params, params["sort"]))
    return render(request, "budget/review/worklist.html", context)


def _query(year, params, sort) -> str:
    return urlencode({"year": year, **{k: v for k, v in params.items() if v and k != "sort"},
                      **({"sort": sort} if sort else {})})


def _sort_links(year, params, order):
    """Each column head links to sorting by it; a second click reverses."""
    links = []
    for key, label in COLUMNS:
        current = order.lstrip("-") == key
        descending = current and order.startswith("-")
        links.append({"label": label, "url": "?" + _query(year, params, key if descending or not current else f"-{key}"),
                      "sorted": ("descending" if descending else "ascending") if current else ""})
    return links


def _table(request, pk, year) -> BudgetTable:
    """The table, for a user who may see its review: anyone else gets a 404, as for a table that is not there."""
    table = get_object_or_404(BudgetTable.objects.select_related("department"), department_id=pk, year=year)
    if not workflow.can_view(request.user, table.department_id):
        raise Http404
    return table


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def table_view(request, pk, year):
    table = _table(request, pk, year)
    if request.method == "POST":
        return _act(request, table)
    user, doc = request.user, opinion.document(table)
    status = doc.status
    saved = {(c.project, c.finding) for c in doc.opinions if c.finding}
    projects = _projects(table, saved) if workflow.may_comment(user, status) else []
    actions = {a.name: a for a in workflow.available(user, status, table.department_id)}
    may_resolve = workflow.may_resolve(user, status, table.department_id)
    return render(request, "budget/review/table.html", {
        "table": table, "doc": doc, "projects": projects,
        "more_projects": max(0, getattr(table, "project_total", 0) - len(projects)),
        "actions": actions, "may_resolve": may_resolve, "may_comment": workflow.may_comment(user, status),
        # Resubmitting sends the 已修改 marks with it, from the list of opinions.
        "submit_with_marks": "submit" in actions and may_resolve and bool(doc.opinions),
        "is_reviewer": workflow.is_reviewer(user),
        "open_count": sum(not c.resolved for c in doc.opinions),
        "next_pending": _next_pending(table) if workflow.is_reviewer(user) else None,
    })


def _next_pending(table):
    """The next table 待审 of the year in the worklist's order, so a reviewer goes from one to the next."""
    rows, _order = worklist.tables(year=table.year, status=Status.SUBMITTED)
    return rows.filter(department__name__gt=table.department.name).first() or rows.exclude(pk=table.pk).first()


def _projects(table, saved):
    """The projects to comment on, most findings first, each with the findings not yet taken as opinions.
    Ranked on their findings alone; only the ones shown fetch their indicators (a national table has
    a hundred thousand)."""
    projects = table.projects.only("id", "table_id", "name", "position", "review_score", "review_findings")
    table.project_total = projects.count()
    shown = sorted(selectors.ranked_by_findings(projects)[:PROJECTS_SHOWN], key=lambda p: p.position)
    indicators = {}
    for i in (Indicator.objects.filter(project_id__in=[p.pk for p in shown]).select_related("level2")
              .only("id", "project_id", "seq", "name", "level1_label", "level2_label", "comparator", "target_value",
                    "target_unit", "level2__name")
              .order_by("position")):
        indicators.setdefault(i.project_id, []).append(i)
    version = caching.data_version()  # read once: the peers are cached under it
    for p in shown:
        p.indicator_list = indicators.get(p.pk, [])
        p.drafts = [(n, f) for n, f in enumerate(p.review_findings or []) if (p.name[:500], f["message"]) not in saved]
        p.below_peers = _below_peers(p.indicator_list, table, version)
    return shown


def _below_peers(indicators, table, version) -> list[dict]:
    """The project's targets far below the same target in the year's other departments (budget/peers.py),
    for the reviewer to judge: a finding shown beside the review's, not scored."""
    return [wording.make("target-below-peers", "warning", **wording.where_params(p["indicator"]),
                         target=formats.target_of(p["indicator"]), median=peers_text(p), count=p["group"]["count"])
            for p in peers.for_indicators(indicators, table.year, table.department_id, version) if p["far_below"]]


def peers_text(p) -> str:
    return formats.quantity(p["group"]["median"], p["indicator"].target_unit)


def _indicator_label(indicator) -> str:
    return indicator.name or _("第{seq}项指标").format(seq=indicator.seq)


def _posted_opinions(request, table) -> list[workflow.Opinion]:
    """The reviewer's form: the table's box, the accepted (and perhaps edited) findings, each project's box
    and its indicator box. Projects are named by id in the form and looked up in this table only."""
    post = request.POST
    found = [workflow.Opinion(post.get("table_comment", ""))]
    ids = {int(key.split("-")[1]) for key in post if key.startswith(("p-", "ic-")) and key.split("-")[1].isdigit()}
    accepted = [a.split("-") for a in post.getlist("accept") if a.count("-") == 1]
    ids |= {int(pid) for pid, _n in accepted if pid.isdigit()}
    projects = {p.pk: p for p in Project.objects.filter(table=table, pk__in=ids).prefetch_related("indicators")}
    for pid, n in accepted:
        project = projects.get(int(pid)) if pid.isdigit() else None
        findings = project.review_findings if project else []
        if n.isdigit() and int(n) < len(findings):
            f = findings[int(n)]
            text = post.get(f"f-{pid}-{n}", "").strip() or f["message"]
            found.append(workflow.Opinion(text, project.name, code=f["code"], finding=f["message"]))
    for pid, project in projects.items():
        found.append(workflow.Opinion(post.get(f"p-{pid}", ""), project.name))
        chosen = post.get(f"i-{pid}", "")
        indicator = next((i for i in project.indicators.all() if str(i.pk) == chosen), None)
        if indicator is not None:
            found.append(workflow.Opinion(post.get(f"ic-{pid}", ""), project.name, _indicator_label(indicator)))
    return found


def _act(request, table):
    """One button of the review page: save opinions or marks, then make the transition it names."""
    user, dept, year = request.user, table.department, table.year
    action = request.POST.get("action", "")
    here = redirect("budget:review_table", dept.pk, year)
    try:
        if action in ("save", "return", "approve"):
            saved = workflow.add_opinions(user, dept, year, _posted_opinions(request, table))
            if saved:
                messages.success(request, _("已保存 {n} 条审核意见").format(n=saved))
        if action in ("resolve", "submit") and "shown" in request.POST:
            shown = {int(i) for i in request.POST.getlist("shown") if i.isdigit()}
            resolved = {int(i) for i in request.POST.getlist("resolved") if i.isdigit()}
            workflow.mark_resolved(user, dept, year, shown, resolved)
            if action == "resolve":
                messages.success(request, _("已保存修改标记"))
        if action in workflow.ACTIONS:
            review = workflow.transition(user, dept, year, action, request.POST.get("reason", ""))
            messages.success(request, _("已完成「{action}」,当前状态: {status}").format(
                action=workflow.ACTIONS[action].label, status=review.get_status_display()))
    except workflow.WorkflowError as refused:
        messages.error(request, str(refused))
    return here


@require_safe
@signed_in
def opinion_view(request, pk, year):
    table = _table(request, pk, year)
    return render(request, "budget/review/opinion.html", {"table": table, "doc": opinion.document(table)})


@require_safe
@signed_in
def opinion_xlsx(request, pk, year):
    table = _table(request, pk, year)
    body = io.BytesIO()
    opinion.xlsx(opinion.document(table), body)
    response = HttpResponse(body.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{table.department.name}-{year}-{_('审核意见书')}.xlsx")
    return response
