"""All SQL of the AR overview; every statement is scoped by company here.

The figures come from the day totals migration 0020 keeps (``ledger_day_totals``: one row per company, day and
entry type), summed in SQL so that a period of years is a few thousand summary rows read, never the ledger.
Only the customers with the most overdue read invoices, and then only the open overdue ones (as of today) or
the ledger entries on the smaller side of the day asked for (as of a past day)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit.money import ZERO

BEFORE = "BEFORE"
AFTER = "AFTER"


class Flow(NamedTuple):
    """The day totals of one entry type within the period (or of every type before or after it), signed as
    in the ledger: positive raised what is owed."""

    on_invoices: Decimal
    on_credit: Decimal
    entries: int
    days_weighted: Decimal
    late_weighted: Decimal

    @property
    def amount(self) -> Decimal:
        return self.on_invoices + self.on_credit


NO_FLOW = Flow(ZERO, ZERO, 0, ZERO, ZERO)

# One pass over the company's day totals: the rows before the period (what was owed when it began), those
# within it by entry type, and those after it (only counted: they tell which side of the day is smaller).
_FLOWS = text(
    """
    SELECT CASE WHEN effective_date < :date_from THEN 'BEFORE'
                WHEN effective_date > :date_to THEN 'AFTER'
                ELSE entry_type END AS grp,
           sum(on_invoices) AS on_invoices, sum(on_credit) AS on_credit, sum(entries) AS entries,
           sum(days_weighted) AS days_weighted, sum(late_weighted) AS late_weighted
      FROM ledger_day_totals
     WHERE company_id = :company_id
     GROUP BY 1
    """
)


async def flows(session: AsyncSession, company_id: str, date_from: date, date_to: date) -> dict[str, Flow]:
    """By entry type, the entries dated within [date_from, date_to]; under BEFORE and AFTER every entry dated
    before and after the period."""
    params = {"company_id": company_id, "date_from": date_from, "date_to": date_to}
    rows = await session.execute(_FLOWS, params)
    return {
        r.grp: Flow(
            Decimal(r.on_invoices),
            Decimal(r.on_credit),
            int(r.entries),
            Decimal(r.days_weighted),
            Decimal(r.late_weighted),
        )
        for r in rows
    }


class MonthRow(NamedTuple):
    month: date | None  # None: every day before the first month
    moved_on_invoices: Decimal
    invoiced: Decimal
    collected: Decimal


# Per calendar month from ``first`` to ``to`` (and one row for all before): what entries moved the amounts
# owed on invoices, the invoices and debit notes issued (amendments included), and the cash received.
_MONTHLY = text(
    """
    SELECT CASE WHEN effective_date < :first THEN NULL
                ELSE date_trunc('month', effective_date)::date END AS month,
           sum(on_invoices) AS moved_on_invoices,
           COALESCE(sum(on_invoices + on_credit) FILTER (WHERE entry_type IN ('INVOICE', 'DEBIT_NOTE')), 0.00)
               AS invoiced,
           COALESCE(-sum(on_invoices + on_credit) FILTER (WHERE entry_type = 'PAYMENT'), 0.00) AS collected
      FROM ledger_day_totals
     WHERE company_id = :company_id AND effective_date <= :date_to
     GROUP BY 1
    """
)


async def monthly(session: AsyncSession, company_id: str, first: date, date_to: date) -> list[MonthRow]:
    params = {"company_id": company_id, "first": first, "date_to": date_to}
    rows = await session.execute(_MONTHLY, params)
    return [
        MonthRow(r.month, Decimal(r.moved_on_invoices), Decimal(r.invoiced), Decimal(r.collected))
        for r in rows
    ]


class OverdueRow(NamedTuple):
    customer_id: str
    customer_name: str
    overdue: Decimal
    oldest_due_date: date


# The three readings of "owed past its due date at the end of :as_of, per customer" below agree; they differ
# in what they read. The partial-index conditions (balance_amount > 0 AND status <> 'COLLECTION_DELETED') are
# spelled as literals so that the planner can use ix_invoices_overdue (company_id, due_date).
_NAMED = """
    SELECT t.customer_id, c.legal_name, t.overdue, t.oldest_due_date
      FROM ({top}) AS t
      JOIN customers c ON c.company_id = :company_id AND c.customer_id = t.customer_id
     ORDER BY t.overdue DESC, t.customer_id
"""

# Nothing dated after :as_of (as of today, nearly always): the open overdue invoices are the answer.
_OPEN_NOW = """
    SELECT customer_id, sum(balance_amount) AS overdue, min(due_date) AS oldest_due_date
      FROM invoices
     WHERE company_id = :company_id AND balance_amount > 0 AND status <> 'COLLECTION_DELETED' AND posted
       AND due_date < :as_of
     GROUP BY customer_id
     ORDER BY overdue DESC, customer_id
     LIMIT :limit
"""

# A recent day: the open overdue invoices, less what the entries dated after the day moved (a payment since
# then is added back, an invoice moved to another customer since is its old customer's again).
_OPEN_LESS_LATER = """
    SELECT customer_id, sum(amount) AS overdue, min(due_date) AS oldest_due_date FROM (
        SELECT customer_id, invoice_id, min(due_date) AS due_date, sum(amount) AS amount FROM (
            SELECT customer_id, invoice_id, due_date, balance_amount AS amount
              FROM invoices
             WHERE company_id = :company_id AND balance_amount > 0 AND status <> 'COLLECTION_DELETED'
               AND posted AND due_date < :as_of
            UNION ALL
            SELECT e.customer_id, e.invoice_id, i.due_date, -e.amount
              FROM ledger_entries e
              JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
             WHERE e.company_id = :company_id AND e.effective_date > :as_of AND e.invoice_id IS NOT NULL
               AND i.due_date < :as_of
        ) AS m
         GROUP BY customer_id, invoice_id
        HAVING sum(amount) > 0
    ) AS owed
     GROUP BY customer_id
     ORDER BY overdue DESC, customer_id
     LIMIT :limit
