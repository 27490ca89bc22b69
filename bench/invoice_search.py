"""Invoice search over one seller's 1,000,000 invoices: p95 latency of POST /api/v0/invoice/search.

Seeds one seller with --customers customers (varied Indian company names, mostly in Maharashtra) and
--invoices invoices over the last two years (set-based SQL: INSERT ... SELECT ... FROM generate_series, not
the API), then runs the real app in this process (httpx over ASGI, no sockets, one request at a time) and
times --runs requests for each query, varying its parameter on every run:

    by customer            {"customerIds": [c]}                                 (c: a random customer)
    status + due range     {"statuses": ["DISPATCHED", "PARTIALLY_PAID"], "dueDateFrom": d, "dueDateTo": d+30}
    overdue                {"overdue": true}
    overdue + customer     {"overdue": true, "customerIds": [c]}
    customerLegalName      {"customerLegalName": "balaji" | "textiles" | ...}

each with the default page (limit --limit, orderBy createdOn DESC). The target is p95 <= 50 ms.

The data is seeded once and reused by later runs (it is recognised by the seller's legal name and its
invoice and customer counts); --reseed throws it away and seeds again. After seeding the tables are
VACUUM ANALYZEd, the state autovacuum brings a table to soon after a bulk load.

    python bench/invoice_search.py                                # embedded PostgreSQL under ./.dues-bench
    python bench/invoice_search.py --database-url postgresql://postgres@127.0.0.1:5432/dues_search_bench
    python bench/invoice_search.py --invoices 100000 --customers 2000 --runs 50     # a quick one
    python bench/invoice_search.py --reseed                       # seed again from scratch

The embedded server has no pg_trgm, so there the name search runs without its trigram index.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from uploads_common import login

from dues.app import create_app
from dues.companies import service as companies
from dues.config import Settings
from dues.db import Database, start_embedded
from dues.kit.logging import configure
from dues.kit.passwords import hash_secret, new_client_secret, new_password
from dues.kit.timefmt import today_ist
from dues.migrations import upgrade

SELLER = "Search Bench Distributors Pvt Ltd"
TARGET_MS = 50.0

FIRST = [
    "Shree", "Sri", "Shri", "Ganesh", "Anand", "Kaveri", "Sai", "Balaji", "Lakshmi", "Mahalaxmi", "Om",
    "Jai", "Krishna", "Shiv", "Durga", "Ambika", "Vijay", "Navkar", "Siddhi", "Vinayak", "Bharat",
    "Hindustan", "Rajlaxmi", "Parshwa", "Mahavir", "Gajanan", "Tirupati", "Sahyadri", "Deccan", "Konkan",
    "Narmada", "Godavari", "Indrayani", "Patel", "Shah", "Mehta", "Jain", "Agarwal", "Kulkarni", "Deshmukh",
    "Joshi", "Apex", "Royal", "Supreme", "Sunrise", "Pioneer", "Ashoka", "Maruti", "Saraswati", "Venkatesh",
    "Ajanta", "Vardhman", "Omkar", "Aditya", "Surya", "Neelkanth",
]  # fmt: skip
SECOND = [
    "Sons", "Brothers", "Shakti", "Kripa", "Sagar", "Krupa", "Prasad", "Ganga", "Jyoti", "Deep", "Kamal",
    "Raj", "Nath", "Vishwa", "Laxmi", "Murti",
]  # fmt: skip
TRADE = [
    "Traders", "Industries", "Textiles", "Pharma", "Steel", "Enterprises", "Agencies", "Logistics",
    "Chemicals", "Polymers", "Foods", "Engineering", "Auto Components", "Electricals", "Plastics",
    "Packaging", "Agro Products", "Exports", "Fabrics", "Hardware", "Paper Mills", "Castings", "Forgings",
    "Infra Projects", "Cotton Mills", "Spices", "Dairy", "Distributors", "Motors", "Garments", "Ceramics",
    "Cables", "Fasteners", "Rubber", "Oils", "Pipes",
]  # fmt: skip
OTHER_STATES = [
    "Gujarat", "Karnataka", "Tamil Nadu", "Delhi", "Telangana", "Madhya Pradesh", "Goa", "Uttar Pradesh",
    "Rajasthan", "West Bengal",
]  # fmt: skip
# What a user types into the name box: a word of the name, in any case, sometimes two words or a stem; and
# one that matches no customer ("shree ganesh": both are first words), which must be fast too.
FRAGMENTS = [
    "balaji", "textiles", "Kaveri", "sai", "pharma", "STEEL", "logistics", "shree ganesh", "agencies",
    "anand", "tirupati", "mehta", "polymers", "gajanan", "exports", "sahyadri", "mahalaxmi", "agro",
    "forg", "cotton mills", "vinayak", "deccan", "Jain", "engineering", "omkar", "fasteners",
]  # fmt: skip


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]::text[]"


def _pick(array: str, u: str) -> str:
    """The element of ``array`` (an SQL text[] expression) at a uniform random ``u`` in [0, 1)."""
    return f"({array})[1 + floor({u} * cardinality({array}))::int]"


# Customers: names from word lists ("Shree Kripa Textiles Pvt Ltd"), 70 % in Maharashtra like the seller.
SEED_CUSTOMERS = f"""
INSERT INTO customers (company_id, customer_id, legal_name, pan_or_gstin, email, contact_number, address,
                       state, pin_code, status, deleted, created_on, updated_on)
