"""The finance bureau's review round (绩效目标审核, 财预〔2015〕88号): the states of a department's targets
for a year, the transitions between them, who may make each, and the lock an approval puts on the table.

    草稿 draft ──提交审核──▶ 待审 submitted ──通过──▶ 已通过 approved
        ▲                   │      ▲                      │
        └──────撤回─────────┘      └──提交审核── 已退回 returned ◀──撤销通过 (with a reason)
                            └──────退回修改 (with an opinion)──▶

A table the department imports arrives 待审: the import is its submission, so a department that has
never heard of the round still reaches the bureau's worklist. No row in TableReview means exactly that.
Editors may withdraw a submission (撤回 → 草稿) to keep working, and submit again. Re-importing or
editing a returned table leaves it 已退回 until its editors mark the opinions and click 提交审核.
An approved table is locked: imports and admin edits are refused until a reviewer reopens it.

The state lives per department and year, not on the BudgetTable row, which every import replaces.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.models import BudgetTable, Department, ReviewComment, ReviewEvent, TableReview

Status = TableReview.Status
EDITOR, REVIEWER = "editor", "reviewer"
ALL_DEPARTMENTS = "budget.view_all_departments"  # as budget/admin.py: the reviewers' permission


class WorkflowError(Exception):
    """A transition that the state, the user's role or a missing opinion does not allow; the message
    is for the user, in the active language."""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    role: str
    needs_reason: bool = False
    needs_opinion: bool = False


ACTIONS = {
    a.name: a
    for a in (
        Action("submit", gettext_lazy("提交审核"), (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, EDITOR),
        Action("withdraw", gettext_lazy("撤回"), (Status.SUBMITTED,), Status.DRAFT, EDITOR),
        Action("return", gettext_lazy("退回修改"), (Status.SUBMITTED,), Status.RETURNED, REVIEWER, needs_opinion=True),
        Action("approve", gettext_lazy("通过"), (Status.SUBMITTED,), Status.APPROVED, REVIEWER),
        Action("reopen", gettext_lazy("撤销通过"), (Status.APPROVED,), Status.RETURNED, REVIEWER, needs_reason=True),
    )
}


# -- who --------------------------------------------------------------------------------------


def is_reviewer(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(ALL_DEPARTMENTS)))


def is_editor(user, department_id: int) -> bool:
    """Administrators act for any department; an editor for the departments that list them."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or Department.editors.through.objects.filter(department_id=department_id, user_id=user.pk).exists()
    )


def can_view(user, department_id: int) -> bool:
    return is_reviewer(user) or is_editor(user, department_id)


def may(user, action: Action, department_id: int) -> bool:
    if action.role == REVIEWER:
        return is_reviewer(user)
    return is_editor(user, department_id)


def available(user, status: str, department_id: int) -> list[Action]:
    """The buttons this user gets on a table in this state."""
    return [a for a in ACTIONS.values() if status in a.sources and may(user, a, department_id)]


def may_comment(user, status: str) -> bool:
    return is_reviewer(user) and status != Status.APPROVED


def may_resolve(user, status: str, department_id: int) -> bool:
    return status in (Status.RETURNED, Status.DRAFT) and is_editor(user, department_id)


def _fitted(field: str, text: str) -> str:
    """A reviewer's text cut to its column, as wide as the model says."""
    return text[: ReviewComment._meta.get_field(field).max_length]


def name_of(user) -> str:
    return (user.get_full_name() or user.get_username())[: ReviewComment._meta.get_field("by").max_length]


# -- state ------------------------------------------------------------------------------------


def status_of(department_id: int, year: int) -> str:
    found = TableReview.objects.filter(department_id=department_id, year=year).values_list("status", flat=True)
    return next(iter(found), Status.SUBMITTED)


def review_for(department_id: int, year: int) -> TableReview | None:
    return TableReview.objects.filter(department_id=department_id, year=year).first()


def _lock(department_name: str, year: int) -> None:
    # The writer's lock (budget/importing/writer.py): an approval and an import of the same table queue, so an
    # import never lands in a table approved while it was being written.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{department_name}|{year}"])


def _review_for_update(department: Department, year: int) -> TableReview:
    review, _created = TableReview.objects.select_for_update().get_or_create(department=department, year=year)
    return review


