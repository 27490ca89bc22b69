"""Dispatch Invoice Collection: one call with --invoices ids, timed from request to answer; then, with
--mails, how fast the send jobs hand dispatch e-mails (each with its invoice PDF) to a local SMTP server.

A company with --customers customers and --invoices invoices (made by the bulk uploads, untimed) dispatches
them all in one POST /api/v0/invoice/bulk/dispatch through the app in this process. Every id must succeed,
and the messages (an e-mail and an SMS per invoice) must be in the outbox. With --mails N, N more invoices
are dispatched with `dues worker` processes (--workers, --concurrency) sending to an aiosmtpd server in a
process of its own: the time from the call until the server has accepted N mails is printed.

    python bench/dispatch.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench_d
    python bench/dispatch.py --database-url ... --mails 200
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from customer_bulk_upload import make_csv as customers_csv
from invoice_bulk_upload import PATH as INVOICE_BULK
from invoice_bulk_upload import make_invoices
from sqlalchemy import text
from uploads_common import login, start_worker, stop_worker, upload_and_wait

from dues import jobs
from dues.app import create_app
from dues.companies import service as companies
from dues.config import Settings, get_settings
from dues.db import Database, start_embedded
from dues.kit.logging import configure
from dues.migrations import upgrade

DISPATCH = "/api/v0/invoice/bulk/dispatch"


class Counter:
    """An SMTP handler that counts what it accepts, into a number shared with the bench's process."""

    def __init__(self, accepted: Any) -> None:
        self.accepted = accepted

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.accepted.get_lock():
            self.accepted.value += 1
        return "250 OK"


def smtp_server(port: int, accepted: Any, stop: Any) -> None:
    """A local SMTP server in a process of its own, as a real one would be: it does not share a CPU with
    the worker it measures."""
    controller = Controller(Counter(accepted), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seller_with_invoices(
    http: httpx.AsyncClient, database: Database, customers: int, invoices: int, tag: str
) -> tuple[dict[str, str], list[str]]:
    async with database.sessionmaker() as session:
        created = await companies.create_company(
            session, f"Dispatch Bench {tag} Pvt Ltd", "Maharashtra", companies.DEMO_GSTIN
        )
        await session.commit()
    headers = await login(http, created)
    prefix = created.company_id
    _, _, made = await upload_and_wait(http, headers, customers_csv(customers, 0, prefix), 0.05, quiet=True)
    assert made["succeeded"] == customers, made
    # Every 100th row of the file fails on purpose (see invoice_bulk_upload), hence the extra rows.
    rows = make_invoices(invoices + invoices // 99 + 1, customers, prefix, prefix)
    _, _, done = await upload_and_wait(http, headers, rows, 0.05, quiet=True, path=INVOICE_BULK)
    ids: list[str] = []
    while len(ids) < done["succeeded"]:
        found = await http.post(
            "/api/v0/invoice/search",
            headers=headers,
            params={"limit": 5000, "offset": len(ids)},
            json={"statuses": ["CREATED"]},
        )
        ids += [i["invoiceId"] for i in found.json()["payload"]["items"]]
    return headers, ids


async def dispatch_round(
    http: httpx.AsyncClient, database: Database, args: argparse.Namespace, n: int
) -> float:
    headers, ids = await seller_with_invoices(http, database, args.customers, args.invoices, f"D{n}")
    ids = ids[: args.invoices]
    started = time.perf_counter()
    response = await http.post(
        DISPATCH, headers=headers, json={"invoiceIds": ids, "partialPaymentAllowed": True}
    )
    seconds = time.perf_counter() - started
    answers = response.json()["payload"]["results"]
    ok = sum(1 for a in answers if a["success"])
    async with database.sessionmaker() as session:
        messages = (
            await session.execute(
                text(
                    "SELECT count(*) FROM messages m JOIN invoices i USING (company_id, invoice_id) "
                    "WHERE i.invoice_id = ANY(:ids) AND i.company_id = m.company_id"
                ),
                {"ids": ids},
            )
        ).scalar_one()
    print(
        f"  dispatch of {len(ids)} ids answered in {seconds:.3f}s: {ok} succeeded, {messages} messages queued"
    )
    if ok != len(ids):
        sys.exit("some ids failed")
    return seconds


async def mail_round(
    http: httpx.AsyncClient, database: Database, args: argparse.Namespace, url: str, worker: Any
) -> None:
    headers, ids = await seller_with_invoices(
        http, database, min(args.customers, args.mails), args.mails, "M"
    )
    ids = ids[: args.mails]
    # Sending is timed on `dues worker` processes (as in production), not on the in-process worker that made
    # the invoices.
    await stop_worker(worker)
    spawn = multiprocessing.get_context("spawn")
    accepted, stop = spawn.Value("i", 0), spawn.Event()
    port = free_port()
    server = spawn.Process(target=smtp_server, args=(port, accepted, stop), daemon=True)
    server.start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DUES_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "DUES_LOG_LEVEL": "WARNING",
    }
    dues = str(Path(sys.executable).with_name("dues"))
    newest = text("SELECT coalesce(max(id), 0) FROM procrastinate_workers")
    async with database.sessionmaker() as session:
        before = (await session.execute(newest)).scalar_one()
    workers = [
        await asyncio.create_subprocess_exec(dues, "worker", "--concurrency", str(args.concurrency), env=env)
        for _ in range(args.workers)
    ]
    try:
        # The clock starts once every worker has registered (a worker of an earlier run may linger there).
        registered = text("SELECT count(*) FROM procrastinate_workers WHERE id > :before")
        async with database.sessionmaker() as session:
            while (await session.execute(registered, {"before": before})).scalar_one() < len(workers):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        started = time.perf_counter()
        # A call takes at most 5,000 ids (api.md §4.1): more go in calls one after the other, timed from the
        # first.
        for at in range(0, len(ids), 5000):
            response = await http.post(DISPATCH, headers=headers, json={"invoiceIds": ids[at : at + 5000]})
            assert response.status_code == 200, response.text[:500]
        answered = time.perf_counter() - started
        # The count lives in the SMTP server's process: polled, there is no event to wait on.
        while accepted.value < len(ids) and time.perf_counter() - started < args.mail_timeout:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        rate = accepted.value / seconds if seconds else 0
        print(
            f"  mails: {accepted.value} of {len(ids)} accepted by the SMTP server {seconds:.1f}s after the "
            f"first call (answered in {answered:.2f}s; {rate:.1f}/s; {args.workers} worker(s) x "
            f"{args.concurrency} jobs)"
        )
    finally:
        for process in workers:
            process.terminate()
            await process.wait()
        stop.set()
        server.join()


def add_database_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: embedded under --home)"
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory")


