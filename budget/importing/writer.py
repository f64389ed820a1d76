"""Validated table → database, in one transaction (the last step of the importer).

Kept apart from importer.py and layouts.py because parsing is pure and large on its own; this
is the only step that touches the database.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from budget import workflow
from budget.evaluation import review
from budget.importing import identity, lookups
from budget.importing.problems import ImportFailed, Problem
from budget.importing.reading import department_lock
from budget.importing.records import ImportResult, ParsedTable
from budget.models import (
    BudgetTable,
    Department,
    Flag,
    FundingSource,
    FundingUnit,
    ImportLog,
    Indicator,
    Project,
    ProjectFunding,
    TableReview,
)

FILENAME = ImportLog._meta.get_field("filename").max_length  # BudgetTable.source_filename is as wide
TITLE = BudgetTable._meta.get_field("title").max_length


def parsed_fingerprints(parsed: ParsedTable) -> list[str]:
    """Each parsed project's fingerprint (budget/importing/identity.py), in table order."""
    return [identity.parsed_fingerprint(p, parsed.sources) for p in parsed.projects]


def write(parsed: ParsedTable, *, user=None, dry_run=False) -> ImportResult:
    try:
        return _write(parsed, user, dry_run)
    except BaseException:
        lookups.forget()  # a source or category this file created is rolled back with it
        raise


def _write(parsed: ParsedTable, user, dry_run: bool) -> ImportResult:
    # Imported here: reimport builds on this module's row writers.
    from budget.importing import reimport

    with transaction.atomic():
        department, existing = _head(parsed)
        if existing:
            # Keys and stored fingerprints against the parsed ones: no model instance is loaded.
            plan = reimport.compare(existing.pk, parsed, parsed_fingerprints(parsed))
            added, changed, removed = plan.added, plan.changed, plan.removed
        else:
            # A first import: every project is new, and nothing needs comparing.
            plan, added, removed, changed = None, [p.name for p in parsed.projects], [], []
        unchanged = bool(existing) and not (added or removed or changed) and existing.source_sha256 == parsed.sha256
        result = ImportResult(
            parsed, added, changed, removed, unchanged, written=False, kept_actuals=plan.kept_actuals if plan else 0
        )
        if dry_run:
            result.differences = plan.differences() if plan else []
            return result
        department = _department(parsed, department)
        log = ImportLog.objects.create(
            department_id=department,
            year=parsed.year,
            filename=parsed.filename[:FILENAME],
            sha256=parsed.sha256,
            user=user if user and user.is_authenticated else None,
            added=added,
            changed=changed,
            removed=removed,
            unchanged=unchanged,
        )
        if not unchanged:
            if existing:
                reimport.update(existing, parsed, plan, user, log)
            else:
                _insert(parsed, user, department)
            result.written = True
        if len(connection.atomic_blocks) > 1:
            # A savepoint in a longer transaction (a batch of files): the deferred foreign keys are checked
            # now, so that a file that breaks one rolls back alone instead of failing the commit of all.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        return result


HEAD = f"""SELECT d.id, d.code,
    (SELECT t.id FROM {BudgetTable._meta.db_table} t
     WHERE t.department_id = d.id AND t.year = %s AND t.kind = %s ORDER BY t.id LIMIT 1),
    EXISTS (SELECT 1 FROM {TableReview._meta.db_table} r
            WHERE r.department_id = d.id AND r.year = %s AND r.status = %s)
FROM {Department._meta.db_table} d WHERE d.name = %s"""


def _head(parsed: ParsedTable) -> tuple[tuple | None, BudgetTable | None]:
    """Under the department-and-year lock: the department (id, code), or None when it is new, and the table
    the file replaces. The department, its table and its approval are read in one query rather than three
    or four: a batch pays each round trip once per file."""
    with connection.cursor() as cursor:
        # Two imports of the same department and year queue here instead of racing.
        department_lock(cursor, parsed.department, parsed.year)
        cursor.execute(HEAD, [parsed.year, parsed.kind, parsed.year, TableReview.Status.APPROVED, parsed.department])
        row = cursor.fetchone()
    if row is None:
        return None, None
    department_id, code, table_id, approved = row
    if approved:  # an approved table is locked until a reviewer reopens it (budget/workflow.py)
        raise ImportFailed(
            [Problem(parsed.filename, None, None, None, workflow.lock_refusal(department_id, parsed.year))]
        )
    return (department_id, code), BudgetTable.objects.get(pk=table_id) if table_id else None


