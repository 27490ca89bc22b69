"""SQL of statements of account: what the ledger's entries name (invoice numbers, payment modes), what was
owed on invoices and on credit at the end of a period, and the monthly run. The entries themselves and the
opening balances are read through dues.ledger.repository. Every statement is scoped by company."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.ledger.repository import EntryRow

# The customers' entries of the period with what the statement says of the documents they name: the number
# and date of the invoice an entry moved (not read for cash, TDS and refunds, whose lines name no invoice),
# and the mode and TDS section of the payment behind cash, TDS or a
# reversal. Joined per entry (two primary-key probes each, in the entries' own order) rather than looked up
# afterwards by lists of ids, which the planner ran as parallel scans whose start-up cost more than the work.
_ENTRIES = text(
    """
    SELECT e.customer_id, e.effective_date, e.entry_type, e.document_id, e.document_number, e.invoice_id,
           e.amount, i.invoice_number, i.invoice_date, p.mode, p.tds_section, p.payment_id IS NOT NULL
      FROM ledger_entries e
      LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
                          AND e.entry_type NOT IN ('PAYMENT', 'TDS', 'REFUND')
      LEFT JOIN payments p ON p.company_id = e.company_id AND p.payment_id = e.document_id
                          AND e.entry_type IN ('PAYMENT', 'TDS', 'REVERSAL')
     WHERE e.company_id = :company_id AND e.customer_id = ANY(CAST(:customer_ids AS text[]))
       AND e.effective_date BETWEEN :date_from AND :date_to
     ORDER BY e.customer_id, e.effective_date, e.entry_id
    """
)


@dataclass
class Entries:
    """The period's entries, in order, and what they name: invoiceId → (number, invoice date), paymentId →
    (mode, TDS section or None)."""

    rows: list[EntryRow] = field(default_factory=list)
    invoices: dict[str, tuple[str, date]] = field(default_factory=dict)
    payments: dict[str, tuple[str, str | None]] = field(default_factory=dict)


async def entries_of(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], date_from: date, date_to: date
) -> Entries:
    params = {
        "company_id": company_id,
        "customer_ids": list(customer_ids),
        "date_from": date_from,
        "date_to": date_to,
    }
    found = Entries()
    for row in (await session.execute(_ENTRIES, params)).all():
        entry = EntryRow(*row[:7])
        found.rows.append(entry)
        if entry.invoice_id is not None and row[7] is not None:
            found.invoices[entry.invoice_id] = (row[7], row[8])
        if row[11]:
            found.payments[entry.document_id] = (row[9], row[10])
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
    """Per customer: what it owed before the period, each invoice still owing at its end (oldest due first)
    and the credit it held then."""

    openings: dict[str, Decimal] = field(default_factory=dict)
    owed: dict[str, list[OwedInvoice]] = field(default_factory=dict)
    credit: dict[str, Decimal] = field(default_factory=dict)


# One pass over the customers' entries up to the period's end, summed per invoice (and per customer's credit):
# before the first day for the opening, to the last for what each invoice still owed then (not its balance
# now, which later payments moved) and the credit held; invoices are read only for those still owing.
_BALANCES = text(
    """
    WITH sums AS (
        SELECT customer_id, invoice_id,
               COALESCE(sum(amount) FILTER (WHERE effective_date < :date_from), 0) AS before,
               sum(amount) AS at_end
          FROM ledger_entries
         WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[]))
           AND effective_date <= :date_to
         GROUP BY customer_id, invoice_id
    )
    SELECT s.customer_id, s.invoice_id, s.before, s.at_end, i.invoice_number, i.invoice_date, i.due_date,
           i.total_amount
      FROM sums s
      LEFT JOIN invoices i ON i.company_id = :company_id AND i.invoice_id = s.invoice_id AND s.at_end <> 0
     ORDER BY s.customer_id, i.due_date, i.invoice_date, i.invoice_number
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
    for customer_id, invoice_id, before, at_end, number, invoice_date, due_date, total in (
        await session.execute(_BALANCES, params)
    ).all():
        found.openings[customer_id] = found.openings.get(customer_id, Decimal(0)) + before
        if invoice_id is None:
            found.credit[customer_id] = -at_end
        elif at_end != 0:
            found.owed.setdefault(customer_id, []).append(
                OwedInvoice(customer_id, invoice_id, number, invoice_date, due_date, total, at_end)
            )
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
