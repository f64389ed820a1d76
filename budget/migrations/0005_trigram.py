"""Trigram (pg_trgm) indexes for the indicator explorer's search.

PostgreSQL's built-in text search does not split Chinese into words; a trigram GIN index
serves `UPPER(col) LIKE UPPER('%满意度%')`, which is what Django's icontains sends. Some
servers (the embedded pgserver among them) do not ship pg_trgm: then nothing is created and
the search still works, only without the index.
"""

from django.db import migrations

INDEXES = {
    "budget_indicator_name_trgm": ("budget_indicator", "name"),
    "budget_indicator_period_value_trgm": ("budget_indicator", "period_value"),
    "budget_indicator_annual_value_trgm": ("budget_indicator", "annual_value"),
    "budget_project_name_trgm": ("budget_project", "name"),
    "budget_project_goal_trgm": ("budget_project", "goal"),
}


def trigram_available(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    return cursor.fetchone() is not None


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if not trigram_available(cursor):
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in INDEXES.items():
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("budget", "0004_import_log")]
    operations = [migrations.RunPython(create, drop)]
