"""The words of an indicator as one text, for the one trigram index that searches them (migration 0013).

The index and the query must name the same expression for PostgreSQL to use the index, so both are
written here: UPPER(name || newline || period_value || newline || annual_value), a missing value as ''.
"""

from django.db.models import F, Func, TextField

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
