"""What the bulk upload benchmarks share: logging in, uploading a file and waiting for its job, timings."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import text

from dues import jobs
from dues.app import create_app
from dues.config import Settings
from dues.db import Database, start_embedded
from dues.migrations import upgrade


class Credentials(Protocol):
    client_id: str
    client_secret: str
    username: str
    password: str


async def login(http: httpx.AsyncClient, created: Credentials) -> dict[str, str]:
    """The bearer header of a password-grant token for these credentials."""
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": created.username, "password": created.password},
        auth=(created.client_id, created.client_secret),
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def upload_and_wait(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    poll: float,
    quiet: bool = False,
    path: str = "/api/v0/customer/bulk",
) -> tuple[float, float, dict[str, Any]]:
    """Seconds until a poll saw COMPLETED, the wall-clock time the upload started, and the last payload."""
    wall = time.time()
    started = time.perf_counter()
    response = await http.post(path, headers=headers, files={"file": ("upload.csv", content, "text/csv")})
    if response.status_code != 200:
        sys.exit(f"upload refused: {response.status_code} {response.text}")
    if not quiet:
        print(f"  upload answered in {time.perf_counter() - started:.3f}s")
    upload_id = response.json()["payload"]["uploadId"]
    while True:
        got = await http.get(f"/api/v0/upload/{upload_id}", headers=headers, params={"limit": 1})
        payload = got.json()["payload"]
        if payload["status"] != "PROCESSING":
            return time.perf_counter() - started, wall, payload
        await asyncio.sleep(poll)


def report(label: str, rows: int, seconds: float, payload: dict[str, Any]) -> None:
    print(
        f"  {label}: rows={rows} a poll saw COMPLETED after {seconds:.3f}s ({rows / seconds:,.0f} rows/s) "
        f"status={payload['status']} succeeded={payload['succeeded']} failed={payload['failed']} "
        f"skipped={payload['skipped']}"
    )


async def timeline(database: Database, upload_id: str, wall: float) -> float:
    """Where the time went, from the upload's own timestamps; the answer is the seconds from the start of the
    upload request to the commit that made it COMPLETED (a poll sees it up to one poll interval later)."""
    async with database.sessionmaker() as session:
        row = (
            await session.execute(
                text(
                    "SELECT extract(epoch FROM created_on), extract(epoch FROM started_on), "
                    "extract(epoch FROM completed_on) FROM uploads WHERE upload_id = :u"
                ),
                {"u": upload_id},
            )
        ).one()
    created, started, completed = (float(v) for v in row)
    print(
        f"  timeline: upload request began +{created - wall:.3f}s, job began +{started - wall:.3f}s, "
        f"COMPLETED +{completed - wall:.3f}s"
    )
    return completed - wall


Worker = asyncio.Task[None] | asyncio.subprocess.Process


async def start_worker(kind: str, url: str, database: Database) -> Worker:
    """A procrastinate worker in this process (as `dues serve` runs one in embedded mode), or a separate
    `dues worker` process (as in production), started and listening before the clock starts."""
    if kind == "inprocess":
        return asyncio.create_task(
            jobs.run_worker(database, concurrency=1, install_signal_handlers=False, name="bench")
        )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DUES_LOG_LEVEL": "WARNING",
        "DUES_UPLOAD_CHUNK_ROWS": os.environ["DUES_UPLOAD_CHUNK_ROWS"],
    }
    dues = Path(sys.executable).with_name("dues")
    process = await asyncio.create_subprocess_exec(str(dues), "worker", "--concurrency", "1", env=env)
    async with database.sessionmaker() as session:
        for _ in range(200):
            alive = await session.execute(text("SELECT count(*) FROM procrastinate_workers"))
            if alive.scalar_one():
                break
            await asyncio.sleep(0.1)
    return process


async def stop_worker(worker: Worker) -> None:
    if isinstance(worker, asyncio.Task):
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    else:
        worker.terminate()
        await worker.wait()


def summary(label: str, rates: list[tuple[float, float]]) -> None:
    for k, until in enumerate(("COMPLETED", "seen by a poll")):
        ordered = sorted(r[k] for r in rates)
        print(
            f"{label}, upload to {until}: median {statistics.median(ordered):,.0f} rows/s "
            f"(min {ordered[0]:,.0f}, max {ordered[-1]:,.0f}, {len(ordered)} runs)"
        )


Round = Callable[
    [httpx.AsyncClient, Database, argparse.Namespace, int],
    Awaitable[tuple[tuple[float, float], tuple[float, float], bool]],
]


async def run_rounds(
    args: argparse.Namespace, one_round: Round, worker: str = "inprocess", **settings: Any
) -> int:
    """The server (embedded or --database-url), the app in this process and a worker; then --repeat rounds of
    ``one_round`` and the medians. ``settings`` are Settings fields for the app; exit status 1 if a round did
    not end as expected."""
    url = args.database_url or os.environ.get("DATABASE_URL")
    where = url or f"embedded PostgreSQL under {args.home}"
    if not url:
        url = start_embedded(Path(args.home), database="dues_bench")
    upgrade(url)
    database = Database.connect(url, pool_size=5)
    try:
        app_settings = Settings(
            database_url=url, jwt_secret=secrets.token_urlsafe(48), inprocess_worker=False, **settings
        )
        jobs.bind(database)
        app = create_app(app_settings, database)
        running = await start_worker(worker, url, database)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
                print(f"database: {where}; worker: {worker}")
                firsts: list[tuple[float, float]] = []
                agains: list[tuple[float, float]] = []
                all_ok = True
                for round_no in range(1, args.repeat + 1):
                    if round_no > 1:
                        await asyncio.sleep(args.pause)
                    first_rates, again_rates, ok = await one_round(http, database, args, round_no)
                    firsts.append(first_rates)
                    agains.append(again_rates)
                    all_ok = all_ok and ok
                summary("first upload", firsts)
                summary("same file again", agains)
                if not all_ok:
                    print("some round did not end as expected (see above)")
                return 0 if all_ok else 1
        finally:
            await stop_worker(running)
    finally:
        await database.dispose()
