"""Customer bulk upload, end to end: POST the file, a real procrastinate worker processes it, poll until done.

Measures what a user waits for: from the start of the upload request to the moment GET /api/v0/upload/{id}
first answers COMPLETED. The API runs in this process (httpx over ASGI, no sockets) and so does the
worker, sharing one event loop, as `dues serve` does in embedded mode. Then the same file is uploaded
again, which must create nothing.

    python bench/customer_bulk_upload.py                          # embedded PostgreSQL under ./.dues-bench
    python bench/customer_bulk_upload.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
from typing import Any

import httpx
from uploads_common import (
    login,
    report,
    run_rounds,
    timeline,
    upload_and_wait,
)

from dues.companies import service as companies
from dues.config import get_settings
from dues.db import Database
from dues.kit import india
from dues.kit.logging import configure

HEADER = [
    "legalName",
    "panOrGstin",
    "email",
    "contactNumber",
    "address",
    "state",
    "pinCode",
    "uniqueRefNo",
    "branchCodes",
    "assignedAgent",
]


def _gstin(n: int) -> str:
    letters = "".join(chr(ord("A") + (n // 26**i) % 26) for i in range(3))
    return india.make_gstin("27", f"AB{letters}{n % 10000:04d}C")


def make_csv(rows: int, bad: int, run: str) -> bytes:
    """``rows`` customers, ``bad`` of them (spread evenly) with an e-mail that is not one."""
    every = rows // bad if bad else rows + 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        email = f"accounts{n}@example.com" if (n + 1) % every else f"accounts{n}-at-example.com"
        writer.writerow(
            [
                f"Customer {n} Private Limited",
                _gstin(n),
                email,
                f"98{n % 100000000:08d}",
                f"{n} MG Road, Pune",
                "Maharashtra",
                "411001",
                f"{run}-{n:06d}",
                "PUN;MUM",
                "agent@example.com",
            ]
        )
    return out.getvalue().encode()


async def customer_total(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await http.post("/api/v0/customer/search", headers=headers, json={}, params={"limit": 1})
    return int(response.json()["payload"]["total"])


async def one_round(
    http: httpx.AsyncClient, database: Database, args: argparse.Namespace, round_no: int
) -> tuple[tuple[float, float], tuple[float, float], bool]:
    """A new company uploads the file, then the same file again. For each, rows/s up to the commit that made
    it COMPLETED and up to the poll that saw it; and whether everything came out as expected."""
    async with database.sessionmaker() as session:
        created = await companies.create_company(session, f"Bench Traders {round_no} Pvt Ltd", "Maharashtra")
        await session.commit()
    headers = await login(http, created)
    content = make_csv(args.rows, args.bad, created.company_id)
    if round_no == 1:
        print(f"file: {args.rows} rows, {args.bad} bad, {len(content) / 1e6:.2f} MB CSV")
    # Warm-up, untimed: a running server has compiled its statements and loaded its code paths long before a
    # user's upload; a fresh process pays that once (about 0.2 s) on its first.
    warm = make_csv(20, 0, f"warm-{created.company_id}")
    await upload_and_wait(http, headers, warm, args.poll, quiet=True)
    await asyncio.sleep(0.5)

    async def measured(label: str) -> tuple[dict[str, Any], tuple[float, float]]:
        seen, wall, payload = await upload_and_wait(http, headers, content, args.poll)
        report(label, args.rows, seen, payload)
        done = await timeline(database, payload["uploadId"], wall)
        return payload, (args.rows / done, args.rows / seen)

    print(f"round {round_no}:")
    first, first_rates = await measured("first upload")
    total = await customer_total(http, headers) - 20
    print(f"  customers created by the upload: {total}")
    again, again_rates = await measured("same file again")
    after = await customer_total(http, headers) - 20
    print(f"  customers after uploading it again: {after} ({after - total} new)")
    ok = (
        first["status"] == again["status"] == "COMPLETED"
        and first["succeeded"] == args.rows - args.bad
        and first["failed"] == args.bad
        and after == total
        and again["succeeded"] == 0
    )
    return first_rates, again_rates, ok


async def run(args: argparse.Namespace) -> int:
    return await run_rounds(args, one_round, args.worker, upload_chunk_rows=args.chunk_rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="data rows in the file (default 10000)")
    parser.add_argument("--bad", type=int, default=100, help="rows with an invalid e-mail (default 100)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (default: $DATABASE_URL, else an embedded server under --home)",
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory")
    parser.add_argument("--chunk-rows", type=int, default=5_000, help="rows per transaction (default 5000)")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between progress polls")
    parser.add_argument(
        "--worker",
        choices=["inprocess", "process"],
        default="inprocess",
        help="run the job worker in this process, or as a separate `dues worker` (default inprocess)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each with a new company (default 1)")
    parser.add_argument(
        "--pause", type=float, default=3.0, help="seconds between rounds, for the server to settle (3)"
    )
    parser.add_argument("--verbose", action="store_true", help="show the service's log lines")
    args = parser.parse_args()
    # The job reads the process's settings (as `dues worker` does), not the app's.
    os.environ["DUES_UPLOAD_CHUNK_ROWS"] = str(args.chunk_rows)
    get_settings.cache_clear()
    configure("INFO" if args.verbose else "WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
