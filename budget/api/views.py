"""The read-only JSON API under /api/v1/ (django-ninja: the OpenAPI document is written from these signatures).

Every operation reads the data version once (budget/api/http.py), answers 304 to a client that holds the
current ETag, and otherwise a constant number of queries, bounded by the page asked for."""

import hashlib
import json
from functools import wraps

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from ninja import NinjaAPI, Path, Query, Router
from ninja.renderers import JSONRenderer

from budget import caching, exporter, formats, selectors
from budget.api import bulk, http, schemas
from budget.api.queries import DEFAULT_KIND, IndicatorQuery, has_field, indicators, with_status
from budget.models import BudgetTable, Department
from budget.views import MAX_PER_PAGE

PAGE_SIZE = 50
OTHER = bulk.OTHER
# Bounds of what the database can hold, so that an absurd number is a 422, not a failed query.
ID = {"ge": 1, "le": 2**63 - 1}
YEAR = {"ge": 1990, "le": 2100}  # as the tables' own check constraint
MAX_PAGE = 1_000_000


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as it is written, not \\u escapes


api = NinjaAPI(
    renderer=Renderer(), docs_decorator=http.static_validators,
    title="预算绩效目标看板 API", version="1", urls_namespace="api", auth=http.ApiAccess(),
    throttle=[http.ClientThrottle()],
    description="Read-only open data: budget performance target tables (预算绩效目标表), their projects and "
                "indicators, as the canonical export `budget-performance-targets/1`. Public when the site is; "
                "otherwise a signed-in session or an API token. Every response carries an ETag and "
                "Last-Modified of the data version: send If-None-Match to get 304 when nothing changed.",
)
api.add_decorator(http.validators, mode="view")
api.add_decorator(http.not_modified, mode="operation")
http.install_error_handlers(api)


def _page_params(page: int, page_size: int) -> tuple[int, int]:
    return (page - 1) * page_size, page_size


