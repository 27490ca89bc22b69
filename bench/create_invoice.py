"""createInvoice under 32 concurrent clients, beside a bare endpoint on the same server, over real HTTP.

The server is dues' own app as `dues serve` runs it (uvicorn, --workers processes) with one more route,
`POST /bench/bare` (see create_invoice_server.py): same stack, one INSERT, no logic. wrk drives each endpoint
with --connections keep-alive clients for --duration seconds, bare and createInvoice taking turns for
--repeat rounds. It prints requests/s and latency percentiles for both, the ratio of the medians, and then
checks the database: one invoice per 2xx answer, and the generated invoice numbers without gap or duplicate.

    python bench/create_invoice.py                    # embedded PostgreSQL under ./.dues-bench
    python bench/create_invoice.py --database-url postgresql://postgres@127.0.0.1:5432/dues_bench

Needs wrk (Debian package wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from dues.companies import service as companies
from dues.db import Database, start_embedded
from dues.migrations import upgrade

HERE = Path(__file__).resolve().parent


@dataclass
class Run:
    label: str
    requests: int
    rate: float
    p50: float
    p90: float
    p99: float
    failed: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(label: str, out: str) -> Run:
    percent = {m[0]: _ms(m[1]) for m in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", out, re.M)}
    if "99" not in percent:
        sys.exit(f"could not read wrk's output:\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return Run(label, total, rate, percent["50"], percent["90"], percent["99"], failed)


def wrk_script(body: dict[str, object], token: str | None) -> str:
    headers = 'wrk.headers["Content-Type"] = "application/json"\n'
    if token:
        headers += f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    return f'wrk.method = "POST"\nwrk.body = [[{json.dumps(body)}]]\n{headers}'


def drive(url: str, script: Path, args: argparse.Namespace, label: str) -> Run:
    command = [
        "wrk",
        f"--connections={args.connections}",
        f"--threads={args.threads}",
        f"--duration={args.duration}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        url,
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    run = parse_wrk(label, out)
    print(
        f"  {label:<14} {run.rate:>8,.0f} req/s  p50 {run.p50:6.1f} ms  p90 {run.p90:6.1f} ms  "
        f"p99 {run.p99:6.1f} ms  ({run.requests} requests, {run.failed} failed)"
    )
    return run


async def prepare(url: str) -> companies.NewCompany:
    database = Database.connect(url, pool_size=2)
    try:
        async with database.sessionmaker() as session:
            await session.execute(
                text("CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
            )
            created = await companies.create_company(
                session, "Create Bench Sellers Pvt Ltd", "Maharashtra", companies.DEMO_GSTIN
            )
            await session.commit()
        return created
    finally:
        await database.dispose()


async def check(url: str, company_id: str, answered: int, in_flight: int) -> bool:
    """One invoice per 2xx answer (plus at most the requests in flight when wrk stopped, which the server
    still completes), and the generated numbers 1..n with no gap and no duplicate."""
    database = Database.connect(url, pool_size=1)
    try:
        async with database.sessionmaker() as session:
            count, distinct, last = (
                await session.execute(
                    text(
                        "SELECT count(*), count(DISTINCT invoice_number), "
                        "(SELECT max(last_number) FROM invoice_series WHERE company_id = :c) "
                        "FROM invoices WHERE company_id = :c"
                    ),
                    {"c": company_id},
                )
            ).one()
    finally:
        await database.dispose()
    ok = count == distinct == last and answered <= count <= answered + in_flight
    print(
        f"database: {count} invoices, {distinct} distinct numbers, series at {last}, "
        f"{answered} created answers: {'consistent' if ok else 'NOT CONSISTENT'}"
    )
    return ok


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            sys.exit("the server exited while starting")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    sys.exit("the server did not start")


def setup_http(base: str, created: companies.NewCompany) -> tuple[str, str]:
    """A token and an active customer in Maharashtra (so the invoice is intra-state: CGST + SGST)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        response = http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": created.username, "password": created.password},
            auth=(created.client_id, created.client_secret),
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        made = http.post(
            "/api/v0/customer",
            json={"legalName": "Bench Buyer Pvt Ltd", "state": "Maharashtra"},
            headers={"Authorization": f"Bearer {token}"},
        )
        made.raise_for_status()
        return token, made.json()["payload"]["customerId"]


