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

from sqlalchemy.ext.asyncio import AsyncSession

from dues.events.bus import InvoicesSettled, publish
from dues.invoices import repository
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
    # The customers first: see repository.lock_customers_of.
    await repository.lock_customers_of(session, company_id, ids)
    rows = await repository.settle_rows(
        session,
        company_id,
        [(i, changes[i].paid, changes[i].credited, changes[i].written_off, changes[i].tds) for i in ids],
    )
    result = {row[0]: Settled(*row) for row in rows}
    settled = tuple(i for i, s in result.items() if s.balance_amount == 0 and s.balance_before > 0)
    reopened = tuple(i for i, s in result.items() if s.reopened)
    balances = tuple((i, s.balance_amount) for i, s in sorted(result.items()))
    event = InvoicesSettled(company_id, settled, reopened, balances, cause=cause, actor=actor)
    await publish(session, event)
    return result
