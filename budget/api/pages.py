from django.shortcuts import render
from django.views.decorators.http import require_safe

from budget import selectors
from budget.api.bulk import FILES


@require_safe  # not kept for visitors: its links name the host it was asked for, and it costs one query
def open_data(request):
    """数据开放: the API and each year's bulk files, with examples."""
    base = request.build_absolute_uri("/api/v1/")
    return render(request, "budget/open_data.html", {"years": selectors.table_years(), "files": FILES, "base": base})
