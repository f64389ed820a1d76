"""A new edition of a department's table for a year, written in place.

A project matched by its key (budget/importing/identity.py) keeps its primary key — so its page, links, admin history,
self-evaluation and anything else that points at it stay — and is rewritten only when its fingerprint
differs; new projects are added, dropped ones removed and remembered (RemovedProject) so that their old
links can say when they went. Units are matched the same way, indicators within their project.

Everything is compared on keys and hashes, and written as COPY into temporary tables followed by one
UPDATE … FROM per table that touches only rows whose values differ: a re-import of an unchanged table
costs little more than its parse.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils import timezone

from budget.importing import identity, writer
from budget.importing.identity import indicator_base, project_base, unit_base, with_occurrence
from budget.models import BudgetTable, Flag, FundingUnit, Indicator, Project, ProjectFunding, RemovedProject

# (table, position) is unique and checked row by row: rows that move are first sent out of the way.
OFFSET = 1 << 29


@dataclass
class Plan:
    """What a parsed edition is to the stored one. ids and prints follow the parsed projects' order."""

    ids: list  # the stored project each parsed one is, or None for a new one
    prints: list[str]
    changed_ids: set[int] = field(default_factory=set)
    dropped: list[tuple] = field(default_factory=list)  # (id, unit name, name, code, ref)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    kept_actuals: int = 0
    pairs: list = field(default_factory=list)  # (stored id, parsed project) of the changed ones

    @property
    def removed(self) -> list[str]:
        return [row[2] for row in self.dropped]

    def differences(self):
        """Field by field, what each changed project becomes (budget/importing/differences.py); for the preview."""
        from budget.importing.differences import differences

        return differences(self.pairs)


def compare(table_id: int, parsed, prints: list[str]) -> Plan:
    """Match the parsed projects with the stored ones on their keys; changed = a different fingerprint."""
    stored = list(
        Project.objects.filter(table_id=table_id)
        .order_by("position")
        .values_list("id", "unit__name", "name", "code", "fingerprint", "ref")
    )
    computed = identity.stored_fingerprints(row[0] for row in stored if not row[4])
    stored_keys = with_occurrence(project_base(unit, name, code) for _, unit, name, code, *_ in stored)
    unmatched = {key: (row, row[5]) for key, row in zip(stored_keys, stored)}
    pairs = [(u, p) for u in parsed.units for p in u.projects]
    plan = Plan(ids=[], prints=prints)
    for key, (_, p), fingerprint in zip(
        with_occurrence(
            project_base(u.name[: identity.UNIT_NAME], p.name[: identity.PROJECT_NAME], p.code) for u, p in pairs
        ),
        pairs,
        prints,
    ):
        row, _ = unmatched.pop(key, (None, None))
        plan.ids.append(row[0] if row else None)
        if row is None:
            plan.added.append(p.name)
        elif (row[4] or computed[row[0]]) != fingerprint:
            plan.changed_ids.add(row[0])
            plan.changed.append(p.name)
            plan.pairs.append((row[0], p))
    plan.dropped = [(*row[:4], ref) for row, ref in unmatched.values()]
    plan.kept_actuals = _kept_actuals(table_id, plan, [p for _, p in pairs])
    return plan


def _kept_actuals(table_id: int, plan: Plan, projects) -> int:
    """Self-evaluation entries that stay: those of matched projects, less the indicators a changed project drops."""
    dropped = {row[0] for row in plan.dropped}
    executed = Project.objects.filter(table_id=table_id, executed__isnull=False).exclude(id__in=dropped).count()
    entries = list(
        Indicator.objects.filter(project__table_id=table_id)
        .exclude(actual_value="", actual_points__isnull=True, deviation_reason="")
        .exclude(project_id__in=dropped)
        .values_list("id", "project_id")
    )
    with_entries = {project_id for _, project_id in entries} & plan.changed_ids
    if with_entries:
        matched, _ = match_indicators([(i, p) for i, p in zip(plan.ids, projects) if i in with_entries])
        kept = set(matched.values())
        entries = [(i, project_id) for i, project_id in entries if project_id not in with_entries or i in kept]
    return executed + len(entries)