def _department(parsed: ParsedTable, known: tuple | None) -> int:
    """The department's id: created when new, its code brought up to date from the file."""
    if known is None:
        department, _ = Department.objects.get_or_create(name=parsed.department)
        known = department.id, department.code
    department_id, code = known
    if parsed.department_code and code != parsed.department_code:
        Department.objects.filter(pk=department_id).update(code=parsed.department_code)
    return department_id


def _delete_table(table_id: int):
    # Raw deletes skip the per-object signals (a history row for every indicator of a large
    # table); the replacement itself is recorded in ImportLog with what it changed.
    for model, path in (
        (Flag, "table_id"),
        (Indicator, "project__table_id"),
        (ProjectFunding, "project__table_id"),
        (Project, "table_id"),
        (FundingUnit, "table_id"),
        (BudgetTable, "id"),
    ):
        model.objects.filter(**{path: table_id})._raw_delete(connection.alias)


PROJECT_FIELDS = [
    "id",
    "table",
    "unit",
    "position",
    "name",
    "code",
    "goal",
    "total",
    "source_row",
    "indicator_text",
    "unparsed_indicator_text",
    "review_score",
    "review_findings",
    "fingerprint",
    "ref",
    "period_goal",
    "attributes",
]
FUNDING_FIELDS = ["project", "source", "amount"]
# The indicator columns an import writes; the self-evaluation columns are the staff's, never the file's.
INDICATOR_FIELDS = [
    "project",
    "position",
    "seq",
    "level2",
    "level1_label",
    "level2_label",
    "level2_code",
    "name",
    "library_code",
    "period_value",
    "annual_value",
    "comparator",
    "target_value",
    "target_unit",
    "weight",
    "extra",
]


def table_fields(parsed: ParsedTable, user) -> dict:
    """The table row's values from the parsed table (not its review score)."""
    return dict(
        kind=parsed.kind,
        details=parsed.details,
        title=parsed.title[:TITLE],
        amount_unit=parsed.amount_unit,
        layout=parsed.layout,
        total=parsed.total,
        has_source_breakdown=bool(parsed.sources),
        source_filename=parsed.filename[:FILENAME],
        source_sha256=parsed.sha256,
        imported_at=timezone.now(),
        imported_by=user if user and user.is_authenticated else None,
    )


def unit_total(unit) -> Decimal:
    return unit.total if unit.total is not None else sum((p.total for p in unit.projects), Decimal(0))


def project_pairs(parsed: ParsedTable) -> list[tuple[int, object]]:
    return [(unit_index, p) for unit_index, unit in enumerate(parsed.units) for p in unit.projects]


def categories(pairs) -> dict:
    """(level-1 label, level-2 label) → (Level2Category, Level1Category): matched once per distinct pair."""
    found, level2 = lookups.current().categories(), {}
    for _, p in pairs:
        for ind in p.indicators:
            if (ind.level1, ind.level2) not in level2:
                level2[ind.level1, ind.level2] = found.level2(ind)
    return level2


def new_ids(cursor, model, count: int) -> list[int]:
    """Ids taken from the model's sequence beforehand, so that children can name rows not yet written."""
    # The sequence's name is passed, not looked up per row: pg_get_serial_sequence() for each of a file's
    # ids made this the slowest of a batch's per-file statements.
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(cursor, model), count])
    return [row[0] for row in cursor.fetchall()]


_sequences: dict[str, str] = {}


def _sequence(cursor, model) -> str:
    table = model._meta.db_table
    if table not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        _sequences[table] = cursor.fetchone()[0]
    return _sequences[table]


