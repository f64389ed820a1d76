"""The indicator explorer's queries: every indicator in the index order a LIMIT can stop early in, the ids of a
search's first rows with the planner kept off a full hash join, the text lookup the trigram indexes serve (and
whether the database has them, asked once per process), and the units and 实际完成值 the explorer offers, cached
until the data changes."""

from django.db import connection, transaction

from budget.caching import cached, data_version
from budget.models import Indicator


def indicators_explorer():
    """Every indicator with what the explorer shows beside it; filters narrow it down."""
    # Newest projects first, in the order of the (project, position) index: a LIMIT stops the scan early,
    # where sorting by year and department name had to sort every match first.
    return Indicator.objects.select_related("project__table__department", "level2__level1").order_by(
        "-project_id", "position"
    )


def ids_up_to(queryset, limit) -> list[int]:
    """The ids of the queryset's first `limit` rows, in its order: how many there are, up to `limit`,
    and, when that is all of them, the rows themselves for a page to read back by id.

    The planner expects few rows to match a LIKE '%word%', so it would hash every indicator and
    project even when a common word matches a thousand rows in the first few pages. Walking the
    explorer's index order instead stops at `limit` (README, Performance). A word that matches little
    costs a whole scan either way (without pg_trgm's index), this way a little more than the hash join.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_seqscan = off; "
            "SET LOCAL max_parallel_workers_per_gather = 0"
        )
        return list(queryset.values_list("pk", flat=True)[:limit])


def text_lookup(term: str) -> str:
    """The lookup that finds `term` anywhere in a text column, as cheaply as the server allows.

    icontains compares UPPER(column) with UPPER(term), which is what the trigram indexes (migrations
    0005 and 0013) serve. Without them it is a scan, and a word with no letter case (Chinese, digits) is
    found by plain LIKE alike, at half the cost: UPPER() copies every text it reads."""
    if term.upper() == term.lower() and not trigram_indexes(connection):
        return "contains"
    return "icontains"


def trigram_indexes(connection, **kwargs) -> bool:
    """Whether the database has the explorer's trigram indexes. They come with a migration, so this is
    asked once per process and database, when the first connection opens (apps.py), not in a page."""
    key = (connection.alias, connection.settings_dict["NAME"])
    if key not in _TRIGRAM_INDEXES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'budget_indicator_text_trgm'")
            _TRIGRAM_INDEXES[key] = cursor.fetchone() is not None
    return _TRIGRAM_INDEXES[key]


_TRIGRAM_INDEXES: dict[tuple[str, str], bool] = {}


def forget_trigram_indexes(**kwargs):
    """After a migration, which may have created the indexes, in a process that asked before."""
    _TRIGRAM_INDEXES.clear()


def explorer_facts(version: str | None = None) -> dict:
    """The units the targets use, and whether any indicator has a 实际完成值 (the explorer then shows it and
    its 达成度): one scan of every indicator, cached until the data changes."""

    def compute():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT array(SELECT DISTINCT target_unit FROM {Indicator._meta.db_table} WHERE target_unit <> '' "
                f"ORDER BY 1), EXISTS(SELECT 1 FROM {Indicator._meta.db_table} WHERE actual_value <> '')"
            )
            units, actuals = cursor.fetchone()
        return {"units": list(units), "actuals": actuals}

    return cached("explorer_facts", version or data_version(), compute)


def target_units() -> list[str]:
    return explorer_facts()["units"]


def has_actuals(version: str | None = None) -> bool:
    return explorer_facts(version)["actuals"]