def match_indicators(projects) -> tuple[dict, list[int]]:
    """projects: (stored project id, parsed project) → ({(project id, parsed position): stored indicator id},
    ids of the stored indicators no parsed one matches)."""
    stored: dict[int, list] = {project_id: [] for project_id, _ in projects}
    rows = Indicator.objects.filter(project_id__in=list(stored)).order_by("project_id", "position")
    for indicator_id, project_id, *key in rows.values_list(
        "id", "project_id", "level1_label", "level2_label", "name", "seq"
    ):
        stored[project_id].append((indicator_id, indicator_base(*key)))
    matched, dropped = {}, []
    for project_id, p in projects:
        old = stored[project_id]
        unmatched = dict(zip(with_occurrence(base for _, base in old), (i for i, _ in old)))
        keys = with_occurrence(
            indicator_base(
                i.level1[: identity.CATEGORY_LABEL],
                i.level2[: identity.CATEGORY_LABEL],
                i.name[: identity.INDICATOR_NAME],
                i.seq,
            )
            for i in p.indicators
        )
        for position, key in enumerate(keys):
            if key in unmatched:
                matched[project_id, position] = unmatched.pop(key)
        dropped.extend(unmatched.values())
    return matched, dropped


def update(table: BudgetTable, parsed, plan: Plan, user, log) -> None:
    """Write the parsed edition over the stored table in place (inside the import's transaction)."""
    sources = writer._sources(parsed.sources)
    pairs = writer.project_pairs(parsed)
    level2 = writer.categories(pairs)
    # The review reads a project's indicators and amounts, and whether the table uses the newer framework:
    # when no project was added, changed or dropped, every stored review stands.
    review = bool(plan.added or plan.changed_ids or plan.dropped)
    with ThreadPoolExecutor(max_workers=1) as pool, connection.cursor() as cursor:
        reviewed = pool.submit(writer._reviews, parsed, pairs, level2) if review else None
        _drop_projects(table, plan, log)
        unit_ids = _write_units(cursor, table, parsed)
        fresh = iter(writer.new_ids(cursor, Project, plan.ids.count(None)))
        ids = [i if i is not None else next(fresh) for i in plan.ids]
        level2_ids = {key: category.id for key, (category, _) in level2.items()}
        new = [(project_id, p) for known, project_id, (_, p) in zip(plan.ids, ids, pairs) if known is None]
        changed = [(project_id, p) for project_id, (_, p) in zip(ids, pairs) if project_id in plan.changed_ids]
        writer._copy(cursor, ProjectFunding, writer.FUNDING_FIELDS, writer.funding_rows(parsed, sources, new))
        _write_funding(cursor, parsed, sources, changed)
        _write_indicators(cursor, changed, level2_ids)
        writer._copy(
            cursor,
            Indicator,
            writer.INDICATOR_FIELDS,
            (
                writer.indicator_row(project_id, i, ind, level2_ids)
                for project_id, p in new
                for i, ind in enumerate(p.indicators)
            ),
        )
        reviews, table_score = reviewed.result() if review else ([(None, None)] * len(pairs), table.review_score)
        rows = list(writer.project_rows(table.id, ids, pairs, unit_ids, reviews, plan.prints))
        kept = {i for i in plan.ids if i is not None}
        fields = writer.PROJECT_FIELDS if review else [f for f in writer.PROJECT_FIELDS if not f.startswith("review_")]
        columns = [writer.PROJECT_FIELDS.index(f) for f in fields]
        update_rows(cursor, Project, fields, [tuple(r[i] for i in columns) for r in rows if r[0] in kept])
        writer._copy(cursor, Project, writer.PROJECT_FIELDS, (r for r in rows if r[0] not in kept))
        Flag.objects.filter(table_id=table.id)._raw_delete(connection.alias)
        writer.write_flags(cursor, parsed, table.id, ids, pairs)
    BudgetTable.objects.filter(pk=table.pk).update(review_score=table_score, **writer.table_fields(parsed, user))


def _drop_projects(table: BudgetTable, plan: Plan, log) -> None:
    if not plan.dropped:
        return
    now = timezone.now()
    RemovedProject.objects.bulk_create(
        [
            RemovedProject(
                department_id=table.department_id,
                year=table.year,
                project_id=project_id,
                unit_name=unit,
                name=name,
                code=code,
                ref=ref,
                removed_by=log,
                removed_at=now,
            )
            for project_id, unit, name, code, ref in plan.dropped
        ],
        ignore_conflicts=True,
    )
    purge(Project.objects.filter(id__in=[row[0] for row in plan.dropped]))


def purge(queryset) -> None:
    """Delete rows without loading them, and first whatever refers to them (CASCADE) or clear the
    reference (SET_NULL): the models other parts of the app hang on a project are followed too."""
    for relation in queryset.model._meta.related_objects:
        on_delete = relation.on_delete
        if on_delete not in (models.CASCADE, models.SET_NULL) or not relation.field.concrete:
            continue
        related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset.values("pk")})
        if on_delete is models.CASCADE:
            purge(related)
        else:
            related.update(**{relation.field.name: None})
    queryset._raw_delete(connection.alias)


