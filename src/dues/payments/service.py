"""Payments (api.md §5): recording money received, applying it to invoices, and the customer's credit.

Which invoices take a payment: one of this company's invoices of the paying customer, fully approved under
the company's approval chain, in status CREATED, DISPATCHED or PARTIALLY_PAID with a balance above 0. A PAID
invoice has nothing left to take, and a COLLECTION_DELETED one was withdrawn from collection.

Every invoice a payment touches is locked (SELECT ... FOR UPDATE, in invoice_id order) before its balance
is checked, so concurrent payments queue on it and never overdraw it; the database's CHECKs hold the same
line. What the payment does not apply becomes the customer's credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.companies import service as companies
from dues.companies.schemas import DEFAULT_TDS_SANITY_PERCENT
from dues.customers import service as customers
from dues.errors import Conflict, NotFound, SubError, Unprocessable, ValidationFailed
from dues.invoices import approvals
from dues.invoices.schemas import ApprovalStatus, InvoiceStatus
from dues.kit import ids
from dues.kit.money import ZERO
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models import Invoice
from dues.models.payment import Payment, PaymentAllocation
from dues.payments import repository
from dues.payments.deduction import Deduction, deduction_of, tds_of, tds_problem
from dues.payments.repository import Applied
from dues.payments.schemas import (
    AllocationIn,
    AllocationRead,
    PaymentAllocationIn,
    PaymentCreate,
    PaymentMode,
    PaymentRead,
)
from dues.tds import service as tds_register
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

# Modes whose reference names one transfer on a network (a UTR, a card transaction id): recorded once
# per company, in the database too (uq_payments_transfer_reference). Cheque and receipt numbers repeat
# across banks and books.
TRANSFER_MODES = frozenset({"UPI", "NEFT", "RTGS", "IMPS", "CARD"})
PAYABLE = (InvoiceStatus.CREATED.value, InvoiceStatus.DISPATCHED.value, InvoiceStatus.PARTIALLY_PAID.value)


def _approved(invoice: Invoice, chain: str) -> bool:
    return approvals.is_approved(ApprovalStatus(invoice.approval_status), chain)


def _part_problem(invoice: Invoice, amount: Decimal) -> str | None:
    """Why ``amount`` may not part-pay the invoice (None: it may, or it is not a part-payment)."""
    if amount >= invoice.balance_amount:
        return None
    if not invoice.partial_payment_allowed:
        return (
            f"is a part-payment of invoice {invoice.invoice_id} (balance {invoice.balance_amount:.2f}), "
            "which does not allow part-payment"
        )
    minimum = invoice.minimum_partial_amount
    if minimum is not None and amount < minimum:
        return f"is below invoice {invoice.invoice_id}'s minimum part-payment of {minimum:.2f}"
    return None


Plan = tuple[dict[str, Decimal], list[Invoice]]
"""invoiceId → amount to apply, and the invoices concerned, locked."""


async def as_allocated(
    session: AsyncSession,
    company_id: str,
    chain: str,
    customer_id: str,
    amount: Decimal,
    allocations: Sequence[AllocationIn | PaymentAllocationIn],
    source: str = "the payment",
    *,
    tds_sanity_percent: Decimal = DEFAULT_TDS_SANITY_PERCENT,
) -> Plan:
    """The allocations given, each checked against its locked invoice; 422 naming every one that fails.
    ``amount`` is what there is to allocate (``source`` names it in the message). An allocation with TDS
    settles its amount and its TDS: both count against the invoice's balance and its part-payment rules."""
    given = allocations
    problems: list[SubError] = []
    seen: set[str] = set()
    for n, item in enumerate(given):
        if item.invoice_id in seen:
            problems.append(
                SubError(
                    f"allocations[{n}].invoiceId", "appears twice: allocate once per invoice", item.invoice_id
                )
            )
        seen.add(item.invoice_id)
        if item.amount + tds_of(item) <= 0:
            problems.append(
                SubError(f"allocations[{n}].amount", "and tdsAmount are both 0: it settles nothing", "0.00")
            )
    total = sum((item.amount for item in given), ZERO)
    if total > amount:
        problems.append(
            SubError("allocations", f"add up to {total:.2f}, more than {source} ({amount:.2f})", None)
        )
    if problems:
        raise ValidationFailed.of(problems)
    locked = {i.invoice_id: i for i in await repository.lock_invoices(session, company_id, list(seen))}
    for n, item in enumerate(given):
        field = f"allocations[{n}]"
        invoice = locked.get(item.invoice_id)
        if invoice is None:
            problems.append(
                SubError(f"{field}.invoiceId", "is not an invoice of this company", item.invoice_id)
            )
            continue
        if invoice.customer_id != customer_id:
            problems.append(
                SubError(
                    f"{field}.invoiceId",
                    f"is an invoice of another customer ({invoice.customer_id})",
                    item.invoice_id,
                )
            )
            continue
        if invoice.status == InvoiceStatus.COLLECTION_DELETED:
            problems.append(SubError(f"{field}.invoiceId", "was deleted from collection", item.invoice_id))
            continue
        if not _approved(invoice, chain):
            problems.append(
                SubError(
                    f"{field}.invoiceId",
                    f"is not approved yet (approvalStatus {invoice.approval_status})",
                    item.invoice_id,
                )
            )
            continue
        if invoice.status not in PAYABLE or invoice.balance_amount <= 0:
            problems.append(SubError(f"{field}.invoiceId", "is already paid", item.invoice_id))
            continue
        tds = tds_of(item)
        settles = item.amount + tds
        if settles > invoice.balance_amount:
            with_tds = f" with its tdsAmount ({settles:.2f})" if tds > 0 else ""
            problems.append(
                SubError(
                    f"{field}.amount",
                    f"is{with_tds} more than invoice {invoice.invoice_id}'s balance "
                    f"({invoice.balance_amount:.2f})",
                    str(item.amount),
                )
            )
            continue
        too_much = tds_problem(invoice, tds, tds_sanity_percent)
        if too_much:
            problems.append(SubError(f"{field}.tdsAmount", too_much, str(tds)))
            continue
        part = _part_problem(invoice, settles)
        if part:
            problems.append(SubError(f"{field}.amount", part, str(item.amount)))
    if problems:
        raise ValidationFailed.of(problems)
    return {item.invoice_id: item.amount for item in given}, list(locked.values())


