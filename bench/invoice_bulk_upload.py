"""Invoice bulk upload, end to end: POST the file, a real procrastinate worker processes it, until COMPLETED.

A company with --customers customers (created through the customer bulk upload, untimed) uploads a CSV of
--rows invoices (1 % of them with CGST not equal to SGST, which must fail), each naming its customer by
uniqueRefNo, with GST at 18 % split in halves; then the same file again, which must create nothing. The
API and the worker run in this process, as `dues serve` does in embedded mode.

    python bench/invoice_bulk_upload.py                    # embedded PostgreSQL under ./.dues-bench
    python bench/invoice_bulk_upload.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx
from customer_bulk_upload import make_csv as customers_csv
from uploads_common import login, report, run_rounds, timeline, upload_and_wait

from dues.companies import service as companies
from dues.config import get_settings
from dues.db import Database
from dues.kit.logging import configure
from dues.kit.timefmt import today_ist

HEADER = ["customerUniqueRefNo", "invoiceDate", "dueDate", "baseAmount", "cgst", "sgst", "externalId"]
# Dated today and due a month later, whatever today is (bench/reminders.py times the steps from DUE_DATE).
INVOICE_DATE = today_ist()
DUE_DATE = INVOICE_DATE + timedelta(days=30)
PATH = "/api/v0/invoice/bulk/create"


def make_invoices(rows: int, customers: int, refs_prefix: str, run: str) -> bytes:
    """``rows`` invoices over the customers; every 100th has SGST one paisa off CGST, a row that must fail."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        base = Decimal(1000 + (n * 37) % 90000) / 100
        half = (base * Decimal("0.09")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        sgst = half if n % 100 != 99 else half + Decimal("0.01")
        ref = f"{refs_prefix}-{n % customers:06d}"
        writer.writerow(
            [
                ref,
                f"{INVOICE_DATE}",
                f"{DUE_DATE}",
                f"{base:.2f}",
                f"{half:.2f}",
                f"{sgst:.2f}",
                f"{run}-{n:07d}",
            ]
        )
    return out.getvalue().encode()


async def one_round(
    http: httpx.AsyncClient, database: Database, args: argparse.Namespace, round_no: int
) -> tuple[tuple[float, float], tuple[float, float], bool]:
    async with database.sessionmaker() as session:
        created = await companies.create_company(
            session, f"Bench Sellers {round_no} Pvt Ltd", "Maharashtra", companies.DEMO_GSTIN
        )
        await session.commit()
    headers = await login(http, created)
    prefix = created.company_id
    _, _, made = await upload_and_wait(
        http, headers, customers_csv(args.customers, 0, prefix), args.poll, quiet=True
    )
    assert made["succeeded"] == args.customers, made
    content = make_invoices(args.rows, args.customers, prefix, prefix)
    if round_no == 1:
        print(f"file: {args.rows} invoices over {args.customers} customers, {len(content) / 1e6:.2f} MB CSV")
    warm = make_invoices(20, args.customers, prefix, f"warm-{prefix}")
    await upload_and_wait(http, headers, warm, args.poll, quiet=True, path=PATH)
    await asyncio.sleep(0.5)

    async def measured(label: str) -> tuple[dict[str, object], tuple[float, float]]:
        seen, wall, payload = await upload_and_wait(http, headers, content, args.poll, path=PATH)
        report(label, args.rows, seen, payload)
        done = await timeline(database, str(payload["uploadId"]), wall)
        return payload, (args.rows / done, args.rows / seen)

    print(f"round {round_no}:")
    first, first_rates = await measured("first upload")
    again, again_rates = await measured("same file again")
    bad = args.rows // 100
    ok = (
        first["status"] == again["status"] == "COMPLETED"
        and first["succeeded"] == args.rows - bad
        and first["failed"] == bad
        and again["succeeded"] == 0
        and again["skipped"] == args.rows - bad
    )
    return first_rates, again_rates, ok


async def run(args: argparse.Namespace) -> int:
    return await run_rounds(
        args,
        one_round,
        upload_max_rows=max(args.rows, args.customers),
        upload_max_bytes=100 * 1024 * 1024,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="invoices in the file (default 100000)")
    parser.add_argument("--customers", type=int, default=1_000, help="customers invoiced (default 1000)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (default: $DATABASE_URL, else an embedded server under --home)",
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each with a new company (default 1)")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between rounds (3)")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between progress polls")
    parser.add_argument("--verbose", action="store_true", help="show the service's log lines")
    args = parser.parse_args()
    get_settings.cache_clear()
    configure("INFO" if args.verbose else "WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
