"""Validated table → database, in one transaction (the last step of the importer).

Kept apart from importer.py and layouts.py because parsing is pure and large on its own; this
is the only step that touches the database.
"""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from budget import indicators as grammar
from budget import review, workflow
from budget.reading import department_lock
from budget.records import ImportResult, ParsedTable
from budget.models import (
    BudgetTable,
    Department,
    Flag,
    FundingSource,
    ImportLog,
    FundingUnit,
    Indicator,
    Level1Category,
    Level2Category,
    Project,
    ProjectFunding,
)


def category_key(name: str) -> str:
    return re.sub(r"指标$", "", re.sub(r"\s+", "", name))


def parsed_fingerprints(parsed: ParsedTable) -> dict:
    prints, seen = {}, {}
    for unit in parsed.units:
        for p in unit.projects:
            funding = tuple(sorted((k, v) for k, v in p.funding.items() if v))
            inds = tuple(
                (i.seq, i.level1, i.level2, i.name, i.library_code or "", i.period_value, i.annual_value, i.weight)
                for i in p.indicators
            )
            key = (unit.name, p.name)
            seen[key] = seen.get(key, 0) + 1
            prints[key + (seen[key],)] = (p.code, p.goal, p.total, funding, inds, p.unparsed or "")
    return prints


def stored_fingerprints(table: BudgetTable) -> dict:
    prints, seen = {}, {}
    projects = table.projects.select_related("unit").prefetch_related("funding__source", "indicators")
    for p in projects:
        funding = tuple(sorted((f.source.name, f.amount) for f in p.funding.all() if f.amount))
        inds = tuple(
            (i.seq, i.level1_label, i.level2_label, i.name, i.library_code, i.period_value, i.annual_value, i.weight)
            for i in p.indicators.all()
        )
        key = (p.unit.name, p.name)
        seen[key] = seen.get(key, 0) + 1
        prints[key + (seen[key],)] = (p.code, p.goal, p.total, funding, inds, p.unparsed_indicator_text)
    return prints


def write(parsed: ParsedTable, *, user=None, dry_run=False) -> ImportResult:
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two imports of the same department and year queue here instead of racing.
            department_lock(cursor, parsed.department, parsed.year)
        workflow.refuse_if_approved(parsed)  # an approved table is locked until a reviewer reopens it
        existing = (
            BudgetTable.objects.filter(department__name=parsed.department, year=parsed.year, kind=parsed.kind).first()
        )
        if existing:
            new, old = parsed_fingerprints(parsed), stored_fingerprints(existing)
            name = lambda key: key[1]  # noqa: E731
            added = [name(k) for k in new if k not in old]
            removed = [name(k) for k in old if k not in new]
            changed = [name(k) for k in new if k in old and old[k] != new[k]]
        else:
            # A first import: every project is new, and nothing needs comparing.
            added, removed, changed = [p.name for p in parsed.projects], [], []
        unchanged = bool(existing) and not (added or removed or changed) and existing.source_sha256 == parsed.sha256
        actuals = _saved_actuals(existing.pk) if existing and not unchanged else ([], [])
        result = ImportResult(parsed, added, changed, removed, unchanged, written=False,
                              kept_actuals=_count_kept(parsed, actuals))
        if dry_run:
            return result
        if not unchanged:
            if existing:
                _delete_table(existing.pk)
            # _insert stores the review with the rows; actuals play no part in it.
            table = _insert(parsed, user)
            _restore_actuals(table.pk, actuals)
            result.written = True
        ImportLog.objects.create(
            department=Department.objects.get(name=parsed.department), year=parsed.year, filename=parsed.filename[:300],
            sha256=parsed.sha256, user=user if user and user.is_authenticated else None,
            added=added, changed=changed, removed=removed, unchanged=unchanged,
        )
        return result


# A corrected edition of the targets must not wipe the self-evaluation already entered for them:
# actuals move over to the projects and indicators of the same unit, project and indicator name
# (or number, for an indicator without a name).

def _saved_actuals(table_id: int) -> tuple[list, list]:
    projects = list(Project.objects.filter(table_id=table_id, executed__isnull=False)
                    .values_list("unit__name", "name", "executed"))
    indicators = list(
        Indicator.objects.filter(project__table_id=table_id)
        .exclude(actual_value="", actual_points__isnull=True, deviation_reason="")
        .values_list("project__unit__name", "project__name", "name", "seq", "actual_value", "actual_points",
                     "deviation_reason")
    )
    return projects, indicators


def _count_kept(parsed: ParsedTable, actuals) -> int:
    projects, indicators = actuals
    unit_of = {id(p): u.name or parsed.department for u in parsed.units for p in u.projects}
    new_projects = {(unit_of[id(p)], p.name) for p in parsed.projects}
    new_indicators = {(unit_of[id(p)], p.name, i.name or i.seq) for p in parsed.projects for i in p.indicators}
    return (sum((u, n) in new_projects for u, n, _ in projects)
            + sum((u, p, n or seq) in new_indicators for u, p, n, seq, *_ in indicators))


