"""SQL of the ledger: entries go in by one statement per movement and are never changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models.ledger import LedgerEntry

_INSERT = text(
    """
    INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id,
                                document_number, invoice_id, amount)
    SELECT :company_id, e.customer_id, e.effective_date, e.entry_type, e.document_id, e.document_number,
           e.invoice_id, e.amount
      FROM unnest(CAST(:customer_ids AS text[]), CAST(:dates AS date[]), CAST(:types AS text[]),
                  CAST(:documents AS text[]), CAST(:numbers AS text[]), CAST(:invoices AS text[]),
                  CAST(:amounts AS numeric[]))
           WITH ORDINALITY AS e(customer_id, effective_date, entry_type, document_id, document_number,
                                invoice_id, amount, n)
     ORDER BY e.n
    """
)


async def insert(
    session: AsyncSession,
    company_id: str,
    rows: Sequence[tuple[str, date, str, str, str | None, str | None, Decimal]],
) -> None:
    """(customer, date, type, document id, document number, invoice or None, amount) rows, in order."""
    if not rows:
        return
    customers, dates, types, documents, numbers, invoices, amounts = (
        list(c) for c in zip(*rows, strict=True)
    )
    await session.execute(
        _INSERT,
        {
            "company_id": company_id,
            "customer_ids": customers,
            "dates": dates,
            "types": types,
            "documents": documents,
            "numbers": numbers,
            "invoices": invoices,
            "amounts": amounts,
        },
    )


# Recomputed from the rows themselves, not from the triggers' summary: the check in code is a second,
# independent witness of the database's deferred one.
_IMBALANCED = text(
    """
    WITH c AS (SELECT unnest(CAST(:customer_ids AS text[])) AS customer_id)
    SELECT c.customer_id, COALESCE(e.on_invoices, 0), COALESCE(e.on_credit, 0),
           COALESCE((SELECT sum(i.balance_amount) FROM invoices i
                      WHERE i.company_id = :company_id AND i.customer_id = c.customer_id AND i.posted), 0),
           COALESCE((SELECT k.credit_balance FROM customers k
                      WHERE k.company_id = :company_id AND k.customer_id = c.customer_id), 0)
      FROM c
      LEFT JOIN LATERAL (
           SELECT sum(amount) FILTER (WHERE invoice_id IS NOT NULL) AS on_invoices,
                  sum(amount) FILTER (WHERE invoice_id IS NULL) AS on_credit
             FROM ledger_entries
            WHERE company_id = :company_id AND customer_id = c.customer_id) e ON true
    """
)


async def sums(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str]
) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
    """Per customer: the sums of its entries on invoices and on its credit, of its posted invoices'
    balances, and its credit."""
    rows = await session.execute(_IMBALANCED, {"company_id": company_id, "customer_ids": list(customer_ids)})
    return [(r[0], Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), Decimal(r[4])) for r in rows.all()]


async def entries_of(
    session: AsyncSession,
    company_id: str,
    customer_id: str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).where(
        LedgerEntry.company_id == company_id, LedgerEntry.customer_id == customer_id
    )
    if date_from is not None:
        stmt = stmt.where(LedgerEntry.effective_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(LedgerEntry.effective_date <= date_to)
    stmt = stmt.order_by(LedgerEntry.effective_date, LedgerEntry.entry_id)
    return list((await session.execute(stmt)).scalars())


_OPENING = text(
    "SELECT COALESCE(sum(amount), 0) FROM ledger_entries "
    "WHERE company_id = :company_id AND customer_id = :customer_id AND effective_date < :before"
)


async def balance_before(session: AsyncSession, company_id: str, customer_id: str, before: date) -> Decimal:
    params = {"company_id": company_id, "customer_id": customer_id, "before": before}
    return Decimal((await session.execute(_OPENING, params)).scalar_one())


class EntryRow(NamedTuple):
    """An entry as a statement reads it: plain values, no ORM object to build or track."""

    customer_id: str
    effective_date: date
    entry_type: str
    document_id: str
    document_number: str | None
    invoice_id: str | None
    amount: Decimal


_OPENINGS = text(
    "SELECT customer_id, sum(amount) FROM ledger_entries "
    "WHERE company_id = :company_id AND customer_id = ANY(CAST(:customer_ids AS text[])) "
    "AND effective_date < :before GROUP BY customer_id"
)


async def balances_before(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], before: date
) -> dict[str, Decimal]:
    """balance_before for several customers at once; a customer with no entry before the day is left out
    (it owed nothing)."""
    params = {"company_id": company_id, "customer_ids": list(customer_ids), "before": before}
    return {r[0]: Decimal(r[1]) for r in (await session.execute(_OPENINGS, params)).all()}
