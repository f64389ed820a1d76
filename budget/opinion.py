"""The review opinion (审核意见书) of one table: what the printable page and the XLSX download show."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from budget import formats, workflow, worklist
from budget.export_rows import inert
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


def xlsx(doc: OpinionDocument, out) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("审核意见书"))
    table = doc.table
    for label, value in (
        (_("部门"), table.department.name),
        (_("预算年度"), table.year),
        (_("审核状态"), str(doc.status_label)),
        (_("审核得分"), doc.score),
        (_("等级"), doc.grade),
        (_("审核人"), doc.reviewer),
        (_("日期"), doc.reviewed_at),
    ):
        sheet.append([label, inert(value) if isinstance(value, str) else value])
    sheet.append([])
    sheet.append([_("序号"), _("项目"), _("指标"), _("审核意见"), _("提出人"), _("时间"), _("已修改")])
    for n, c in enumerate(doc.opinions, 1):
        sheet.append(
            [
                n,
                inert(c.project) or _("(整表)"),
                inert(c.indicator),
                inert(c.text),
                inert(c.by),
                when(c.at),
                _("是") if c.resolved else _("否"),
            ]
        )
    history = book.create_sheet(_("审核记录"))
    history.append([_("时间"), _("操作人"), _("原状态"), _("新状态"), _("说明")])
    for e in doc.history:
        history.append(
            [
                when(e.at),
                inert(e.by),
                str(TableReview.Status(e.from_status).label),
                str(TableReview.Status(e.to_status).label),
                inert(e.comment),
            ]
        )
    book.save(out)
