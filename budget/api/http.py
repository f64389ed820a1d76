"""What every API response goes through: who may read, how often, errors as problem details (RFC 9457), and
conditional requests keyed on the data version."""

import hashlib
import json
import logging
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from budget import caching, security
from budget.models import ApiToken

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("django.request")


def problem(status: int, title: str, detail: str, **extra) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return HttpResponse(json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM_TYPE)


# -- who may read ---------------------------------------------------------------------------


def token_user(key: str):
    """The active user a token belongs to, or None. The key is compared by its SHA-256, as it is stored."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    token = ApiToken.objects.select_related("user").filter(key_hash=digest, user__is_active=True).first()
    if token is None:
        return None
    # update(), not save(): a token's use is not a change of the data, so it must not move the data version.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class ApiAccess(HttpBearer):
    """A token when one is sent (a wrong one is refused even on a public site, so that a script learns of it);
    else the signed-in session; else everybody when the site is public (DJANGO_PUBLIC_READ)."""

    openapi_description = "API token created in the admin: `Authorization: Bearer <key>`"

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return super().__call__(request)
        if request.user.is_authenticated:
            return request.user
        return "public" if settings.PUBLIC_READ else None

    def authenticate(self, request, token):
        user = token_user(token)
        if user is None:
            security.event("api-token-refused", request)
            return None
        request.user = user
        return user


# -- how often ------------------------------------------------------------------------------


class ClientThrottle(SimpleRateThrottle):
    """BUDGET_API_RATE requests per user, or per address for visitors (the address as the security log
    takes it, behind the proxy too). Counted per server process, like the page cache."""

    scope = "api"

    def __init__(self):
        from django.core.cache import caches

        self.cache = caches["api"]
        super().__init__(settings.API_RATE)

    def allow_request(self, request):
        # The setting is read on each request, not once at start-up, so that it can be changed in tests.
        self.rate = settings.API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        user = getattr(request, "auth", None)
        ident = f"user:{user.pk}" if hasattr(user, "pk") else f"ip:{security.client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# -- errors ---------------------------------------------------------------------------------


def install_error_handlers(api) -> None:
    def validation(request, exc):
        return problem(422, "Invalid request", "; ".join(_message(e) for e in exc.errors), errors=exc.errors)

    def http_error(request, exc):
        return problem(exc.status_code, "Error", str(exc))

    def not_found(request, exc):
        return problem(404, "Not found", "没有这一项。No such item.")

    def unauthenticated(request, exc):
        response = problem(
            401,
            "Unauthorized",
            "请登录,或在请求头中发送 API 令牌:Authorization: Bearer <key>。"
            "Sign in, or send an API token: Authorization: Bearer <key>.",
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def throttled(request, exc):
        wait = int(exc.wait or 1)
        security.event("api-throttled", request)
        response = problem(429, "Too many requests", f"请求过于频繁,请 {wait} 秒后再试。Retry in {wait} s.")
        response["Retry-After"] = str(wait)
        return response

    def failed(request, exc):
        # Whatever else went wrong is a problem too, never an HTML page; a statement stopped by the web
        # statement timeout tells the client what to do, as the pages do.
        from budget.middleware import _statement_cancelled

        if _statement_cancelled(exc):
            security.event("statement-timeout", request, query=request.META.get("QUERY_STRING", "")[:200])
            return problem(
                503,
                "Query took too long",
                "这次查询耗时过长,已停止。请缩小范围(减少搜索词,或选定部门、"
                "年度)后再试。Narrow the query down and try again.",
            )
        log.exception("API request failed: %s", request.path)
        return problem(500, "Server error", "服务器出错,已记录。The server failed; the error is logged.")

    from ninja.errors import Throttled

    api.add_exception_handler(Exception, failed)
    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Throttled, throttled)


def _message(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path"))
    return f"{where}: {error.get('msg', '')}"


# -- conditional requests -------------------------------------------------------------------


def last_modified(version: str) -> datetime:
    """When this data version was first served by any process (kept per process after the first look)."""

    def first_seen():
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH added AS (INSERT INTO budget_dataversionseen (version, seen_at) VALUES (%s, now()) "
                "ON CONFLICT (version) DO NOTHING RETURNING seen_at) "
                "SELECT seen_at FROM added UNION ALL "
                "SELECT seen_at FROM budget_dataversionseen WHERE version = %s LIMIT 1",
                [version, version],
            )
            return cursor.fetchone()[0]

    return caching.cached("api-seen", version, first_seen)


def validators(run):
    """Around the whole operation (mode "view"): read the data version once, give the response its ETag,
    Last-Modified and Cache-Control. The ETag is of the version, the language (review messages follow it), the
    host and the address (links name both), so a response is the same bytes whenever its ETag is."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        # PostgreSQL text cannot hold NUL: refused here, as Django's forms refuse it, not failed in a query.
        if any("\x00" in value for values in request.GET.lists() for value in values[1]) or "\x00" in request.path:
            return problem(422, "Invalid request", "参数中不能含有空字符(NUL)。Parameters cannot contain NUL.")
        version = caching.request_version(request)
        address = f"{version}|{get_language()}|{request.get_host()}|{request.get_full_path()}"
        request.api_etag = '"' + hashlib.sha256(address.encode()).hexdigest()[:32] + '"'
        request.api_modified = last_modified(version).timestamp()
        response = run(request, *args, **kwargs)
        if response.status_code in (401, 429):
            return response
        response["ETag"] = request.api_etag
        response["Last-Modified"] = http_date(request.api_modified)
        public = settings.PUBLIC_READ and getattr(request, "auth", None) == "public"
        response["Cache-Control"] = f"public, max-age={settings.API_MAX_AGE}" if public else "private, no-cache"
        patch_vary_headers(response, ("Accept-Language", "Cookie", "Authorization"))
        return response

    return wrapper


def not_modified(view):
    """Inside the operation (mode "operation": after access and throttling are checked): answer 304 to a
    client holding the current ETag, or 412 to a failed If-Match, before any of the work is done."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        answer = get_conditional_response(request, etag=request.api_etag, last_modified=int(request.api_modified))
        if answer is not None:
            return answer
        return view(request, *args, **kwargs)

    return wrapper


def static_validators(view):
    """The OpenAPI document and its page change with the code, not the data: their ETag is of their bytes."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["Last-Modified"] = http_date(STARTED)
        response["Cache-Control"] = "no-cache"
        return get_conditional_response(request, etag=response["ETag"], last_modified=STARTED, response=response)

    return wrapper


STARTED = int(timezone.now().timestamp())  # the code a process serves dates from its start