SELECT :company,
       'KC' || upper(substr(md5(CAST(:salt AS text) || '-customer-' || g), 1, 14)),
       {_pick(_sql_array(FIRST), "r1")}
         || CASE WHEN r2 < 0.4 THEN ' ' || {_pick(_sql_array(SECOND), "r2 / 0.4")} ELSE '' END
         || ' ' || {_pick(_sql_array(TRADE), "r3")}
         || CASE WHEN r4 < 0.5 THEN ' Pvt Ltd' WHEN r4 < 0.65 THEN ' Private Limited'
                 WHEN r4 < 0.8 THEN ' LLP' WHEN r4 < 0.9 THEN ' Ltd' ELSE ' & Co' END,
       'AAAC' || chr(65 + g % 26) || lpad((g % 10000)::text, 4, '0') || chr(65 + (g / 26) % 26),
       'accounts' || g || '@example.com',
       '98' || lpad((g * 7919 % 100000000)::text, 8, '0'),
       g % 500 || ', MIDC Industrial Area',
       CASE WHEN r5 < 0.7 THEN 'Maharashtra' ELSE {_pick(_sql_array(OTHER_STATES), "(r5 - 0.7) / 0.3")} END,
       (400001 + g % 45000)::text,
       CASE WHEN r6 < 0.03 THEN 'INACTIVE' ELSE 'ACTIVE' END,
       false,
       now() - make_interval(days => floor(r6 * 1095)::int),
       now() - make_interval(days => floor(r6 * 365)::int)
FROM (SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6
      FROM generate_series(1, :n) g) r
"""  # noqa: S608 (the word lists are constants)

# Invoices: dated over the last two years, due 15-60 days later, amounts from 500 to 10 lakh (log-uniform),
# customers skewed (a few buy a lot), older invoices mostly paid. Inserted in created_on order, as a table
# that grew over time is laid out.
SEED_INVOICES = """
WITH c AS (
    SELECT (row_number() OVER (ORDER BY customer_id) - 1)::int AS k, customer_id, state
    FROM customers WHERE company_id = :company
), raw AS (
    SELECT g,
           floor(:customers * power(random(), 2))::int AS k,
           current_date - floor(random() * 730)::int AS invoice_date,
           (ARRAY[15, 30, 30, 30, 45, 45, 60])[1 + floor(random() * 7)::int] AS terms,
           round((500 * power(2000, random()))::numeric, 2) AS base,
           random() AS u_status, random() AS u_paid, random() AS u_time, random() AS u_misc
    FROM generate_series(1, :n) g
), s AS (
    SELECT raw.*, c.customer_id, c.state,
           least(now(), (raw.invoice_date + make_interval(secs => 32400 + u_time * 36000))
                        AT TIME ZONE 'Asia/Kolkata') AS created_on,
           CASE WHEN raw.invoice_date < current_date - 90 THEN
                CASE WHEN u_status < 0.65 THEN 'PAID' WHEN u_status < 0.75 THEN 'PARTIALLY_PAID'
                     WHEN u_status < 0.93 THEN 'DISPATCHED' WHEN u_status < 0.98 THEN 'CREATED'
                     ELSE 'COLLECTION_DELETED' END
           ELSE CASE WHEN u_status < 0.25 THEN 'PAID' WHEN u_status < 0.40 THEN 'PARTIALLY_PAID'
                     WHEN u_status < 0.80 THEN 'DISPATCHED' WHEN u_status < 0.98 THEN 'CREATED'
                     ELSE 'COLLECTION_DELETED' END
           END AS status,
           CASE WHEN c.state = 'Maharashtra' THEN round(base * 0.09, 2) ELSE 0 END AS cgst,
           CASE WHEN c.state = 'Maharashtra' THEN 0 ELSE round(base * 0.18, 2) END AS igst,
           CASE WHEN extract(month FROM raw.invoice_date) >= 4 THEN extract(year FROM raw.invoice_date)
                ELSE extract(year FROM raw.invoice_date) - 1 END::smallint AS fy
    FROM raw JOIN c USING (k)
), t AS (
    SELECT s.*, base + 2 * cgst + igst AS total,
           CASE status WHEN 'PAID' THEN base + 2 * cgst + igst
                       WHEN 'PARTIALLY_PAID'
                       THEN round((base + 2 * cgst + igst) * (0.1 + 0.8 * u_paid)::numeric, 2)
                       ELSE 0 END AS paid
    FROM s
)
INSERT INTO invoices (company_id, invoice_id, customer_id, invoice_number, financial_year, invoice_date,
                      due_date, place_of_supply, gst_exclusive, base_amount, cgst, sgst, igst, cess,
                      total_amount, paid_amount, balance_amount, charge_customer, description, email_address,
                      partial_payment_allowed, approval_status, status, collection_mode, created_via,
                      dispatched, dispatched_on, created_by, created_on, updated_on)
