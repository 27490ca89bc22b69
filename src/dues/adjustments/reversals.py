"""Reversing a payment (api.md §9.3): a bounced cheque, a recalled transfer, a payment entered in error.

Everything the payment settled is owed again: each of its allocations (the ones it was recorded with and the
ones made later when its credit was applied) is undone, cash and TDS, so balances and statuses come back
(PAID → PARTIALLY_PAID or DISPATCHED; a write-off on the invoice stays, as its settled parts say) and the
reminder sweep picks the reopened invoices up again. What of it was still the customer's credit is taken off
that credit. A payment whose credit was partly refunded is not reversed: that money went back to the customer
already. The payment row keeps its amounts and becomes REVERSED, once; its TDS register entry is CANCELLED.
The ledger gets a REVERSAL entry mirroring every entry the payment wrote (cash and TDS per invoice, its
unallocated credit, each application of that credit), so the ledger shows both movements.

Who: an ADMIN or an APPROVER. Undoing a payment reopens invoices and takes money off the books that a MAKER or
CHECKER recorded; it is the same kind of decision as a write-off, and bank returns are rare enough that the
people who approve invoices can take it.

Locks: every movement takes invoices (invoice_id order), then payments, then the customer; payments and credit
applications do (payments/service.py, payments/credit.py), and so does a reversal, although it only learns
which invoices it needs from the payment: it locks the invoices its allocations name, then the payment, and
if a credit application added an invoice in between it lets both go (a savepoint) and starts again with that
invoice too. Holding the payment while waiting for an invoice could deadlock with a credit application that
holds the invoice and waits for the payment.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.adjustments import repository
from dues.adjustments.repository import Part
from dues.adjustments.schemas import ReversalCreate, ReversalRead, ReversedInvoice
from dues.audit import service as audit
from dues.auth.service import Principal
from dues.customers import service as customers
from dues.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from dues.invoices import service as invoices
from dues.invoices.schemas import InvoiceCreate
from dues.invoices.settlement import Change, settle
from dues.kit.money import ZERO
from dues.kit.timefmt import format_ist, today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models import Invoice
from dues.models.payment import Payment
from dues.payments import repository as payments
from dues.payments import service as payment_service
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.adjustments")

# A reversal's charge is due a week after it is raised: long enough for a customer to arrange the payment
# that replaces the bounced one together with the charge, short enough to stay in the same collection cycle.
CHARGE_DUE_DAYS = 7


class LedgerMismatch(RuntimeError):
    """The payment's ledger entries do not add up to its allocations and credit: a bug, answered with 500."""


