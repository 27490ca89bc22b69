"""The customer pages' own reads: balances per customer and the latest rows of each list on the customer page.

Each statement is scoped by company and bounded (LIMIT), and walks a company-scoped index from its newest
end, so the customer page costs the same for a customer with ten invoices as for one with ten thousand
(the lead's bench: a seller with 1,000,000 invoices). The partial-index conditions (balance_amount > 0,
status <> 'COLLECTION_DELETED') are spelled as literals so that a prepared plan can still match them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit.money import ZERO

LATEST = 20


@dataclass(frozen=True, slots=True)
class Figures:
    """What a customer owes now: on posted invoices, the part of it past due, and when it last paid."""

    outstanding: Decimal
    overdue: Decimal
    last_paid_on: date | None


NO_FIGURES = Figures(ZERO, ZERO, None)

# Outstanding is the ledger summary's open_sum (the posted invoices' balances, kept by triggers); overdue
# reads the customer's open invoices from ix_invoices_overdue_customer; the last payment is the newest
# recorded one on ix_payments_customer.
_FIGURES = text(
    """
    SELECT k.customer_id,
           COALESCE((SELECT b.open_sum FROM customer_ledger_balances b
                      WHERE b.company_id = :c AND b.customer_id = k.customer_id), 0),
           COALESCE((SELECT sum(i.balance_amount) FROM invoices i
                      WHERE i.company_id = :c AND i.customer_id = k.customer_id AND i.balance_amount > 0
                        AND i.status <> 'COLLECTION_DELETED' AND i.posted AND i.due_date < :today), 0),
           (SELECT p.paid_on FROM payments p
             WHERE p.company_id = :c AND p.customer_id = k.customer_id AND p.status = 'RECORDED'
             ORDER BY p.paid_on DESC LIMIT 1)
      FROM unnest(CAST(:k AS varchar[])) AS k(customer_id)
    """
)


async def figures(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], today: date
) -> dict[str, Figures]:
    if not customer_ids:
        return {}
    rows = await session.execute(_FIGURES, {"c": company_id, "k": list(customer_ids), "today": today})
    return {r[0]: Figures(Decimal(r[1]), Decimal(r[2]), r[3]) for r in rows.all()}


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    invoice_id: str
    invoice_number: str
    document_type: str
    invoice_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    status: str
    approval_status: str
    overdue: bool


# Newest due date first, straight from ix_invoices_customer_due read backwards.
_INVOICES = text(
    """
    SELECT invoice_id, invoice_number, document_type, invoice_date, due_date, total_amount, balance_amount,
           status, approval_status,
           balance_amount > 0 AND status <> 'COLLECTION_DELETED' AND due_date < :today
      FROM invoices
     WHERE company_id = :c AND customer_id = :k
     ORDER BY due_date DESC, invoice_id DESC
     LIMIT :n
    """
)
_INVOICE_COUNT = text("SELECT count(*) FROM invoices WHERE company_id = :c AND customer_id = :k")


async def latest_invoices(
    session: AsyncSession, company_id: str, customer_id: str, today: date, limit: int = LATEST
) -> tuple[list[InvoiceRow], int]:
    """The customer's latest invoices (by due date) and how many it has in all."""
    params = {"c": company_id, "k": customer_id, "today": today, "n": limit}
    rows = [InvoiceRow(*r) for r in (await session.execute(_INVOICES, params)).all()]
    if len(rows) < limit:
        return rows, len(rows)
    total = (await session.execute(_INVOICE_COUNT, {"c": company_id, "k": customer_id})).scalar_one()
    return rows, int(total)


@dataclass(frozen=True, slots=True)
class PaymentRow:
    payment_id: str
    paid_on: date
    mode: str
    reference: str
    amount: Decimal
    unallocated: Decimal
    status: str


_PAYMENTS = text(
    """
    SELECT payment_id, paid_on, mode, reference, amount, unallocated_amount, status
      FROM payments
     WHERE company_id = :c AND customer_id = :k
     ORDER BY paid_on DESC, payment_id DESC
     LIMIT :n
    """
)


