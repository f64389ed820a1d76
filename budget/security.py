"""The security log: one line per event an administrator must be able to reconstruct afterwards — failed
logins, lockouts, permission denials, refused requests, imports and review actions (see SECURITY.md).

Python logging, logger "budget.security"; settings.SECURITY_LOG_FILE (BUDGET_SECURITY_LOG) sends it to a file.
"""

import logging
import time
from contextlib import contextmanager

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("budget.security")


def client_ip(request) -> str | None:
    """The address the request came from: Django sees the proxy's when behind one, so take the
    X-Forwarded-For entry the proxy added (the last one) when settings say a proxy is in front."""
    from django.conf import settings

    if request is None:
        return None
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR") or None


def client_address(request) -> str:
    return client_ip(request) or "-"


def _who(request) -> str:
    user = getattr(request, "user", None)
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


def event(kind: str, request=None, **details) -> None:
    """One line: the event, who, from where, and key=value details (values quoted by repr, so a
    user-supplied value cannot forge a second line)."""
    parts = [kind, f"user={_who(request)!r}", f"ip={client_address(request)}"]
    if request is not None:
        parts.append(f"path={request.path!r}")
    parts += [f"{k}={v!r}" for k, v in details.items()]
    log.warning(" ".join(parts))


def denied(request, what: str) -> None:
    event("permission-denied", request, what=what)


@receiver(user_logged_in)
def session_started(sender, request, user, **kwargs):
    """The idle clock of budget.middleware.SessionTimeoutMiddleware starts at sign-in."""
    if request is not None and hasattr(request, "session"):
        request.session["seen"] = int(time.time())


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    event("login-failed", request, username=credentials.get("username", ""))


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): logged, and a page in the user's language."""
    from django.template.response import TemplateResponse

    event("login-locked-out", request, username=(credentials or {}).get("username", ""))
    return TemplateResponse(request, "lockout.html", status=429).render()


@contextmanager
def unbounded_statements():
    """An import started from the admin is a web request, but its COPY and commit may rightly take longer than
    a page's statement_timeout; lifted for its duration, then put back."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [settings.WEB_STATEMENT_TIMEOUT_MS])
