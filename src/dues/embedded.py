"""The embedded PostgreSQL (pgserver) under ``DUES_HOME``: started, joined, and stopped by its last user.

pgserver keeps a list of the processes using a data directory and stops the server when the last of them
exits. Two things break that on its own: a process killed (SIGKILL, a crash) stays on the list forever, so the
server is never stopped again; and a ``postmaster.pid`` left by a server killed with it may name a process id
the system has since given to another program, which pgserver would take for the server. Both are cleaned
here, under pgserver's own lock, before the server is started or joined.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import structlog

log = structlog.get_logger("dues.embedded")

HANDLES = ".handle_pids.json"  # pgserver's list of the processes using the server


def _pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns, as pgserver is imported, that XDG_RUNTIME_DIR is unset (servers, containers,
        # su sessions) and falls back to /tmp/runtime-<uid>, which is all pgserver needs (its lock file).
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set", category=UserWarning)
        import pgserver  # imported late: production never needs it
    return pgserver


def pgdata(home: Path) -> Path:
    return (home / "pgdata").resolve()


def start_embedded(home: Path, database: str = "dues") -> str:
    """Start (or join) the PostgreSQL under ``home`` and return a URL to its ``database``. The server stops
    when the last process that started or joined it exits (stop() stops it sooner)."""
    pgserver = _pgserver()
    if not database.isidentifier():
        raise ValueError(f"bad database name {database!r}")
    home.mkdir(parents=True, exist_ok=True)
    data = pgdata(home)
    data.mkdir(exist_ok=True)
    with pgserver.PostgresServer._lock:  # pgserver's lock between processes
        _forget_dead_users(data)
        _remove_stale_pidfile(data)
    server = pgserver.get_server(str(data), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return f"postgresql://postgres@/{database}?host={data}"


def stop(home: Path) -> None:
    """This process is done with the server under ``home``: stopped now if no other process uses it."""
    pgserver = _pgserver()
    data = pgdata(home)
    server: Any = pgserver.PostgresServer._instances.get(data)
    if server is None:
        return
    server.cleanup()  # signs off; the last user stops the server pgserver started (cleanup_mode "stop")
    with pgserver.PostgresServer._lock:
        # pgserver stops the process it found at start only: a server restarted since (by hand, after a
        # crash) would be left running with nobody to stop it.
        _forget_dead_users(data)
        if not _users(data) and _running_pid(data) is not None:
            pgserver.postgres_server.pg_ctl(
                ["-m", "fast", "-w", "stop"], pgdata=data, user=server.system_user
            )


def _users(data: Path) -> list[int]:
    try:
        return [int(p) for p in json.loads((data / HANDLES).read_text())]
    except (OSError, ValueError, TypeError):
        return []


def _running_pid(data: Path) -> int | None:
    """The process id of the PostgreSQL running on ``data``, from its postmaster.pid; None if none runs."""
    import psutil

    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    with contextlib.suppress(psutil.Error):
        process = psutil.Process(pid)
        # A server killed a moment ago may linger as a zombie until its parent (often init) reaps it.
        if process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE:
            return pid
    return None


def _remove_stale_pidfile(data: Path) -> None:
    """A postmaster.pid whose process is gone or is not PostgreSQL is left from a crash: removed, with the
    lock file of the server's socket (PostgreSQL refuses to start while the process id it names seems
    alive, a zombie included), so the server is started afresh rather than taken for running; it recovers
    from its WAL as after any crash."""
    pidfile = data / "postmaster.pid"
    if not pidfile.exists() or _running_pid(data) is not None:
        return  # none, or running: joined as it is
    log.info("embedded database: removing a stale postmaster.pid")
    lines = pidfile.read_text().splitlines()
    if len(lines) > 4 and lines[3].strip().isdigit() and lines[4].strip():
        port, socket_dir = lines[3].strip(), Path(lines[4].strip())
        (socket_dir / f".s.PGSQL.{port}.lock").unlink(missing_ok=True)
    pidfile.unlink(missing_ok=True)


def _forget_dead_users(data: Path) -> None:
    """Drop from pgserver's list the processes that no longer run (killed without a chance to sign off)."""
    import psutil

    pids = _users(data)
    alive = [p for p in pids if psutil.pid_exists(p)]
    if alive != pids:
        log.info("embedded database: forgetting processes that died", pids=sorted(set(pids) - set(alive)))
        (data / HANDLES).write_text(json.dumps(alive))
