"""The review opinion (审核意见书) of one table: what the printable page and the XLSX download
(budget/export_sections.opinion_xlsx) show."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

from budget import formats, workflow, worklist
from budget.models import BudgetTable, TableReview

REVIEWER_ACTIONS = ("return", "approve", "reopen")


def when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


@dataclass
class OpinionDocument:
    table: BudgetTable
    status: str
    status_label: str
    reviewer: str = ""
    reviewed_at: str = ""
    opinions: list = field(default_factory=list)
    history: list = field(default_factory=list)

    @property
    def score(self) -> str:
        return formats.points(self.table.review_score) or ""

    @property
    def grade(self) -> str:
        return worklist.grade(self.table.review_score)


def document(table: BudgetTable) -> OpinionDocument:
    review = workflow.review_for(table.department_id, table.year)
    status = review.status if review else TableReview.Status.SUBMITTED
    doc = OpinionDocument(table, status, TableReview.Status(status).label)
    if review is None:
        return doc
    doc.opinions = list(review.comments.all())
    doc.history = list(review.events.all())
    decided = [e for e in doc.history if e.action in REVIEWER_ACTIONS]
    if decided:
        doc.reviewer, doc.reviewed_at = decided[-1].by, when(decided[-1].at)
    return doc
