"""SQL of statements of account: what the ledger's entries name (invoice numbers, payment modes), what was
owed on invoices and on credit at the end of a period, and the monthly run. The entries themselves and the
opening balances are read through dues.ledger.repository. Every statement is scoped by company."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_INVOICES = text(
    "SELECT invoice_id, invoice_number, invoice_date FROM invoices "
    "WHERE company_id = :company_id AND invoice_id = ANY(CAST(:ids AS text[]))"
)
_PAYMENTS = text(
    "SELECT payment_id, mode, tds_section FROM payments "
    "WHERE company_id = :company_id AND payment_id = ANY(CAST(:ids AS text[]))"
)


async def invoice_numbers(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, tuple[str, date]]:
    """invoiceId → (number, invoice date), for the invoices the entries of a statement name."""
    if not invoice_ids:
        return {}
    rows = await session.execute(_INVOICES, {"company_id": company_id, "ids": list(invoice_ids)})
    return {r[0]: (r[1], r[2]) for r in rows.all()}


async def payment_kinds(
    session: AsyncSession, company_id: str, payment_ids: Sequence[str]
) -> dict[str, tuple[str, str | None]]:
    """paymentId → (mode, TDS section or None), for the payments the entries of a statement came from."""
    if not payment_ids:
        return {}
    rows = await session.execute(_PAYMENTS, {"company_id": company_id, "ids": list(payment_ids)})
    return {r[0]: (r[1], r[2]) for r in rows.all()}


@dataclass(frozen=True)
class OwedInvoice:
    customer_id: str
    invoice_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    total: Decimal
    balance: Decimal


# What each invoice still owed at the end of the day: its entries dated on or before it (not its balance now,
# which later payments moved).
_OPEN_AS_OF = text(
    """
    WITH owed AS (
        SELECT customer_id, invoice_id, sum(amount) AS balance
          FROM ledger_entries
         WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[]))
           AND invoice_id IS NOT NULL AND effective_date <= :as_of
         GROUP BY customer_id, invoice_id
        HAVING sum(amount) <> 0
    )
    SELECT o.customer_id, o.invoice_id, i.invoice_number, i.invoice_date, i.due_date, i.total_amount,
           o.balance
      FROM owed o
      JOIN invoices i ON i.company_id = :company_id AND i.invoice_id = o.invoice_id
     ORDER BY o.customer_id, i.due_date, i.invoice_date, i.invoice_number
    """
)


async def owed_on_invoices(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], as_of: date
) -> list[OwedInvoice]:
    """The customers' invoices with something owed at the end of ``as_of``, oldest due first."""
    params = {"company_id": company_id, "customer_ids": list(customer_ids), "as_of": as_of}
    return [
        OwedInvoice(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), Decimal(r[6]))
        for r in (await session.execute(_OPEN_AS_OF, params)).all()
    ]


_CREDIT_AS_OF = text(
    "SELECT customer_id, -sum(amount) FROM ledger_entries "
    "WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[])) "
    "AND invoice_id IS NULL AND effective_date <= :as_of GROUP BY customer_id"
)


async def credit_as_of(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], as_of: date
) -> dict[str, Decimal]:
    """Each customer's unapplied credit at the end of ``as_of``: minus its entries on no invoice."""
    params = {"company_id": company_id, "customer_ids": list(customer_ids), "as_of": as_of}
    return {r[0]: Decimal(r[1]) for r in (await session.execute(_CREDIT_AS_OF, params)).all()}


# ------------------------------------------------------------------------------------------- monthly run


_DUE_COMPANIES = text(
    """
    SELECT c.company_id FROM companies c
     WHERE c.statement_day = :day
       AND NOT EXISTS (SELECT 1 FROM statement_runs r
                        WHERE r.company_id = c.company_id AND r.period_start = :period_start)
     ORDER BY c.company_id
    """
)


async def companies_due(session: AsyncSession, day: int, period_start: date) -> list[str]:
    """Companies whose statement day is ``day`` and whose statements of the month starting ``period_start``
    have not gone out (the claim below decides among workers that see the same)."""
    rows = await session.execute(_DUE_COMPANIES, {"day": day, "period_start": period_start})
    return [r[0] for r in rows.all()]


_CLAIM = text(
    "INSERT INTO statement_runs (company_id, period_start) VALUES (:company_id, :period_start) "
    "ON CONFLICT DO NOTHING RETURNING company_id"
)


async def claim_run(session: AsyncSession, company_id: str, period_start: date) -> bool:
    """Whether this transaction is the one to send the company's statements of that month. A second worker's
    claim waits here for the first's transaction: it gets False once that commits, True if it rolled back."""
    params = {"company_id": company_id, "period_start": period_start}
    return (await session.execute(_CLAIM, params)).first() is not None


_COUNTED = text(
    "UPDATE statement_runs SET customers = :customers "
    "WHERE company_id = :company_id AND period_start = :period_start"
)


async def count_run(session: AsyncSession, company_id: str, period_start: date, customers: int) -> None:
    params = {"company_id": company_id, "period_start": period_start, "customers": customers}
    await session.execute(_COUNTED, params)


@dataclass(frozen=True)
class Owing:
    customer_id: str
    legal_name: str
    email: str | None
    contact_number: str | None
    balance: Decimal


# Summed first, then joined: the customers table is read only for those with a balance.
_OWING_AT = text(
    """
    WITH owing AS (
        SELECT customer_id, sum(amount) AS balance
          FROM ledger_entries
         WHERE company_id = :company_id AND effective_date <= :as_of
         GROUP BY customer_id
        HAVING sum(amount) <> 0
    )
    SELECT o.customer_id, c.legal_name, c.email, c.contact_number, o.balance
      FROM owing o
      JOIN customers c ON c.company_id = :company_id AND c.customer_id = o.customer_id
     WHERE NOT c.deleted
     ORDER BY o.customer_id
    """
)


async def owing_at(session: AsyncSession, company_id: str, as_of: date) -> list[Owing]:
    """The company's customers (not deleted) whose ledger did not balance to zero at the end of ``as_of``:
    one statement over the company's entries."""
    rows = await session.execute(_OWING_AT, {"company_id": company_id, "as_of": as_of})
    return [Owing(r[0], r[1], r[2], r[3], Decimal(r[4])) for r in rows.all()]
