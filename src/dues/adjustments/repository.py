"""All SQL of write-offs, payment reversals and refunds; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Invoice
from dues.models.adjustment import CreditNote, Refund, RefundSource
from dues.models.payment import Payment

_PAYMENT_ID = re.compile(r"^PAY[A-Z0-9]{13}\Z", re.ASCII)

# Write-offs ------------------------------------------------------------------------------------------------

_INSERT_WRITE_OFFS = text(
    """
    INSERT INTO write_offs (company_id, write_off_id, invoice_id, customer_id, amount, reason, automatic,
                            created_by)
    SELECT :company_id, w.write_off_id, w.invoice_id, w.customer_id, w.amount, w.reason, :automatic,
           :created_by
      FROM unnest(CAST(:write_off_ids AS text[]), CAST(:invoice_ids AS text[]), CAST(:customer_ids AS text[]),
                  CAST(:amounts AS numeric[]), CAST(:reasons AS text[]))
           AS w(write_off_id, invoice_id, customer_id, amount, reason)
    RETURNING write_off_id, created_on
    """
)


@dataclass(frozen=True)
class NewWriteOff:
    write_off_id: str
    invoice_id: str
    customer_id: str
    amount: Decimal
    reason: str


async def insert_write_offs(
    session: AsyncSession, company_id: str, rows: Sequence[NewWriteOff], *, automatic: bool, created_by: str
) -> dict[str, datetime]:
    """The write-offs, by one statement; each one's created_on by its id."""
    params = {
        "company_id": company_id,
        "automatic": automatic,
        "created_by": created_by,
        "write_off_ids": [r.write_off_id for r in rows],
        "invoice_ids": [r.invoice_id for r in rows],
        "customer_ids": [r.customer_id for r in rows],
        "amounts": [r.amount for r in rows],
        "reasons": [r.reason for r in rows],
    }
    return {row[0]: row[1] for row in (await session.execute(_INSERT_WRITE_OFFS, params)).all()}


