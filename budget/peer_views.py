"""The peers of a project's targets (a section of the project page) and the page of one common indicator:
every department's target for it in a year, sortable."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from budget import caching, charts, formats, peers


def peer_link(year, group) -> str:
    query = urlencode({"name": group["name"], "level2": group["level2"] or "", "unit": group["unit"] or ""})
    return f"{reverse('budget:peers', args=[year])}?{query}"


def project_peers(indicators, table, version) -> list[dict]:
    """Each numeric target of the project that other departments set too, with its dot plot."""
    found = peers.for_indicators(indicators, table.year, table.department_id, version)
    for n, p in enumerate(found, 1):
        group, i = p["group"], p["indicator"]
        values = [float(v) for _, v in group["departments"].values()]
        p["id"] = f"peers-{n}"
        p["figure"] = charts.peer_dots(values, float(p["standing"]["value"]), float(group["median"]), i.target_unit)
        p["median_text"] = formats.quantity(group["median"], i.target_unit)
        p["link"] = peer_link(table.year, group)
    return found


SORTS = {"value": lambda r: (r["value"], r["department"]), "-value": lambda r: (-r["value"], r["department"]),
         "department": lambda r: r["department"]}


@require_safe
@caching.visitor_page
def common_indicator(request, year):
    """One common indicator of a year: every department's target, the median, the departments far below it."""
    version = caching.request_version(request)
    name, level2, unit = (request.GET.get(k, "")[:500] for k in ("name", "level2", "unit"))
    group = peers.year_groups(year, version).get(peers.key(name, level2, unit))
    if group is None:
        raise Http404
    sort = request.GET.get("sort", "-value")
    rows = [{"department_id": d, "department": n, "value": v, "text": formats.quantity(v, group["unit"]),
             "far_below": v < group["median"] * peers.FAR_BELOW}
            for d, (n, v) in group["departments"].items()]
    rows.sort(key=SORTS.get(sort, SORTS["-value"]))
    return render(request, "budget/peers.html", {
        "year": year, "group": group, "rows": rows, "sort": sort,
        "median_text": formats.quantity(group["median"], group["unit"]),
        "base": peer_link(year, group),
    })