def transition(user, department: Department, year: int, name: str, comment: str = "") -> TableReview:
    """Make one transition and record it in the table's review history: who, when, from, to, comment."""
    action = ACTIONS.get(name)
    if action is None:
        raise WorkflowError(_("未知的操作"))
    comment = comment.strip()
    with transaction.atomic():
        _lock(department.name, year)
        if not BudgetTable.objects.filter(department=department, year=year).exists():
            raise WorkflowError(_("{department} {year}年没有绩效目标表").format(department=department.name, year=year))
        review = _review_for_update(department, year)
        if not may(user, action, department.pk):
            raise WorkflowError(_("您无权「{action}」").format(action=action.label))
        if review.status not in action.sources:
            raise WorkflowError(
                _("当前状态为「{status}」,不能「{action}」").format(
                    status=review.get_status_display(), action=action.label
                )
            )
        if action.needs_reason and not comment:
            raise WorkflowError(_("「{action}」需要填写理由").format(action=action.label))
        if action.needs_opinion and not review.comments.filter(resolved=False).exists():
            raise WorkflowError(_("「退回修改」需要至少一条审核意见"))
        now, by = timezone.now(), name_of(user)
        ReviewEvent.objects.create(
            review=review,
            action=action.name,
            from_status=review.status,
            to_status=action.target,
            by=by,
            at=now,
            comment=comment,
        )
        if action.needs_reason:
            # The reason is what the department must act on: it joins the opinions it marks as done.
            ReviewComment.objects.create(review=review, text=comment, by=by, at=now)
        review.status, review.changed_at, review.changed_by = action.target, now, by
        review.save(update_fields=["status", "changed_at", "changed_by"])
    return review


# -- opinions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opinion:
    text: str
    project: str = ""
    indicator: str = ""
    code: str = ""
    finding: str = ""


def add_opinions(user, department: Department, year: int, opinions: list[Opinion]) -> int:
    opinions = [o for o in opinions if o.text.strip()]
    if not opinions:
        return 0
    with transaction.atomic():
        _lock(department.name, year)
        review = _review_for_update(department, year)
        if not may_comment(user, review.status):
            raise WorkflowError(_("您不能对「{status}」的表提出审核意见").format(status=review.get_status_display()))
        now, by = timezone.now(), name_of(user)
        ReviewComment.objects.bulk_create(
            [
                ReviewComment(
                    review=review,
                    project=_fitted("project", o.project),
                    indicator=_fitted("indicator", o.indicator),
                    code=_fitted("code", o.code),
                    finding=o.finding,
                    text=o.text.strip(),
                    by=by,
                    at=now,
                )
                for o in opinions
            ]
        )
    return len(opinions)


def mark_resolved(user, department: Department, year: int, shown: set[int], resolved_ids: set[int]) -> None:
    """The department's editors mark which of the opinions they were shown they have acted on (已修改)."""
    with transaction.atomic():
        _lock(department.name, year)
        review = _review_for_update(department, year)
        if not may_resolve(user, review.status, department.pk):
            raise WorkflowError(_("只有本部门的编辑人员能在表退回后标记「已修改」"))
        now, by = timezone.now(), name_of(user)
        comments = review.comments.filter(pk__in=shown)
        comments.filter(pk__in=resolved_ids, resolved=False).update(resolved=True, resolved_by=by, resolved_at=now)
        comments.exclude(pk__in=resolved_ids).filter(resolved=True).update(
            resolved=False, resolved_by="", resolved_at=None
        )


# -- the lock ---------------------------------------------------------------------------------


def lock_refusal(department_id: int, year: int) -> str | None:
    """Why the table may not be changed, or None when it may."""
    review = TableReview.objects.filter(department_id=department_id, year=year, status=Status.APPROVED).first()
    if review is None:
        return None
    when = date_format(timezone.localtime(review.changed_at), "Y-m-d H:i") if review.changed_at else ""
    return _(
        "{department} {year}年的绩效目标表已通过审核({by} 于 {when}),已锁定;需审核员先「撤销通过」才能修改或重新导入"
    ).format(department=review.department.name, year=year, by=review.changed_by, when=when)


# -- the export's review section (shared/spec/export-format.md) ---------------------------------


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def attach(tables) -> list:
    """Fetch the review state, history and opinions of many tables in two queries."""
    tables = list(tables)
    keys = {(t.department_id, t.year) for t in tables}
    reviews = {}
    if keys:
        years = {year for _, year in keys}
        for r in TableReview.objects.filter(year__in=years, department_id__in={d for d, _ in keys}).prefetch_related(
            "events", "comments"
        ):
            reviews[r.department_id, r.year] = r
    for t in tables:
        t.workflow_review = reviews.get((t.department_id, t.year))
    return tables


def export_section(table, *, opinions: bool = True) -> dict:
    """The table's review state for the export; without `opinions` (a visitor's download) the opinions and
    the comments of the history are left out: they are the bureau's and the department's working notes."""
    if not hasattr(table, "workflow_review"):
        attach([table])
    review = table.workflow_review
    if review is None:
        return {"status": Status.SUBMITTED.value, "history": [], "comments": []}
    return {
        "status": review.status,
        "history": [
            {"status": e.to_status, "by": e.by, "at": _when(e.at), "comment": e.comment if opinions else ""}
            for e in review.events.all()
        ],
        "comments": [
            {
                "project": c.project or None,
                "indicator": c.indicator or None,
                "by": c.by,
                "at": _when(c.at),
                "text": c.text,
                "resolved": c.resolved,
            }
            for c in review.comments.all()
            if opinions
        ],
    }
