"""The words of an indicator as one text, for the one trigram index that searches them (migration 0013).

The index and the query must name the same expression for PostgreSQL to use the index, so both are
written here: UPPER(name || newline || period_value || newline || annual_value), a missing value as ''.
"""

from django.db.models import BooleanField, F, Func, Subquery, TextField

SEPARATOR = "\n"  # a searched word is split on whitespace, so it never spans two of the texts

INDEX_SQL = (
    'CREATE INDEX IF NOT EXISTS "budget_indicator_text_trgm" ON budget_indicator USING gin ('
    "UPPER(((name || E'\\n') || COALESCE(period_value, '') || E'\\n') || COALESCE(annual_value, '')) "
    "gin_trgm_ops)"
)


class IndicatorText(Func):
    """An indicator's name and values joined, with the parentheses the index was written with."""

    output_field = TextField()

    def __init__(self, prefix: str = ""):
        super().__init__(F(f"{prefix}name"), F(f"{prefix}period_value"), F(f"{prefix}annual_value"))

    def as_sql(self, compiler, connection, **extra):
        (name, name_params), (period, period_params), (annual, annual_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"((({name} || E'\\n') || COALESCE({period}, '')) || E'\\n') || COALESCE({annual}, '')"
        return sql, (*name_params, *period_params, *annual_params)


def indicator_words(queryset, alias: str = "indicator_text"):
    """The queryset with the indicator's joined text as `alias`, to filter with alias__icontains."""
    return queryset.alias(**{alias: IndicatorText()})


class InArray(Func):
    """`column = ANY(ARRAY(subquery))`: the subquery's values read once into an array before the outer scan."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def of_projects(queryset, projects):
    """The indicators of `projects`, found by walking the indicators' project index in the explorer's order.

    Joined to the projects, the planner expects a table's average few dozen or hundred projects and reads every
    indicator of them, 120,000 for a 20,000-project table, before a LIMIT can stop it. Given them as an array it
    walks the index backwards over exactly those projects, and a LIMIT stops the scan at the count's cap."""
    return queryset.filter(InArray(F("project_id"), Subquery(projects.order_by().values("pk"))))
