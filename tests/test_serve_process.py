"""`dues serve` on the embedded database, as a person runs it: SIGTERM or Ctrl-C stops the embedded PostgreSQL
with it, and a start after a crash (the server killed, PostgreSQL left running or a stale postmaster.pid)
takes up what it finds."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.processes import Serve, postgres_of, private_directory, until


@pytest.fixture
def home() -> Iterator[Path]:
    home = private_directory("dues-test-home-")
    yield home
    for proc in postgres_of(home / "pgdata"):  # whatever a failed test left behind
        proc.kill()
    shutil.rmtree(home, ignore_errors=True)


def serve(home: Path, log: Path, *args: str) -> Serve:
    env = {
        "DUES_HOME": str(home),
        "DATABASE_URL": None,
        "DUES_DATABASE_URL": None,
        "DUES_PUBLIC_URL": None,
        "DUES_LOG_LEVEL": "WARNING",
    }
    server = Serve(env, log, *args)
    server.wait_up()
    answer = server.get("/readyz", timeout=10)
    assert answer.status_code == 200, answer.text
    return server


def postmaster(home: Path) -> int:
    return int((home / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def none_left(home: Path) -> None:
    until(lambda: not postgres_of(home / "pgdata"), 20, "the embedded PostgreSQL to stop")


def payment_link(server: Serve, home: Path) -> str:
    """A dispatched invoice's payment link, made through the API with the demo company's credentials."""
    creds = json.loads((home / "demo-credentials.json").read_text())
    with httpx.Client(base_url=server.base, timeout=60) as http:
        answer = http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": creds["username"], "password": creds["password"]},
            auth=(creds["clientId"], creds["clientSecret"]),
        )
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        customer = http.post(
            "/api/v0/customer",
            json={"legalName": "Port Traders Pvt Ltd", "email": "ap@port.example", "state": "Goa"},
        ).json()["payload"]["customerId"]
        due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        line = {"description": "Steel rods", "hsnSac": "7214", "quantity": 1, "unitPrice": 100, "gstRate": 18}
        invoice = http.post(
            "/api/v0/invoice",
            json={"customerId": customer, "dueDate": due, "lineItems": [line], "dispatchNow": True},
        )
        assert invoice.status_code == 200, invoice.text
        invoice_id = invoice.json()["payload"]["invoiceId"]
        return str(http.get(f"/api/v0/invoice/{invoice_id}").json()["payload"]["paymentLink"])


def test_sigterm_and_ctrl_c_stop_the_embedded_database(home: Path, tmp_path: Path) -> None:
    first = serve(home, tmp_path / "first.log")
    assert postgres_of(home / "pgdata")
    # DUES_PUBLIC_URL unset: payment links follow the port the server listens on.
    assert payment_link(first, home).startswith(f"http://127.0.0.1:{first.port}/pay/")
    assert first.stop(signal.SIGTERM) == 0
    none_left(home)
    # Nothing a person would take for a problem on a normal run: no Python warnings, no tracebacks.
    assert "Warning" not in first.stderr() and "Traceback" not in first.stderr(), first.stderr()

    second = serve(home, tmp_path / "second.log")
    assert second.stop(signal.SIGINT) == 0
    none_left(home)


def test_a_start_after_a_crash_takes_up_the_database_left_running(home: Path, tmp_path: Path) -> None:
    crashed = serve(home, tmp_path / "crashed.log")
    left = postmaster(home)
    crashed.stop(signal.SIGKILL)
    assert psutil.pid_exists(left)  # PostgreSQL outlived the server that started it

    again = serve(home, tmp_path / "again.log")
    assert postmaster(home) == left  # joined, not a second server on the same data
    assert again.stop(signal.SIGTERM) == 0
    none_left(home)  # the dead server no longer counts as a user of the database


def test_a_start_after_both_were_killed_cleans_a_stale_postmaster_pid(home: Path, tmp_path: Path) -> None:
    crashed = serve(home, tmp_path / "crashed.log")
    crashed.stop(signal.SIGKILL)
    psutil.Process(postmaster(home)).kill()
    none_left(home)
    # The worst stale files: the process id in postmaster.pid and in the socket's lock file now belongs to a
    # live process of PostgreSQL's own user that is not PostgreSQL (as a killed server's zombie would).
    user = "pgserver" if os.geteuid() == 0 else None
    impostor = subprocess.Popen(["sleep", "300"], user=user)  # noqa: S607
    try:
        for lockfile in (home / "pgdata" / "postmaster.pid", home / "pgdata" / ".s.PGSQL.5432.lock"):
            lines = lockfile.read_text().splitlines()
            lockfile.write_text("\n".join([str(impostor.pid), *lines[1:]]) + "\n")

        again = serve(home, tmp_path / "again.log")
        assert postmaster(home) != impostor.pid
        assert again.stop(signal.SIGTERM) == 0
        none_left(home)
    finally:
        impostor.kill()
        impostor.wait()


def test_a_database_restarted_by_hand_is_stopped_too(home: Path, tmp_path: Path) -> None:
    server = serve(home, tmp_path / "server.log")
    data = (home / "pgdata").resolve()
    pg_ctl(data, "-m", "fast", "-w", "stop")
    pg_ctl(data, "-w", "-o", '-h ""', "-o", f"-k {data}", "-l", str(data / "log"), "start")
    until(lambda: server.get("/readyz", timeout=10).status_code == 200, 30, "/readyz 200 again")
    assert server.stop(signal.SIGTERM) == 0
    none_left(home)


def pg_ctl(data: Path, *args: str) -> None:
    """pg_ctl of the embedded PostgreSQL, as the user pgserver runs it as (another user when run as root)."""
    from dues.embedded import _pgserver

    user = "pgserver" if os.geteuid() == 0 else None
    _pgserver().postgres_server.pg_ctl(list(args), pgdata=data, user=user)