async def oldest_due_first(
    session: AsyncSession, company_id: str, chain: str, customer_id: str, amount: Decimal
) -> Plan:
    """The payment spread over the customer's open invoices, oldest due date first. An invoice the rest
    cannot pay in full is part-paid when it allows that (and the rest reaches its minimum); otherwise it is
    passed over and the next one is tried, so the money settles what it can and the remainder is credit."""
    locked = await repository.lock_open_invoices(session, company_id, customer_id, PAYABLE)
    payable = sorted(
        (i for i in locked if _approved(i, chain)), key=lambda i: (i.due_date, i.invoice_date, i.invoice_id)
    )
    left = amount
    plan: dict[str, Decimal] = {}
    for invoice in payable:
        if left <= 0:
            break
        take = min(left, invoice.balance_amount)
        if _part_problem(invoice, take):
            continue
        plan[invoice.invoice_id] = take
        left -= take
    return plan, [i for i in payable if i.invoice_id in plan]


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def invoice_state(paid: Decimal, balance: Decimal, status: str) -> dict[str, Any]:
    """What a payment changes on an invoice, as its audit rows record it."""
    return {"paid_amount": money_text(paid), "balance_amount": money_text(balance), "status": status}


async def record(
    session: AsyncSession, principal: Principal, company_id: str, data: PaymentCreate
) -> PaymentRead:
    """Record a payment received outside the payment page, apply it, and credit the customer with the rest;
    all in the request's one transaction, so a refusal leaves nothing behind."""
    if data.paid_on > today_ist():
        raise ValidationFailed.field("paidOn", "must not be in the future", data.paid_on.isoformat())
    deduction = deduction_of(data)
    customer = await customers.get_model(session, company_id, data.customer_id)
    if customer is None:
        raise ValidationFailed.field("customerId", "is not a customer of this company", data.customer_id)
    company = await companies.get(session, company_id)
    chain = company.approval_chain
    if data.allocations is not None:
        plan, invoices = await as_allocated(
            session,
            company_id,
            chain,
            data.customer_id,
            data.amount,
            data.allocations,
            tds_sanity_percent=company.tds_sanity_percent,
        )
    else:
        plan, invoices = await oldest_due_first(session, company_id, chain, data.customer_id, data.amount)
    return await _book(
        session,
        company_id,
        principal.user_id,
        data.customer_id,
        data.mode.value,
        data.amount,
        data.reference,
        data.paid_on,
        plan,
        invoices,
        deduction,
    )