def _paged(request, results, count: int, page: int, page_size: int) -> dict:
    def link(number):
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    last = max(1, -(-count // page_size))
    return {"count": count, "next": link(page + 1) if page < last else None,
            "previous": link(min(page - 1, last)) if page > 1 else None, "results": results}


# -- tables ---------------------------------------------------------------------------------

def _department_filter(value: str, prefix: str = "") -> Q:
    """A department by id or by its exact name."""
    if value.isdigit():
        return Q(**{f"{prefix}pk": int(value)}) if int(value) <= ID["le"] else Q(pk__in=[])
    return Q(**{f"{prefix}name": value})


@api.get("/tables/", response={200: schemas.TablePage, **OTHER}, tags=["tables"])
def tables(request, year: int | None = Query(None, **YEAR), department: str | None = None,
           kind: str | None = None, status: str | None = None, page: int = Query(1, ge=1, le=MAX_PAGE),
           page_size: int = Query(PAGE_SIZE, ge=1, le=MAX_PER_PAGE)):
    """The tables, latest year first, then by department name. `department` is an id or an exact name."""
    rows = with_status(selectors.tables_overview(year=year))
    if department:
        rows = rows.filter(_department_filter(department, "department__"))
    if kind:
        rows = rows.filter(kind=kind) if has_field("kind") else (rows if kind == DEFAULT_KIND else rows.none())
    if status:
        rows = rows.filter(review_status=status)
    count = rows.count()
    offset, size = _page_params(page, page_size)
    chosen = list(rows[offset:offset + size]) if offset < count else []
    funding, _ = selectors.funding_by_table_source(table_ids=[t.pk for t in chosen]) if chosen else ({}, [])
    return _paged(request, [_summary(request, t, funding.get(t.pk, {})) for t in chosen], count, page, page_size)


def _summary(request, table, by_source) -> dict:
    dept = table.department
    return {
        "id": table.pk, "department": {"id": dept.pk, "name": dept.name, "code": dept.code or None},
        "year": table.year, "kind": getattr(table, "kind", None) or DEFAULT_KIND, "title": table.title,
        "total": formats.exact_amount(table.total),
        "by_source": {k: formats.exact_amount(v) for k, v in by_source.items()},
        "project_count": table.project_count, "indicator_count": table.indicator_count,
        "review_score": formats.points(table.review_score), "status": table.review_status,
        "links": {
            "self": request.build_absolute_uri(reverse("api:table", args=[table.pk])),
            "page": request.build_absolute_uri(table.get_absolute_url()),
            "export": request.build_absolute_uri(reverse("budget:download", args=[dept.pk, table.year, "json"])),
        },
    }


@api.get("/tables/{table_id}/", response={200: schemas.TableDocument, **OTHER}, url_name="table", tags=["tables"])
def table(request, table_id: int = Path(..., **ID)):
    """The table exactly as one element of the canonical export's `tables` (the export's own code), written
    once per data version and kept: a 20,000-project table takes seconds to build."""
    found = get_object_or_404(BudgetTable.objects.select_related("department"), pk=table_id)

    def write(out):
        (full,) = selectors.tables_for_export(year=found.year, department=found.department.name)
        # As the public download: the review opinions are the bureau's and the department's (budget/workflow.py).
        out.write(json.dumps(exporter.table_document(full, opinions=False), ensure_ascii=False).encode())

    path = bulk.kept_file(f"table-{found.pk}-{get_language()}", caching.request_version(request), write)
    return FileResponse(open(path, "rb"), content_type="application/json; charset=utf-8")


def _exact(document: dict) -> HttpResponse:
    """A document written as the export writes it, not passed through a schema that could reshape it."""
    return HttpResponse(json.dumps(document, ensure_ascii=False), content_type="application/json; charset=utf-8")


# -- projects and indicators ----------------------------------------------------------------

@api.get("/projects/{project_id}/", response={200: schemas.ProjectDocument, **OTHER}, url_name="project",
         tags=["projects"])
def project(request, project_id: int = Path(..., **ID)):
    """A project as in its table's export, with `context`: its table, department, year and unit."""
    p = selectors.project_detail(pk=project_id)
    if p is None:
        return http.problem(404, "Not found", "没有这一项。No such item.")
    table = p.table
    sources = selectors.table_sources([table.pk]).get(table.pk, [])
    # The project exactly as its table's export writes it (exporter.project_dict), and where it belongs.
    return _exact(exporter.project_dict(p, sources) | {
        "context": {
            "id": p.pk, "table": table.pk, "year": table.year,
            "department": {"id": table.department.pk, "name": table.department.name,
                           "code": table.department.code or None},
            "unit": {"id": p.unit.pk, "name": p.unit.name},
            "links": {"page": request.build_absolute_uri(p.get_absolute_url()),
                      "table": request.build_absolute_uri(reverse("api:table", args=[table.pk]))},
        },
    })


@api.get("/indicators/", response={200: schemas.IndicatorPage, **OTHER}, tags=["indicators"])
def indicator_list(request, filters: Query[IndicatorQuery], page: int = Query(1, ge=1, le=MAX_PAGE),
                   page_size: int = Query(PAGE_SIZE, ge=1, le=MAX_PER_PAGE)):
    """The explorer's filters. `q`: every word must appear in the indicator's name or one of its values.
    `count` is exact (kept per data version)."""
    rows = indicators(filters)
    asked = json.dumps(filters.dict(), sort_keys=True, default=str)
    key = "api-indicators:" + hashlib.sha256(asked.encode()).hexdigest()
    count = caching.cached(key, caching.request_version(request), lambda: rows.order_by().count())
    offset, size = _page_params(page, page_size)
    shown = rows[offset:offset + size] if offset < count else []
    return _paged(request, [_indicator_row(request, i) for i in shown], count, page, page_size)


def _indicator_row(request, i) -> dict:
    p, table = i.project, i.project.table
    shown = exporter.indicator_dict(i)
    return {
        "id": i.pk, "department": {"id": table.department.pk, "name": table.department.name},
        "year": table.year, "table": table.pk, "project": {"id": p.pk, "name": p.name},
        "level1": shown["level1"], "level2": shown["level2"], "name": i.name,
        "period_value": i.period_value, "annual_value": i.annual_value, "target": shown["target"],
        "weight": shown["weight"],
        "links": {"project": request.build_absolute_uri(reverse("api:project", args=[p.pk]))},
    }


# -- departments and bulk files -------------------------------------------------------------

@api.get("/departments/", response={200: schemas.DepartmentPage, **OTHER}, tags=["departments"])
def departments(request, page: int = Query(1, ge=1, le=MAX_PAGE),
                page_size: int = Query(PAGE_SIZE, ge=1, le=MAX_PER_PAGE)):
    """Every department, by name, with the years it has a table for (latest first)."""
    rows = Department.objects.order_by("name").annotate(
        years=ArrayAgg("tables__year", order_by="-tables__year", filter=Q(tables__isnull=False), default=[]))
    offset, size = _page_params(page, page_size)
    results = [{
        "id": d.pk, "name": d.name, "code": d.code or None, "years": d.years,
        "links": {"tables": request.build_absolute_uri(reverse("api:tables") + f"?department={d.pk}")},
    } for d in rows[offset:offset + size]]
    return _paged(request, results, Department.objects.count(), page, page_size)


api.add_router("", bulk.router)

# Last, so that it shadows nothing: any other address under /api/v1/ is a 404 problem, not an HTML page.
unknown = Router()


@unknown.get("/{path:rest}", include_in_schema=False, auth=None)
def not_found(request, rest: str):
    return http.problem(404, "Not found", f"没有这个接口。No such endpoint: {request.path}")


api.add_router("", unknown)


def _head_too(view):
    """HEAD as GET without the body, as Django's own pages answer it (link checkers, `curl -I`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        response = view(request, *args, **kwargs)
        request.method = "HEAD"
        if response.streaming:  # a file: its headers (Content-Length among them) without reading it
            response.close()
            empty = HttpResponse(status=response.status_code)
            for header, value in response.items():
                empty[header] = value
            return empty
        response["Content-Length"] = str(len(response.content))
        response.content = b""
        return response

    return wrapper


def urls():
    """The API's URL patterns for root_urls, each also answering HEAD."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _head_too(pattern.callback)
    return patterns, app_name, namespace
