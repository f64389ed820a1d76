"""The reviewer's worklist: every table of a year with its review state, score and findings, in a fixed
number of queries however many tables the year has (a province: 2,000)."""

from django.db.models import Case, CharField, Count, DateTimeField, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from budget import workflow
from budget.evaluation import review, scoring
from budget.models import BudgetTable, Project, ReviewComment, ReviewEvent, TableReview

Status = TableReview.Status

# Findings to filter by. A missing level-1 category is one code with the category in its message; the
# bureau asks for each ("every table whose projects lack 满意度指标"), so each is a choice of its own.
CATEGORY_FINDINGS = [(f"missing-category:{kind}", f"缺少{name}") for kind, name in review.CATEGORY_NAMES.items()]
FINDING_LABELS = {
    "no-indicators": _("项目没有绩效指标"),
    "missing-category:output": _("缺少产出指标"),
    "missing-category:outcome": _("缺少效益指标"),
    "missing-category:satisfaction": _("缺少满意度指标"),
    "missing-category:cost": _("缺少成本指标"),
    "missing-output-quantity": _("产出指标下缺少数量指标"),
    "missing-output-quality": _("产出指标下缺少质量指标"),
    "low-numeric-share": _("数值目标不足一半"),
    "vague-target": _("指标值笼统、不可衡量"),
    "indicator-without-name": _("指标没有名称"),
    "duplicate-indicator": _("指标重复"),
    "period-annual-differ": _("实施周期与年度指标值不一致"),
    "percent-above-100": _("比率目标超过100%"),
    "rate-not-percent": _("比率指标不以百分比表示"),
    "satisfaction-below-usual": _("满意度目标低于常见水平"),
    "cost-as-percent": _("成本指标以百分比表示"),
    "reconciliation": _("金额勾稽不平"),
}
ORDERS = {
    "department": ("department__name",),
    "status": ("status_order", "department__name"),
    "score": ("review_score", "department__name"),
    "errors": ("errors", "department__name"),
    "warnings": ("warnings", "department__name"),
    "last": ("last_at", "department__name"),
    "red": ("red", "department__name"),
}
# Projects of the table whose latest monitoring month (绩效运行监控) is a red light.
RED_COUNT = (
    "SELECT count(*) FROM budget_project p JOIN LATERAL (SELECT r.light FROM budget_monitoringreport r "
    "WHERE r.project_id = p.id ORDER BY r.month DESC LIMIT 1) m ON true "
    "WHERE p.table_id = budget_budgettable.id AND m.light = 'red'"
)

# One count per severity over the findings of the table's projects, in the database.
FINDINGS_COUNT = (
    "SELECT count(*) FROM budget_project p CROSS JOIN LATERAL jsonb_array_elements(p.review_findings) f "
    "WHERE p.table_id = budget_budgettable.id AND f->>'severity' = %s"
)


def finding_filter(choice: str) -> dict | None:
    """The JSON a project's findings must contain for the choice, or None for an unknown choice."""
    if choice not in FINDING_LABELS:
        return None
    if choice.startswith("missing-category:"):
        message = dict(CATEGORY_FINDINGS)[choice]
        return {"code": "missing-category", "message": message}
    return {"code": choice}


def tables(
    *,
    year: int,
    status: str = "",
    finding: str = "",
    q: str = "",
    order: str = "department",
    department_ids=None,
    red: bool = False,
):
    """The year's tables annotated with status, last action, error and warning counts; filtered and sorted."""
    state = TableReview.objects.filter(department_id=OuterRef("department_id"), year=OuterRef("year"))
    last = ReviewEvent.objects.filter(
        review__department_id=OuterRef("department_id"), review__year=OuterRef("year")
    ).order_by("-at", "-id")
    rows = (
        BudgetTable.objects.filter(year=year)
        .select_related("department")
        .only("id", "year", "review_score", "imported_at", "department__name")
        .annotate(
            status=Coalesce(
                Subquery(state.values("status")[:1]), Value(Status.SUBMITTED.value), output_field=CharField()
            ),
            last_action=Subquery(last.values("action")[:1]),
            last_by=Subquery(last.values("by")[:1]),
            last_at=Coalesce(Subquery(last.values("at")[:1]), "imported_at", output_field=DateTimeField()),
            errors=RawSQL(FINDINGS_COUNT, ["error"]),
            warnings=RawSQL(FINDINGS_COUNT, ["warning"]),
            red=RawSQL(RED_COUNT, []),
        )
    )
    # The round's order (草稿, 待审, 已退回, 已通过), not the codes' alphabet.
    rows = rows.annotate(status_order=Case(*(When(status=s, then=Value(n)) for n, s in enumerate(Status.values))))
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    if status in Status.values:
        rows = rows.filter(status=status)
    wanted = finding_filter(finding)
    if wanted:
        rows = rows.filter(Exists(Project.objects.filter(table_id=OuterRef("pk"), review_findings__contains=[wanted])))
    if q.strip():
        rows = rows.filter(department__name__icontains=q.strip())
    if red:
        rows = rows.filter(red__gt=0)
    descending = order.startswith("-")
    fields = ORDERS.get(order.lstrip("-"), ORDERS["department"])
    first = fields[0]
    return rows.order_by(f"-{first}" if descending else first, *fields[1:], "pk"), (
        order if order.lstrip("-") in ORDERS else "department"
    )


def status_counts(*, year: int, department_ids=None) -> dict[str, int]:
    """How many of the year's tables are in each state; a table without a review row is 待审."""
    tables_ = BudgetTable.objects.filter(year=year)
    reviews = TableReview.objects.filter(year=year, department__tables__year=year)
    if department_ids is not None:
        tables_ = tables_.filter(department_id__in=department_ids)
        reviews = reviews.filter(department_id__in=department_ids)
    counts = dict(reviews.values_list("status").annotate(n=Count("pk")).order_by())
    total = tables_.count()
    counts[Status.SUBMITTED] = total - sum(n for s, n in counts.items() if s != Status.SUBMITTED)
    return {s: counts.get(s, 0) for s in Status.values}


def grade(score) -> str:
    """优/良/中/差 by the same thresholds as the self-evaluation (BUDGET_SCORING["grades"])."""
    return "" if score is None else scoring.grade(score, scoring.config()["grades"])


def waiting(user, *, limit: int = 10):
    """What waits for this user on the admin home: reviewers the tables 待审, editors their tables 已退回."""
    if workflow.is_reviewer(user):
        pending = (
            BudgetTable.objects.select_related("department")
            .exclude(
                Exists(
                    TableReview.objects.filter(department_id=OuterRef("department_id"), year=OuterRef("year")).exclude(
                        status=Status.SUBMITTED
                    )
                )
            )
            .order_by("-year", "department__name")
        )
        return {"role": "reviewer", "count": pending.count(), "tables": list(pending[:limit])}
    returned = (
        TableReview.objects.filter(status=Status.RETURNED, department__editors=user)
        .select_related("department")
        .order_by("-year", "department__name")
        .annotate(open=Count("comments", filter=Q(comments__resolved=False)))
    )
    items = list(returned[:limit])
    comments = {}
    for c in ReviewComment.objects.filter(review__in=items, resolved=False).order_by("review_id", "id"):
        comments.setdefault(c.review_id, []).append(c)
    for r in items:
        r.open_comments = comments.get(r.pk, [])
    return {"role": "editor", "count": returned.count(), "tables": items}
