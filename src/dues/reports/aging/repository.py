"""SQL of the aging report per customer, scoped by company.

What a customer owed on an invoice at the end of day X is the sum of the invoice's ledger entries dated on or
before X (api.md §9.4). Two ways to that sum, with the same answer:

- *recent*: what is owed now (posted invoices' balances, customers' credit) less the entries dated after X.
  For a recent X the entries after it are few, and the open invoices are a fraction of all of them.
- *early*: the entries dated on or before X. For an X far back those are few.

Each is one statement over the indexes of ``invoices`` and ``ledger_entries``; the buckets are cut in SQL
(``width_bucket`` over the days between X and the invoice's due or invoice date), so a customer comes back
as one row whatever the number of its invoices. An entry counts for its own customer: an invoice moved to
another customer left a reversal with the old one and a new entry with the new one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.reports.summaries import Basis

_AGE_COLUMN = {Basis.DUE_DATE: "i.due_date", Basis.INVOICE_DATE: "i.invoice_date"}

# Every amount as of the end of :as_of, as (customer, on credit?, age date, amount): owed on an invoice
# (positive: owed) or held as credit (positive: credit held). Invoices are read through the partial index of
# open ones (balance_amount > 0; a balance is never negative); entries through ix_ledger_entries_date, in one
# pass for both halves (an entry on no invoice has no invoice to join).
_RECENT = """
moves AS (
    SELECT i.customer_id, false AS on_credit, {age} AS age_date, i.balance_amount AS amount
      FROM invoices i
     WHERE i.company_id = :company_id AND i.balance_amount > 0 AND i.posted {invoice_filter}
    UNION ALL
    SELECT k.customer_id, true, NULL, k.credit_balance
      FROM customers k
     WHERE k.company_id = :company_id AND k.credit_balance <> 0 {customer_filter}
    UNION ALL
    SELECT e.customer_id, e.invoice_id IS NULL, {age},
           CASE WHEN e.invoice_id IS NULL THEN e.amount ELSE -e.amount END
      FROM ledger_entries e
      LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     WHERE e.company_id = :company_id AND e.effective_date > :as_of {entry_filter}
)"""
_EARLY = """
moves AS (
    SELECT e.customer_id, e.invoice_id IS NULL AS on_credit, {age} AS age_date,
           CASE WHEN e.invoice_id IS NULL THEN -e.amount ELSE e.amount END AS amount
      FROM ledger_entries e
      LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     WHERE e.company_id = :company_id AND e.effective_date <= :as_of {entry_filter}
)"""

# Bucket k (0: current) of an amount d days old: width_bucket counts the thresholds 1, edge1 + 1, ... <= d.
# Bucket -1 is the credit. A customer is reported when anything in it is not zero.
_PER_CUSTOMER = """
sums AS (
    SELECT customer_id,
           CASE WHEN on_credit THEN -1
                ELSE width_bucket(CAST(:as_of AS date) - age_date, CAST(:thresholds AS int[])) END AS bucket,
           sum(amount) AS amount
      FROM moves GROUP BY 1, 2
),
per_customer AS (
    SELECT customer_id, {bucket_sums},
           COALESCE(sum(amount) FILTER (WHERE bucket = -1), 0) AS credit
      FROM sums GROUP BY customer_id HAVING bool_or(amount <> 0)
)"""
_NAMED = """,
report AS (
    SELECT n.customer_id, {named_columns}
      FROM unnest(CAST(:customer_ids AS text[])) AS n(customer_id)
      LEFT JOIN per_customer p ON p.customer_id = n.customer_id
)"""
_ALL = """,
report AS (SELECT * FROM per_customer)"""

# Templates of the statements' ends; only column lists made of fixed names are formatted in. The page is cut
# before the customers' names are joined: a name is read for each row shown, not for every customer.
_PAGE = """
SELECT 0 AS kind, NULL AS customer_id, NULL AS legal_name, {sums}, sum(r.credit) AS credit,
       count(*) AS matched, NULL AS net
  FROM report r