"""

# A day far back: the entries dated on or before it, on invoices due before it.
_ENTRIES_UP_TO = """
    SELECT customer_id, sum(amount) AS overdue, min(due_date) AS oldest_due_date FROM (
        SELECT e.customer_id, e.invoice_id, i.due_date, sum(e.amount) AS amount
          FROM ledger_entries e
          JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
         WHERE e.company_id = :company_id AND e.effective_date <= :as_of AND e.invoice_id IS NOT NULL
           AND i.due_date < :as_of
         GROUP BY e.customer_id, e.invoice_id, i.due_date
        HAVING sum(e.amount) > 0
    ) AS owed
     GROUP BY customer_id
     ORDER BY overdue DESC, customer_id
     LIMIT :limit
"""

OPEN_NOW = text(_NAMED.format(top=_OPEN_NOW))
OPEN_LESS_LATER = text(_NAMED.format(top=_OPEN_LESS_LATER))
ENTRIES_UP_TO = text(_NAMED.format(top=_ENTRIES_UP_TO))


# As of today, first among the customers owing the most in all (customer_ledger_balances.open_sum, kept by
# the ledger's triggers): what a customer owes past due is part of what it owes (balances are never negative),
# so once the last of the top `limit` by overdue owes more past due than the last candidate owes in all, no
# customer outside the candidates can be among them. The candidates' overdue invoices come by
# ix_invoices_overdue_customer, a few hundred rows instead of grouping every overdue invoice of the seller.
_BY_OPEN_SUM = text(
    """
    WITH candidate AS MATERIALIZED (
        SELECT customer_id, open_sum FROM customer_ledger_balances
         WHERE company_id = :company_id AND open_sum > 0
         ORDER BY open_sum DESC, customer_id
         LIMIT :candidates
    ), owed AS (
        SELECT i.customer_id, sum(i.balance_amount) AS overdue, min(i.due_date) AS oldest_due_date
          FROM candidate c
          JOIN invoices i ON i.company_id = :company_id AND i.customer_id = c.customer_id
         WHERE i.balance_amount > 0 AND i.status <> 'COLLECTION_DELETED' AND i.posted AND i.due_date < :as_of
         GROUP BY i.customer_id
    )
    SELECT o.customer_id, cu.legal_name, o.overdue, o.oldest_due_date,
           (SELECT min(open_sum) FROM candidate) AS floor, (SELECT count(*) FROM candidate) AS considered
      FROM owed o
      JOIN customers cu ON cu.company_id = :company_id AND cu.customer_id = o.customer_id
     ORDER BY o.overdue DESC, o.customer_id
     LIMIT :limit
    """
)
# Candidates for the top 10: 20 times as many. On the benchmark's seller (47,000 customers owing past due)
# the top 10 by overdue are among the first 70 by all they owe.
_CANDIDATES_PER_PLACE = 20


async def _top_by_open_sum(
    session: AsyncSession, company_id: str, as_of: date, limit: int
) -> list[OverdueRow] | None:
    """The top ``limit`` from the customers owing the most in all; None when that cannot be proven to be
    the answer (the caller then groups every overdue invoice)."""
    candidates = limit * _CANDIDATES_PER_PLACE + 1
    params = {"company_id": company_id, "as_of": as_of, "limit": limit, "candidates": candidates}
    rows = (await session.execute(_BY_OPEN_SUM, params)).all()
    if not rows:
        return None  # no candidate owes past due: nothing proven about the rest
    found = [OverdueRow(r[0], r[1], Decimal(r[2]), r[3]) for r in rows]
    if rows[0].considered < candidates:
        return found  # every customer owing anything was a candidate
    if len(found) == limit and found[-1].overdue > Decimal(rows[0].floor):
        return found
    return None


async def top_overdue(
    session: AsyncSession, company_id: str, as_of: date, entries_after: int, entries_total: int, limit: int
) -> list[OverdueRow]:
    """The customers owing the most past due at the end of ``as_of`` (most first, then by id), with the due
    date of the oldest invoice they owe on. ``entries_after`` and ``entries_total`` (ledger entries dated
    after the day, and in all) pick the reading that touches fewer rows."""
    if entries_after == 0:
        proven = await _top_by_open_sum(session, company_id, as_of, limit)
        if proven is not None:
            return proven
        statement = OPEN_NOW
    elif entries_after * 2 <= entries_total:
        statement = OPEN_LESS_LATER
    else:
        statement = ENTRIES_UP_TO
    params = {"company_id": company_id, "as_of": as_of, "limit": limit}
    rows = await session.execute(statement, params)
    return [OverdueRow(r[0], r[1], Decimal(r[2]), r[3]) for r in rows]


_NAMES = text(
    "SELECT customer_id, legal_name FROM customers WHERE company_id = :company_id AND customer_id = ANY(:ids)"
)


async def with_current_names(
    session: AsyncSession, company_id: str, rows: list[OverdueRow]
) -> list[OverdueRow]:
    """The rows with their customers' names as they are now (a remembered list may predate a rename)."""
    if not rows:
        return rows
    params = {"company_id": company_id, "ids": [r.customer_id for r in rows]}
    names = {r[0]: r[1] for r in await session.execute(_NAMES, params)}
    return [r._replace(customer_name=names.get(r.customer_id, r.customer_name)) for r in rows]
