"""Applying a customer's credit to its invoices (ours; api.md is silent).

Credit is what payments left unallocated. Applying it does not record new money: it allocates those payments'
unallocated parts to invoices, oldest payment first, so the money received is still counted once, under the
payment that brought it, and ``sum(unallocatedAmount)`` over the customer's payments stays its
``creditBalance``.

Locks are taken in the order a new payment takes them (invoices, then the customer), with the credit's source
payments between the two, so a credit application and a payment never wait on each other in a circle.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.companies import service as companies
from dues.customers import service as customers
from dues.errors import Conflict, NotFound, Unprocessable
from dues.kit.money import ZERO
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models.payment import Payment
from dues.payments import repository
from dues.payments.schemas import CreditApplication, CreditApplied, CreditApply
from dues.payments.service import (
    as_allocated,
    invoice_state,
    money_text,
    oldest_due_first,
    paid_entry,
    payment_events,
)
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.payments")


def _spread(plan: dict[str, Decimal], sources: list[Payment]) -> list[tuple[str, str, Decimal]]:
    """(paymentId, invoiceId, amount) parts: each invoice's share taken from the oldest payments first."""
    left = {p.payment_id: p.unallocated_amount for p in sources}
    parts: list[tuple[str, str, Decimal]] = []
    for invoice_id, need in sorted(plan.items()):
        for payment in sources:
            if need <= 0:
                break
            take = min(need, left[payment.payment_id])
            if take > 0:
                parts.append((payment.payment_id, invoice_id, take))
                left[payment.payment_id] -= take
                need -= take
        if need > 0:
            # creditBalance and the payments' unallocated parts disagree: never apply money that is not there.
            raise Conflict("The customer's credit does not match its payments' unallocated amounts.")
    return parts


def credit_entries(customer_id: str, parts: list[tuple[str, str, Decimal]]) -> list[Entry]:
    """Credit applied: each invoice's balance falls and the customer's credit with it, so the two entries of
    a part cancel out in what the customer owes."""
    today = today_ist()
    entries: list[Entry] = []
    for source_id, invoice_id, amount in parts:
        entries.append(
            Entry(customer_id, today, EntryType.CREDIT_APPLIED, source_id, -amount, invoice_id=invoice_id)
        )
        entries.append(Entry(customer_id, today, EntryType.CREDIT_APPLIED, source_id, amount))
    return entries


async def apply(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, body: CreditApply
) -> CreditApplied:
    customer = await customers.get_model(session, company_id, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    credit = customer.credit_balance
    if credit <= 0:
        raise Unprocessable(f"Customer {customer_id} has no credit to apply.")
    chain = (await companies.get(session, company_id)).approval_chain
    if body.allocations is not None:
        plan, invoices = await as_allocated(
            session, company_id, chain, customer_id, credit, body.allocations, "the customer's credit"
        )
    else:
        plan, invoices = await oldest_due_first(session, company_id, chain, customer_id, credit)
    total = sum(plan.values(), ZERO)
    if total == 0:
        return CreditApplied(customer_id=customer_id, applied=[], credit_balance=credit)
    sources = await repository.lock_credit_sources(session, company_id, customer_id)
    parts = _spread(plan, sources)
    left = await repository.take_credit(session, company_id, customer_id, total)
    if left is None:
        raise Conflict("The customer's credit was used by another request meanwhile; send the request again.")
    before = {i.invoice_id: invoice_state(i.paid_amount, i.balance_amount, i.status) for i in invoices}
    await repository.allocate_unallocated(session, company_id, parts)
    applied = await repository.apply_to_invoices(session, company_id, plan)

    actor = principal.user_id
    by_id = {p.payment_id: p for p in sources}
    trail = [
        audit.entry(
            company_id,
            actor,
            "customer",
            customer_id,
            "APPLY_CREDIT",
            {"credit_balance": money_text(left + total)},
            {"credit_balance": money_text(left)},
            reason="credit applied to " + ", ".join(f"{i} {money_text(a)}" for i, a in sorted(plan.items())),
        )
    ]
    events: list[tuple[str, str, dict[str, Any]]] = []
    locked = {i.invoice_id: i for i in invoices}
    # The rows in the session still hold the amounts read before the UPDATE; they are read, never changed,
    # so the commit writes nothing more for them.
    unallocated = {p.payment_id: p.unallocated_amount for p in sources}
    for payment_id, invoice_id, amount in parts:
        trail.append(
            audit.entry(
                company_id,
                actor,
                "payment",
                payment_id,
                "APPLY_CREDIT",
                {"unallocated_amount": money_text(unallocated[payment_id])},
                {
                    "unallocated_amount": money_text(unallocated[payment_id] - amount),
                    "invoice_id": invoice_id,
                },
            )
        )
        unallocated[payment_id] -= amount
        events.extend(
            payment_events(company_id, by_id[payment_id], amount, applied[invoice_id], locked[invoice_id])
        )
    for invoice_id in sorted(plan):
        reason = f"customer credit applied: {money_text(plan[invoice_id])}"
        trail.append(paid_entry(company_id, actor, before[invoice_id], applied[invoice_id], reason))
    await audit.record_many(session, trail)
    await webhooks.emit_many(session, company_id, events)
    await ledger.post(session, company_id, credit_entries(customer_id, parts))
    log.info("credit applied", customer_id=customer_id, amount=money_text(total), invoices=len(plan))
    return CreditApplied(
        customer_id=customer_id,
        applied=[CreditApplication(payment_id=p, invoice_id=i, amount=a) for p, i, a in parts],
        credit_balance=left,
    )
