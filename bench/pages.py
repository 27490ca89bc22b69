"""The web app's pages over one seller's 1,000,000 invoices: the server's time per page, beside the bare API.

Reads the database `bench/reports.py` loads (`dues_bench_reports`: one seller, 100,000 customers, 1,000,000
invoices and their movements; see docs/benchmarks.md "Reports over 1,000,000 invoices"). It never loads,
drops or reloads it: when it is not loaded (its row counts are checked) it says so and stops.

1. A user of its own in the bench seller (`pages-bench@example.com`, ADMIN; created on the first run, its
   password replaced on later ones): the seller's first admin is bench/reports.py's, whose password that
   script replaces at each run, so the two benches never lock each other out.
2. `dues serve` (one worker process, DUES_ENV=production, the request log as JSON lines) on 127.0.0.1.
3. Sign in through the form (POST /login) for the session cookie; the API baseline uses the same token as a
   bearer token (the cookie carries one).
4. --rounds timed requests (after --warmup) of each: the bare `GET /api/v0/company`, the overview's API
   (`GET /api/v0/reports/overview`, default period), the overview page `/app` (default period, and the last
   365 days), an invoice list with filters (`/app/invoices?status=...&dueDateTo=...`) and the page of the
   customer with the most invoices (`/app/customers/{id}`). A page that answers 404 is reported as "not built
   yet" and not timed.

The figure is the SERVER's time: each request carries its own X-Request-Id, and the server's request log
line for that id gives its `ms` (RequestContext in dues.app: from the request's arrival to the last byte of
the answer handed to uvicorn). The client's time over loopback is shown beside it. Percentiles are
nearest-rank over the rounds; one request at a time. Target: p95 <= 150 ms for every page.

    python bench/pages.py                          # measure the code of this checkout
    python bench/pages.py --rounds 50 --json /tmp/pages.json
    python bench/pages.py --src /work/wt/invoices/src   # measure another checkout's pages
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from sqlalchemy import text

from dues.companies import service as companies
from dues.db import Database
from dues.kit.passwords import hash_secret, new_password
from dues.kit.timefmt import today_ist
from reports import DEFAULT_URL, SELLER, counts, wait_until_up

TARGET_MS = 150.0
API_TARGETS_MS = {"overview API, default period": 200.0}
BENCH_USER = "pages-bench@example.com"
INVOICES = 1_000_000
SESSION_COOKIE = "dues_session"


@dataclass
class Measure:
    name: str
    path: str
    params: dict[str, str]
    page: bool  # signed in by the cookie (a page) or by the bearer token (the API)
    memo: bool = True  # False: measured on a server whose overview remembers nothing
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def target(self) -> float | None:
        return TARGET_MS if self.page else API_TARGETS_MS.get(self.name)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
    return url


@dataclass(frozen=True)
class Bench:
    company_id: str
    email: str
    password: str
    customer_id: str
    customer_invoices: int


async def bench_user(url: str) -> Bench:
    """The bench seller, this bench's own ADMIN user in it (made once, its password new each run), and the
    customer with the most invoices."""
    database = Database.connect(url, pool_size=1)
    try:
        async with database.sessionmaker() as session:
            company_id = (
                await session.execute(
                    text(
                        "SELECT company_id FROM companies WHERE legal_name = :n ORDER BY created_on LIMIT 1"
                    ),
                    {"n": SELLER},
                )
            ).scalar()
            if company_id is None:
                sys.exit(f"no seller {SELLER!r} in {redacted(url)}: load it with bench/reports.py first")
            exists = (
                await session.execute(
                    text("SELECT 1 FROM users WHERE company_id = :c AND email = :e"),
                    {"c": company_id, "e": BENCH_USER},
                )
            ).scalar()
            if exists is None:
                password = (await companies.create_user(session, company_id, BENCH_USER, "ADMIN")).password
            else:
                password = new_password()
                await session.execute(
                    text(
                        "UPDATE users SET password_hash = :h, active = true, failed_logins = 0, "
                        "locked_until = NULL WHERE company_id = :c AND email = :e"
                    ),
                    {"h": hash_secret(password), "c": company_id, "e": BENCH_USER},
                )
            await session.commit()
            busiest = (
                await session.execute(
                    text(
                        "SELECT customer_id, count(*) FROM invoices WHERE company_id = :c "
                        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
                    ),
                    {"c": company_id},
                )
            ).one()
    finally:
        await database.dispose()
    return Bench(company_id, BENCH_USER, password, busiest[0], int(busiest[1]))


def sign_in(http: httpx.Client, bench: Bench) -> str:
    """POST /login as a browser would (the form's fields, this site as Origin); the session cookie's token."""
    answer = http.post(
        "/login",
        data={"companyId": bench.company_id, "email": bench.email, "password": bench.password},
        headers={"Origin": str(http.base_url).rstrip("/")},
    )
    if answer.status_code != 303:
        sys.exit(f"sign-in refused: {answer.status_code} {answer.text[:300]}")
    match = re.search(rf"{SESSION_COOKIE}=([^;]+);", answer.headers.get("set-cookie", ""))
    if not match:
        sys.exit("sign-in gave no session cookie")
    http.cookies.clear()
    return match.group(1)


def server_times(log: Path) -> dict[str, float]:
    """Request id -> the server's ms, from the JSON request log lines."""
    times: dict[str, float] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "request" and "ms" in record:
            times[str(record.get("request_id"))] = float(record["ms"])
    return times


# The server with the overview's memo of the most overdue customers off (reports.overview.memo keeps nothing),
# for the cost of a first look: `dues serve` with one worker runs the app in its own process. A checkout
# without the memo (--src of an older branch) is served as it is.
MEMO_OFF = (
    "try:\n    import dues.reports.overview.memo as memo\n    memo.MAX_KEYS = 0\n"
    "except ImportError:\n    pass\n"
)


def run(measures: list[Measure], bench: Bench, args: argparse.Namespace, log: Path, memo: bool) -> None:
    """Serve, sign in, and time each measure (filled in place)."""
    env = {
        **os.environ,
        "DUES_DATABASE_URL": args.database_url,
        "DUES_ENV": "production",
        "DUES_JWT_SECRET": secrets.token_urlsafe(48),
        "DUES_LOG_LEVEL": "INFO",
        "DUES_LOG_JSON": "true",
        "DUES_INPROCESS_WORKER": "false",
        "DUES_PUBLIC_URL": f"http://127.0.0.1:{args.port}",
    }
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join([str(Path(args.src).resolve()), env.get("PYTHONPATH", "")])
    base = f"http://127.0.0.1:{args.port}"
    preamble = "" if memo else MEMO_OFF
    command = [sys.executable, "-c", preamble + "from dues.cli import main\nmain()", "serve"]
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(args.port), "--workers", "1", "--no-demo"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            wait_until_up(base, server)
            with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as http:
                token = sign_in(http, bench)
                for k, measure in enumerate(m for m in measures if m.memo == memo):
                    headers = (
                        {"Cookie": f"{SESSION_COOKIE}={token}"}
                        if measure.page
                        else {"Authorization": f"Bearer {token}"}
                    )
                    ids: list[str] = []
                    for n in range(args.warmup + args.rounds):
                        request_id = f"pagesbench-{int(memo)}-{k}-{n}-{secrets.token_hex(4)}"
                        started = time.perf_counter()
                        answer = http.get(
                            measure.path,
                            params=measure.params,
                            headers={**headers, "X-Request-Id": request_id},
                        )
                        _ = answer.content
                        took = (time.perf_counter() - started) * 1000
                        if answer.status_code == 404 and measure.page:
                            measure.note = f"not built yet ({measure.path} answers 404)"
                            break
                        if answer.status_code != 200:
                            sys.exit(f"{measure.name}: {answer.status_code} {answer.text[:800]}")
                        if n >= args.warmup:
                            measure.client_ms.append(took)
                            ids.append(request_id)
                    if measure.note:
                        print(f"  {measure.name}: {measure.note}")
                        continue
                    measure.note = f"{len(answer.content) / 1024:,.1f} KB"
                    # The server writes its request line after the answer's last byte: give it a moment.
                    time.sleep(0.2)
                    logged = server_times(log)
                    missing = [i for i in ids if i not in logged]
                    if missing:
                        sys.exit(f"{measure.name}: {len(missing)} requests not in the server's log")
                    measure.server_ms = [logged[i] for i in ids]
                    print(
                        f"  {measure.name}: server p50 {pct(measure.server_ms, 50):.1f} ms, "
                        f"p95 {pct(measure.server_ms, 95):.1f} ms; "
                        f"client p50 {pct(measure.client_ms, 50):.1f} ms ({measure.note})"
                    )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def report(measures: list[Measure]) -> list[dict[str, Any]]:
    bare = next((m for m in measures if m.name.startswith("bare") and m.server_ms), None)
    print()
    print(
        f"{'request':<40}{'server p50':>11}{'p95':>8}{'client p50':>12}{'p95':>8}{'target':>8}"
        "  x bare / verdict"
    )
    rows: list[dict[str, Any]] = []
    for m in measures:
        if not m.server_ms:
            print(f"{m.name:<40}{'-':>11}{'-':>8}{'-':>12}{'-':>8}{m.target or '':>8}  {m.note}")
            rows.append({"measure": m.name, "path": m.path, "note": m.note})
            continue
        p50, p95 = pct(m.server_ms, 50), pct(m.server_ms, 95)
        ratio = p50 / pct(bare.server_ms, 50) if bare is not None and m is not bare else None
        verdict = "" if m.target is None else ("met" if p95 <= m.target else "MISSED")
        print(
            f"{m.name:<40}{p50:>11.1f}{p95:>8.1f}{pct(m.client_ms, 50):>12.1f}{pct(m.client_ms, 95):>8.1f}"
            f"{m.target or '':>8}  {f'{ratio:.1f}x' if ratio else ''} {verdict} ({m.note})"
        )
        rows.append(
            {
                "measure": m.name,
                "path": m.path,
                "params": m.params,
                "rounds": len(m.server_ms),
                "server_p50_ms": p50,
                "server_p95_ms": p95,
                "client_p50_ms": pct(m.client_ms, 50),
                "client_p95_ms": pct(m.client_ms, 95),
                "target_p95_ms": m.target,
                "met": None if m.target is None else p95 <= m.target,
                "over_bare_p50": ratio,
                "answer": m.note,
            }
        )
    print("(server ms from the request log; one request at a time; nearest-rank percentiles over the rounds)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"the loaded database ({DEFAULT_URL})")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per measure (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed ones before (5)")
    parser.add_argument("--port", type=int, default=8713, help="port of `dues serve` (8713)")
    parser.add_argument("--src", default="", help="serve the dues package of this src folder instead")
    parser.add_argument("--status", default="PARTIALLY_PAID", help="the invoice list's status filter")
    parser.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    parser.add_argument("--keep-log", type=Path, default=None, help="keep the server's log here")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.rounds < 1:
        parser.error("--rounds >= 1")
    today = today_ist()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    started = datetime.now().astimezone()
    load_before = os.getloadavg()[0]
    print(
        f"{started:%Y-%m-%d %H:%M %Z}; machine: {cpus} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, load {load_before:.2f}; database: {redacted(args.database_url)}; "
        f"today (IST) {today}; code: {args.src or 'this checkout'}"
    )
    bench = asyncio.run(bench_user(args.database_url))
    have = counts(args.database_url, bench.company_id)
    if have["invoices"] != INVOICES:
        sys.exit(
            f"the bench seller has {have['invoices']:,} invoices, not {INVOICES:,}: "
            "load it with bench/reports.py"
        )
    with psycopg.connect(args.database_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
    print(
        f"seller {bench.company_id}: {have['invoices']:,} invoices, {have['customers']:,} customers; "
        f"the busiest customer {bench.customer_id} has {bench.customer_invoices:,} invoices; "
        f"PostgreSQL {pg[0] if pg else '?'}"
    )
    year_back = today - timedelta(days=364)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    fy_start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    last_fy_start = date(fy_start.year - 1, 4, 1)
    measures = [
        Measure("bare: GET /api/v0/company", "/api/v0/company", {}, page=False),
        Measure("overview API, default period", "/api/v0/reports/overview", {}, page=False),
        Measure("overview page /app, default period", "/app", {}, page=True),
        Measure(
            "overview page, the last 365 days",
            "/app",
            {"from": year_back.isoformat(), "to": today.isoformat()},
            page=True,
        ),
        Measure("overview page /app, memo off (cold)", "/app", {}, page=True, memo=False),
        Measure(
            "overview page, last month, memo off",
            "/app",
            {"from": last_month_start.isoformat(), "to": last_month_end.isoformat()},
            page=True,
            memo=False,
        ),
        Measure(
            "overview page, last FY, memo off",
            "/app",
            {"from": last_fy_start.isoformat(), "to": (fy_start - timedelta(days=1)).isoformat()},
            page=True,
            memo=False,
        ),
        Measure(
            "overview page, last FY (memo on)",
            "/app",
            {"from": last_fy_start.isoformat(), "to": (fy_start - timedelta(days=1)).isoformat()},
            page=True,
        ),
        Measure(
            f"invoice list, {args.status}, due 30+ days ago",
            "/app/invoices",
            {"status": args.status, "dueDateTo": (today - timedelta(days=30)).isoformat()},
            page=True,
        ),
        # Broad filters: most of the million match, or a name matches by part across customers.
        Measure("invoice list, PAID (829k match)", "/app/invoices", {"status": "PAID"}, page=True),
        Measure(
            "invoice list, name contains 'traders'",
            "/app/invoices",
            {"customerLegalName": "traders"},
            page=True,
        ),
        Measure(
            f"customer page ({bench.customer_invoices:,} invoices)",
            f"/app/customers/{bench.customer_id}",
            {},
            page=True,
        ),
    ]
    print(f"HTTP (dues serve, one worker), {args.rounds} rounds after {args.warmup} untimed:")
    with tempfile.TemporaryDirectory() as scratch:
        log = args.keep_log or Path(scratch) / "server.log"
        run(measures, bench, args, log, memo=True)
        if any(not m.memo for m in measures):
            print("  the overview's memo off:")
            run(measures, bench, args, log.with_name(log.name + ".cold"), memo=False)
    rows = report(measures)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "started": started.isoformat(),
                    "database": redacted(args.database_url),
                    "code": args.src or "this checkout",
                    "cpus": cpus,
                    "load_before": load_before,
                    "load_after": os.getloadavg()[0],
                    "results": rows,
                },
                indent=2,
                default=str,
            )
        )
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
