"""One trigram index for an indicator's words instead of three (migration 0005 had one per column).

The explorer and the API look for a word in an indicator's name or either value. Three GIN indexes
meant three index insertions per indicator at import, the bulk of the server's time in a large one
(issue 18). One GIN index over the three texts joined by a newline finds the same rows: a searched
word never holds whitespace (the search splits on it), so it cannot match across two columns.

An expression index, not a stored generated column: both need the same one GIN insertion per row,
but a stored column also writes every indicator's text a second time into the table, which COPY then
pays for (reasoned, not yet measured side by side). Measured (README, Performance): COPY into the
indexed tables takes about as long with one index as with three, within this shared machine's noise,
since the GIN entries are the text's trigrams either way; the gain is the trigrams a name and its
values share, counted once per row. The query names the same expression (budget.search.IndicatorText), so the planner uses it.
The projects' two indexes stay: twenty times fewer rows, and a project's name is searched alone.
"""

from django.db import migrations

from budget.search import INDEX_SQL

OLD = {
    "budget_indicator_name_trgm": "name",
    "budget_indicator_period_value_trgm": "period_value",
    "budget_indicator_annual_value_trgm": "annual_value",
}


def trigram_installed(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return cursor.fetchone() is not None


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if not trigram_installed(cursor):
            return
        for name in OLD:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute(INDEX_SQL)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if not trigram_installed(cursor):
            return
        cursor.execute('DROP INDEX IF EXISTS "budget_indicator_text_trgm"')
        for name, column in OLD.items():
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON budget_indicator USING gin (UPPER("{column}") gin_trgm_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [("budget", "0012_monitoring")]
    operations = [migrations.RunPython(forward, backward)]
