"""Settling invoices (api.md §9): the one statement through which every movement changes what an invoice owes.

A payment adds to ``paid_amount``, the buyer's TDS to ``tds_amount``, a credit note to ``credited_amount``,
a write-off to ``written_off_amount``; a reversal adds negative amounts. The balance falls (or rises) by their
sum, ``paid + credited + written_off + tds + balance = total`` holds (in the database too), and the status
follows:

- balance 0: ``WRITTEN_OFF`` when a write-off closed it, ``PAID`` otherwise;
- something owed and some cash or TDS received: ``PARTIALLY_PAID``;
- otherwise back to ``DISPATCHED`` (or ``CREATED`` when never dispatched).

Callers lock the invoices first (payments.repository.lock_invoices, in invoice_id order) and post the
movement's ledger entries after. The reminders of invoices that this settles are cancelled through the
InvoicesSettled event; those it reopens are picked up again by the reminder sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.events.bus import InvoicesSettled, publish
from dues.kit.money import ZERO


@dataclass(frozen=True)
class Change:
    """What one movement adds to one invoice's settled parts (negative to undo)."""

    paid: Decimal = ZERO
    credited: Decimal = ZERO
    written_off: Decimal = ZERO
    tds: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.paid + self.credited + self.written_off + self.tds


@dataclass(frozen=True)
class Settled:
    """An invoice as a movement left it."""

    invoice_id: str
    paid_amount: Decimal
    balance_amount: Decimal
    status: str
    updated_on: datetime
    credited_amount: Decimal = ZERO
    written_off_amount: Decimal = ZERO
    tds_amount: Decimal = ZERO
    total_amount: Decimal = ZERO
    balance_before: Decimal = ZERO

    @property
    def reopened(self) -> bool:
        return self.balance_before == 0 and self.balance_amount > 0


# One statement for all the invoices of a movement: the open-invoice counters' trigger (0007) then runs once
# and takes its counter locks in key order, where one UPDATE per invoice could take them in any order.
_SETTLE = text(
    """
    UPDATE invoices i
    SET paid_amount = i.paid_amount + a.paid,
        credited_amount = i.credited_amount + a.credited,
        written_off_amount = i.written_off_amount + a.written_off,
        tds_amount = i.tds_amount + a.tds,
        balance_amount = i.balance_amount - (a.paid + a.credited + a.written_off + a.tds),
        status = CASE
            WHEN i.status = 'COLLECTION_DELETED' THEN i.status
            WHEN i.balance_amount - (a.paid + a.credited + a.written_off + a.tds) = 0
                THEN CASE WHEN a.written_off > 0 THEN 'WRITTEN_OFF' ELSE 'PAID' END
            WHEN i.paid_amount + a.paid + i.tds_amount + a.tds > 0 THEN 'PARTIALLY_PAID'
            WHEN i.dispatched THEN 'DISPATCHED'
            ELSE 'CREATED' END,
        updated_on = now()
    FROM unnest(CAST(:invoice_ids AS text[]), CAST(:paid AS numeric[]), CAST(:credited AS numeric[]),
                CAST(:written_off AS numeric[]), CAST(:tds AS numeric[]))
         AS a(invoice_id, paid, credited, written_off, tds)
    WHERE i.company_id = :company_id AND i.invoice_id = a.invoice_id
    RETURNING i.invoice_id, i.paid_amount, i.balance_amount, i.status, i.updated_on, i.credited_amount,
              i.written_off_amount, i.tds_amount, i.total_amount,
              i.balance_amount + (a.paid + a.credited + a.written_off + a.tds)
    """
)


# Every movement locks its customers' rows before the balances move: the statement triggers of migration 0019
# then update the customers' ledger summaries, and a movement that changes the customer's credit (a payment
# leaving credit, a refund, a credit application) takes the customer's row too. Taken here, first, by every
# movement, the customer's row orders them all, so none holds the summary while waiting for the customer.
_LOCK_CUSTOMERS = text(
    """
    SELECT c.customer_id FROM customers c
     WHERE c.company_id = :company_id
       AND c.customer_id IN (
           SELECT i.customer_id FROM invoices i
            WHERE i.company_id = :company_id AND i.invoice_id = ANY(CAST(:invoice_ids AS text[])))
     ORDER BY c.customer_id
       FOR UPDATE OF c
    """
)


async def settle(
    session: AsyncSession,
    company_id: str,
    changes: dict[str, Change],
    *,
    cause: str = "PAYMENT",
    actor: str = "",
) -> dict[str, Settled]:
    """Apply each change to its (locked) invoice; the invoices' CHECKs refuse a balance below 0 or parts that
    no longer make the total, whatever the caller checked. Publishes InvoicesSettled."""
    if not changes:
        return {}
    ids = sorted(changes)
    params = {
        "company_id": company_id,
        "invoice_ids": ids,
        "paid": [changes[i].paid for i in ids],
        "credited": [changes[i].credited for i in ids],
        "written_off": [changes[i].written_off for i in ids],
        "tds": [changes[i].tds for i in ids],
    }
    await session.execute(_LOCK_CUSTOMERS, {"company_id": company_id, "invoice_ids": ids})
    rows = (await session.execute(_SETTLE, params)).all()
    result = {row[0]: Settled(*row) for row in rows}
    settled = tuple(i for i, s in result.items() if s.balance_amount == 0 and s.balance_before > 0)
    reopened = tuple(i for i, s in result.items() if s.reopened)
    balances = tuple((i, s.balance_amount) for i, s in sorted(result.items()))
    event = InvoicesSettled(company_id, settled, reopened, balances, cause=cause, actor=actor)
    await publish(session, event)
    return result
