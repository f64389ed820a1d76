"""Unit subtotals and the table total follow their projects.

They are stored rather than computed on every read: the overview, the department page and every export
read them for thousands of tables, and the import stores the totals the source declares (a lenient import
keeps a subtotal that does not reconcile, with its flag). An admin edit, addition or deletion of a project
or its funding recomputes the totals it touches in the same transaction, through the ORM so that the
change appears in the unit's and the table's history: a unit's subtotal becomes the sum of its projects,
the table's total the sum of its units.
"""

from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce

from budget.models import AMOUNT, BudgetTable, FundingUnit

ZERO = Decimal(0)


def refresh(*, unit_ids=(), table_ids=()) -> None:
    from django.db.models import DecimalField, Value

    zero = Value(ZERO, output_field=DecimalField(**AMOUNT))
    units = FundingUnit.objects.filter(id__in={i for i in unit_ids if i}).annotate(
        sum=Coalesce(Sum("projects__total"), zero)
    )
    tables = set(table_ids)
    for unit in units:
        tables.add(unit.table_id)
        if unit.total != unit.sum:
            unit.total = unit.sum
            unit.save(update_fields=["total"])
    for table in BudgetTable.objects.filter(id__in={i for i in tables if i}).annotate(
        sum=Coalesce(Sum("units__total"), zero)
    ):
        if table.total != table.sum:
            table.total = table.sum
            table.save(update_fields=["total"])
