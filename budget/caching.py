"""What is cached, and when it goes stale: everything is keyed on the data version, read from the database on
each request, so that an import or an edit in any process (a command, another gunicorn worker) is seen by all
processes at once, with nothing to invalidate by hand."""

import hashlib
from functools import partial, wraps

from django.core.cache import cache, caches
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.utils.translation import get_language

# Rows added, in bulk or one by one, move the largest ids (tests and the bench bulk-create). Those alone can
# miss a writer that commits after another took a later id, so every writer also moves the sequence once
# committed: saves and deletes through the ORM by signal (bump_data_version), the bulk writers without
# signals (the actuals import, applying.refresh_table) by calling it; an import saves its ImportLog row.
_VERSION_TABLES = [("budget_importlog", "id"), ("budget_indicator", "id"), ("budget_project", "id"),
                   ("budget_flag", "id"), ("budget_historicalbudgettable", "history_id"),
                   ("budget_historicalfundingunit", "history_id"), ("budget_historicalproject", "history_id"),
                   ("budget_historicalprojectfunding", "history_id"), ("budget_historicalindicator", "history_id"),
                   # A monitoring import replaces a month's reports: new rows, a larger id.
                   ("budget_monitoringreport", "id")]
VERSION_SEQUENCE = "budget_data_version"
TIMEOUT = 24 * 3600  # an entry nobody asked for in a day goes, whatever the version
PAGE_MAX_BYTES = 512 * 1024  # larger pages are rendered each time: 300 kept pages stay under 150 MB a process


def data_version() -> str:
    """A key part that changes whenever the data the pages show changes: one query, each part an index lookup
    or a sequence read. Changes made with raw SQL (or queryset.update()) are not seen."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([f"(SELECT max({column}) FROM {table})" for table, column in _VERSION_TABLES]
                                             + [f"(SELECT last_value FROM {VERSION_SEQUENCE})"]))
        return "-".join(str(v or 0) for v in cursor.fetchone())


def request_version(request) -> str:
    """The version the page cache read for this request, so that a page rendered on a miss reads it once."""
    version = getattr(request, "data_version", None)
    if version is None:
        version = request.data_version = data_version()
    return version


def _bump(using):
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT nextval('{VERSION_SEQUENCE}')")


def bump_data_version(sender, using="default", **kwargs):
    """Signal receiver for every save and delete of the app's models. After the commit, not before: a page
    rendered between the bump and the commit would otherwise be kept, showing the old data, under the new
    version. Once per transaction (deleting a table in the admin sends a signal per indicator). A rolled-back
    change still bumps (a sequence is not transactional): one needless re-render."""
    conn = connections[using]
    if conn.in_atomic_block and any(isinstance(f, partial) and f.func is _bump for _, f, _ in conn.run_on_commit):
        return
    transaction.on_commit(partial(_bump, using), using=using)


def cached(key: str, version: str, compute):
    """compute() through the cache under key and the data version. Used only where the bench measured it to
    pay: figures that read every indicator of a table."""
    key = f"budget:{connection.settings_dict['NAME']}:{key}:{version}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value


def visitor_page(view):
    """Serve a visitor who is not signed in the page another visitor was given for the same address in the
    same language, as long as the data version has not moved: rendering a department page's templates costs
    far more than serving a kept one (README, Performance; make bench). Signed-in users always get a fresh page, since theirs carry
    their own links and forms; so does anything but a plain 200 page without cookies."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{connection.settings_dict['NAME']}:{get_language()}:{request_version(request)}:{address}"
        pages = caches["pages"]
        hit = pages.get(key)
        if hit is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if (response.status_code == 200 and not response.streaming and not response.cookies
                and not response.has_header("Content-Disposition") and len(response.content) <= PAGE_MAX_BYTES):
            pages.set(key, (response.content, response["Content-Type"]), timeout=TIMEOUT)
        return response

    return wrapper