async def latest_payments(
    session: AsyncSession, company_id: str, customer_id: str, limit: int = LATEST
) -> list[PaymentRow]:
    params = {"c": company_id, "k": customer_id, "n": limit}
    return [PaymentRow(*r) for r in (await session.execute(_PAYMENTS, params)).all()]


@dataclass(frozen=True, slots=True)
class DisputeRow:
    dispute_id: str
    invoice_id: str
    invoice_number: str
    reason: str
    remarks: str | None
    amount: Decimal | None
    status: str
    outcome: str | None
    created_on: datetime


_DISPUTES = text(
    """
    SELECT d.dispute_id, d.invoice_id, i.invoice_number, d.reason, d.remarks, d.amount, d.status, d.outcome,
           d.created_on
      FROM (SELECT * FROM disputes WHERE company_id = :c AND customer_id = :k
             ORDER BY created_on DESC, dispute_id DESC LIMIT :n) AS d
      JOIN invoices i ON i.company_id = :c AND i.invoice_id = d.invoice_id
     ORDER BY d.created_on DESC, d.dispute_id DESC
    """
)


async def latest_disputes(
    session: AsyncSession, company_id: str, customer_id: str, limit: int = LATEST
) -> list[DisputeRow]:
    params = {"c": company_id, "k": customer_id, "n": limit}
    return [DisputeRow(*r) for r in (await session.execute(_DISPUTES, params)).all()]


@dataclass(frozen=True, slots=True)
class PromiseRow:
    promise_id: str
    invoice_id: str
    invoice_number: str
    promised_date: date
    amount: Decimal
    status: str
    created_on: datetime


_PROMISES = text(
    """
    SELECT p.promise_id, p.invoice_id, i.invoice_number, p.promised_date, p.amount, p.status, p.created_on
      FROM (SELECT * FROM promises WHERE company_id = :c AND customer_id = :k
             ORDER BY created_on DESC, promise_id DESC LIMIT :n) AS p
      JOIN invoices i ON i.company_id = :c AND i.invoice_id = p.invoice_id
     ORDER BY p.created_on DESC, p.promise_id DESC
    """
)


async def latest_promises(
    session: AsyncSession, company_id: str, customer_id: str, limit: int = LATEST
) -> list[PromiseRow]:
    params = {"c": company_id, "k": customer_id, "n": limit}
    return [PromiseRow(*r) for r in (await session.execute(_PROMISES, params)).all()]


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """An entry as the ledger (GET .../ledger) shows it: debit or credit, and the balance after it."""

    entry_date: date
    type: str
    document_id: str
    document_number: str | None
    invoice_id: str | None
    debit: Decimal
    credit: Decimal
    running_balance: Decimal


# The newest entries from ix_ledger_entries_customer read backwards (the index alone answers: its INCLUDE
# columns), and the closing balance from the ledger summary, so no entry before them is read: the balance
# after each is the closing balance less what the newer entries moved.
_LEDGER_TAIL = text(
    """
    SELECT effective_date, entry_type, document_id, document_number, invoice_id, amount
      FROM ledger_entries
     WHERE company_id = :c AND customer_id = :k
     ORDER BY effective_date DESC, entry_id DESC
     LIMIT :n
    """
)
_CLOSING = text("SELECT entries_sum FROM customer_ledger_balances WHERE company_id = :c AND customer_id = :k")


async def ledger_tail(
    session: AsyncSession, company_id: str, customer_id: str, limit: int = LATEST
) -> tuple[list[LedgerRow], Decimal]:
    """The customer's latest ledger entries, oldest of them first, each with the balance after it; and the
    closing balance (what it owes now, negative when in credit)."""
    params = {"c": company_id, "k": customer_id}
    closing = Decimal((await session.execute(_CLOSING, params)).scalar_one_or_none() or ZERO)
    rows = (await session.execute(_LEDGER_TAIL, {**params, "n": limit})).all()
    after = closing
    lines: list[LedgerRow] = []
    for on, kind, document_id, number, invoice_id, amount in rows:
        amount = Decimal(amount)
        lines.append(
            LedgerRow(
                on,
                kind,
                document_id,
                number,
                invoice_id,
                amount if amount > 0 else ZERO,
                -amount if amount < 0 else ZERO,
                after,
            )
        )
        after -= amount
    lines.reverse()
    return lines, closing
