"""Dispatch Invoice Collection: one call with --invoices ids, timed from request to answer; then, with
--mails, how fast the send jobs hand dispatch e-mails (each with its invoice PDF) to a local SMTP server.

A company with --customers customers and --invoices invoices (made by the bulk uploads, untimed) dispatches
them all in one POST /api/v0/invoice/bulk/dispatch through the app in this process. Every id must succeed,
and the messages (an e-mail and an SMS per invoice) must be in the outbox. With --mails N, N more invoices
are dispatched with DUES_SMTP_URL pointing at an aiosmtpd server in this process, and a worker in this
process sends them: the time until the server has accepted N mails is printed.

    python bench/dispatch.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench_d
    python bench/dispatch.py --database-url ... --mails 200
"""

from __future__ import annotations

import argparse
import asyncio
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
    """An SMTP handler that counts what it accepts."""

    def __init__(self) -> None:
        self.accepted = 0
        self.first: float | None = None
        self.last: float | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += 1
        self.last = time.perf_counter()
        self.first = self.first or self.last
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seller_with_invoices(
    http: httpx.AsyncClient, database: Database, customers: int, invoices: int, tag: str
) -> tuple[dict[str, str], list[str]]:
    async with database.sessionmaker() as session:
        created = await companies.create_company(session, f"Dispatch Bench {tag} Pvt Ltd", "Maharashtra")
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
    answers = response.json()["payload"]
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


async def mail_round(http: httpx.AsyncClient, database: Database, args: argparse.Namespace) -> None:
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["DUES_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    get_settings.cache_clear()
    try:
        headers, ids = await seller_with_invoices(
            http, database, min(args.customers, args.mails), args.mails, "M"
        )
        ids = ids[: args.mails]
        started = time.perf_counter()
        response = await http.post(DISPATCH, headers=headers, json={"invoiceIds": ids})
        assert response.status_code == 200, response.text
        # The SMTP server counts in its own thread (aiosmtpd's controller), so this loop polls the count.
        while counter.accepted < len(ids) and time.perf_counter() - started < args.mail_timeout:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        seconds = time.perf_counter() - started
        rate = counter.accepted / seconds if seconds else 0
        print(
            f"  mails: {counter.accepted} of {len(ids)} accepted by the SMTP server {seconds:.1f}s after the "
            f"call ({rate:.1f}/s; 10,000 at this rate: {10_000 / rate if rate else float('inf'):.0f}s)"
        )
    finally:
        controller.stop()
        os.environ.pop("DUES_SMTP_URL", None)
        get_settings.cache_clear()


async def run(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        url = start_embedded(Path(args.home), database="dues_bench")
    upgrade(url)
    database = Database.connect(url, pool_size=5)
    try:
        settings = Settings(
            database_url=url,
            jwt_secret=secrets.token_urlsafe(48),
            inprocess_worker=False,
            upload_max_rows=2 * max(args.invoices, args.customers, args.mails),
        )
        jobs.bind(database)
        app = create_app(settings, database)
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
                    await mail_round(http, database, args)
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
    parser.add_argument("--mail-timeout", type=float, default=600, help="give up on the mails after (600 s)")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: embedded under --home)"
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory")
    args = parser.parse_args()
    get_settings.cache_clear()
    configure("WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