def _write_units(cursor, table: BudgetTable, parsed) -> list[int]:
    """The units of the new edition matched by code or (name, occurrence); their ids in parsed order."""
    stored = list(FundingUnit.objects.filter(table=table).order_by("position").values_list("id", "name", "code"))
    unmatched = dict(zip(with_occurrence(unit_base(name, code) for _, name, code in stored), (i for i, _, _ in stored)))
    keys = with_occurrence(unit_base(u.name[: identity.UNIT_NAME], u.code) for u in parsed.units)
    found = [unmatched.pop(key, None) for key in keys]
    # A unit left without projects goes; its projects were dropped or point at their new unit by the commit.
    FundingUnit.objects.filter(id__in=list(unmatched.values()))._raw_delete(connection.alias)
    update_rows(
        cursor,
        FundingUnit,
        ["id", "position", "name", "code", "total", "source_row"],
        [
            (unit_id, position, u.name[: identity.UNIT_NAME], u.code, writer.unit_total(u), u.source_row)
            for position, (unit_id, u) in enumerate(zip(found, parsed.units))
            if unit_id is not None
        ],
    )
    added = FundingUnit.objects.bulk_create(
        [
            FundingUnit(
                table=table,
                position=position,
                name=u.name[: identity.UNIT_NAME],
                code=u.code,
                total=writer.unit_total(u),
                source_row=u.source_row,
            )
            for position, (unit_id, u) in enumerate(zip(found, parsed.units))
            if unit_id is None
        ]
    )
    fresh = iter(u.id for u in added)
    return [unit_id if unit_id is not None else next(fresh) for unit_id in found]


def _write_funding(cursor, parsed, sources: dict, changed) -> None:
    """Each changed project's amounts, updated where they differ; a funding row's id (and history) stays."""
    if not changed:
        return
    _temp(cursor, ProjectFunding, ["project", "source", "amount"], writer.funding_rows(parsed, sources, changed))
    cursor.execute(
        "INSERT INTO budget_projectfunding (project_id, source_id, amount) "
        "SELECT project_id, source_id, amount FROM incoming_budget_projectfunding "
        "ON CONFLICT (project_id, source_id) DO UPDATE SET amount = EXCLUDED.amount "
        "WHERE budget_projectfunding.amount IS DISTINCT FROM EXCLUDED.amount"
    )
    cursor.execute(
        "DELETE FROM budget_projectfunding f WHERE f.project_id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM "
        "incoming_budget_projectfunding i WHERE i.project_id = f.project_id AND i.source_id = f.source_id)",
        [[project_id for project_id, _ in changed]],
    )


def _write_indicators(cursor, changed, level2_ids: dict) -> None:
    """A changed project's indicators, matched within it: kept ones keep their id and self-evaluation."""
    if not changed:
        return
    matched, dropped = match_indicators(changed)
    purge(Indicator.objects.filter(id__in=dropped))
    kept, new = [], []
    for project_id, p in changed:
        for position, ind in enumerate(p.indicators):
            row = writer.indicator_row(project_id, position, ind, level2_ids)
            indicator_id = matched.get((project_id, position))
            (kept if indicator_id else new).append((indicator_id, *row) if indicator_id else row)
    update_rows(cursor, Indicator, ["id", *writer.INDICATOR_FIELDS], kept)
    writer._copy(cursor, Indicator, writer.INDICATOR_FIELDS, new)


def _temp(cursor, model, names: list[str], rows) -> str:
    """A temporary table with the model's columns `names`, filled by COPY; dropped at the commit."""
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    temp = f"incoming_{table}"
    cursor.execute(f"DROP TABLE IF EXISTS {temp}")
    cursor.execute(f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
    with cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return temp


def update_rows(cursor, model, names: list[str], rows) -> None:
    """Set each row named by its id (names[0] == "id") to the given values; rows already equal are not touched."""
    if not rows:
        return
    table = model._meta.db_table
    temp = _temp(cursor, model, names, rows)
    columns = [connection.ops.quote_name(model._meta.get_field(n).column) for n in names[1:]]
    if "position" in names:
        cursor.execute(
            f"UPDATE {table} t SET position = t.position + {OFFSET} FROM {temp} s "
            "WHERE t.id = s.id AND t.position <> s.position"
        )
    sets = ", ".join(f"{c} = s.{c}" for c in columns)
    old, new = ", ".join(f"t.{c}" for c in columns), ", ".join(f"s.{c}" for c in columns)
    cursor.execute(f"UPDATE {table} t SET {sets} FROM {temp} s WHERE t.id = s.id AND ({old}) IS DISTINCT FROM ({new})")