UNION ALL
SELECT 1, r.customer_id COLLATE "C", k.legal_name, {columns}, r.credit, NULL, r.net
  FROM (SELECT r.*, {net} AS net FROM report r
         ORDER BY net DESC, r.customer_id COLLATE "C" LIMIT :limit OFFSET :offset) AS r
  JOIN customers k ON k.company_id = :company_id AND k.customer_id = r.customer_id
ORDER BY kind, net DESC NULLS FIRST, customer_id
"""
_ALL_ROWS = """
SELECT r.customer_id, k.legal_name, {columns}, r.credit, {net} AS net
  FROM report r
  JOIN customers k ON k.company_id = :company_id AND k.customer_id = r.customer_id
 ORDER BY net DESC, r.customer_id COLLATE "C"
"""


class Amounts(NamedTuple):
    """A customer's (or the totals') buckets in order and its unapplied credit."""

    customer_id: str | None
    customer_name: str | None
    buckets: list[Decimal]
    credit: Decimal


class Found(NamedTuple):
    """The totals of every customer reported, how many they are, and a page of them."""

    totals: Amounts
    matched: int
    rows: list[Amounts]


def _filters(customer_ids: Sequence[str] | None) -> dict[str, str]:
    if customer_ids is None:
        return {"invoice_filter": "", "entry_filter": "", "customer_filter": ""}
    wanted = "= ANY(CAST(:customer_ids AS text[]))"
    return {
        "invoice_filter": f"AND i.customer_id {wanted}",
        "entry_filter": f"AND e.customer_id {wanted}",
        "customer_filter": f"AND k.customer_id {wanted}",
    }


def _with(basis: Basis, count: int, customer_ids: Sequence[str] | None, early: bool) -> str:
    """The WITH clause that ends in ``report``: one row per customer reported, columns b0..b{count-1} and
    credit. Only fixed fragments and numbers are formatted in: every value is a bound parameter."""
    source = (_EARLY if early else _RECENT).format(age=_AGE_COLUMN[basis], **_filters(customer_ids))
    bucket_sums = ", ".join(
        f"COALESCE(sum(amount) FILTER (WHERE bucket = {k}), 0) AS b{k}" for k in range(count)
    )
    clause = "WITH " + source + "," + _PER_CUSTOMER.format(bucket_sums=bucket_sums)
    if customer_ids is None:
        return clause + _ALL
    named = ", ".join(
        [*(f"COALESCE(p.b{k}, 0) AS b{k}" for k in range(count)), "COALESCE(p.credit, 0) AS credit"]
    )
    return clause + _NAMED.format(named_columns=named)


def _columns(count: int, prefix: str = "r.") -> tuple[str, str]:
    buckets = ", ".join(f"{prefix}b{k}" for k in range(count))
    net = " + ".join(f"{prefix}b{k}" for k in range(count)) + f" - {prefix}credit"
    return buckets, net


def _params(
    company_id: str, as_of: date, edges: Sequence[int], customer_ids: Sequence[str] | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "company_id": company_id,
        "as_of": as_of,
        "thresholds": [1, *(edge + 1 for edge in edges)],
    }
    if customer_ids is not None:
        params["customer_ids"] = list(customer_ids)
    return params


def _amounts(row: Any, count: int) -> Amounts:
    return Amounts(row[0], row[1], [Decimal(row[2 + k]) for k in range(count)], Decimal(row[2 + count]))


async def page(
    session: AsyncSession,
    company_id: str,
    as_of: date,
    basis: Basis,
    edges: Sequence[int],
    customer_ids: Sequence[str] | None,
    limit: int,
    offset: int,
    *,
    early: bool,
) -> Found:
    """The totals over every customer reported, how many there are, and one page of them (net descending,
    then customer id), all read in one statement: the totals are the sum of the rows, whatever commits
    meanwhile."""
    count = len(edges) + 2
    columns, net = _columns(count)
    sums = ", ".join(f"sum(r.b{k})" for k in range(count))
    # The totals row first (kind 0, with the number of customers), then the page (kind 1).
    sql = _with(basis, count, customer_ids, early) + _PAGE.format(sums=sums, columns=columns, net=net)
    params = _params(company_id, as_of, edges, customer_ids) | {"limit": limit, "offset": offset}
    head, *rows = (await session.execute(text(sql), params)).all()
    totals = Amounts(
        None, None, [Decimal(head[3 + k] or 0) for k in range(count)], Decimal(head[3 + count] or 0)
    )
    return Found(totals, int(head[4 + count]), [_amounts(row[1:], count) for row in rows])


async def stream(
    session: AsyncSession,
    company_id: str,
    as_of: date,
    basis: Basis,
    edges: Sequence[int],
    customer_ids: Sequence[str] | None,
    chunk: int,
    *,
    early: bool,
) -> AsyncIterator[list[Amounts]]:
    """Every customer reported, net descending then customer id, ``chunk`` rows at a time from a
    server-side cursor: a file of any number of customers is written without holding them all."""
    count = len(edges) + 2
    columns, net = _columns(count)
    sql = _with(basis, count, customer_ids, early) + _ALL_ROWS.format(columns=columns, net=net)
    params = _params(company_id, as_of, edges, customer_ids)
    result = await session.stream(text(sql), params)
    async for rows in result.partitions(chunk):
        yield [_amounts(row, count) for row in rows]


_ENTRIES_AFTER = text(
    "SELECT COALESCE(sum(entries) FILTER (WHERE effective_date > :as_of), 0), COALESCE(sum(entries), 0) "
    "FROM ledger_day_totals WHERE company_id = :company_id"
)


async def entries_after(session: AsyncSession, company_id: str, as_of: date) -> tuple[int, int]:
    """(entries dated after ``as_of``, all entries) of the company, from the day totals 0020 keeps."""
    after, total = (await session.execute(_ENTRIES_AFTER, {"company_id": company_id, "as_of": as_of})).one()
    return int(after), int(total)


_LATEST = text("SELECT max(effective_date) FROM ledger_day_totals WHERE company_id = :company_id")


async def latest_entry_date(session: AsyncSession, company_id: str) -> date | None:
    """The effective date of the company's latest-dated entry (from the day totals 0020 keeps)."""
    return (await session.execute(_LATEST, {"company_id": company_id})).scalar_one()