async def reverse(
    session: AsyncSession, principal: Principal, company_id: str, payment_id: str, body: ReversalCreate
) -> ReversalRead:
    if await repository.get_payment(session, company_id, payment_id) is None:
        raise NotFound(f"No payment {payment_id}.")
    payment, invoices, parts = await _lock(session, company_id, payment_id)
    if payment.status == "REVERSED":
        when = format_ist(payment.reversed_on) if payment.reversed_on else "an earlier date"
        raise Unprocessable(
            f"Payment {payment_id} was reversed on {when} ({payment.reversal_reason}); a payment is reversed "
            "once."
        )
    if payment.refunded_amount > 0:
        raise Unprocessable(
            f"{payment.refunded_amount:.2f} of payment {payment_id}'s credit was refunded to the customer; a "
            "payment whose credit was partly paid back is not reversed."
        )
    actor = principal.user_id
    mirror = _mirror(payment, parts, await repository.entries_of_payment(session, company_id, payment_id))
    before = {i.invoice_id: _state(i.paid_amount, i.tds_amount, i.balance_amount, i.status) for i in invoices}
    settled = await settle(
        session,
        company_id,
        {p.invoice_id: Change(paid=-p.amount, tds=-p.tds_amount) for p in parts},
        cause="REVERSAL",
        actor=actor,
    )
    removed = payment.unallocated_amount
    if removed > 0:
        credit = await payments.take_credit(session, company_id, payment.customer_id, removed)
        if credit is None:
            raise Conflict(
                f"Customer {payment.customer_id}'s credit is less than payment {payment_id}'s unallocated "
                f"amount ({removed:.2f}); the two should agree. Nothing was reversed."
            )
    else:
        customer = await customers.get_model(session, company_id, payment.customer_id)
        credit = customer.credit_balance if customer is not None else ZERO
    reversed_on = await repository.mark_reversed(
        session, company_id, payment_id, actor, body.reason.value, body.remarks
    )
    if reversed_on is None:  # the lock above makes this impossible; never reverse twice regardless
        raise Unprocessable(f"Payment {payment_id} was reversed meanwhile; a payment is reversed once.")
    cancelled = await repository.cancel_tds(session, company_id, payment_id)

    reason = f"payment {payment_id} reversed: {body.reason.value}" + (
        f" ({body.remarks})" if body.remarks else ""
    )
    trail = [
        audit.entry(
            company_id,
            actor,
            "invoice",
            p.invoice_id,
            "PAYMENT_REVERSED",
            before[p.invoice_id],
            _state(
                settled[p.invoice_id].paid_amount,
                settled[p.invoice_id].tds_amount,
                settled[p.invoice_id].balance_amount,
                settled[p.invoice_id].status,
            ),
            reason=reason,
        )
        for p in parts
    ]
    if removed > 0:
        trail.append(
            audit.entry(
                company_id,
                actor,
                "customer",
                payment.customer_id,
                "CREDIT",
                {"credit_balance": f"{credit + removed:.2f}"},
                {"credit_balance": f"{credit:.2f}"},
                reason=f"unallocated part of payment {payment_id} removed: the payment was reversed",
            )
        )
    await audit.record_many(session, trail)
    await ledger.post(session, company_id, mirror)

    charge_id = None
    if body.charge_amount is not None:
        charge_id = await _charge(
            session, principal, company_id, payment, body.charge_amount, body.reason.value
        )
        await repository.set_charge(session, company_id, payment_id, charge_id)
    await audit.record(
        session,
        company_id,
        actor,
        "payment",
        payment_id,
        "REVERSE",
        {"status": "RECORDED"},
        {
            "status": "REVERSED",
            "reversal_reason": body.reason.value,
            "reversal_remarks": body.remarks,
            "reversal_charge_invoice_id": charge_id,
            "credit_removed": f"{removed:.2f}",
            "tds_entries_cancelled": cancelled,
        },
        reason=body.remarks or body.reason.value,
    )
    await session.refresh(payment)
    invoices_by_id = {i.invoice_id: i for i in invoices}
    restored = [
        ReversedInvoice(
            invoice_id=p.invoice_id,
            amount=p.amount,
            tds_amount=p.tds_amount,
            status=settled[p.invoice_id].status,
            balance_amount=settled[p.invoice_id].balance_amount,
        )
        for p in parts
    ]
    await webhooks.emit(
        session,
        company_id,
        "payment.reversed",
        payment_id,
        _payload(payment, reversed_on, removed, restored, invoices_by_id),
    )
    log.info("payment reversed", payment_id=payment_id, invoices=len(parts), reason=body.reason.value)
    allocations = await payments.allocations_of(session, company_id, [payment_id])
    return ReversalRead(
        payment=payment_service.to_read(payment, allocations),
        invoices=restored,
        credit_removed=removed,
        credit_balance=credit,
    )


async def _lock(
    session: AsyncSession, company_id: str, payment_id: str
) -> tuple[Payment, list[Invoice], list[Part]]:
    """The payment's invoices (invoice_id order), then the payment, locked, with every allocation it has.

    The invoices are known only from the allocations, read before the payment is locked; a credit application
    committed between the two adds one, and then both are let go and taken again with it (see the module)."""
    known = {p.invoice_id for p in await repository.parts_of(session, company_id, payment_id)}
    while True:
        savepoint = await session.begin_nested()
        invoices = await payments.lock_invoices(session, company_id, sorted(known))
        payment = await repository.lock_payment(session, company_id, payment_id)
        if payment is None:
            raise NotFound(f"No payment {payment_id}.")
        parts = await repository.parts_of(session, company_id, payment_id)
        grown = {p.invoice_id for p in parts} - known
        if not grown:
            await savepoint.commit()
            return payment, invoices, parts
        await savepoint.rollback()
        for invoice in invoices:
            # Read again on the next round: their locks were let go, so they may have moved meanwhile.
            session.expire(invoice)
        known |= grown