def bench_app(args: argparse.Namespace, max_rows: int) -> tuple[str, Database, Any]:
    """The database (migrated; embedded when no URL is given) and the app served in this process, whose
    bulk uploads take ``max_rows`` rows."""
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        url = start_embedded(Path(args.home), database="dues_bench")
    upgrade(url)
    database = Database.connect(url, pool_size=5)
    settings = Settings(
        database_url=url,
        jwt_secret=secrets.token_urlsafe(48),
        inprocess_worker=False,
        upload_max_rows=max_rows,
    )
    jobs.bind(database)
    return url, database, create_app(settings, database)


async def run(args: argparse.Namespace) -> int:
    url, database, app = bench_app(args, 2 * max(args.invoices, args.customers, args.mails))
    try:
        worker = await start_worker("inprocess", url, database)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
                times = [await dispatch_round(http, database, args, n) for n in range(1, args.repeat + 1)]
                print(
                    f"dispatch of {args.invoices} ids: median {statistics.median(times):.3f}s "
                    f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} rounds)"
                )
                if args.mails:
                    await mail_round(http, database, args, url, worker)
        finally:
            await stop_worker(worker)
    finally:
        await database.dispose()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=5_000, help="ids in the dispatch call (5000)")
    parser.add_argument("--customers", type=int, default=1_000, help="customers invoiced (1000)")
    parser.add_argument("--repeat", type=int, default=3, help="dispatch rounds, each a new company (3)")
    parser.add_argument("--mails", type=int, default=0, help="also time this many dispatch e-mails (0: no)")
    parser.add_argument("--workers", type=int, default=1, help="`dues worker` processes sending (1)")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once in each worker (4)")
    parser.add_argument("--mail-timeout", type=float, default=600, help="give up on the mails after (600 s)")
    add_database_args(parser)
    args = parser.parse_args()
    get_settings.cache_clear()
    configure("WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