# Every customer's current balances, kept with each movement by 0019's summary: when no entry is dated after
# the day, they are what was owed that day, and a page of customers is chosen without reading any invoice.
_RANKED = text(
    """
    SELECT customer_id, count(*) OVER () AS matched
      FROM customer_ledger_balances
     WHERE company_id = :company_id AND (open_sum <> 0 OR credit <> 0)
     ORDER BY open_sum - credit DESC, customer_id COLLATE "C"
     LIMIT :limit OFFSET :offset
    """
)
_REPORTED = text(
    "SELECT count(*) FROM customer_ledger_balances "
    "WHERE company_id = :company_id AND (open_sum <> 0 OR credit <> 0)"
)


async def ranked_now(
    session: AsyncSession, company_id: str, limit: int, offset: int
) -> tuple[list[str], int]:
    """A page of the customers owing or owed anything now, net descending then id, and how many there are."""
    params = {"company_id": company_id, "limit": limit, "offset": offset}
    rows = (await session.execute(_RANKED, params)).all()
    if rows:
        return [r.customer_id for r in rows], int(rows[0].matched)
    return [], int((await session.execute(_REPORTED, {"company_id": company_id})).scalar_one())


_KNOWN = text(
    "SELECT customer_id FROM customers "
    "WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[]))"
)


async def known_customers(session: AsyncSession, company_id: str, customer_ids: Sequence[str]) -> set[str]:
    """Those of the ids that are customers of the company."""
    params = {"company_id": company_id, "customer_ids": list(customer_ids)}
    return set((await session.execute(_KNOWN, params)).scalars())