def funding_rows(parsed: ParsedTable, sources: dict, projects):
    """projects: (project id, parsed project) pairs."""
    return (
        (project_id, sources[name].id, p.funding.get(name, 0)) for project_id, p in projects for name in parsed.sources
    )


def indicator_row(project_id: int, position: int, ind, level2_ids: dict) -> tuple:
    return (
        project_id,
        position,
        ind.seq,
        level2_ids[ind.level1, ind.level2],
        ind.level1[: identity.CATEGORY_LABEL],
        ind.level2[: identity.CATEGORY_LABEL],
        (ind.level2_code or "")[: identity.LEVEL2_CODE],
        ind.name[: identity.INDICATOR_NAME],
        ind.library_code or "",
        ind.period_value,
        ind.annual_value,
        ind.target.comparator if ind.target else "",
        ind.target.value if ind.target else None,
        ind.target.unit[: identity.TARGET_UNIT] if ind.target else "",
        ind.weight,
        json.dumps(ind.extra, ensure_ascii=False) if ind.extra else None,
    )


def project_rows(table_id: int, ids, pairs, unit_ids, reviews, prints):
    """Rows of PROJECT_FIELDS, in table order: the position is the index."""
    refs = identity.project_refs((p.name[: identity.PROJECT_NAME], p.code) for _, p in pairs)
    return (
        (
            project_id,
            table_id,
            unit_ids[unit_index],
            position,
            p.name[: identity.PROJECT_NAME],
            p.code,
            p.goal,
            p.total,
            p.source_row,
            p.indicator_text,
            p.unparsed or "",
            score,
            findings,
            fingerprint,
            ref,
            p.period_goal or "",
            json.dumps(p.attributes, ensure_ascii=False),
        )
        for position, (project_id, (unit_index, p), (score, findings), fingerprint, ref) in enumerate(
            zip(ids, pairs, reviews, prints, refs)
        )
    )


def write_flags(cursor, parsed: ParsedTable, table_id: int, ids, pairs) -> None:
    if not parsed.flags:
        return  # most files have none: no empty COPY's round trip
    by_name = {}
    for project_id, (_, p) in zip(ids, pairs):
        by_name.setdefault(p.name[: identity.PROJECT_NAME], project_id)
    _copy(
        cursor,
        Flag,
        ["table", "project", "severity", "code", "message", "row"],
        ((table_id, by_name.get(f.project), f.severity, f.code, f.message, f.row) for f in parsed.flags),
    )


def review_and_prints(parsed: ParsedTable, pairs, level2: dict):
    """The reviews, the table's score and the fingerprints: pure Python, run beside the COPY."""
    reviews, table_score = _reviews(parsed, pairs, level2)
    return reviews, table_score, parsed_fingerprints(parsed)


def _insert(parsed: ParsedTable, user, department: int):
    sources = _sources(parsed.sources)
    pairs = project_pairs(parsed)
    level2 = categories(pairs)
    # The review is pure Python, and a COPY mostly waits on the server: the review runs in a thread while
    # the funding and indicators go in. They name their projects by ids taken from the sequence beforehand;
    # the foreign keys are checked at the commit, once the projects are in too.
    with ThreadPoolExecutor(max_workers=1) as pool, connection.cursor() as cursor:
        reviewed = pool.submit(review_and_prints, parsed, pairs, level2)
        ids = new_ids(cursor, Project, len(pairs))
        if parsed.sources:
            _copy(
                cursor, ProjectFunding, FUNDING_FIELDS, funding_rows(parsed, sources, zip(ids, (p for _, p in pairs)))
            )
        level2_ids = {key: category.id for key, (category, _) in level2.items()}
        _copy(
            cursor,
            Indicator,
            INDICATOR_FIELDS,
            (
                indicator_row(project_id, i, ind, level2_ids)
                for project_id, (_, p) in zip(ids, pairs)
                for i, ind in enumerate(p.indicators)
            ),
        )
        reviews, table_score, prints = reviewed.result()
        table = BudgetTable.objects.create(
            department_id=department, year=parsed.year, review_score=table_score, **table_fields(parsed, user)
        )
        units = FundingUnit.objects.bulk_create(
            [
                FundingUnit(
                    table=table,
                    position=i,
                    name=u.name[: identity.UNIT_NAME],
                    code=u.code,
                    total=unit_total(u),
                    source_row=u.source_row,
                )
                for i, u in enumerate(parsed.units)
            ]
        )
        # Rows go in through COPY rather than model instances: a national table has a hundred
        # thousand indicators, and building that many objects costs more than the database's work.
        _copy(
            cursor, Project, PROJECT_FIELDS, project_rows(table.id, ids, pairs, [u.id for u in units], reviews, prints)
        )
        del reviews
        write_flags(cursor, parsed, table.id, ids, pairs)
    return table


