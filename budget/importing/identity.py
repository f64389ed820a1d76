"""Which stored project a parsed one is: identity keys, content fingerprints and stable paths.

A project stays the same project across editions of its department and year — same primary key, page,
admin history and self-evaluation — when it has the same project code, or, without a code, the same unit
and name. Repeated keys are told apart by occurrence: the second (unit, name) of an edition is the second
of the next one. A renamed project is not guessed at: it is dropped and added.

A fingerprint hashes what the database stores for a project (the row, its funding, its indicators),
normalised as the columns store it, so that the parsed rows of a file and the stored rows of the same
data give the same hash: a re-import compares hashes, never model instances.
"""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# The source's raw indicator text is not compared: an export writes the same indicators in its own words
# ("。年度指标值" becomes ";年度指标值"). A re-import still stores the new text with the project's row.
PROJECT_COLUMNS = ("code", "goal", "total", "unparsed_indicator_text", "period_goal", "attributes")
INDICATOR_COLUMNS = ("seq", "level1_label", "level2_label", "level2_code", "name", "library_code", "period_value",
                     "annual_value", "comparator", "target_value", "target_unit", "weight", "extra")


def canonical(value):
    """A JSON column's value as one text whatever the key order: jsonb gives keys back in its own order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, (dict, list)) else value


def with_occurrence(bases) -> list[tuple]:
    """Each base key with its occurrence number among equal keys, in order: (…, 1), (…, 2) …"""
    seen: dict = {}
    keys = []
    for base in bases:
        seen[base] = seen.get(base, 0) + 1
        keys.append((*base, seen[base]))
    return keys


def project_base(unit_name: str, name: str, code: str) -> tuple:
    return ("code", code) if code else ("name", unit_name, name)


def unit_base(name: str, code: str) -> tuple:
    return ("code", code) if code else ("name", name)


def indicator_base(level1: str, level2: str, name: str, seq: int) -> tuple:
    # An indicator without a level-3 name is known by its number within its categories.
    return (level1, level2, name) if name else (level1, level2, "", seq)


def stored(value: Decimal | None, places: int) -> Decimal | None:
    """The value a numeric(…, places) column gives back: PostgreSQL rounds half away from zero."""
    if value is None:
        return None
    try:
        return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    except InvalidOperation:
        return value  # too large for the column: the write will refuse it


def fingerprint(project: tuple, funding, indicators) -> str:
    """project: the PROJECT_COLUMNS values; funding: (source name, amount) pairs; indicators: the
    INDICATOR_COLUMNS values of each indicator in order. Zero amounts are the same as none.

    Every amount is at its column's scale (stored()), as the database gives it back, so that the repr of a
    parsed 1.5 and of a stored 1.500000 agree without normalising each value (a million calls in a national table).
    """
    money = sorted((name, amount) for name, amount in funding if amount)
    text = repr((project, money, indicators))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def parsed_project_values(p) -> tuple:
    """A parsed project's PROJECT_COLUMNS as the writer stores them."""
    return (p.code, p.goal, stored(p.total, 6), p.unparsed or "", p.period_goal or "", canonical(p.attributes))


def parsed_indicator_values(ind) -> tuple:
    """A parsed indicator's INDICATOR_COLUMNS as the writer stores them."""
    target = ind.target
    return (ind.seq, ind.level1[:100], ind.level2[:100], (ind.level2_code or "")[:10], ind.name[:500],
            ind.library_code or "", ind.period_value, ind.annual_value, target.comparator if target else "",
            stored(target.value, 8) if target else None, target.unit[:50] if target else "", stored(ind.weight, 4),
            canonical(ind.extra) if ind.extra else None)


def parsed_fingerprint(p, sources) -> str:
    funding = [(name, stored(p.funding.get(name, Decimal(0)), 6)) for name in sources]
    return fingerprint(parsed_project_values(p), funding, list(map(parsed_indicator_values, p.indicators)))


def stored_fingerprints(project_ids) -> dict[int, str]:
    """The fingerprints of stored projects from their rows: for projects edited since their import
    (an edit clears the stored fingerprint) and tables imported before fingerprints were kept."""
    from budget.models import Indicator, Project, ProjectFunding

    ids = list(project_ids)
    if not ids:
        return {}
    funding: dict[int, list] = {i: [] for i in ids}
    for project_id, source, amount in ProjectFunding.objects.filter(project_id__in=ids).values_list(
            "project_id", "source__name", "amount"):
        funding[project_id].append((source, amount))
    indicators: dict[int, list] = {i: [] for i in ids}
    for project_id, *values in Indicator.objects.filter(project_id__in=ids).order_by(
            "project_id", "position").values_list("project_id", *INDICATOR_COLUMNS):
        indicators[project_id].append(tuple(map(canonical, values)))
    return {
        project_id: fingerprint(tuple(map(canonical, values)), funding[project_id], indicators[project_id])
        for project_id, *values in Project.objects.filter(id__in=ids).values_list("id", *PROJECT_COLUMNS)
    }


def clear_fingerprint(project_ids) -> None:
    """An edit outside the importer makes the stored hash stale: the next import recomputes it from the rows."""
    from budget.models import Project

    Project.objects.filter(id__in=project_ids).exclude(fingerprint="").update(fingerprint="")


# -- stable paths: /departments/<id>/<year>/projects/<ref>/ ----------------------------------------------

def ref_base(name: str, code: str) -> str:
    """The project code when the source gives one, else the name ('/' cannot stand in a path segment)."""
    return code or name.replace("/", "／")


def project_refs(rows) -> list[str]:
    """rows: (name, code) of a table's projects in order → each one's ref."""
    refs = []
    for base, occurrence in ((k[0], k[1]) for k in with_occurrence((ref_base(n, c),) for n, c in rows)):
        refs.append(base if occurrence == 1 else f"{base}~{occurrence}")
    return refs


def find_project(department_id: int, year: int, ref: str) -> int | None:
    """The id of the live project a stable path names, or None (an index lookup on (table, ref))."""
    from budget.models import Project

    return (Project.objects.filter(table__department_id=department_id, table__year=year, ref=ref)
            .values_list("id", flat=True).first())


def refresh_refs(table_id: int) -> None:
    """After an edit of names, codes or positions in the admin: the refs of the table's projects again."""
    from budget.models import Project

    rows = list(Project.objects.filter(table_id=table_id).order_by("position")
                .values_list("id", "name", "code", "ref"))
    for (project_id, *_, old), new in zip(rows, project_refs((name, code) for _, name, code, _ in rows)):
        if old != new:
            Project.objects.filter(pk=project_id).update(ref=new)
