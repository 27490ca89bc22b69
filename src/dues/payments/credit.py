"""Applying a customer's credit to its invoices (ours; api.md is silent).

Credit is what payments left unallocated, and what issued credit notes could not apply (api.md §9.1).
Applying it does not record new money: it allocates those payments' unallocated parts to invoices, oldest
payment first, then the notes' unapplied parts, oldest note first, so the money is still counted once, under
the document that brought it, and ``sum(unallocatedAmount)`` over the customer's payments plus
``sum(unappliedAmount)`` over its notes stays its ``creditBalance``.

Locks are taken in the order a new payment takes them (invoices, then the customer), with the credit's source
payments and then notes between the two, so a credit application and a payment never wait on each other in a
circle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.companies import service as companies
from dues.credit_notes import credit as credit_notes
from dues.customers import service as customers
from dues.errors import Conflict, NotFound, Unprocessable
from dues.invoices.settlement import Change, Settled, settle
from dues.kit.money import ZERO
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models.adjustment import CreditNote
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


def _spread(
    plan: dict[str, Decimal], sources: list[Payment], notes: Sequence[CreditNote] = ()
) -> list[tuple[str, str, Decimal]]:
    """(sourceId, invoiceId, amount) parts: each invoice's share taken from the oldest payments first, then
    from the oldest credit notes (sourceId a paymentId or a creditNoteId)."""
    left = {p.payment_id: p.unallocated_amount for p in sources}
    left.update({n.credit_note_id: n.unapplied_amount for n in notes})
    parts: list[tuple[str, str, Decimal]] = []
    for invoice_id, need in sorted(plan.items()):
        for source_id in left:
            if need <= 0:
                break
            take = min(need, left[source_id])
            if take > 0:
                parts.append((source_id, invoice_id, take))
                left[source_id] -= take
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
    # Credit notes' credit (dues.credit_notes), used once the payments' is.
    notes = await credit_notes.credit_sources(session, company_id, customer_id)
    spread = _spread(plan, sources, notes)
    parts = [p for p in spread if p[0] not in _ids(notes)]
    note_parts = [p for p in spread if p[0] in _ids(notes)]
    left = await repository.take_credit(session, company_id, customer_id, total)
    if left is None:
        raise Conflict("The customer's credit was used by another request meanwhile; send the request again.")
    before = {i.invoice_id: invoice_state(i.paid_amount, i.balance_amount, i.status) for i in invoices}
    await repository.allocate_unallocated(session, company_id, parts)
    if note_parts:
        await credit_notes.use_credit(session, company_id, principal.user_id, notes, note_parts)
        applied = await _settle_both(session, company_id, principal.user_id, parts, note_parts)
    else:
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
    await ledger.post(session, company_id, credit_entries(customer_id, [*parts, *note_parts]))
    log.info("credit applied", customer_id=customer_id, amount=money_text(total), invoices=len(plan))
    return CreditApplied(
        customer_id=customer_id,
        applied=[
            *(CreditApplication(payment_id=p, invoice_id=i, amount=a) for p, i, a in parts),
            *(CreditApplication(credit_note_id=n, invoice_id=i, amount=a) for n, i, a in note_parts),
        ],
        credit_balance=left,
    )


# Credit notes' credit (api.md §9.1) ----------------------------------------------------------------------


def _ids(notes: Sequence[CreditNote]) -> set[str]:
    return {n.credit_note_id for n in notes}


async def _settle_both(
    session: AsyncSession,
    company_id: str,
    actor: str,
    parts: list[tuple[str, str, Decimal]],
    note_parts: list[tuple[str, str, Decimal]],
) -> dict[str, Settled]:
    """The invoices settled by payments' credit (paid) and credit notes' (credited), in one statement."""
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    credited: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, invoice_id, amount in parts:
        paid[invoice_id] += amount
    for _, invoice_id, amount in note_parts:
        credited[invoice_id] += amount
    changes = {i: Change(paid=paid[i], credited=credited[i]) for i in {*paid, *credited}}
    return await settle(session, company_id, changes, cause="CREDIT_APPLIED", actor=actor)
