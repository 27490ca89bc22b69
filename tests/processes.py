"""Real processes for the operations tests: a private PostgreSQL to stop, freeze and restart, and `dues serve`
started as a user starts it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import psutil

from dues.embedded import _pgserver

DUES = str(Path(sys.executable).with_name("dues"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(condition: Callable[[], Any], seconds: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(every)


def postgres_of(data: Path) -> list[psutil.Process]:
    """The PostgreSQL processes serving the data directory ``data`` (the server and its children)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(data.resolve()) in cmdline:
            found.append(proc)
            found.extend(proc.children(recursive=True))
    return found


def private_directory(prefix: str) -> Path:
    """A temporary directory outside pytest's own: run as root, pgserver runs PostgreSQL as another user and
    opens the directories on the way for it, which pytest closes again (0700) in any concurrent run."""
    return Path(tempfile.mkdtemp(prefix=prefix))


class PrivatePostgres:
    """A PostgreSQL of this test's own (pgserver's binaries in a temporary directory), so it can be stopped
    and frozen without touching the server the other tests share."""

    def __init__(self) -> None:
        self.home = private_directory("dues-test-private-pg-")
        self.data = self.home / "pgdata"
        self.server = _pgserver().get_server(str(self.data), cleanup_mode="delete")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.data}"

    def create_database(self, name: str) -> str:
        self.server.psql(f'CREATE DATABASE "{name}";')
        return self.url(name)

    def processes(self) -> list[psutil.Process]:
        server = psutil.Process(self.server.get_pid())
        # Every backend is a process group of its own (PostgreSQL calls setsid), so each is signalled.
        return [server, *server.children(recursive=True)]

    def freeze(self) -> list[psutil.Process]:
        """SIGSTOP every process of the server: it accepts connections into the kernel's queue and answers
        nothing, as a paused VM or a cut network would."""
        frozen = self.processes()
        for proc in frozen:
            proc.send_signal(signal.SIGSTOP)
        return frozen

    @staticmethod
    def thaw(frozen: list[psutil.Process]) -> None:
        for proc in frozen:
            proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = str(_pgserver().postgres_server.POSTGRES_BIN_PATH / "pg_ctl")
        subprocess.run(  # noqa: S603 (pgserver's own binary)
            [pg_ctl, "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            user=self.server.system_user,
            timeout=60,
        )

    def close(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.home, ignore_errors=True)


class Serve:
    """`dues serve` in a process of its own, on a free port of 127.0.0.1."""

    def __init__(self, env: Mapping[str, str | None], log: Path, *args: str) -> None:
        """``env`` on top of this process's environment; a None value unsets the variable."""
        environment = {**os.environ, **env}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.errors = log.with_suffix(".stderr")
        with log.open("ab") as out, self.errors.open("ab") as err:
            self.process = subprocess.Popen(  # noqa: S603 (our own command)
                [DUES, "serve", "--port", str(self.port), *args],
                env={k: v for k, v in environment.items() if v is not None},
                stdout=out,
                stderr=err,
            )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base + path, **kwargs)

    def wait_up(self, seconds: float = 120) -> None:
        def up() -> bool:
            assert self.process.poll() is None, f"dues serve exited: {self.stderr()}"
            try:
                return self.get("/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        until(up, seconds, "dues serve to answer /healthz", every=0.25)

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 60) -> int:
        self.process.send_signal(sig)
        return self.process.wait(seconds)

    def stderr(self) -> str:
        return self.errors.read_text("utf-8", "replace")