async def _book(
    session: AsyncSession,
    company_id: str,
    actor: str,
    customer_id: str,
    mode: str,
    amount: Decimal,
    reference: str,
    paid_on: date,
    plan: dict[str, Decimal],
    invoices: list[Invoice],
    deduction: Deduction | None = None,
) -> PaymentRead:
    """Write a checked plan: the payment and its allocations, the invoices' new balances (cash and the
    buyer's TDS), the customer's credit for the rest, the TDS register's entry, audit rows and events;
    ``invoices`` are the plan's invoices, locked."""
    if mode in TRANSFER_MODES and amount > 0:
        earlier = await repository.by_transfer_reference(session, company_id, mode, reference)
        if earlier is not None:
            raise Conflict(
                f"A {mode} payment with reference {earlier.reference} is already recorded: "
                f"{earlier.payment_id}, {money_text(earlier.amount)} on {earlier.paid_on.isoformat()}. "
                "A transfer is recorded once; if this is a different transfer, check the reference."
            )
    deduction = deduction or Deduction()
    tds = deduction.amounts or {}
    allocated = sum(plan.values(), ZERO)
    credit = amount - allocated
    payment_id = ids.payment_id()
    before = {
        i.invoice_id: _audited(i.paid_amount, i.tds_amount, i.balance_amount, i.status) for i in invoices
    }
    applied = await repository.apply_to_invoices(session, company_id, plan, tds, actor=actor)
    payment = Payment(
        company_id=company_id,
        payment_id=payment_id,
        customer_id=customer_id,
        mode=mode,
        amount=amount,
        allocated_amount=allocated,
        unallocated_amount=credit,
        reference=reference,
        paid_on=paid_on,
        created_by=actor,
        tds_section=deduction.section,
        tds_payment_code=deduction.payment_code,
        deductor_tan=deduction.tan,
        tds_amount=deduction.total,
    )
    allocations = [
        PaymentAllocation(
            company_id=company_id,
            payment_id=payment_id,
            invoice_id=invoice_id,
            amount=share,
            tds_amount=tds.get(invoice_id, ZERO),
        )
        for invoice_id, share in sorted(plan.items())
    ]
    try:
        await repository.insert_payment(session, payment, allocations)
    except IntegrityError as exc:
        # The same reference recorded by a concurrent request between the check above and this insert.
        raise Conflict(
            f"A {mode} payment with reference {reference} was recorded at the same moment by another "
            "request. A transfer is recorded once."
        ) from exc
    trail = [
        audit.entry(
            company_id,
            actor,
            "payment",
            payment_id,
            "CREATE",
            after={
                **audit.snapshot(payment),
                "allocations": {k: money_text(v) for k, v in sorted(plan.items())},
                **({"tds_allocations": {k: money_text(v) for k, v in sorted(tds.items())}} if tds else {}),
            },
        )
    ]
    if credit > 0:
        balance = await repository.add_credit(session, company_id, customer_id, credit)
        trail.append(
            audit.entry(
                company_id,
                actor,
                "customer",
                customer_id,
                "CREDIT",
                {"credit_balance": money_text(balance - credit)},
                {"credit_balance": money_text(balance)},
                reason=f"unallocated part of payment {payment_id}",
            )
        )
    events: list[tuple[str, str, dict[str, Any]]] = []
    locked = {i.invoice_id: i for i in invoices}
    for invoice_id, share in sorted(plan.items()):
        now = applied[invoice_id]
        with_tds = f", TDS {money_text(tds[invoice_id])} u/s {deduction.section}" if invoice_id in tds else ""
        trail.append(
            audit.entry(
                company_id,
                actor,
                "invoice",
                invoice_id,
                "PAYMENT",
                before[invoice_id],
                _audited(now.paid_amount, now.tds_amount, now.balance_amount, now.status),
                reason=f"payment {payment_id}: {mode} {reference}{with_tds}",
            )
        )
        events.extend(
            payment_events(company_id, payment, share, now, locked[invoice_id], tds=tds.get(invoice_id, ZERO))
        )
    if tds:
        trail.append(await tds_register.register(session, payment, sorted(tds)))
    await audit.record_many(session, trail)
    await webhooks.emit_many(session, company_id, events)
    await ledger.post(session, company_id, payment_entries(payment, plan, tds))
    return to_read(payment, allocations)


