"""Reports over one seller's 1,000,000 invoices: aging, statement and overview, beside their baselines.

Loads (once) a database of its own on the machine's PostgreSQL: one company, 100,000 customers, 1,000,000
invoices over three years and some 2,000,000 movements, as dues itself would have written them (see
reports_data.py), migrated with the app's alembic. Then, after VACUUM ANALYZE:

1. checks the reports' summaries against a recomputation from the ledger (one SQL, every row both ways);
2. SQL, through the app's own session and psycopg, one query at a time: aging as of today and a year back
   read from the summaries (``dues.reports.summaries``, what the endpoint reads, with the bucketing), against
   the plain SQL one would write without them (every ledger entry dated on or before the day, joined to its
   invoice, bucketed by due date); both must give the same buckets to the paisa; ratio plain / summary;
3. HTTP: `dues serve` (one worker process, DUES_ENV=production) on 127.0.0.1, a bearer token, and --rounds
   timed requests (after --warmup) of: GET /api/v0/company (the bare authenticated endpoint), aging as of
   today and a year back (groupBy=NONE), the statement customer's statement (~1,000 lines) as JSON and as
   PDF, and the overview (for its default period, this financial year, and for the last 365 days). An
   endpoint the server does not have yet (its path not in /openapi.json) is reported as such.

Targets (p95): aging today <= 100 ms, a year back <= 500 ms, statement JSON <= 20 ms, PDF <= 50 ms, overview
<= 200 ms. Percentiles are nearest-rank over the rounds; the client sends one request at a time.

    python bench/reports.py                     # load into dues_bench_reports (dropped first), then measure
    python bench/reports.py --reuse             # keep a loaded database (its row counts are checked)
    python bench/reports.py --reuse --rounds 50 --json /tmp/reports.json
    python bench/reports.py --customers 10000 --invoices 100000 --database-url postgresql://...  # a small one
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from reports_data import STATEMENT_CUSTOMER, Shape, load, verify
from sqlalchemy import text

from dues.companies import service as companies
from dues.db import Database
from dues.kit.passwords import hash_secret, new_client_secret, new_password
from dues.kit.timefmt import today_ist
from dues.migrations import upgrade
from dues.reports import buckets, summaries

SELLER = "Reports Bench Traders Pvt Ltd"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/dues_bench_reports"
TARGETS_MS = {
    "aging as of today": 100.0,
    "aging a year back": 500.0,
    "statement JSON": 20.0,
    "statement PDF": 50.0,
    "overview": 200.0,
}
EDGES = buckets.DEFAULT_EDGES

# What one would write without the summaries: every entry dated on or before the day, joined to its invoice,
# bucketed by the invoice's due date; the entries on no invoice are the customers' credit.
PLAIN_AGING = text(
    """
    SELECT COALESCE(sum(e.amount) FILTER (WHERE i.due_date >= :as_of), 0) AS current,
           COALESCE(sum(e.amount) FILTER (WHERE :as_of - i.due_date BETWEEN 1 AND 30), 0) AS d30,
           COALESCE(sum(e.amount) FILTER (WHERE :as_of - i.due_date BETWEEN 31 AND 60), 0) AS d60,
           COALESCE(sum(e.amount) FILTER (WHERE :as_of - i.due_date BETWEEN 61 AND 90), 0) AS d90,
           COALESCE(sum(e.amount) FILTER (WHERE :as_of - i.due_date > 90), 0) AS over,
           COALESCE(-sum(e.amount) FILTER (WHERE e.invoice_id IS NULL), 0) AS credit
      FROM ledger_entries e
      LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     WHERE e.company_id = :company_id AND e.effective_date <= :as_of
    """
)


@dataclass
class Seller:
    company_id: str
    client_id: str
    client_secret: str
    username: str
    password: str
    user_id: str


@dataclass
class Timing:
    name: str
    times_ms: list[float] = field(default_factory=list)
    note: str = ""
    size: int = 0

    def pct(self, p: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
    return url


def ensure_database(url: str, fresh: bool) -> None:
    """Create the bench's database if it is missing; ``fresh`` drops it first."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


