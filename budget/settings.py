"""One settings module; production differs only by environment variables (see README)."""

from pathlib import Path

import plotly
from datetime import timedelta

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from budget.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG=false requires DJANGO_SECRET_KEY to be set")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_DEBUG=false requires DJANGO_ALLOWED_HOSTS (comma-separated host names)")

# Production sits behind a reverse proxy that terminates TLS; every switch can be turned off
# for an intranet served over plain HTTP (then `check --deploy` will say so).
PUBLIC_READ = env_bool("DJANGO_PUBLIC_READ", True)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "budget.admin_site.BudgetAdminConfig",  # django.contrib.admin with the site's titles
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "simple_history",
    "axes",
    "ninja",  # the API (budget/api/); its Swagger UI files are served from our own static files
    "budget",
]

MIDDLEWARE = [
    # First: refuses an oversized body before anything reads it, and bounds each request's SQL.
    "budget.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "budget.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "budget.middleware.SessionTimeoutMiddleware",
    "budget.middleware.PublicReadMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "budget.root_urls"
WSGI_APPLICATION = "budget.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only. Without DATABASE_URL an embedded server (pgserver) starts on demand.
DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED_PG_DIR = Path(env_str("BUDGET_EMBEDDED_PG_DIR", str(BASE_DIR / "var" / "pg")))
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "budget.embedded_db",
            "NAME": "budget",
            "USER": "postgres",
            "HOST": "",
            "PORT": "",
        }
    }
# Persistent connections: opening one costs a PostgreSQL backend start, more than serving a kept page;
# the health check reconnects after a database restart instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT: the app's queries are short, and a crafted search made PostgreSQL spend seconds compiling one plan.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = " ".join(filter(None, [_options.get("options"), "-c jit=off"]))
# Every SQL statement run for a web request stops after this long (0: no limit); commands and imports have none.
WEB_STATEMENT_TIMEOUT_MS = env_int("BUDGET_WEB_STATEMENT_TIMEOUT_MS", 5000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per process, in memory: every entry is keyed on the data version read from the database (budget/caching.py),
# so processes never need to tell each other anything. "pages" holds whole pages for visitors, apart from the
# figures in "default", so that many addresses (explorer searches) cannot push the figures out.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figures",
                "OPTIONS": {"MAX_ENTRIES": 1000}},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": env_int("BUDGET_PAGE_CACHE_ENTRIES", 300)}},
    # The API's request counts per client, apart, so that many clients cannot push figures or pages out.
    "api": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api",
            "OPTIONS": {"MAX_ENTRIES": 10000}},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# Sessions end 8 hours after signing in, and after an hour without a request (budget.middleware).
SESSION_COOKIE_AGE = env_int("BUDGET_SESSION_HOURS", 8) * 3600
SESSION_IDLE_SECONDS = env_int("BUDGET_SESSION_IDLE_MINUTES", 60) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): 10 failures for one user name or from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("BUDGET_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BUDGET_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "budget.security.client_ip"
AXES_LOCKOUT_CALLABLE = "budget.security.locked_out"
AXES_VERBOSE = False  # the security log says it once, in our format

# A strict Content-Security-Policy: scripts and styles from our own static files only; chart data travels in
# json_script blocks, which are data, not script. plotly.js creates <style> elements empty and fills them through
# the CSSOM (which CSP does not govern): the one hash admits an empty element, never styles written into a page.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF, EMPTY_STYLE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=(), interest-cohort=()")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "budget" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing
# plotly.js is served from the file the plotly package ships: intranets have no CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", Path(plotly.__file__).parent / "package_data")]
# In production static files are served under content-hashed names (plotly.min.fc03e19a095d.js, 3.5 MB), which
# whitenoise lets browsers keep for ten years (its immutable-file test), compressed; `make serve` collects them
# first. With DJANGO_DEBUG (runserver, the tests) files are served from the source folders as they are named there,
# so nothing needs collecting.
STATIC_PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else STATIC_PRODUCTION_STORAGE},
}

LOGIN_URL = "admin:login"
# Past versions can be read in the admin but not restored: see DepartmentScoped.history_form_view.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Imports: an upload larger than this is refused before it is read; so is any request whose body is larger than
# this plus the form around the file (RequestLimitsMiddleware answers 413 from its Content-Length).
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
MAX_REQUEST_BYTES = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024
EXPORT_DIR = BASE_DIR / "var" / "exports"  # whole-table downloads, kept per data version (budget/downloads.py)
UPLOADS_KEPT_HOURS = 24  # an import previewed but never confirmed: its file is deleted after this
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# The API (budget/api/): requests per client (a user, or an address for visitors), and how long a public
# response may be kept by browsers and proxies.
API_RATE = env_str("BUDGET_API_RATE") or "300/m"
API_MAX_AGE = env_int("BUDGET_API_MAX_AGE", 60)

SECURITY_LOG_FILE = env_str("BUDGET_SECURITY_LOG")  # unset: the security log goes to standard error
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {"class": "logging.FileHandler", "filename": SECURITY_LOG_FILE, "formatter": "line"}
        if SECURITY_LOG_FILE else {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "loggers": {
        "pgserver": {"handlers": ["console"], "level": "WARNING"},
        "budget.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "ERROR"},
    },
}
