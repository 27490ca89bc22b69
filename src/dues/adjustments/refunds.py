"""Refunds of customer credit (api.md §9.3): paying back money a customer has with the seller.

A customer's credit is what its payments left unallocated and what its credit notes could not apply
(``creditBalance`` is their sum). A refund takes up to that much, oldest credit first (payments by the day
they were paid, credit notes by their date), and records where it came from (refund_sources), so each payment
and note still says what became of its money: allocated or applied, still credit, or refunded. Money leaves
the company: an ADMIN or an APPROVER records it.

Locks: the credit's payments, then its credit notes, then the customer, the order a credit application takes
them in after its invoices, so the two queue rather than deadlock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.adjustments import repository
from dues.adjustments.schemas import RefundCreate, RefundMade, RefundRead, RefundSourceRead
from dues.audit import service as audit
from dues.auth.service import Principal
from dues.customers import service as customers
from dues.errors import Conflict, NotFound, ValidationFailed
from dues.kit import ids
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models.adjustment import Refund, RefundSource
from dues.payments import repository as payments
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.adjustments")

PAYMENT = "PAYMENT"
CREDIT_NOTE = "CREDIT_NOTE"


def source_type(source_id: str) -> str:
    return PAYMENT if source_id.startswith("PAY") else CREDIT_NOTE


async def refund(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, body: RefundCreate
) -> RefundMade:
    if body.paid_on > today_ist():
        raise ValidationFailed.field("paidOn", "must not be in the future", body.paid_on.isoformat())
    customer = await customers.get_model(session, company_id, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    if body.amount > customer.credit_balance:
        raise ValidationFailed.field(
            "amount",
            f"is more than customer {customer_id}'s credit ({customer.credit_balance:.2f})",
            f"{body.amount:.2f}",
        )
    # Oldest credit first, whichever kind it is.
    credit: list[tuple[date, datetime, str, Decimal]] = [
        (p.paid_on, p.created_on, p.payment_id, p.unallocated_amount)
        for p in await payments.lock_credit_sources(session, company_id, customer_id)
    ]
    credit += [
        (n.note_date, n.created_on, n.credit_note_id, n.unapplied_amount)
        for n in await repository.lock_credit_notes(session, company_id, customer_id)
    ]
    credit.sort()
    need = body.amount
    taken: list[tuple[str, Decimal]] = []
    for _, _, source_id, available in credit:
        if need <= 0:
            break
        take = min(need, available)
        taken.append((source_id, take))
        need -= take
    if need > 0:
        raise Conflict(
            f"Customer {customer_id}'s credit was used by another request meanwhile; send the request again."
        )
    left = await payments.take_credit(session, company_id, customer_id, body.amount)
    if left is None:
        raise Conflict(
            f"Customer {customer_id}'s credit was used by another request meanwhile; send the request again."
        )
    await repository.refund_from(
        session,
        company_id,
        [t for t in taken if source_type(t[0]) == PAYMENT],
        [t for t in taken if source_type(t[0]) == CREDIT_NOTE],
    )
    refund_id = ids.refund_id()
    actor = principal.user_id
    row = Refund(
        company_id=company_id,
        refund_id=refund_id,
        customer_id=customer_id,
        amount=body.amount,
        mode=body.mode.value,
        reference=body.reference,
        paid_on=body.paid_on,
        created_by=actor,
    )
    sources = [
        RefundSource(company_id=company_id, refund_id=refund_id, source_id=source_id, amount=amount)
        for source_id, amount in taken
    ]
    created_on = await repository.insert_refund(session, row, sources)
    made = RefundMade(
        refund_id=refund_id,
        customer_id=customer_id,
        amount=body.amount,
        mode=body.mode,
        reference=body.reference,
        paid_on=body.paid_on,
        sources=[RefundSourceRead(source_type=source_type(s), source_id=s, amount=a) for s, a in taken],
        created_by=actor,
        created_on=created_on,
        credit_balance=left,
    )
    trail = [
        audit.entry(
            company_id,
            actor,
            "customer",
            customer_id,
            "REFUND",
            {"credit_balance": f"{left + body.amount:.2f}"},
            {"credit_balance": f"{left:.2f}", "refund_id": refund_id},
            reason=f"credit refunded: {body.mode.value} {body.reference}",
        )
    ]
    trail += [
        audit.entry(
            company_id,
            actor,
            "payment" if source_type(source_id) == PAYMENT else "credit_note",
            source_id,
            "REFUND",
            None,
            {"refunded": f"{amount:.2f}", "refund_id": refund_id},
            reason=f"part of its credit refunded to customer {customer_id}",
        )
        for source_id, amount in taken
    ]
    await audit.record_many(session, trail)
    await webhooks.emit(session, company_id, "customer.refunded", customer_id, _payload(company_id, made))
    # Credit paid back raises what the customer owes by as much as its credit falls: no invoice moved.
    await ledger.post(
        session,
        company_id,
        [
            Entry(
                customer_id,
                body.paid_on,
                EntryType.REFUND,
                refund_id,
                body.amount,
                document_number=body.reference,
            )
        ],
    )
    log.info("credit refunded", customer_id=customer_id, amount=f"{body.amount:.2f}", sources=len(taken))
    return made


def _payload(company_id: str, made: RefundMade) -> dict[str, Any]:
    return {
        "refundId": made.refund_id,
        "companyId": company_id,
        "customerId": made.customer_id,
        "amount": payloads.amount(made.amount),
        "mode": made.mode.value,
        "reference": made.reference,
        "paidOn": made.paid_on.isoformat(),
        "sources": [
            {"sourceType": s.source_type, "sourceId": s.source_id, "amount": payloads.amount(s.amount)}
            for s in made.sources
        ],
        "creditBalance": payloads.amount(made.credit_balance),
    }


async def of_customer(
    session: AsyncSession, company_id: str, customer_id: str, page: PageParams
) -> Page[RefundRead]:
    """The customer's refunds, newest first unless direction=ASC, each with its sources."""
    if await customers.get_model(session, company_id, customer_id) is None:
        raise NotFound(f"No customer {customer_id}.")
    page.column({"paidOn": "paid_on"}, "paidOn")  # the one order there is; anything else is a 422
    rows, total = await repository.refunds_page(
        session, company_id, customer_id, page.limit, page.offset, page.descending
    )
    by_refund: dict[str, list[RefundSourceRead]] = {r.refund_id: [] for r in rows}
    for s in await repository.sources_of(session, company_id, [r.refund_id for r in rows]):
        by_refund[s.refund_id].append(
            RefundSourceRead(source_type=source_type(s.source_id), source_id=s.source_id, amount=s.amount)
        )
    items = [
        RefundRead(
            refund_id=r.refund_id,
            customer_id=r.customer_id,
            amount=r.amount,
            mode=r.mode,
            reference=r.reference,
            paid_on=r.paid_on,
            sources=by_refund[r.refund_id],
            created_by=r.created_by,
            created_on=r.created_on,
        )
        for r in rows
    ]
    return Page[RefundRead](items=items, total=total, offset=page.offset, limit=page.limit)
