"""gunicorn settings for `make serve` (gunicorn -c budget/gunicorn_conf.py)."""

from gunicorn.http import wsgi

# gunicorn names itself in a Server header on every response and has no setting to stop it; what software
# answers is nobody's business (OWASP ASVS 14.3.3). Its default headers lose that one line.
_default_headers = wsgi.Response.default_headers


def _without_server(self):
    return [header for header in _default_headers(self) if not header.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server

# Threaded workers: a sync worker busy with one long request (the first build of a large table's XLSX,
# many seconds) misses its heartbeat and is killed at `timeout`; a threaded one keeps answering the arbiter, and
# its other threads keep serving. Request line and header limits stay at gunicorn's defaults; bodies are
# bounded by budget.middleware.
worker_class = "gthread"
threads = 4
timeout = 30