class _ReviewedIndicator:
    """A parsed indicator as applying.refresh_table would read it back from the database."""

    __slots__ = (
        "seq",
        "name",
        "level1_label",
        "level2_label",
        "level2",
        "period_value",
        "annual_value",
        "target_value",
        "target_unit",
        "comparator",
    )

    def __init__(self, ind, level2):
        target = ind.target
        self.seq, self.name, self.level2 = ind.seq, ind.name[: identity.INDICATOR_NAME], level2
        self.level1_label, self.level2_label = (
            ind.level1[: identity.CATEGORY_LABEL],
            ind.level2[: identity.CATEGORY_LABEL],
        )
        self.period_value, self.annual_value = ind.period_value, ind.annual_value
        self.target_value = identity.stored(target.value, 8) if target else None
        self.target_unit = target.unit[: identity.TARGET_UNIT] if target else ""
        self.comparator = target.comparator if target else ""


def _reviews(parsed: ParsedTable, pairs, level2: dict) -> tuple[list, Decimal | None]:
    """Each project's (score, findings as JSON) and the table's score, from the parsed rows, exactly as
    applying.refresh_table computes them from the stored ones — so an import writes the review with the rows."""
    # kind() reads level2.level1.kind and falls back to the label's words, as for a stored indicator.
    seen = {
        key: SimpleNamespace(name=category.name, level1=SimpleNamespace(kind=level1.kind))
        for key, (category, level1) in level2.items()
    }
    newer = any(
        review.kind(SimpleNamespace(level2=ref, level1_label=level1[: identity.CATEGORY_LABEL])) == "cost"
        for (level1, _), ref in seen.items()
    )
    first_by_name = {}
    for index, (_, p) in enumerate(pairs):
        first_by_name.setdefault(p.name[: identity.PROJECT_NAME], index)
    # refresh_table reads the flags of a project in the order (row, id); NULL rows sort last.
    flags = sorted(
        (
            (f.row is None, f.row or 0, n, first_by_name[f.project], f.message)
            for n, f in enumerate(parsed.flags)
            if f.code == "reconciliation" and f.project in first_by_name
        )
    )
    messages: dict[int, list[str]] = {}
    for *_, index, message in flags:
        messages.setdefault(index, []).append(message)
    rule_weights = review.weights()
    reviews, scored = [], []
    for index, (_, p) in enumerate(pairs):
        result = review.review_project(
            [_ReviewedIndicator(ind, seen[ind.level1, ind.level2]) for ind in p.indicators],
            newer_framework=newer,
            reconciliation=messages.get(index, ()),
            rule_weights=rule_weights,
        )
        reviews.append((result.score, json.dumps(result.findings, ensure_ascii=False)))
        scored.append((result.score, identity.stored(p.total, 6)))
    return reviews, review.table_score(scored)


def _copy(cursor, model, names: list[str], rows) -> None:
    """COPY rows (tuples in the order of `names`) into the model's table; the columns not named get
    the model's defaults, exactly as bulk_create would store them."""
    fields = [model._meta.get_field(name) for name in names]
    rest = [f for f in model._meta.concrete_fields if not f.primary_key and f not in fields]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields + rest)
    with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row + defaults)


def _sources(names: list[str]) -> dict[str, FundingSource]:
    return lookups.current().funding_sources(names)
