"""SQL of statements of account: the ledger's entries of a period and what they name (invoice numbers, payment
modes), what was owed before it, on invoices and on credit at its end, and the monthly run. Every statement
is scoped by company."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class EntryRow(NamedTuple):
    """An entry as a statement reads it, with the number of the invoice it moved when the statement names it
    (a credit note's, write-off's or applied credit's)."""

    customer_id: str
    effective_date: date
    entry_type: str
    document_id: str
    document_number: str | None
    invoice_id: str | None
    amount: Decimal
    entry_id: int
    invoice_number: str | None


# The customers' entries of the period, in order. The invoice's number is looked up only for the entries whose
# line names it: a scalar subquery under CASE runs only when its branch is taken, where a join (or a lateral
# one, which the planner flattens into a join) probes the invoices for every entry.
_ENTRIES = text(
    """
    SELECT e.customer_id, e.effective_date, e.entry_type, e.document_id, e.document_number, e.invoice_id,
           e.amount, e.entry_id,
           CASE WHEN e.entry_type IN ('CREDIT_NOTE', 'WRITE_OFF', 'CREDIT_APPLIED') THEN
                (SELECT i.invoice_number FROM invoices i
                  WHERE i.company_id = e.company_id AND i.invoice_id = e.invoice_id) END
      FROM ledger_entries e
     WHERE e.company_id = :company_id AND e.customer_id = ANY(CAST(:customer_ids AS text[]))
       AND e.effective_date BETWEEN :date_from AND :date_to
     ORDER BY e.customer_id, e.effective_date, e.entry_id
    """
)


async def entries_of(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], date_from: date, date_to: date
) -> list[EntryRow]:
    params = {
        "company_id": company_id,
        "customer_ids": list(customer_ids),
        "date_from": date_from,
        "date_to": date_to,
    }
    return [EntryRow._make(row) for row in (await session.execute(_ENTRIES, params)).all()]


# The payments the customers' cash, TDS and reversal lines name (mode, TDS section): first those paid in the
# period, in one range scan of the customers' payments; then, by id, any other (a payment of an earlier period
# reversed in this one). Probing every payment by its key read seven times the pages.
_PAYMENTS_PAID = text(
    """
    SELECT payment_id, mode, tds_section FROM payments
     WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[]))
       AND paid_on BETWEEN :date_from AND :date_to
    """
)
_PAYMENTS_BY_ID = text(
    "SELECT payment_id, mode, tds_section FROM payments "
    "WHERE company_id = :company_id AND payment_id = ANY(CAST(:payment_ids AS text[]))"
)


async def payments_named(
    session: AsyncSession,
    company_id: str,
    customer_ids: Sequence[str],
    date_from: date,
    date_to: date,
    document_ids: set[str],
) -> dict[str, tuple[str, str | None]]:
    """paymentId → (mode, TDS section or None) for those of document_ids that are payments."""
    if not document_ids:
        return {}
    params = {
        "company_id": company_id,
        "customer_ids": list(customer_ids),
        "date_from": date_from,
        "date_to": date_to,
    }
    found = {
        payment_id: (mode, section)
        for payment_id, mode, section in (await session.execute(_PAYMENTS_PAID, params)).all()
        if payment_id in document_ids
    }
    missing = sorted(document_ids - found.keys())
    if missing:
        rows = await session.execute(_PAYMENTS_BY_ID, {"company_id": company_id, "payment_ids": missing})
        found.update((payment_id, (mode, section)) for payment_id, mode, section in rows.all())
    return found


@dataclass(frozen=True)
class OwedInvoice:
    customer_id: str
    invoice_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    total: Decimal
    balance: Decimal


@dataclass
class Balances:
    """Per customer: what it owed before the period, each invoice still owing at its end (oldest due first),
    the credit it held then, and the first entry of each invoice it was ever charged (customerId, invoiceId →
    entry id: a later charge of the invoice is a correction)."""

    openings: dict[str, Decimal] = field(default_factory=dict)
    owed: dict[str, list[OwedInvoice]] = field(default_factory=dict)
    credit: dict[str, Decimal] = field(default_factory=dict)
    first_entries: dict[tuple[str, str], int] = field(default_factory=dict)


# One pass over the customers' entries up to the period's end, summed per invoice (and per customer's credit):
# before the first day for the opening, to the last for what each invoice still owed then (not its balance
# now, which later payments moved) and the credit held. Invoices are read only for those still owing (the
# sums materialised once, then joined twice, rather than a probe per invoice or per entry).
_BALANCES = text(
    """
    WITH sums AS MATERIALIZED (
        SELECT customer_id, invoice_id,
               COALESCE(sum(amount) FILTER (WHERE effective_date < :date_from), 0) AS before,
               sum(amount) AS at_end,
               min(entry_id) AS first_entry
          FROM ledger_entries
         WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[]))
           AND effective_date <= :date_to
         GROUP BY customer_id, invoice_id
    ), owing AS (
        SELECT s.invoice_id, i.invoice_number, i.invoice_date, i.due_date, i.total_amount
          FROM sums s
          JOIN invoices i ON i.company_id = :company_id AND i.invoice_id = s.invoice_id
         WHERE s.at_end <> 0
    )
    SELECT s.customer_id, s.invoice_id, s.before, s.at_end, s.first_entry, o.invoice_number, o.invoice_date,
           o.due_date, o.total_amount
      FROM sums s
      LEFT JOIN owing o ON o.invoice_id = s.invoice_id
    """
)


async def balances(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], date_from: date, date_to: date
) -> Balances:
    params = {
        "company_id": company_id,
        "customer_ids": list(customer_ids),
        "date_from": date_from,
        "date_to": date_to,
    }
    found = Balances()
    for customer_id, invoice_id, before, at_end, first, number, invoice_date, due_date, total in (
        await session.execute(_BALANCES, params)
    ).all():
        found.openings[customer_id] = found.openings.get(customer_id, Decimal(0)) + before
        if invoice_id is None:
            found.credit[customer_id] = -at_end
            continue
        found.first_entries[customer_id, invoice_id] = first
        if at_end != 0:
            found.owed.setdefault(customer_id, []).append(
                OwedInvoice(customer_id, invoice_id, number, invoice_date, due_date, total, at_end)
            )
    for owed in found.owed.values():
        owed.sort(key=lambda o: (o.due_date, o.invoice_date, o.invoice_number))
    return found


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