async def the_seller(database: Database) -> Seller:
    """The bench seller, created on the first run; on a later run its admin password and client secret are
    replaced (they are shown only at creation) so that this run can log in."""
    async with database.sessionmaker() as session:
        found = (
            await session.execute(
                text("SELECT company_id FROM companies WHERE legal_name = :n ORDER BY created_on LIMIT 1"),
                {"n": SELLER},
            )
        ).scalar()
        if found is None:
            made = await companies.create_company(session, SELLER, "Maharashtra", companies.DEMO_GSTIN)
            await session.commit()
            company_id, secret, username, password = (
                made.company_id,
                made.client_secret,
                made.username,
                made.password,
            )
        else:
            company_id, secret, password = found, new_client_secret(), new_password()
            username = (
                await session.execute(
                    text(
                        "SELECT email FROM users WHERE company_id = :c AND role = 'ADMIN' "
                        "ORDER BY created_on LIMIT 1"
                    ),
                    {"c": company_id},
                )
            ).scalar_one()
            await session.execute(
                text("UPDATE api_clients SET secret_hash = :h, active = true WHERE client_id = :c"),
                {"h": hash_secret(secret), "c": company_id},
            )
            await session.execute(
                text(
                    "UPDATE users SET password_hash = :h, active = true, failed_logins = 0, "
                    "locked_until = NULL WHERE company_id = :c AND email = :e"
                ),
                {"h": hash_secret(password), "c": company_id, "e": username},
            )
            await session.commit()
        user_id = (
            await session.execute(
                text("SELECT user_id FROM users WHERE company_id = :c AND email = :e"),
                {"c": company_id, "e": username},
            )
        ).scalar_one()
    return Seller(company_id, company_id, secret, username, password, user_id)


_COUNT = "SELECT count(*) FROM {} WHERE company_id = %s"


def counts(url: str, company: str) -> dict[str, int]:
    tables = ("customers", "invoices", "payments", "credit_notes", "write_offs", "refunds", "ledger_entries")
    with psycopg.connect(url) as conn:
        return {
            t: int(conn.execute(_COUNT.format(t), (company,)).fetchone()[0])  # type: ignore[index]
            for t in tables
        }


def loaded(have: dict[str, int], shape: Shape) -> bool:
    return (
        have["customers"] == shape.customers
        and have["invoices"] == shape.invoices
        and have["ledger_entries"] > shape.invoices
    )