def _restore_actuals(table_id: int, actuals) -> None:
    projects, indicators = actuals
    with connection.cursor() as cursor:
        if projects:
            cursor.execute(
                """UPDATE budget_project p SET executed = v.executed
                   FROM budget_fundingunit u, unnest(%s::text[], %s::text[], %s::numeric[]) AS v(unit, name, executed)
                   WHERE p.table_id = %s AND u.id = p.unit_id AND u.name = v.unit AND p.name = v.name""",
                [*map(list, zip(*projects)), table_id],
            )
        if indicators:
            cursor.execute(
                """UPDATE budget_indicator i
                   SET actual_value = v.value, actual_points = v.points, deviation_reason = v.reason
                   FROM budget_project p, budget_fundingunit u,
                        unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::text[], %s::numeric[], %s::text[])
                        AS v(unit, project, name, seq, value, points, reason)
                   WHERE p.table_id = %s AND i.project_id = p.id AND u.id = p.unit_id AND u.name = v.unit
                     AND p.name = v.project AND i.name = v.name AND (v.name <> '' OR i.seq = v.seq)""",
                [*map(list, zip(*indicators)), table_id],
            )


def _delete_table(table_id: int):
    # Raw deletes skip the per-object signals (a history row for every indicator of a large
    # table); the replacement itself is recorded in ImportLog with what it changed.
    for model, path in (
        (Flag, "table_id"), (Indicator, "project__table_id"), (ProjectFunding, "project__table_id"),
        (Project, "table_id"), (FundingUnit, "table_id"), (BudgetTable, "id"),
    ):
        model.objects.filter(**{path: table_id})._raw_delete(connection.alias)


def _insert(parsed: ParsedTable, user):
    department, _ = Department.objects.get_or_create(name=parsed.department)
    if parsed.department_code and department.code != parsed.department_code:
        department.code = parsed.department_code
        department.save(update_fields=["code"])
    sources = _sources(parsed.sources)
    categories = _Categories()
    pairs = [(unit_index, p) for unit_index, unit in enumerate(parsed.units) for p in unit.projects]
    # Categories are matched once per distinct pair of labels, not once per indicator.
    level2 = {}
    for _, p in pairs:
        for ind in p.indicators:
            if (ind.level1, ind.level2) not in level2:
                level2[ind.level1, ind.level2] = categories.level2(ind)
    # The review is pure Python, and a COPY mostly waits on the server: the review runs in a thread while
    # the funding and indicators go in. They name their projects by ids taken from the sequence beforehand;
    # the foreign keys are checked at the commit, once the projects are in too.
    with ThreadPoolExecutor(max_workers=1) as pool, connection.cursor() as cursor:
        reviewed = pool.submit(_reviews, parsed, pairs, level2)
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [Project._meta.db_table, len(pairs)])
        ids = [row[0] for row in cursor.fetchall()]
        _copy(cursor, ProjectFunding, ["project", "source", "amount"], (
            (project_id, sources[name].id, p.funding.get(name, 0))
            for project_id, (_, p) in zip(ids, pairs) for name in parsed.sources
        ))
        level2_ids = {key: category.id for key, (category, _) in level2.items()}
        _copy(cursor, Indicator, ["project", "position", "seq", "level2", "level1_label", "level2_label", "level2_code",
                                  "name", "library_code", "period_value", "annual_value", "comparator", "target_value",
                                  "target_unit", "weight", "extra"], (
            (project_id, i, ind.seq, level2_ids[ind.level1, ind.level2], ind.level1[:100], ind.level2[:100],
             (ind.level2_code or "")[:10], ind.name[:500], ind.library_code or "", ind.period_value, ind.annual_value,
             ind.target.comparator if ind.target else "", ind.target.value if ind.target else None,
             ind.target.unit[:50] if ind.target else "", ind.weight,
             json.dumps(ind.extra, ensure_ascii=False) if ind.extra else None)
            for project_id, (_, p) in zip(ids, pairs) for i, ind in enumerate(p.indicators)
        ))
        reviews, table_score = reviewed.result()
        table = BudgetTable.objects.create(
            department=department, year=parsed.year, kind=parsed.kind, details=parsed.details,
            title=parsed.title[:300], amount_unit=parsed.amount_unit,
            layout=parsed.layout, total=parsed.total, has_source_breakdown=bool(parsed.sources),
            source_filename=parsed.filename[:300], source_sha256=parsed.sha256, imported_at=timezone.now(),
            imported_by=user if user and user.is_authenticated else None, review_score=table_score,
        )
        units = FundingUnit.objects.bulk_create([
            FundingUnit(table=table, position=i, name=u.name[:300], code=u.code,
                        total=u.total if u.total is not None else sum((p.total for p in u.projects), Decimal(0)),
                        source_row=u.source_row)
            for i, u in enumerate(parsed.units)
        ])
        # Rows go in through COPY rather than model instances: a national table has a hundred
        # thousand indicators, and building that many objects costs more than the database's work.
        _copy(cursor, Project, ["id", "table", "unit", "position", "name", "code", "goal", "total", "source_row",
                                "indicator_text", "unparsed_indicator_text", "review_score", "review_findings",
                                "period_goal", "attributes"], (
            (project_id, table.id, units[unit_index].id, position, p.name[:500], p.code, p.goal, p.total,
             p.source_row, p.indicator_text, p.unparsed or "", score, findings, p.period_goal,
             json.dumps(p.attributes, ensure_ascii=False))
            for position, (project_id, (unit_index, p), (score, findings)) in enumerate(zip(ids, pairs, reviews))
        ))
        del reviews
        by_name = {}
        for project_id, (_, p) in zip(ids, pairs):
            by_name.setdefault(p.name[:500], project_id)
        _copy(cursor, Flag, ["table", "project", "severity", "code", "message", "row"], (
            (table.id, by_name.get(f.project), f.severity, f.code, f.message, f.row) for f in parsed.flags
        ))
    return table


