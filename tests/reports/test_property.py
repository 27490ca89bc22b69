"""Aging as of every day of random histories is what the ledger says, bucket by bucket, to the paisa.

Hypothesis draws a dated history (tests/ledger/history.py) for one seller and two buyers: invoices with
their own invoice and due dates (some dated ahead of today), payments backdated up to 40 days (some before
the invoice they pay), with and without TDS, payments that leave credit, credit applications, credit notes,
write-offs, reversals, refunds, withdrawals and due dates changed afterwards. After it, for every day from
the first effective date to the last + 1, for both bases and two sets of buckets, the report through the API
(groupBy=CUSTOMER and groupBy=NONE) equals a recomputation written here from ``ledger_entries`` joined to
``invoices``: per customer its buckets, total, unapplied credit and net, which customers are listed and in
what order, and the totals; net is the sum of the customer's entries dated on or before the day. A day after
today is refused. Both ways the per-customer statement can read (recent: what is owed now less later
entries; early: the entries up to the day) are checked on every day, whichever the report picked.

Then the customers' ledgers, cut at random days into consecutive periods: each period opens with what the
one before closed with, and closes with the aging's net for its last day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.reports.aging import repository
from dues.reports.summaries import Basis
from tests.customers.helpers import assert_invalid, payload
from tests.ledger.history import SPAN, DatedStep, broken, dated_history, invoice, make_book, run_dated
from tests.reports.aging_support import aging, amounts, report
from tests.support import TenantFactory

ZERO = Decimal("0.00")
# The second set's buckets are all reached within the histories' span: 1-day and 1-wide buckets, and 40+.
EDGE_SETS = ((30, 60, 90), (1, 7, 15, 20, 21, 40))
_references = iter(range(1, 10**9))


@dataclass(frozen=True)
class Entry:
    customer_id: str
    invoice_id: str | None
    effective_date: date
    amount: Decimal
    due_date: date | None
    invoice_date: date | None


def _labels(edges: tuple[int, ...]) -> list[str]:
    return [
        "current",
        *(f"{low}-{high}" for low, high in zip((1, *(e + 1 for e in edges)), edges, strict=False)),
        f"{edges[-1]}+",
    ]


def _bucket(days: int, edges: tuple[int, ...]) -> int:
    if days <= 0:
        return 0
    for k, edge in enumerate(edges, start=1):
        if days <= edge:
            return k
    return len(edges) + 1


def expected(
    entries: list[Entry], names: dict[str, str], as_of: date, basis: Basis, edges: tuple[int, ...]
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """(the customers' rows in the report's order, the totals), by hand from the entries."""
    labels = _labels(edges)
    owed: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(labels))
    credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        if e.effective_date > as_of:
            continue
        if e.invoice_id is None:
            credit[e.customer_id] -= e.amount
            continue
        aged = e.due_date if basis == Basis.DUE_DATE else e.invoice_date
        assert aged is not None
        owed[e.customer_id][_bucket((as_of - aged).days, edges)] += e.amount
    rows = []
    for customer_id in sorted(names):
        buckets, held = owed[customer_id], credit[customer_id]
        if all(b == 0 for b in buckets) and held == 0:
            continue
        total = sum(buckets, ZERO)
        row: dict[str, Any] = {"customerId": customer_id, "customerName": names[customer_id]}
        row |= dict(zip(labels, buckets, strict=True))
        rows.append(row | {"total": total, "unappliedCredit": held, "net": total - held})
    rows.sort(key=lambda r: (-r["net"], r["customerId"]))
    totals: dict[str, Decimal] = {
        k: sum((r[k] for r in rows), ZERO) for k in [*labels, "total", "unappliedCredit", "net"]
    }
    return rows, totals


async def _entries(db: Database, company_id: str) -> tuple[list[Entry], dict[str, str]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT e.customer_id, e.invoice_id, e.effective_date, e.amount, i.due_date, i.invoice_date "
                "FROM ledger_entries e LEFT JOIN invoices i "
                "ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id WHERE e.company_id = :c"
            ),
            {"c": company_id},
        )
        entries = [Entry(*r) for r in rows.all()]
        names = await session.execute(
            text("SELECT customer_id, legal_name FROM customers WHERE company_id = :c"), {"c": company_id}
        )
        return entries, dict(names.all())


def _as_rows(got: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"customerId": r["customerId"], "customerName": r["customerName"], **amounts(r)}
        for r in got["customers"]["items"]
    ]


async def _both_readings(
    db: Database, company_id: str, as_of: date, basis: Basis, edges: tuple[int, ...]
) -> list[list[dict[str, Any]]]:
    """The rows as repository.page reads them, recent and early."""
    labels = _labels(edges)
    out = []
    async with db.sessionmaker() as session:
        for early in (False, True):
            found = await repository.page(
                session, company_id, as_of, basis, edges, None, 5000, 0, early=early
            )
            out.append(
                [
                    {"customerId": r.customer_id, "customerName": r.customer_name}
                    | dict(zip(labels, r.buckets, strict=True))
                    | {
                        "total": sum(r.buckets, ZERO),
                        "unappliedCredit": r.credit,
                        "net": sum(r.buckets, ZERO) - r.credit,
                    }
                    for r in found.rows
                ]
            )
    return out


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=dated_history, cuts=st.lists(st.integers(0, SPAN + 8), max_size=4))
async def test_aging_as_of_every_day_is_the_ledger(
    history: list[DatedStep], cuts: list[int], tenants: TenantFactory, db: Database
) -> None:
    book = await make_book(tenants)
    today = today_ist()
    # Older than the steps' span, so that as of today something is over 90 days past its due date.
    await invoice(book, 0, 0, today - timedelta(days=SPAN + 55), 0)
    await invoice(book, 1, 1, today - timedelta(days=SPAN + 10), 30)
    for step in history:
        await run_dated(book, step, f"UTR{next(_references):09d}")
    company_id = book.seller.company_id
    assert await broken(db, company_id) == {}
    assert [a for a in book.answers if a[1] >= 500] == []
    entries, names = await _entries(db, company_id)
    first = min(e.effective_date for e in entries)
    last = max(e.effective_date for e in entries)

    nets: dict[date, dict[str, Decimal]] = {}
    as_of = first
    while as_of <= last + timedelta(days=1):
        if as_of > today:
            refused = await aging(book.seller, asOf=as_of.isoformat(), groupBy="NONE")
            assert "in the future" in assert_invalid(refused, "asOf")["asOf"]["message"]
            as_of += timedelta(days=1)
            continue
        for basis in Basis:
            for edges in EDGE_SETS:
                params = {
                    "asOf": as_of.isoformat(),
                    "basis": basis.value,
                    "buckets": ",".join(map(str, edges)),
                }
                rows, totals = expected(entries, names, as_of, basis, edges)
                per_customer = await report(book.seller, limit=5000, **params)
                alone = await report(book.seller, groupBy="NONE", **params)
                assert per_customer["buckets"] == alone["buckets"] == _labels(edges)
                assert _as_rows(per_customer) == rows, params
                assert per_customer["customers"]["total"] == len(rows)
                assert amounts(per_customer["totals"]) == totals, params
                assert amounts(alone["totals"]) == totals, params
                if edges == EDGE_SETS[0]:
                    assert await _both_readings(db, company_id, as_of, basis, edges) == [rows, rows], params
        # net is each customer's ledger up to the day (0 for a customer not listed).
        listed = {r["customerId"]: r["net"] for r in rows}
        for customer_id in names:
            dated = sum(
                (e.amount for e in entries if e.customer_id == customer_id and e.effective_date <= as_of),
                ZERO,
            )
            assert listed.get(customer_id, ZERO) == dated, (as_of, customer_id)
        nets[as_of] = listed
        as_of += timedelta(days=1)

    # Ledgers cut at random days: one period closes with what the next opens with.
    ends = sorted({first + timedelta(days=c) for c in cuts if first + timedelta(days=c) < last} | {last})
    for customer_id in book.buyers:
        start: date | None = None
        carried = ZERO
        for end in ends:
            params = {"to": end.isoformat()} | ({"from": start.isoformat()} if start else {})
            ledger = payload(await book.seller.get(f"/api/v0/customer/{customer_id}/ledger", params=params))
            assert Decimal(str(ledger["openingBalance"])) == carried, (customer_id, start, end)
            carried = Decimal(str(ledger["closingBalance"])).quantize(ZERO)
            if end <= today:
                assert carried == nets[end].get(customer_id, ZERO), (customer_id, end)
            start = end + timedelta(days=1)