def vacuum_analyze(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in (
            "customers", "invoices", "payments", "payment_allocations", "credit_notes",
            "credit_note_invoices", "credit_note_allocations", "write_offs", "refunds", "refund_sources",
            "tds_entries", "ledger_entries",
            "customer_ledger_balances", "receivable_deltas", "receivable_open", "ledger_day_totals",
        ):  # fmt: skip
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


def describe(url: str, company: str, today: date) -> dict[str, Any]:
    """What the loaded data looks like (printed, and kept in the JSON results)."""
    with psycopg.connect(url) as conn:

        def one(sql: str, *params: Any) -> Any:
            return conn.execute(sql, params).fetchone()

        by_status = conn.execute(
            "SELECT status, count(*) FROM invoices WHERE company_id = %s GROUP BY 1 ORDER BY 2 DESC",
            (company,),
        ).fetchall()
        by_type = conn.execute(
            "SELECT entry_type, count(*) FROM ledger_entries WHERE company_id = %s "
            "GROUP BY 1 ORDER BY 2 DESC",
            (company,),
        ).fetchall()
        overdue = one(
            "SELECT count(*), sum(balance_amount) FROM invoices WHERE company_id = %s AND posted "
            "AND balance_amount > 0 AND due_date < %s",
            company,
            today,
        )
        span = one(
            "SELECT min(effective_date), max(effective_date) FROM ledger_entries WHERE company_id = %s",
            company,
        )
        statement = one(
            "SELECT customer_id, count(*) FROM ledger_entries WHERE company_id = %s AND customer_id = "
            "(SELECT customer_id FROM customers WHERE company_id = %s "
            "AND legal_name LIKE 'Statement Bench%%') "
            "GROUP BY 1",
            company,
            company,
        )
        sizes = conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN ('invoices', "
            "'ledger_entries', 'receivable_deltas', 'receivable_open', 'ledger_day_totals', 'payments') "
            "ORDER BY 2 DESC"
        ).fetchall()
        summary_rows = one(
            "SELECT (SELECT count(*) FROM receivable_deltas WHERE company_id = %s), "
            "(SELECT count(*) FROM receivable_open WHERE company_id = %s), "
            "(SELECT count(*) FROM ledger_day_totals WHERE company_id = %s)",
            company,
            company,
            company,
        )
        settings = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', "
            "'work_mem', "
            "'jit', 'max_parallel_workers_per_gather', 'random_page_cost') ORDER BY name"
        ).fetchall()
    info = {
        "invoices by status": {s: n for s, n in by_status},
        "ledger entries by type": {t: n for t, n in by_type},
        "ledger entries": sum(n for _, n in by_type),
        "movements (entries other than INVOICE)": sum(n for t, n in by_type if t != "INVOICE"),
        "overdue invoices": int(overdue[0]),
        "overdue amount": str(overdue[1]),
        "effective dates": f"{span[0]} .. {span[1]}",
        "statement customer": statement[0],
        "statement customer's entries": int(statement[1]),
        "summary rows (deltas, open, day totals)": list(summary_rows),
        "sizes MB": {r: round(b / 2**20) for r, b in sizes},
        "postgres": {n: v for n, v in settings},
    }
    for key, value in info.items():
        print(f"  {key}: {value}")
    return info


async def time_calls(
    name: str, call: Callable[[], Awaitable[Any]], rounds: int, warmup: int
) -> tuple[Timing, Any]:
    result = None
    timing = Timing(name)
    for n in range(warmup + rounds):
        started = time.perf_counter()
        result = await call()
        took = (time.perf_counter() - started) * 1000
        if n >= warmup:
            timing.times_ms.append(took)
    return timing, result


async def sql_baselines(
    url: str, company: str, today: date, rounds: int, warmup: int
) -> tuple[list[Timing], bool]:
    """Aging from the summaries (the reports' own reading, bucketed) against the plain SQL, as of today and a
    year back: timings, and whether both give the same buckets to the paisa."""
    database = Database.connect(url, pool_size=2)
    timings: list[Timing] = []
    same = True
    try:
        async with database.sessionmaker() as session:
            for label, as_of in (("today", today), ("a year back", today - timedelta(days=365))):

                async def from_summaries(as_of: date = as_of) -> tuple[dict[str, Decimal], Decimal]:
                    owed = await summaries.owed_by_date(session, company, summaries.Basis.DUE_DATE, as_of)
                    credit = await summaries.credit_as_of(session, company, as_of)
                    return buckets.split(owed, as_of, EDGES), credit

                async def plain(as_of: date = as_of) -> tuple[dict[str, Decimal], Decimal]:
                    row = (await session.execute(PLAIN_AGING, {"company_id": company, "as_of": as_of})).one()
                    return dict(zip(buckets.labels(EDGES), row[:5], strict=True)), row[5]

                summary_timing, summary_result = await time_calls(
                    f"aging {label}: summaries (SQL + buckets)", from_summaries, rounds, warmup
                )
                plain_timing, plain_result = await time_calls(
                    f"aging {label}: plain SQL", plain, rounds, warmup
                )
                agree = summary_result == plain_result
                same = same and agree
                total = sum(summary_result[0].values(), Decimal(0))
                summary_timing.note = f"owed {total:,.2f}, credit {summary_result[1]:,.2f}; " + (
                    "buckets equal to the plain SQL's"
                    if agree
                    else f"DIFFERENT from plain SQL: {plain_result}"
                )
                print(f"  {summary_timing.name}: {summary_timing.note}")
                print(f"    buckets: {', '.join(f'{k} {v:,.2f}' for k, v in summary_result[0].items())}")
                timings += [summary_timing, plain_timing]
                await session.rollback()
    finally:
        await database.dispose()
    return timings, same


def wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited while starting (code {server.returncode})")
        try:
            answer = httpx.get(f"{base}/openapi.json", timeout=2)
            if answer.status_code == 200:
                return answer.json()  # type: ignore[no-any-return]
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.exit("the server did not start")


def http_measure(
    url: str, seller: Seller, statement_customer: str, today: date, args: argparse.Namespace
) -> list[Timing]:
    """Start `dues serve` and time each endpoint over real HTTP on 127.0.0.1."""
    env = {
        **os.environ,
        "DUES_DATABASE_URL": url,
        "DUES_ENV": "production",
        "DUES_JWT_SECRET": secrets.token_urlsafe(48),
        "DUES_LOG_LEVEL": "WARNING",
        "DUES_INPROCESS_WORKER": "false",
    }
    dues = [sys.executable, "-c", "from dues.cli import main; main()"]
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [*dues, "serve", "--host", "127.0.0.1", "--port", str(args.port), "--workers", "1", "--no-demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=None if args.verbose else subprocess.DEVNULL,
    )
    timings: list[Timing] = []
    try:
        paths = wait_until_up(base, server)["paths"]
        with httpx.Client(base_url=base, timeout=120) as http:
            token = http.post(
                "/oauth/token",
                data={"grant_type": "password", "username": seller.username, "password": seller.password},
                auth=(seller.client_id, seller.client_secret),
            )
            token.raise_for_status()
            http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            year_back = today - timedelta(days=365)
            statement_from = today - timedelta(days=760)
            calls: list[tuple[str, str, dict[str, str]]] = [
                ("bare: GET company", "/api/v0/company", {}),
                (
                    "aging as of today",
                    "/api/v0/reports/aging",
                    {"asOf": today.isoformat(), "groupBy": "NONE"},
                ),
                (
                    "aging a year back",
                    "/api/v0/reports/aging",
                    {"asOf": year_back.isoformat(), "groupBy": "NONE"},
                ),
                (
                    "statement JSON",
                    f"/api/v0/customer/{statement_customer}/statement",
                    {"from": statement_from.isoformat(), "to": today.isoformat(), "format": "json"},
                ),
                (
                    "statement PDF",
                    f"/api/v0/customer/{statement_customer}/statement",
                    {"from": statement_from.isoformat(), "to": today.isoformat(), "format": "pdf"},
                ),
                # Its default period: from 1 April of the financial year to today.
                ("overview", "/api/v0/reports/overview", {}),
                (
                    "overview, the last 365 days",
                    "/api/v0/reports/overview",
                    {"from": year_back.isoformat(), "to": today.isoformat()},
                ),
            ]
            for name, path, params in calls:
                template = path.replace(statement_customer, "{customerId}")
                if not any(
                    p in paths for p in (path, template, template.replace("{customerId}", "{customer_id}"))
                ):
                    timings.append(Timing(name, note=f"not measured: {template} is not served yet"))
                    print(f"  {name}: {template} is not served yet")
                    continue
                timing = Timing(name)
                for n in range(args.warmup + args.rounds):
                    started = time.perf_counter()
                    answer = http.get(path, params=params)
                    body = answer.content
                    took = (time.perf_counter() - started) * 1000
                    if answer.status_code != 200:
                        sys.exit(f"{name}: {answer.status_code} {answer.text[:800]}")
                    if n >= args.warmup:
                        timing.times_ms.append(took)
                timing.size = len(body)
                timing.note = _shape_of(name, answer)
                print(f"  {name}: p50 {timing.pct(50):.1f} ms, p95 {timing.pct(95):.1f} ms; {timing.note}")
                timings.append(timing)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return timings