class _ReviewedIndicator:
    """A parsed indicator as review.refresh_table would read it back from the database."""

    __slots__ = ("seq", "name", "level1_label", "level2_label", "level2", "period_value", "annual_value",
                 "target_value", "target_unit", "comparator")

    def __init__(self, ind, level2):
        target = ind.target
        self.seq, self.name, self.level2 = ind.seq, ind.name[:500], level2
        self.level1_label, self.level2_label = ind.level1[:100], ind.level2[:100]
        self.period_value, self.annual_value = ind.period_value, ind.annual_value
        self.target_value = _stored(target.value, 8) if target else None
        self.target_unit = target.unit[:50] if target else ""
        self.comparator = target.comparator if target else ""


def _stored(value: Decimal, places: int) -> Decimal:
    """The value a numeric(…, places) column gives back: PostgreSQL rounds half away from zero."""
    try:
        return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    except InvalidOperation:
        return value  # too large for the column: COPY will refuse it


def _reviews(parsed: ParsedTable, pairs, level2: dict) -> tuple[list, Decimal | None]:
    """Each project's (score, findings as JSON) and the table's score, from the parsed rows, exactly as
    review.refresh_table computes them from the stored ones — so an import writes the review with the rows."""
    # kind() reads level2.level1.kind and falls back to the label's words, as for a stored indicator.
    seen = {key: SimpleNamespace(name=category.name, level1=SimpleNamespace(kind=level1.kind))
            for key, (category, level1) in level2.items()}
    newer = any(review.kind(SimpleNamespace(level2=ref, level1_label=level1[:100])) == "cost"
                for (level1, _), ref in seen.items())
    first_by_name = {}
    for index, (_, p) in enumerate(pairs):
        first_by_name.setdefault(p.name[:500], index)
    # refresh_table reads the flags of a project in the order (row, id); NULL rows sort last.
    flags = sorted(
        ((f.row is None, f.row or 0, n, first_by_name[f.project], f.message) for n, f in enumerate(parsed.flags)
         if f.code == "reconciliation" and f.project in first_by_name),
    )
    messages: dict[int, list[str]] = {}
    for *_, index, message in flags:
        messages.setdefault(index, []).append(message)
    rule_weights = review.weights()
    reviews, scored = [], []
    for index, (_, p) in enumerate(pairs):
        result = review.review_project(
            [_ReviewedIndicator(ind, seen[ind.level1, ind.level2]) for ind in p.indicators],
            newer_framework=newer, reconciliation=messages.get(index, ()), rule_weights=rule_weights,
        )
        reviews.append((result.score, json.dumps(result.findings, ensure_ascii=False)))
        scored.append((result.score, _stored(p.total, 6)))
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
    known = {s.name: s for s in FundingSource.objects.filter(name__in=names)}
    position = max(FundingSource.objects.values_list("position", flat=True), default=0)
    for name in names:
        if name not in known:
            position += 1
            known[name], _ = FundingSource.objects.get_or_create(name=name, defaults={"position": position})
    return known


class _Categories:
    """Matches 产出 with 产出指标 and 社会效益 with 社会效益指标; unknown names extend the list."""

    def __init__(self):
        self.by_level1 = {category_key(c.name): c for c in Level1Category.objects.all()}
        self.by_level2 = {(c.level1_id, category_key(c.name)): c for c in Level2Category.objects.all()}

    def level2(self, ind) -> tuple[Level2Category, Level1Category]:
        key1 = category_key(ind.level1)
        level1 = self.by_level1.get(key1)
        if level1 is None:
            level1, _ = Level1Category.objects.get_or_create(
                name=ind.level1, defaults={"code": ind.level1_code or "", "kind": grammar.level1_kind(ind.level1) or ""}
            )
            self.by_level1[key1] = level1
        key2 = (level1.id, category_key(ind.level2))
        level2 = self.by_level2.get(key2)
        if level2 is None:
            level2, _ = Level2Category.objects.get_or_create(
                level1=level1, name=ind.level2, defaults={"code": ind.level2_code or ""}
            )
            self.by_level2[key2] = level2
        return level2, level1
