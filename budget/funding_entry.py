"""A project's funding in one row of its admin form (issue 20): 总计 and one amount per funding source.

The sources are fields of the project form rather than an inline of ProjectFunding rows: a clerk reads and
types a project's money as the table prints it, on one line. Every FundingSource in the database has its
field, so a source added later (a new column of a later table) is there too. On a table with a breakdown
by source the total is the sum of its sources: it follows them when only they are edited, and a total typed
by hand that disagrees is refused with the importer's words, as before, and so is any save of a project
whose total (kept by a lenient import) disagrees with sources left as they were.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.entry_admin import AmountField, AmountInput
from budget import formats
from budget.models import AMOUNT, FundingSource, ProjectFunding
from budget.wording import known

ZERO = Decimal(0)
PREFIX = "funding_"


def field_name(source: FundingSource) -> str:
    return f"{PREFIX}{source.pk}"


def reconciliation_message(total: Decimal, parts: Decimal) -> str:
    """The same words the importer uses, so a clerk reads one rule everywhere."""
    return _("总计 {total} 与各资金来源之和 {parts} 不一致,相差 {diff} 万元").format(
        total=formats.amount(total), parts=formats.amount(parts), diff=formats.amount(total - parts)
    )


def funding_row(fields) -> list:
    """The form's field names with 总计 and the sources side by side where 总计 stood (one admin form row)."""
    sources = [f for f in fields if f.startswith(PREFIX)]
    return [("total", *sources) if f == "total" else f for f in fields if not f.startswith(PREFIX)]


class FundingRowForm:
    """Mixed into the project form by funding_form(): fills, checks and saves the source fields."""

    sources: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.funding_rows = {f.source_id: f for f in self.instance.funding.all()} if self.instance.pk else {}
        for source in self.sources:
            row = self.funding_rows.get(source.pk)
            self.initial.setdefault(field_name(source), row.amount if row else None)

    def amounts(self) -> list[tuple[FundingSource, Decimal | None]]:
        return [(s, self.cleaned_data.get(field_name(s))) for s in self.sources]

    def clean(self):
        cleaned = super().clean()
        table = cleaned.get("table")
        if table is None or "total" in self.errors or any(field_name(s) in self.errors for s in self.sources):
            return cleaned
        given = [(s, a) for s, a in self.amounts() if a is not None]
        parts = sum((a for _s, a in given), ZERO)
        typed = cleaned.get("total")
        if typed is not None and not table.has_source_breakdown:
            return cleaned  # no breakdown to add up: the total as typed
        # A total follows its sources when they are edited and it is not; one typed, or one left as it was while
        # no source changed (a lenient import's), must agree with them, as the importer requires.
        touched = "total" in self.changed_data or not any(field_name(s) in self.changed_data for s in self.sources)
        if typed is not None and touched and typed != parts:
            amounts = "、".join(f"{known(s.name)} {formats.amount(a)}" for s, a in given)
            self.add_error(None, ValidationError([reconciliation_message(typed, parts),
                                                  _("各资金来源:{amounts}").format(amounts=amounts or "—")]))
            return cleaned
        cleaned["total"] = parts
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        save_funding(self.instance, self.amounts(), self.funding_rows)


def save_funding(project, amounts, rows: dict) -> None:
    """One ProjectFunding row per source with an amount; an emptied source loses its row. Rows are saved one
    by one through the ORM so that each change is in its history and the project's fingerprint goes stale."""
    for source, amount in amounts:
        row = rows.get(source.pk)
        if amount is None:
            if row is not None:
                row.delete()
        elif row is None:
            ProjectFunding.objects.create(project=project, source=source, amount=amount)
        elif row.amount != amount:
            row.amount = amount
            row.save(update_fields=["amount"])


def funding_form(base, sources, computed: bool):
    """The project form `base` with 总计 and one amount field per source; `computed`: the total is the sum of
    the sources and shown read-only (a table with a breakdown by source, known on a change page). Left
    empty on an add page, it is the sum too."""
    total_attrs = {"data-funding-total": "", "placeholder": _("各资金来源之和")}
    if computed:
        total_attrs.update(readonly=True, title=_("各资金来源之和"))
    attrs = {
        "sources": sources,
        "total": AmountField(label=gettext_lazy("总计(万元)"), required=False, min_value=0, **AMOUNT,
                             widget=AmountInput(attrs=total_attrs)),
        "Media": type("Media", (), {"js": ["js/funding-row.js"]}),
    }
    for source in sources:
        attrs[field_name(source)] = AmountField(label=known(source.name), required=False, min_value=0, **AMOUNT,
                                                widget=AmountInput(attrs={"data-funding-source": ""}))
    return type(base)(base.__name__, (FundingRowForm, base), attrs)