def _shape_of(name: str, answer: httpx.Response) -> str:
    """A word on what came back, so a figure is not of an empty answer."""
    size = f"{len(answer.content) / 1024:,.1f} KB"
    if "pdf" in answer.headers.get("content-type", ""):
        return f"PDF {size}"
    try:
        payload = answer.json().get("payload")
    except ValueError:
        return size
    if isinstance(payload, dict):
        for key in ("lines", "entries", "movements", "rows", "customers"):
            if isinstance(payload.get(key), list):
                return f"{len(payload[key]):,} {key}, {size}"
        return f"keys {', '.join(list(payload)[:6])}; {size}"
    return size


def report(sql: list[Timing], http: list[Timing]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    print()
    print(f"{'measure':<44}{'p50 ms':>9}{'p95 ms':>9}{'target p95':>12}  ratio / verdict")
    for n in range(0, len(sql), 2):
        summary, plain = sql[n], sql[n + 1]
        ratio = plain.pct(50) / summary.pct(50)
        for t in (summary, plain):
            print(
                f"{t.name:<44}{t.pct(50):>9.2f}{t.pct(95):>9.2f}{'':>12}  "
                + (f"plain / summary {ratio:.1f}x" if t is plain else "")
            )
            rows.append(
                {"measure": t.name, "p50_ms": t.pct(50), "p95_ms": t.pct(95), "rounds": len(t.times_ms)}
            )
        rows[-1]["plain_over_summary_p50"] = ratio
    bare = next((t for t in http if t.name.startswith("bare") and t.times_ms), None)
    for t in http:
        if not t.times_ms:
            print(f"{t.name:<44}{'-':>9}{'-':>9}{TARGETS_MS.get(t.name, 0):>12.0f}  {t.note}")
            rows.append({"measure": t.name, "note": t.note})
            continue
        target = TARGETS_MS.get(t.name)
        verdict = "" if target is None else ("met" if t.pct(95) <= target else "MISSED")
        times_bare = f"x bare {t.pct(50) / bare.pct(50):.1f}" if bare is not None and t is not bare else ""
        shown = f"{target:>12.0f}" if target else f"{'':>12}"
        print(f"{t.name:<44}{t.pct(50):>9.2f}{t.pct(95):>9.2f}{shown}  {times_bare} {verdict}  ({t.note})")
        rows.append(
            {
                "measure": t.name,
                "p50_ms": t.pct(50),
                "p95_ms": t.pct(95),
                "rounds": len(t.times_ms),
                "target_p95_ms": target,
                "met": None if target is None else t.pct(95) <= target,
                "over_bare_p50": None if bare is None or t is bare else t.pct(50) / bare.pct(50),
                "answer": t.note,
            }
        )
    print("(milliseconds, one request or query at a time; nearest-rank percentiles over the rounds)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"the bench's own database ({DEFAULT_URL})"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already loaded database (row counts checked)"
    )
    parser.add_argument("--customers", type=int, default=100_000, help="customers (100000)")
    parser.add_argument("--invoices", type=int, default=1_000_000, help="invoices (1000000)")
    parser.add_argument(
        "--statement-invoices", type=int, default=500, help="the statement customer's invoices (500)"
    )
    parser.add_argument(
        "--no-triggers", action="store_true",
        help="load with the summaries' triggers disabled, then rebuild the summaries (0019/0020's backfills)",
    )  # fmt: skip
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the check of the summaries after a --reuse"
    )
    parser.add_argument("--rounds", type=int, default=30, help="timed requests or queries per measure (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed ones before (5)")
    parser.add_argument("--port", type=int, default=8712, help="port of `dues serve` (8712)")
    parser.add_argument("--skip-http", action="store_true", help="only load, verify and time the SQL")
    parser.add_argument(
        "--skip-sql", action="store_true", help="leave out the SQL timings (a re-run of HTTP)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the server's log lines")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped too
    if args.rounds < 1 or args.customers < 2 or args.invoices <= args.statement_invoices:
        parser.error("--rounds >= 1, --customers >= 2 and --invoices > --statement-invoices")
    shape = Shape(
        customers=args.customers, invoices=args.invoices, statement_invoices=args.statement_invoices
    )
    url = args.database_url
    today = today_ist()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    started_at = datetime.now().astimezone()
    print(
        f"{started_at:%Y-%m-%d %H:%M %Z}; machine: {cpus} CPUs, {platform.machine()}, "
        f"load {os.getloadavg()[0]:.2f}; database: {_redacted(url)}; today (IST) {today}"
    )
    results: dict[str, Any] = {
        "started": started_at.isoformat(),
        "database": _redacted(url),
        "shape": asdict(shape),
    }

    ensure_database(url, fresh=False)
    upgrade(url)
    database = Database.connect(url, pool_size=1)
    seller = asyncio.run(_with(database, the_seller))
    have = counts(url, seller.company_id)
    reuse = args.reuse and loaded(have, shape)
    if args.reuse and not reuse:
        print(f"--reuse: the database holds {have}, not the shape asked for: loading again")
    if not reuse:
        ensure_database(url, fresh=True)
        upgrade(url)
        database = Database.connect(url, pool_size=1)
        seller = asyncio.run(_with(database, the_seller))
        print(
            f"loading {shape.customers:,} customers and {shape.invoices:,} invoices with their movements "
            f"(summaries' triggers {'off, rebuilt after' if args.no_triggers else 'on'}) ..."
        )
        began = time.perf_counter()
        with psycopg.connect(url, cursor_factory=psycopg.ClientCursor) as conn:
            steps = load(conn, seller.company_id, seller.user_id, shape, today, triggers=not args.no_triggers)
        results["load_seconds"] = {**steps, "total": time.perf_counter() - began}
        print(f"loaded in {time.perf_counter() - began:.1f} s")
        have = counts(url, seller.company_id)
    else:
        print(f"reusing the loaded database: {have}")
    results["counts"] = have
    took = vacuum_analyze(url)
    print(f"VACUUM (ANALYZE): {took:.1f} s")
    print("data:")
    results["data"] = describe(url, seller.company_id, today)
    if not (reuse and args.no_verify):
        began = time.perf_counter()
        with psycopg.connect(url) as conn:
            checked = verify(conn, seller.company_id)
        bad = {k: v for k, v in checked.items() if "differing" in k or "out of balance" in k}
        print(
            f"summaries against a recomputation from ledger_entries ({time.perf_counter() - began:.1f} s): "
            + ("AGREE" if not any(bad.values()) else "DISAGREE")
            + f"; {checked}"
        )
        results["verify"] = checked

    sql: list[Timing] = []
    same = True
    if not args.skip_sql:
        print(f"SQL, {args.rounds} rounds after {args.warmup} untimed:")
        sql, same = asyncio.run(sql_baselines(url, seller.company_id, today, args.rounds, args.warmup))
    statement_customer = results["data"]["statement customer"]
    assert statement_customer is not None and results["data"]["statement customer's entries"] > 0
    assert STATEMENT_CUSTOMER == 0
    http: list[Timing] = []
    if not args.skip_http:
        print(f"HTTP (dues serve, one worker), {args.rounds} rounds after {args.warmup} untimed:")
        http = http_measure(url, seller, statement_customer, today, args)
    results["results"] = report(sql, http)
    results["ended_load"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"results written to {args.json}")
    sys.exit(0 if same else 1)


async def _with(database: Database, call: Callable[[Database], Awaitable[Seller]]) -> Seller:
    try:
        return await call(database)
    finally:
        await database.dispose()


if __name__ == "__main__":
    main()