async def invoices_as_now(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> list[Invoice]:
    """Invoices this transaction has locked already (a payment's, in its InvoicesSettled handler), read
    again as they are now: the session still holds them as read before the payment's settlement."""
    stmt = (
        select(Invoice)
        .where(Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids)))
        .order_by(Invoice.invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


# Reversals -------------------------------------------------------------------------------------------------


async def get_payment(session: AsyncSession, company_id: str, payment_id: str) -> Payment | None:
    if not _PAYMENT_ID.match(payment_id):
        return None
    stmt = select(Payment).where(Payment.company_id == company_id, Payment.payment_id == payment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_payment(session: AsyncSession, company_id: str, payment_id: str) -> Payment | None:
    """The payment, locked, as committed now (not as an earlier read of this session left it)."""
    stmt = (
        select(Payment)
        .where(Payment.company_id == company_id, Payment.payment_id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class Part:
    """One allocation of a payment: cash and the buyer's TDS settled on one invoice."""

    invoice_id: str
    amount: Decimal
    tds_amount: Decimal


_PARTS = text(
    "SELECT invoice_id, amount, tds_amount FROM payment_allocations "
    "WHERE company_id = :company_id AND payment_id = :payment_id ORDER BY invoice_id"
)


async def parts_of(session: AsyncSession, company_id: str, payment_id: str) -> list[Part]:
    """Every allocation of the payment, those made when its credit was applied later included."""
    rows = await session.execute(_PARTS, {"company_id": company_id, "payment_id": payment_id})
    return [Part(r[0], Decimal(r[1]), Decimal(r[2])) for r in rows.all()]


# The entries a payment wrote under its own id: its cash and TDS per invoice, its unallocated credit, and
# each later application of that credit (CREDIT_APPLIED, a pair per invoice).
_DOCUMENT_ENTRIES = text(
    """
    SELECT entry_type, invoice_id, amount FROM ledger_entries
     WHERE company_id = :company_id AND document_id = :document_id
       AND entry_type IN ('PAYMENT', 'TDS', 'CREDIT_APPLIED')
     ORDER BY entry_id
    """
)


async def entries_of_payment(
    session: AsyncSession, company_id: str, payment_id: str
) -> list[tuple[str, str | None, Decimal]]:
    """(type, invoice or None, amount) of every ledger entry the payment's movements wrote, oldest first."""
    rows = await session.execute(_DOCUMENT_ENTRIES, {"company_id": company_id, "document_id": payment_id})
    return [(r[0], r[1], Decimal(r[2])) for r in rows.all()]


_MARK_REVERSED = text(
    """
    UPDATE payments
       SET status = 'REVERSED', reversed_on = now(), reversed_by = :actor, reversal_reason = :reason,
           reversal_remarks = :remarks, updated_on = now()
     WHERE company_id = :company_id AND payment_id = :payment_id AND status = 'RECORDED'
    RETURNING reversed_on
    """
)


async def mark_reversed(
    session: AsyncSession, company_id: str, payment_id: str, actor: str, reason: str, remarks: str | None
) -> datetime | None:
    """REVERSED, with when, by whom and why; None when it was not RECORDED (the caller holds its lock)."""
    params = {
        "company_id": company_id,
        "payment_id": payment_id,
        "actor": actor,
        "reason": reason,
        "remarks": remarks,
    }
    return (await session.execute(_MARK_REVERSED, params)).scalar_one_or_none()


_CHARGED = text(
    "UPDATE payments SET reversal_charge_invoice_id = :invoice_id, updated_on = now() "
    "WHERE company_id = :company_id AND payment_id = :payment_id"
)


async def set_charge(session: AsyncSession, company_id: str, payment_id: str, invoice_id: str) -> None:
    params = {"company_id": company_id, "payment_id": payment_id, "invoice_id": invoice_id}
    await session.execute(_CHARGED, params)


_CANCEL_TDS = text(
    "UPDATE tds_entries SET status = 'CANCELLED', updated_on = now() "
    "WHERE company_id = :company_id AND payment_id = :payment_id AND status <> 'CANCELLED' "
    "RETURNING tds_id"
)


async def cancel_tds(session: AsyncSession, company_id: str, payment_id: str) -> list[str]:
    """The payment's TDS register entry, CANCELLED: the TDS it declared was never deducted from money paid."""
    rows = await session.execute(_CANCEL_TDS, {"company_id": company_id, "payment_id": payment_id})
    return list(rows.scalars())


# Refunds ---------------------------------------------------------------------------------------------------


async def lock_credit_notes(session: AsyncSession, company_id: str, customer_id: str) -> list[CreditNote]:
    """The customer's issued credit notes with an unapplied part, oldest first, locked."""
    stmt = (
        select(CreditNote)
        .where(
            CreditNote.company_id == company_id,
            CreditNote.customer_id == customer_id,
            CreditNote.status == "ISSUED",
            CreditNote.posted.is_(True),
            CreditNote.unapplied_amount > 0,
        )
        .order_by(CreditNote.note_date, CreditNote.created_on, CreditNote.credit_note_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


_REFUND_FROM_PAYMENTS = text(
    """
    UPDATE payments y
       SET unallocated_amount = y.unallocated_amount - t.amount,
           refunded_amount = y.refunded_amount + t.amount, updated_on = now()
      FROM unnest(CAST(:ids AS text[]), CAST(:amounts AS numeric[])) AS t(payment_id, amount)
     WHERE y.company_id = :company_id AND y.payment_id = t.payment_id
    """
)
_REFUND_FROM_CREDIT_NOTES = text(
    """
    UPDATE credit_notes n
       SET unapplied_amount = n.unapplied_amount - t.amount,
           refunded_amount = n.refunded_amount + t.amount, updated_on = now()
      FROM unnest(CAST(:ids AS text[]), CAST(:amounts AS numeric[])) AS t(credit_note_id, amount)
     WHERE n.company_id = :company_id AND n.credit_note_id = t.credit_note_id
    """
)


async def refund_from(
    session: AsyncSession,
    company_id: str,
    payments: Sequence[tuple[str, Decimal]],
    credit_notes: Sequence[tuple[str, Decimal]],
) -> None:
    """Move (id, amount) parts of payments' unallocated and credit notes' unapplied amounts to refunded;
    their CHECKs (no part below 0, parts make the whole) hold whatever the caller checked."""
    for statement, parts in ((_REFUND_FROM_PAYMENTS, payments), (_REFUND_FROM_CREDIT_NOTES, credit_notes)):
        if parts:
            params = {
                "company_id": company_id,
                "ids": [p[0] for p in parts],
                "amounts": [p[1] for p in parts],
            }
            await session.execute(statement, params)


async def insert_refund(session: AsyncSession, refund: Refund, sources: Sequence[RefundSource]) -> datetime:
    """The refund and where its money came from; its created_on."""
    session.add(refund)
    await session.flush()
    session.add_all(sources)
    await session.flush()
    stmt = select(Refund.created_on).where(
        Refund.company_id == refund.company_id, Refund.refund_id == refund.refund_id
    )
    return (await session.execute(stmt)).scalar_one()


async def refunds_page(
    session: AsyncSession, company_id: str, customer_id: str, limit: int, offset: int, descending: bool
) -> tuple[list[Refund], int]:
    conds = (Refund.company_id == company_id, Refund.customer_id == customer_id)
    order = (
        (Refund.paid_on.desc(), Refund.created_on.desc(), Refund.refund_id.desc())
        if descending
        else (Refund.paid_on, Refund.created_on, Refund.refund_id)
    )
    rows = await session.execute(select(Refund).where(*conds).order_by(*order).limit(limit).offset(offset))
    total = await session.execute(select(func.count()).select_from(Refund).where(*conds))
    return list(rows.scalars()), int(total.scalar_one())


async def sources_of(session: AsyncSession, company_id: str, refund_ids: Sequence[str]) -> list[RefundSource]:
    if not refund_ids:
        return []
    stmt = (
        select(RefundSource)
        .where(RefundSource.company_id == company_id, RefundSource.refund_id.in_(list(refund_ids)))
        .order_by(RefundSource.refund_id, RefundSource.source_id)
    )
    return list((await session.execute(stmt)).scalars())
