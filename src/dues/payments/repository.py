"""All SQL for payments, their allocations, the invoices they pay and customer credit; every statement is
scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.invoices.settlement import Change, Settled, settle
from dues.models import Invoice
from dues.models.payment import Payment, PaymentAllocation

# An id that cannot have been issued is not looked up: it answers "not found" like any unknown id.
_PAYMENT_ID = re.compile(r"^PAY[A-Z0-9]{13}\Z", re.ASCII)
_INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


async def lock_invoices(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
    """This company's invoices among ``invoice_ids``, locked in invoice_id order: every payment takes its
    locks in that one order, so two payments over the same invoices queue instead of deadlocking."""
    stmt = (
        select(Invoice)
        .where(Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids)))
        .order_by(Invoice.invoice_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def lock_open_invoices(
    session: AsyncSession, company_id: str, customer_id: str, statuses: Sequence[str]
) -> list[Invoice]:
    """The customer's invoices in ``statuses`` with something owed, locked in invoice_id order (as
    lock_invoices). A row a concurrent payment settles while we wait is re-checked and left out."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.company_id == company_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(list(statuses)),
            Invoice.balance_amount > 0,
        )
        .order_by(Invoice.invoice_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


Applied = Settled
"""An invoice as a payment left it (see dues.invoices.settlement)."""


async def apply_to_invoices(
    session: AsyncSession,
    company_id: str,
    amounts: dict[str, Decimal],
    tds: dict[str, Decimal] | None = None,
    *,
    actor: str = "",
) -> dict[str, Applied]:
    """Add each amount to its invoice's paidAmount, and the buyer's TDS on it to its tdsAmount, and take
    both off its balance."""
    tds = tds or {}
    changes = {
        i: Change(paid=amounts.get(i, Decimal(0)), tds=tds.get(i, Decimal(0))) for i in {*amounts, *tds}
    }
    return await settle(session, company_id, changes, actor=actor)


_CREDIT = text(
    "UPDATE customers SET credit_balance = credit_balance + :amount, updated_on = now() "
    "WHERE company_id = :company_id AND customer_id = :customer_id RETURNING credit_balance"
)


async def add_credit(session: AsyncSession, company_id: str, customer_id: str, amount: Decimal) -> Decimal:
    """Add to the customer's credit in place (the row stays locked to the commit); the new balance."""
    params = {"company_id": company_id, "customer_id": customer_id, "amount": amount}
    return Decimal((await session.execute(_CREDIT, params)).scalar_one())


async def by_transfer_reference(
    session: AsyncSession, company_id: str, mode: str, reference: str
) -> Payment | None:
    """The payment already recorded for this transfer, if any (the index is on upper(reference))."""
    stmt = select(Payment).where(
        Payment.company_id == company_id,
        Payment.mode == mode,
        func.upper(Payment.reference) == reference.upper(),
    )
    return (await session.execute(stmt)).scalars().first()


async def insert_payment(
    session: AsyncSession, payment: Payment, allocations: Sequence[PaymentAllocation]
) -> None:
    session.add(payment)
    session.add_all(allocations)
    await session.flush()


async def get(session: AsyncSession, company_id: str, payment_id: str) -> Payment | None:
    if not _PAYMENT_ID.match(payment_id):
        return None
    stmt = select(Payment).where(Payment.company_id == company_id, Payment.payment_id == payment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def allocations_of(
    session: AsyncSession, company_id: str, payment_ids: Sequence[str]
) -> list[PaymentAllocation]:
    if not payment_ids:
        return []
    stmt = (
        select(PaymentAllocation)
        .where(
            PaymentAllocation.company_id == company_id, PaymentAllocation.payment_id.in_(list(payment_ids))
        )
        .order_by(PaymentAllocation.payment_id, PaymentAllocation.invoice_id)
    )
    return list((await session.execute(stmt)).scalars())


async def invoice_exists(session: AsyncSession, company_id: str, invoice_id: str) -> bool:
    if not _INVOICE_ID.match(invoice_id):
        return False
    stmt = select(Invoice.invoice_id).where(
        Invoice.company_id == company_id, Invoice.invoice_id == invoice_id
    )
    return (await session.execute(stmt)).first() is not None


async def payments_of_invoice(session: AsyncSession, company_id: str, invoice_id: str) -> list[Payment]:
    """The payments with an allocation to the invoice, oldest first."""
    paid_into = select(PaymentAllocation.payment_id).where(
        PaymentAllocation.company_id == company_id, PaymentAllocation.invoice_id == invoice_id
    )
    stmt = (
        select(Payment)
        .where(Payment.company_id == company_id, Payment.payment_id.in_(paid_into))
        .order_by(Payment.paid_on, Payment.created_on, Payment.payment_id)
    )
    return list((await session.execute(stmt)).scalars())


# Credit ---------------------------------------------------------------------------------------------------


async def lock_credit_sources(session: AsyncSession, company_id: str, customer_id: str) -> list[Payment]:
    """The customer's payments with an unallocated part, oldest first: the credit, in the order it is used."""
    stmt = (
        select(Payment)
        .where(
            Payment.company_id == company_id,
            Payment.customer_id == customer_id,
            Payment.unallocated_amount > 0,
            # A reversed payment keeps its amounts as they were, but its credit is gone (§9.3).
            Payment.status == "RECORDED",
        )
        .order_by(Payment.paid_on, Payment.created_on, Payment.payment_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


_TAKE_CREDIT = text(
    "UPDATE customers SET credit_balance = credit_balance - :amount, updated_on = now() "
    "WHERE company_id = :company_id AND customer_id = :customer_id AND credit_balance >= :amount "
    "RETURNING credit_balance"
)


async def take_credit(
    session: AsyncSession, company_id: str, customer_id: str, amount: Decimal
) -> Decimal | None:
    """Take ``amount`` off the customer's credit; the new balance, or None when there is not that much."""
    params = {"company_id": company_id, "customer_id": customer_id, "amount": amount}
    left = (await session.execute(_TAKE_CREDIT, params)).scalar_one_or_none()
    return None if left is None else Decimal(left)


_ALLOCATE_UNALLOCATED = text(
    """
    WITH parts AS (
        SELECT * FROM unnest(CAST(:payment_ids AS text[]), CAST(:invoice_ids AS text[]),
                             CAST(:amounts AS numeric[])) AS p(payment_id, invoice_id, amount)
    ),
    moved AS (
        UPDATE payments y
           SET allocated_amount = y.allocated_amount + t.amount,
               unallocated_amount = y.unallocated_amount - t.amount
          FROM (SELECT payment_id, sum(amount) AS amount FROM parts GROUP BY payment_id) t
         WHERE y.company_id = :company_id AND y.payment_id = t.payment_id
        RETURNING y.payment_id
    )
    INSERT INTO payment_allocations (company_id, payment_id, invoice_id, amount)
    SELECT :company_id, payment_id, invoice_id, amount FROM parts
    ON CONFLICT (company_id, payment_id, invoice_id)
    DO UPDATE SET amount = payment_allocations.amount + EXCLUDED.amount
    """
)


async def allocate_unallocated(
    session: AsyncSession, company_id: str, parts: Sequence[tuple[str, str, Decimal]]
) -> None:
    """Move (payment, invoice, amount) parts from payments' unallocated amounts to allocations; the payments'
    CHECKs (parts not negative, parts make the amount) hold whatever the caller checked."""
    if parts:
        payment_ids, invoice_ids, amounts = zip(*parts, strict=True)
        await session.execute(
            _ALLOCATE_UNALLOCATED,
            {
                "company_id": company_id,
                "payment_ids": list(payment_ids),
                "invoice_ids": list(invoice_ids),
                "amounts": list(amounts),
            },
        )


async def invoice_numbers(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, tuple[str, date]]:
    """invoiceId → (number, invoice date), as a receipt prints them."""
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.invoice_number, Invoice.invoice_date).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {row[0]: (row[1], row[2]) for row in (await session.execute(stmt)).all()}