def _mirror(
    payment: Payment, parts: list[Part], entries: list[tuple[str, str | None, Decimal]]
) -> list[Entry]:
    """A REVERSAL entry cancelling each of the payment's entries, checked first against what is undone: per
    invoice its allocation's cash and TDS, and for the customer's credit the payment's unallocated amount."""
    per_invoice: dict[str, Decimal] = defaultdict(lambda: ZERO)
    credit = ZERO
    for _, invoice_id, amount in entries:
        if invoice_id is None:
            credit += amount
        else:
            per_invoice[invoice_id] += amount
    expected = {p.invoice_id: -(p.amount + p.tds_amount) for p in parts}
    found = {i: a for i, a in per_invoice.items() if a != 0}
    if found != {i: a for i, a in expected.items() if a != 0} or credit != -payment.unallocated_amount:
        log.error(
            "payment's ledger entries disagree with it",
            payment_id=payment.payment_id,
            entries={i: str(a) for i, a in found.items()},
            allocations={i: str(a) for i, a in expected.items()},
            credit_entries=str(credit),
            unallocated=str(payment.unallocated_amount),
        )
        raise LedgerMismatch(f"ledger entries of payment {payment.payment_id} disagree with its allocations")
    today = today_ist()
    return [
        Entry(
            payment.customer_id,
            today,
            EntryType.REVERSAL,
            payment.payment_id,
            -amount,
            invoice_id=invoice_id,
            document_number=payment.reference,
        )
        for _, invoice_id, amount in entries
    ]


def _state(paid: Decimal, tds: Decimal, balance: Decimal, status: str) -> dict[str, Any]:
    return {
        "paid_amount": f"{paid:.2f}",
        "tds_amount": f"{tds:.2f}",
        "balance_amount": f"{balance:.2f}",
        "status": status,
    }


async def _charge(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    payment: Payment,
    amount: Decimal,
    reason: str,
) -> str:
    """A debit note of ``amount`` (no GST) to the customer for the reversal, naming the invoices the payment
    paid, due in CHARGE_DUE_DAYS, approved at once (the reversal is an approver's decision); its id."""
    originals = [p.invoice_id for p in await repository.parts_of(session, company_id, payment.payment_id)]
    if not originals:
        raise ValidationFailed.field(
            "chargeAmount",
            "the payment paid no invoice, so a debit note has no original to name: raise an invoice for the "
            "charge instead",
            f"{amount:.2f}",
        )
    today = today_ist()
    data = InvoiceCreate.model_validate(
        {
            "customerId": payment.customer_id,
            "documentType": "DEBIT_NOTE",
            "originalInvoiceIds": originals,
            "noteReason": "ADDITIONAL_CHARGES",
            "invoiceDate": today.isoformat(),
            "dueDate": (today + timedelta(days=CHARGE_DUE_DAYS)).isoformat(),
            "baseAmount": str(amount),
            "description": f"Charges for payment {payment.reference} ({payment.mode}) returned: {reason}",
        }
    )
    try:
        made = await invoices.create(session, principal, company_id, data, on_behalf=True)
    except ValidationFailed as exc:
        # The note's own fields are not the request's: say which of the request's it is about.
        raise ValidationFailed.field(
            "chargeAmount", "; ".join(f"{e.field} {e.message}" for e in exc.sub_errors), f"{amount:.2f}"
        ) from exc
    return made.invoice_id


def _payload(
    payment: Payment,
    reversed_on: datetime,
    removed: Decimal,
    restored: list[ReversedInvoice],
    invoices: dict[str, Invoice],
) -> dict[str, Any]:
    return {
        "paymentId": payment.payment_id,
        "companyId": payment.company_id,
        "customerId": payment.customer_id,
        "amount": payloads.amount(payment.amount),
        "mode": payment.mode,
        "reference": payment.reference,
        "paidOn": payment.paid_on.isoformat(),
        "status": "REVERSED",
        "reversedOn": format_ist(reversed_on),
        "reversalReason": payment.reversal_reason,
        "reversalRemarks": payment.reversal_remarks,
        "reversalChargeInvoiceId": payment.reversal_charge_invoice_id,
        "creditRemoved": payloads.amount(removed),
        "invoices": [
            {
                "invoiceId": r.invoice_id,
                "invoiceNumber": invoices[r.invoice_id].invoice_number if r.invoice_id in invoices else None,
                "amount": payloads.amount(r.amount),
                "tdsAmount": payloads.amount(r.tds_amount),
                "status": r.status,
                "balanceAmount": payloads.amount(r.balance_amount),
            }
            for r in restored
        ],
    }