SELECT :company,
       'INV' || upper(substr(md5(CAST(:salt AS text) || '-invoice-' || g), 1, 13)),
       customer_id,
       'INV' || to_char(fy % 100, 'FM00') || to_char((fy + 1) % 100, 'FM00') || '-'
             || lpad((row_number() OVER (PARTITION BY fy ORDER BY created_on, g))::text, 6, '0'),
       fy, invoice_date, invoice_date + terms, state, true, base, cgst, cgst, igst, 0,
       total, paid, total - paid, false,
       CASE WHEN u_misc < 0.5 THEN 'Supply of goods as per PO ' || (g % 100000) END,
       NULL,
       u_misc < 0.2,
       'APPROVER_APPROVED', status,
       CASE WHEN u_misc < 0.3 THEN '{UPI,NETBANKING,CARD}'::varchar[] ELSE '{}'::varchar[] END,
       CASE WHEN u_misc < 0.7 THEN 'API' WHEN u_misc < 0.9 THEN 'BULK_UPLOAD' ELSE 'DASHBOARD' END,
       status IN ('DISPATCHED', 'PARTIALLY_PAID', 'PAID'),
       CASE WHEN status IN ('DISPATCHED', 'PARTIALLY_PAID', 'PAID')
            THEN least(now(), created_on + make_interval(secs => 600 + u_paid * 86400)) END,
       :created_by, created_on,
       CASE WHEN status IN ('PAID', 'PARTIALLY_PAID')
            THEN greatest(created_on,
                          least(now(), created_on + make_interval(days => floor(u_paid * terms)::int)))
            ELSE created_on END
