"""A primary and its streaming replica of the tests' own, on 127.0.0.1, built from pgserver's binaries.

The shared test server refuses replication connections, and CI may have no server at all, so this starts
its own: ``initdb`` (trust, replication allowed, ``wal_level = replica``), the app's migrations, then
``pg_basebackup -R -X stream`` into a second directory started as a hot standby. Both log every statement
to a file (``log_statement = 'all'``), which is how a test tells where a read ran: see
``ReplicaCluster.assert_ran_on_replica``.

PostgreSQL refuses to run as root: as pgserver does (its ``system_user``), the binaries then run as the
unprivileged user ``pgserver``, which owns the directories.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg

from dues.migrations import upgrade
from tests.processes import free_port, until

REQUIRED = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def binaries() -> Path | None:
    """pgserver's PostgreSQL binaries, or None if pgserver or one of them is missing."""
    try:
        from dues.embedded import _pgserver

        bin_dir = Path(_pgserver().postgres_server.POSTGRES_BIN_PATH)
    except ImportError:
        return None
    return bin_dir if all((bin_dir / name).exists() for name in REQUIRED) else None


def _system_user(bin_dir: Path) -> str | None:
    """The user PostgreSQL runs as when the tests run as root (pgserver's), with what it needs to reach the
    binaries; None when they do not run as root."""
    if os.geteuid() != 0:
        return None
    import stat

    from dues.embedded import _pgserver

    utils = _pgserver().utils
    user = "pgserver"
    utils.ensure_user_exists(user)
    utils.ensure_prefix_permissions(bin_dir)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_folder_permissions(bin_dir, read | execute)
    utils.ensure_folder_permissions(bin_dir.parent / "lib", read)
    return user


@dataclass(frozen=True)
class LogMark:
    """Where both servers' logs ended at some moment: what a test looks at is what came after."""

    primary: int
    replica: int


class Node:
    """One PostgreSQL server of the cluster: its directory, port and statement log."""

    def __init__(self, cluster: ReplicaCluster, name: str) -> None:
        self.cluster = cluster
        self.name = name
        self.data = cluster.home / name
        self.log = cluster.home / f"{name}.log"
        self.port = free_port()

    def url(self, database: str = "dues") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.cluster.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.cluster.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return self.postmaster() is not None

    def postmaster(self) -> psutil.Process | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            process = psutil.Process(pid)
        except (OSError, ValueError, IndexError, psutil.Error):
            return None
        return process if process.status() != psutil.STATUS_ZOMBIE else None

    def processes(self) -> list[psutil.Process]:
        server = self.postmaster()
        # Every backend is a process group of its own (PostgreSQL calls setsid): each is signalled.
        return [] if server is None else [server, *server.children(recursive=True)]

    def freeze(self) -> list[psutil.Process]:
        """SIGSTOP every process of the server: connections reach the kernel's queue and nothing answers, as
        with a paused VM or a cut network."""
        frozen = self.processes()
        for process in frozen:
            process.send_signal(signal.SIGSTOP)
        self.cluster.frozen.extend(frozen)
        return frozen

    def thaw(self) -> None:
        self.cluster.thaw()

    def execute(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as connection:
            cursor = connection.execute(statement, params or None)  # type: ignore[call-overload]
            return cursor.fetchall() if cursor.description else []

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


class ReplicaCluster:
    """A primary (database ``dues``, migrated) and its streaming replica; ``close`` stops both and removes
    their directories, whatever state a test left them in."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.user = _system_user(bin_dir)
        self.frozen: list[psutil.Process] = []
        # Outside pytest's temporary directories, which pytest closes (0700) in concurrent runs: the server
        # runs as another user and must reach its directory.
        self.home = Path(tempfile.mkdtemp(prefix="dues-test-replica-"))
        self.home.chmod(0o755)
        if self.user is not None:
            shutil.chown(self.home, self.user, self.user)
        self.primary = Node(self, "primary")
        self.replica = Node(self, "replica")
        try:
            self._start_primary()
            self._start_replica()
        except BaseException:
            self.close()
            raise

    def run(self, program: str, *args: str) -> str:
        with tempfile.TemporaryFile("w+") as out:
            # Output to a file: a server started by pg_ctl keeps its parent's pipes open, and reading them
            # would wait for the server's end.
            result = subprocess.run(  # noqa: S603 (pgserver's own binaries)
                [str(self.bin / program), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                user=self.user,
                timeout=120,
                check=False,
            )
            out.seek(0)
            output = out.read()
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed ({result.returncode}):\n{output}")
        return output

    def _start_primary(self) -> None:
        primary = self.primary
        self.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--encoding=utf8")
        # initdb's pg_hba.conf lets local and 127.0.0.1 connections in for replication too (trust).
        with (primary.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"port = {primary.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "wal_level = replica\n"
                "max_wal_senders = 4\n"
                "hot_standby = on\n"
                "shared_buffers = '32MB'\n"
                "max_connections = 60\n"
                "fsync = off\n"  # a throw-away cluster: no crash safety needed
                "log_statement = 'all'\n"
                "log_line_prefix = '%m [%p] '\n"
            )
        primary.start()
        self._create_database()
        upgrade(primary.url())

    def _create_database(self) -> None:
        with psycopg.connect(self.primary.url("postgres"), autocommit=True, connect_timeout=10) as connection:
            connection.execute("CREATE DATABASE dues")

    def _start_replica(self) -> None:
        primary, replica = self.primary, self.replica
        self.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(replica.data), "-R", "-X", "stream", "-c", "fast"),
        )
        # After what pg_basebackup -R wrote (primary_conninfo), so these win over the primary's copy.
        with (replica.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {replica.port}\nlog_statement = 'all'\n")
        replica.start()
        until(self.streaming, 60, "the replica to stream from the primary", every=0.2)

    def streaming(self) -> bool:
        rows = self.primary.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        return bool(rows[0][0])

    def caught_up(self) -> bool:
        """The replica has replayed everything the primary has written so far."""
        (position,) = self.primary.execute("SELECT pg_current_wal_lsn()")[0]
        rows = self.replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", position)
        return bool(rows[0][0])

    # Where reads ran.

    def mark(self) -> LogMark:
        return LogMark(self.primary.log_size(), self.replica.log_size())

    def assert_ran_on_replica(self, log_marker: str, since: LogMark) -> None:
        """A statement carrying ``log_marker`` (in its text or its parameters) ran on the replica after
        ``since``, and none on the primary: the read was the replica's."""
        until(
            lambda: log_marker in self.replica.log_since(since.replica),
            10,
            f"{log_marker!r} in the replica's statement log",
        )
        assert log_marker not in self.primary.log_since(since.primary), f"{log_marker!r} ran on the primary"

    def assert_ran_on_primary(self, log_marker: str, since: LogMark) -> None:
        until(
            lambda: log_marker in self.primary.log_since(since.primary),
            10,
            f"{log_marker!r} in the primary's statement log",
        )
        assert log_marker not in self.replica.log_since(since.replica), f"{log_marker!r} ran on the replica"

    # The end.

    def thaw(self) -> None:
        while self.frozen:
            with contextlib.suppress(psutil.Error):
                self.frozen.pop().send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.thaw()
        for node in (self.replica, self.primary):
            if node.running():
                with contextlib.suppress(Exception):
                    node.stop("immediate")
            for process in node.processes():  # pg_ctl could not stop it: no server outlives the tests
                with contextlib.suppress(psutil.Error):
                    process.kill()
        shutil.rmtree(self.home, ignore_errors=True)