def _audited(paid: Decimal, tds: Decimal, balance: Decimal, status: str) -> dict[str, Any]:
    """invoice_state, with the TDS settled on the invoice when there is any."""
    state = invoice_state(paid, balance, status)
    if tds:
        state["tds_amount"] = money_text(tds)
    return state


def payment_entries(
    payment: Payment, plan: dict[str, Decimal], tds: dict[str, Decimal] | None = None
) -> list[Entry]:
    """A payment's ledger entries: one per invoice it paid, one per invoice the buyer deducted TDS on, one
    for what went to the customer's credit."""
    entries = [
        Entry(
            payment.customer_id,
            payment.paid_on,
            EntryType.PAYMENT,
            payment.payment_id,
            -share,
            invoice_id=invoice_id,
            document_number=payment.reference,
        )
        for invoice_id, share in sorted(plan.items())
    ]
    entries.extend(
        Entry(
            payment.customer_id,
            payment.paid_on,
            EntryType.TDS,
            payment.payment_id,
            -deducted,
            invoice_id=invoice_id,
            document_number=payment.reference,
        )
        for invoice_id, deducted in sorted((tds or {}).items())
    )
    entries.append(
        Entry(
            payment.customer_id,
            payment.paid_on,
            EntryType.PAYMENT,
            payment.payment_id,
            -payment.unallocated_amount,
            document_number=payment.reference,
        )
    )
    return entries


async def record_for_invoice(
    session: AsyncSession,
    company_id: str,
    invoice_id: str,
    amount: Decimal,
    mode: PaymentMode,
    reference: str,
    actor: str,
) -> PaymentRead:
    """Record money a gateway collected for one invoice, all of it applied to that invoice (none to credit).

    The invoice is locked first and checked as the API checks an allocation; when it can no longer take the
    amount (paid meanwhile, withdrawn, a part-payment it does not allow) this raises Unprocessable, whose
    message is for the payer (it names no ids), before anything is written."""
    return await record_for_invoices(session, company_id, {invoice_id: amount}, mode, reference, actor)


async def record_for_invoices(
    session: AsyncSession,
    company_id: str,
    parts: dict[str, Decimal],
    mode: PaymentMode,
    reference: str,
    actor: str,
) -> PaymentRead:
    """Record money a gateway collected for one or more invoices of one customer (the customer portal pays
    several in one checkout): ONE payment, allocated exactly as ``parts`` says (invoiceId → amount), none
    to credit. Every invoice is locked first and checked as for one; the first that can no longer take its
    part refuses the whole (Unprocessable, a message for the payer), before anything is written."""
    locked = await repository.lock_invoices(session, company_id, list(parts))
    if len(locked) != len(parts):
        raise Unprocessable(
            "The invoice no longer exists." if len(parts) == 1 else "An invoice no longer exists."
        )
    if len({i.customer_id for i in locked}) != 1:
        raise Unprocessable("The invoices are not of one customer.")
    chain = (await companies.get(session, company_id)).approval_chain
    several = len(parts) > 1
    for invoice in locked:
        problem = _gateway_problem(invoice, parts[invoice.invoice_id], chain)
        if problem:
            raise Unprocessable(f"Invoice {invoice.invoice_number}: {problem}" if several else problem)
    return await _book(
        session,
        company_id,
        actor,
        locked[0].customer_id,
        mode.value,
        sum(parts.values(), ZERO),
        reference,
        today_ist(),
        dict(parts),
        locked,
    )