FROM t
ORDER BY t.created_on
"""

SEED_SERIES = """
INSERT INTO invoice_series (company_id, financial_year, last_number)
SELECT company_id, financial_year, count(*) FROM invoices WHERE company_id = :company GROUP BY 1, 2
ON CONFLICT (company_id, financial_year) DO UPDATE SET last_number = EXCLUDED.last_number
"""


@dataclass
class Seller:
    company_id: str
    client_id: str
    client_secret: str
    username: str
    password: str


async def _scalar(session: AsyncSession, sql: str, **params: Any) -> Any:
    return (await session.execute(text(sql), params)).scalar()


async def the_seller(database: Database) -> Seller:
    """The bench seller, created on the first run; on later runs its admin password and client secret are
    replaced (they are shown only once, at creation) so that this run can log in."""
    async with database.sessionmaker() as session:
        company_id = await _scalar(
            session,
            "SELECT company_id FROM companies WHERE legal_name = :name ORDER BY created_on LIMIT 1",
            name=SELLER,
        )
        if company_id is None:
            created = await companies.create_company(session, SELLER, "Maharashtra", companies.DEMO_GSTIN)
            await session.commit()
            return Seller(
                created.company_id,
                created.client_id,
                created.client_secret,
                created.username,
                created.password,
            )
        secret, password = new_client_secret(), new_password()
        username = await _scalar(
            session,
            "SELECT email FROM users WHERE company_id = :c AND role = 'ADMIN' ORDER BY created_on LIMIT 1",
            c=company_id,
        )
        await session.execute(
            text("UPDATE api_clients SET secret_hash = :h, active = true WHERE client_id = :c"),
            {"h": hash_secret(secret), "c": company_id},
        )
        await session.execute(
            text(
                "UPDATE users SET password_hash = :h, active = true, failed_logins = 0, locked_until = NULL "
                "WHERE company_id = :c AND email = :e"
            ),
            {"h": hash_secret(password), "c": company_id, "e": username},
        )
        await session.commit()
        return Seller(company_id, company_id, secret, username, password)


async def vacuum_analyze(database: Database, *tables: str) -> None:
    async with database.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            await auto.execute(text(f"VACUUM (ANALYZE) {table}"))


async def seed(database: Database, seller: Seller, args: argparse.Namespace) -> None:
    """Seed the seller's customers and invoices unless exactly that many are already there."""
    company = seller.company_id
    async with database.sessionmaker() as session:
        have_invoices = await _scalar(
            session, "SELECT count(*) FROM invoices WHERE company_id = :c", c=company
        )
        have_customers = await _scalar(
            session, "SELECT count(*) FROM customers WHERE company_id = :c", c=company
        )
    if not args.reseed and have_invoices == args.invoices and have_customers == args.customers:
        print(f"data: reusing {have_invoices:,} invoices of {have_customers:,} customers (--reseed to redo)")
        return
    started = time.perf_counter()
    async with database.sessionmaker() as session:
        for table in ("invoice_lines", "invoices", "invoice_series", "customer_contacts", "customers"):
            await session.execute(text(f"DELETE FROM {table} WHERE company_id = :c"), {"c": company})  # noqa: S608
        await session.commit()
    if have_invoices or have_customers:
        await vacuum_analyze(database, "invoice_lines", "invoices", "customer_contacts", "customers")
    print(f"seeding {args.customers:,} customers and {args.invoices:,} invoices ...", flush=True)
    async with database.sessionmaker() as session:
        await session.execute(text("SELECT setseed(0.4242)"))
        step = time.perf_counter()
        await session.execute(
            text(SEED_CUSTOMERS), {"company": company, "salt": company, "n": args.customers}
        )
        print(f"  customers: {time.perf_counter() - step:.1f}s", flush=True)
        step = time.perf_counter()
        created_by = await _scalar(
            session, "SELECT user_id FROM users WHERE company_id = :c ORDER BY created_on LIMIT 1", c=company
        )
        await session.execute(
            text(SEED_INVOICES),
            {
                "company": company,
                "salt": company,
                "n": args.invoices,
                "customers": args.customers,
                "created_by": created_by,
            },
        )
        await session.execute(text(SEED_SERIES), {"company": company})
        await session.commit()
        print(f"  invoices: {time.perf_counter() - step:.1f}s", flush=True)
    step = time.perf_counter()
    await vacuum_analyze(database, "customers", "invoices")
    print(f"  VACUUM (ANALYZE): {time.perf_counter() - step:.1f}s")
    print(f"seeding took {time.perf_counter() - started:.1f}s")


async def describe(database: Database, company: str) -> list[str]:
    """Print what the data and the server look like; answer the seller's customer ids."""
    async with database.sessionmaker() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT status, count(*), count(*) FILTER (WHERE balance_amount > 0 AND due_date < :t "
                    "AND status <> 'COLLECTION_DELETED') FROM invoices WHERE company_id = :c GROUP BY 1 "
                    "ORDER BY 2 DESC"
                ),
                {"c": company, "t": today_ist()},
            )
        ).all()
        print("invoices by status: " + ", ".join(f"{s} {n:,}" for s, n, _ in rows))
        print(f"overdue: {sum(o for _, _, o in rows):,}")
        per = (
            await session.execute(
                text(
                    "SELECT min(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), "
                    "percentile_disc(0.95) WITHIN GROUP (ORDER BY n), max(n) FROM "
                    "(SELECT count(*) n FROM invoices WHERE company_id = :c GROUP BY customer_id) x"
                ),
                {"c": company},
            )
        ).one()
        print(f"invoices per customer: min {per[0]}, median {per[1]}, p95 {per[2]}, max {per[3]}")
        customer_ids = list(
            (
                await session.execute(
                    text("SELECT customer_id FROM customers WHERE company_id = :c ORDER BY customer_id"),
                    {"c": company},
                )
            ).scalars()
        )
        trgm = await _scalar(
            session, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_customers_name_trgm'"
        )
        version = await _scalar(session, "SHOW server_version")
        settings = (
            await session.execute(
                text(
                    "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', "
                    "'work_mem', 'jit', 'max_parallel_workers_per_gather', 'random_page_cost') ORDER BY name"
                )
            )
        ).all()
    shown = ", ".join(f"{n}={v}{'' if u is None else ' x ' + u}" for n, v, u in settings)
    print(f"PostgreSQL {version}; {shown}; trigram index on customer names: {'yes' if trgm else 'NO'}")
    return customer_ids