def invoice_body(customer_id: str, lines: int) -> dict[str, object]:
    body: dict[str, object] = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-24",
        "description": "Monthly services",
    }
    if lines:
        body["lineItems"] = [
            {
                "description": f"Item {n}",
                "hsnSac": "998314",
                "quantity": 3,
                "unitPrice": 333.33,
                "gstRate": 18,
            }
            for n in range(lines)
        ]
    else:
        body.update({"baseAmount": 1000.00, "cgst": 90.00, "sgst": 90.00})
    return body


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: an embedded server under --home)"
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement (15)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of bare then createInvoice (3)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (1)")
    parser.add_argument("--lines", type=int, default=0, help="line items per invoice (0: amounts given)")
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument("--log-level", default="INFO", help="the server's log level (INFO, as served)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    url = args.database_url or os.environ.get("DATABASE_URL")
    where = url or f"embedded PostgreSQL under {args.home}"
    if not url:
        url = start_embedded(Path(args.home), database="dues_bench")
    upgrade(url)
    created = asyncio.run(prepare(url))
    env = {
        **os.environ,
        "DUES_DATABASE_URL": url,
        "DUES_JWT_SECRET": secrets.token_urlsafe(48),
        "DUES_LOG_LEVEL": args.log_level,
        "DUES_INPROCESS_WORKER": "false",
        "PYTHONPATH": str(HERE),
    }
    base = f"http://127.0.0.1:{args.port}"
    command = [sys.executable, str(HERE / "create_invoice_server.py"), f"--port={args.port}"]
    server = subprocess.Popen(
        [*command, f"--workers={args.workers}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(base, server)
        token, customer_id = setup_http(base, created)
        body = invoice_body(customer_id, args.lines)
        with tempfile.TemporaryDirectory() as tmp:
            bare_lua, create_lua = Path(tmp, "bare.lua"), Path(tmp, "create.lua")
            bare_lua.write_text(wrk_script(body, None))
            create_lua.write_text(wrk_script(body, token))
            print(
                f"database: {where}; server workers: {args.workers}; wrk: {args.connections} connections, "
                f"{args.threads} threads, {args.duration}s per run; body: {json.dumps(body)}"
            )
            # Untimed warm-up: connections, caches and the first invoice number of the series.
            warm = argparse.Namespace(**{**vars(args), "duration": 2})
            drive(f"{base}/bench/bare", bare_lua, warm, "warm-up bare")
            warm_run = drive(f"{base}/api/v0/invoice", create_lua, warm, "warm-up create")
            bares: list[Run] = []
            creates: list[Run] = [warm_run]
            for round_no in range(1, args.repeat + 1):
                print(f"round {round_no}:")
                bares.append(drive(f"{base}/bench/bare", bare_lua, args, "bare INSERT"))
                creates.append(drive(f"{base}/api/v0/invoice", create_lua, args, "createInvoice"))
                print(f"  ratio this round: {creates[-1].rate / bares[-1].rate:.2f}")
    finally:
        server.terminate()
        server.wait()
    measured = creates[1:]
    bare_rate = statistics.median(r.rate for r in bares)
    create_rate = statistics.median(r.rate for r in measured)
    create_p99 = statistics.median(r.p99 for r in measured)
    # Each round's two runs are back to back, so their ratio is measured under the same host speed; the
    # host's speed drifts between rounds, which the ratio of the two medians mixes in.
    paired = statistics.median(c.rate / b.rate for b, c in zip(bares, measured, strict=True))
    print(
        f"median of {args.repeat} rounds: bare {bare_rate:,.0f} req/s (p99 "
        f"{statistics.median(r.p99 for r in bares):.1f} ms), createInvoice {create_rate:,.0f} req/s "
        f"(p99 {create_p99:.1f} ms, worst round {max(r.p99 for r in measured):.1f} ms); "
        f"ratio: median of the rounds' ratios {paired:.2f}, "
        f"ratio of the medians {create_rate / bare_rate:.2f}"
    )
    failed = sum(r.failed for r in bares + creates)
    answered = sum(r.requests - r.failed for r in creates)
    in_flight = args.connections * len(creates)
    consistent = asyncio.run(check(url, created.company_id, answered, in_flight))
    if failed:
        print(f"{failed} requests failed")
    sys.exit(0 if consistent and not failed else 1)


if __name__ == "__main__":
    main()