def _gateway_problem(invoice: Invoice, amount: Decimal, chain: str) -> str | None:
    """Why a locked invoice cannot take ``amount`` a gateway collected (None: it can), for the payer."""
    if invoice.status == InvoiceStatus.COLLECTION_DELETED:
        return "The invoice was withdrawn from collection."
    if not _approved(invoice, chain):
        return "The invoice is not approved for collection."
    if invoice.status not in PAYABLE or invoice.balance_amount <= 0:
        return "The invoice is already paid."
    if amount > invoice.balance_amount:
        return f"The amount ({amount:.2f}) is more than what is still due ({invoice.balance_amount:.2f})."
    if amount < invoice.balance_amount:
        if not invoice.partial_payment_allowed:
            return "The invoice does not allow part-payment."
        minimum = invoice.minimum_partial_amount
        if minimum is not None and amount < minimum:
            return f"The amount is below the minimum part-payment of {minimum:.2f}."
    return None


def paid_entry(
    company_id: str, actor: str, before: dict[str, Any], now: Applied, reason: str
) -> dict[str, Any]:
    """The invoice's PAYMENT audit row: its paid amount, balance and status before and after."""
    return audit.entry(
        company_id,
        actor,
        "invoice",
        now.invoice_id,
        "PAYMENT",
        before,
        invoice_state(now.paid_amount, now.balance_amount, now.status),
        reason=reason,
    )


def payment_events(
    company_id: str,
    payment: Payment,
    amount: Decimal,
    now: Applied,
    invoice: Invoice,
    *,
    tds: Decimal = ZERO,
) -> list[tuple[str, str, dict[str, Any]]]:
    """invoice.payment_received, and invoice.paid when the balance reached 0; ``now`` is the invoice's state
    after the payment, ``invoice`` its row as locked before it (for its number and due date), ``tds`` the
    buyer's TDS on it with this payment."""
    core = payloads.invoice_core(
        seller_id=company_id,
        invoice_id=now.invoice_id,
        invoice_number=invoice.invoice_number,
        customer_id=payment.customer_id,
        status=now.status,
        total_amount=invoice.total_amount,
        paid_amount=now.paid_amount,
        balance_amount=now.balance_amount,
        due_date=invoice.due_date,
    )
    payload = payloads.payment(
        core,
        payment_id=payment.payment_id,
        paid=amount,
        mode=payment.mode,
        reference=payment.reference,
        paid_on=payment.paid_on,
        tds=tds,
    )
    types = ["invoice.payment_received"]
    if now.balance_amount == 0:
        types.append("invoice.paid")
    return [(t, now.invoice_id, payload) for t in types]


def to_read(payment: Payment, allocations: Sequence[PaymentAllocation]) -> PaymentRead:
    return PaymentRead.model_validate(
        {
            **{c: getattr(payment, c) for c in Payment.__table__.columns.keys()},
            "allocations": [AllocationRead.model_validate(a) for a in allocations],
        }
    )


async def get(session: AsyncSession, company_id: str, payment_id: str) -> PaymentRead:
    payment = await repository.get(session, company_id, payment_id)
    if payment is None:
        raise NotFound(f"No payment {payment_id}.")
    return to_read(payment, await repository.allocations_of(session, company_id, [payment_id]))


async def of_invoice(session: AsyncSession, company_id: str, invoice_id: str) -> list[PaymentRead]:
    """The invoice's payments, oldest first, each with all its allocations."""
    if not await repository.invoice_exists(session, company_id, invoice_id):
        raise NotFound(f"No invoice {invoice_id}.")
    payments = await repository.payments_of_invoice(session, company_id, invoice_id)
    allocations = await repository.allocations_of(session, company_id, [p.payment_id for p in payments])
    by_payment: dict[str, list[PaymentAllocation]] = {p.payment_id: [] for p in payments}
    for allocation in allocations:
        by_payment[allocation.payment_id].append(allocation)
    return [to_read(p, by_payment[p.payment_id]) for p in payments]