@dataclass
class Query:
    name: str
    body: Callable[[int], dict[str, Any]]
    times_ms: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def measure(
    http: httpx.AsyncClient, headers: dict[str, str], query: Query, runs: int, limit: int, warmup: int
) -> None:
    for run in range(-warmup, runs):
        body = query.body(run if run >= 0 else runs + run)
        started = time.perf_counter()
        response = await http.post(
            "/api/v0/invoice/search", headers=headers, json=body, params={"limit": limit, "offset": 0}
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{query.name}: {response.status_code} {response.text[:500]} for {body}")
        if run >= 0:
            query.times_ms.append(elapsed)
            query.totals.append(int(response.json()["payload"]["total"]))


def queries(customer_ids: list[str], fragments: list[str], runs: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    customers = [rng.choice(customer_ids) for _ in range(runs)]
    overdue_customers = [rng.choice(customer_ids) for _ in range(runs)]
    today = today_ist()
    starts = [today - timedelta(days=rng.randrange(-30, 730)) for _ in range(runs)]
    names = [fragments[i % len(fragments)] for i in range(runs)]

    def window(i: int) -> dict[str, Any]:
        d: date = starts[i]
        return {
            "statuses": ["DISPATCHED", "PARTIALLY_PAID"],
            "dueDateFrom": d.isoformat(),
            "dueDateTo": (d + timedelta(days=30)).isoformat(),
        }

    return [
        Query("by customer", lambda i: {"customerIds": [customers[i]]}),
        Query("status + due-date range", window),
        Query("overdue", lambda i: {"overdue": True}),
        Query("overdue + customer", lambda i: {"overdue": True, "customerIds": [overdue_customers[i]]}),
        Query("customerLegalName", lambda i: {"customerLegalName": names[i]}),
    ]


def report(results: list[Query]) -> bool:
    print()
    print(
        f"{'query':<26}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}   "
        f"{'total (min / median / max)':<30} p95<=50ms"
    )
    all_pass = True
    for q in results:
        ordered = sorted(q.times_ms)
        p95 = percentile(ordered, 95)
        verdict = "PASS" if p95 <= TARGET_MS else "FAIL"
        all_pass = all_pass and p95 <= TARGET_MS
        totals = sorted(q.totals)
        shown = f"{totals[0]:,} / {int(statistics.median(totals)):,} / {totals[-1]:,}"
        print(
            f"{q.name:<26}{percentile(ordered, 50):>8.1f}{p95:>8.1f}{percentile(ordered, 99):>8.1f}"
            f"{ordered[-1]:>8.1f}   {shown:<30} {verdict}"
        )
    print("(milliseconds per request, from the client's send to its parsed answer, one request at a time)")
    return all_pass


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def run(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("DATABASE_URL")
    where = _redacted(url) if url else f"embedded PostgreSQL under {args.home}"
    if not url:
        url = start_embedded(Path(args.home), database="dues_search_bench")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cpus} CPUs usable (nproc), {os.cpu_count()} online; database: {where}")
    upgrade(url)
    database = Database.connect(url, pool_size=5)
    try:
        seller = await the_seller(database)
        await seed(database, seller, args)
        customer_ids = await describe(database, seller.company_id)
        settings = Settings(database_url=url, jwt_secret=secrets.token_urlsafe(48), inprocess_worker=False)
        app = create_app(settings, database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
            headers = await login(http, seller)
            results = queries(customer_ids, FRAGMENTS, args.runs, args.seed)
            for query in results:
                print(f"timing {query.name} ({args.runs} runs, limit {args.limit}) ...", flush=True)
                await measure(http, headers, query, args.runs, args.limit, args.warmup)
        return 0 if report(results) else 1
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (default: $DATABASE_URL, else an embedded server under --home)",
    )
    parser.add_argument("--home", default=".dues-bench", help="embedded server directory (.dues-bench)")
    parser.add_argument("--invoices", type=int, default=1_000_000, help="invoices of the seller (1000000)")
    parser.add_argument("--customers", type=int, default=20_000, help="customers of the seller (20000)")
    parser.add_argument("--runs", type=int, default=200, help="timed requests per query (200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per query before (10)")
    parser.add_argument("--limit", type=int, default=100, help="page size of every request (100)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the parameter choices (7)")
    parser.add_argument("--reseed", action="store_true", help="delete the bench seller's data and seed again")
    parser.add_argument("--verbose", action="store_true", help="show the service's log lines")
    args = parser.parse_args()
    if args.invoices < 1 or args.customers < 1 or args.runs < 1:
        parser.error("--invoices, --customers and --runs must be at least 1")
    configure("INFO" if args.verbose else "WARNING", json=False)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
