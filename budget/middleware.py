import contextvars
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.template.response import SimpleTemplateResponse

from budget import security

# Paths a visitor needs even when browsing is restricted: logging in, static files, language; and the API,
# which checks its own access (a session or an API token) and answers 401 rather than a login page.
OPEN_PREFIXES = ("/admin/", "/static/", "/i18n/", "/api/")
_in_request = contextvars.ContextVar("budget_in_request", default=False)


def refused(status: int, title: str, message: str, message_en: str):
    response = SimpleTemplateResponse(
        "refused.html", {"title": title, "message": message, "message_en": message_en}, status=status
    )
    return response.render()


class RequestLimitsMiddleware:
    """Bounds the work one request can cause.

    - A body declared larger than MAX_REQUEST_BYTES is refused with 413 before anything reads it (Django
      would spool it to disk first), on every path, signed in or not; a body of unknown length
      (chunked) is refused with 411 on the same grounds.
    - A database connection opened during a request gets statement_timeout: no page can hold a server
      process for minutes. Connections are kept between requests (CONN_MAX_AGE), so that costs no query
      per request; commands and imports open theirs outside a request and have no limit.
    - A statement stopped by that limit becomes a short page that says what to do, not a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > settings.MAX_REQUEST_BYTES:
            security.event("request-too-large", request, declared=int(declared))
            return refused(
                413,
                "请求过大",
                f"上传内容过大,上限 {settings.IMPORT_MAX_UPLOAD_BYTES // 2**20} MB。",
                "The request body is larger than this server accepts.",
            )
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return refused(
                411,
                "请求缺少长度",
                "请求必须声明内容长度(Content-Length)。",
                "Requests with a body must declare its length.",
            )
        token = _in_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _in_request.reset(token)

    def process_exception(self, request, exception):
        if _statement_cancelled(exception):
            security.event("statement-timeout", request, query=request.META.get("QUERY_STRING", "")[:200])
            return refused(
                503,
                "查询耗时过长",
                "这次查询耗时过长,已停止。请缩小范围(减少搜索词,或选定部门、年度)后再试。",
                "This query took too long and was stopped. Narrow it down and try again.",
            )
        return None


def _statement_cancelled(exception) -> bool:
    from psycopg import errors

    while exception is not None:
        if isinstance(exception, errors.QueryCanceled):
            return True
        exception = exception.__cause__
    return False


@receiver(connection_created, dispatch_uid="budget:web-statement-timeout")
def bound_statements(sender, connection, **kwargs):
    if _in_request.get() and settings.WEB_STATEMENT_TIMEOUT_MS:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [settings.WEB_STATEMENT_TIMEOUT_MS])


class PermissionsPolicyMiddleware:
    """The browser features no page of ours uses are switched off for every page (Django has no setting)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SessionTimeoutMiddleware:
    """A signed-in session ends SESSION_IDLE_SECONDS after its last request (SESSION_COOKIE_AGE bounds it
    from the sign-in). The time seen is written at most once a minute, not on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get("seen", now)
            if now - seen > settings.SESSION_IDLE_SECONDS:
                security.event("session-idle-expired", request)
                logout(request)
            elif now - seen >= 60 or "seen" not in request.session:
                request.session["seen"] = now
        return self.get_response(request)


class PublicReadMiddleware:
    """DJANGO_PUBLIC_READ=false keeps the pages for signed-in users only (default: public disclosure)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not settings.PUBLIC_READ
            and not request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
