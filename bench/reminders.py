"""Payment reminders: the minute engine over a book of --invoices dispatched, unpaid invoices.

A company with --customers customers and --invoices invoices (bulk uploads, untimed), all dispatched (calls of
5,000 ids, untimed), gets a company-wide reminder (steps at -3, 0 and +7 days, e-mail and SMS) as its default.
Then the engine (dues.reminders.tasks.send_reminders, as the periodic job runs it) is timed at a moment when
every invoice has its +7 step due: the first run writes a reminder (messages, event, send record) for each;
the second, at the same moment, must find nothing left to send, and its time is what every later minute
costs on a book that size.

    python bench/reminders.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench_r
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime, timedelta

import httpx
from dispatch import DISPATCH, add_database_args, bench_app, seller_with_invoices
from invoice_bulk_upload import DUE_DATE
from sqlalchemy import text
from uploads_common import start_worker, stop_worker

from dues.config import get_settings
from dues.kit.logging import configure
from dues.kit.timefmt import IST
from dues.reminders.tasks import send_reminders

# bench/invoice_bulk_upload.py makes every invoice due on DUE_DATE (a month from today, so every step falls
# after the dispatch): its +7 step is due a week later at 10:00.
_STEP_7 = DUE_DATE + timedelta(days=7)
DUE_AT = datetime(_STEP_7.year, _STEP_7.month, _STEP_7.day, 10, 1, tzinfo=IST)


async def run(args: argparse.Namespace) -> int:
    url, database, app = bench_app(args, 2 * max(args.invoices, args.customers))
    worker = await start_worker("inprocess", url, database)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
            headers, ids = await seller_with_invoices(http, database, args.customers, args.invoices, "R")
            ids = ids[: args.invoices]
            # No worker from here on: the dispatch e-mails stay queued, and the engine is timed alone.
            await stop_worker(worker)
            for at in range(0, len(ids), 5000):
                answer = await http.post(DISPATCH, headers=headers, json={"invoiceIds": ids[at : at + 5000]})
                assert answer.status_code == 200, answer.text[:500]
            steps = [{"offsetDays": d, "channels": ["EMAIL", "SMS"]} for d in (-3, 0, 7)]
            made = await http.post(
                "/api/v0/customer/reminder", headers=headers, json={"name": "Standard", "steps": steps}
            )
            assert made.status_code == 200, made.text
            reminder_id = made.json()["payload"]["reminderId"]
            patched = await http.patch(
                "/api/v0/company", headers=headers, json={"defaultReminderId": reminder_id}
            )
            assert patched.status_code == 200, patched.text
        async with database.sessionmaker() as session:
            await session.execute(text("ANALYZE"))
            await session.commit()
        print(f"book: {len(ids)} dispatched invoices, reminder {reminder_id} the company default", flush=True)
        for label in ("first run (every invoice due)", "second run (nothing left)"):
            started = time.perf_counter()
            sent = await send_reminders(database, DUE_AT)
            seconds = time.perf_counter() - started
            rate = f", {sent / seconds:,.0f} invoices/s" if sent else ""
            print(f"  {label}: {sent} reminders in {seconds:.2f} s{rate}", flush=True)
        async with database.sessionmaker() as session:
            [(sends, messages)] = (
                await session.execute(
                    text(
                        "SELECT (SELECT count(*) FROM reminder_sends WHERE reminder_id = :r),"
                        " (SELECT count(*) FROM reminder_sends s, unnest(s.message_ids) AS m"
                        "   WHERE s.reminder_id = :r)"
                    ),
                    {"r": reminder_id},
                )
            ).all()
        print(f"  recorded: {sends} sends, {messages} messages")
    finally:
        await stop_worker(worker)
        await database.dispose()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--invoices", type=int, default=20_000, help="dispatched invoices in the book (20000)"
    )
    parser.add_argument("--customers", type=int, default=2_000, help="customers invoiced (2000)")
    add_database_args(parser)
    args = parser.parse_args()
    get_settings.cache_clear()
    configure("WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
