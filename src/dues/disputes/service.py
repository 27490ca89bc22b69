"""Disputes and promises to pay (api.md §11): the rules.

Only an issued invoice (dispatched, DISPATCHED or PARTIALLY_PAID) with a balance is disputed or promised; the
invoice row is locked first, so two requests on one invoice queue and the second sees the first's dispute or
promise (the partial unique indexes hold the same line in the database).

Reminders: the reminder engine and "remind now" read open disputes and promises themselves
(dues.reminders.repository, _PAUSED); here, opening one also cancels reminder messages still waiting in the
outbox. A promise's date passing resumes reminders at once; the hourly job (tasks.py) then settles it.

A new promise replaces the open one: if the old one's date has passed it is settled as the job would (KEPT or
BROKEN, counted); if not, it becomes SUPERSEDED, counted neither way, as the customer renegotiated in time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.bharat_connect.common import NETWORK_ACTOR
from dues.disputes import repository
from dues.disputes.schemas import DisputeCreate, DisputeRead, DisputeResolve, PromiseCreate, PromiseRead
from dues.errors import NotFound, Unprocessable, ValidationFailed
from dues.events.bus import InvoicesHeld, InvoicesPresentedAgain
from dues.kit import ids
from dues.kit.timefmt import format_ist, now, today_ist
from dues.models import Invoice
from dues.models.dispute import Dispute, Promise
from dues.reminders import service as reminders
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

ISSUED = ("DISPATCHED", "PARTIALLY_PAID")


def _not_found(invoice_id: str) -> NotFound:
    return NotFound(f"No invoice {invoice_id}.")


async def _issued(session: AsyncSession, company_id: str, invoice_id: str) -> Invoice:
    invoice = await repository.lock_invoice(session, company_id, invoice_id)
    if invoice is None:
        raise _not_found(invoice_id)
    problem = _not_open_problem(invoice)
    if problem:
        raise Unprocessable(problem)
    return invoice


def _not_open_problem(invoice: Invoice) -> str | None:
    if invoice.status == "PAID" or invoice.balance_amount <= 0:
        return f"Invoice {invoice.invoice_id} is paid: nothing is owed on it."
    if invoice.status not in ISSUED or not invoice.dispatched:
        return (
            f"Invoice {invoice.invoice_id} is {invoice.status}: only an issued (dispatched) invoice with a "
            "balance can be disputed or promised."
        )
    return None


def _over_balance(field: str, amount: Decimal, invoice: Invoice) -> None:
    if amount > invoice.balance_amount:
        raise Unprocessable(
            f"The {field} {amount:.2f} is more than invoice {invoice.invoice_id}'s balance "
            f"{invoice.balance_amount:.2f}."
        )


def _dispute_data(invoice: Invoice, dispute: Dispute) -> dict[str, Any]:
    return {
        **payloads.invoice_of(invoice.company_id, invoice, invoice.status),
        "disputeId": dispute.dispute_id,
        "reason": dispute.reason,
        "remarks": dispute.remarks,
        "amount": None if dispute.amount is None else payloads.amount(dispute.amount),
        "source": dispute.source,
        "openedOn": format_ist(dispute.created_on),
    }


async def _open(
    session: AsyncSession,
    invoice: Invoice,
    reason: str,
    remarks: str | None,
    amount: Decimal | None,
    actor: str,
    source: str,
) -> Dispute:
    company_id = invoice.company_id
    if await repository.open_dispute(session, company_id, invoice.invoice_id) is not None:
        raise Unprocessable(
            f"Invoice {invoice.invoice_id} has an open dispute already: resolve it before opening another."
        )
    if amount is not None:
        _over_balance("disputed amount", amount, invoice)
    dispute = Dispute(
        company_id=company_id,
        dispute_id=ids.many("DS", 1)[0],
        invoice_id=invoice.invoice_id,
        customer_id=invoice.customer_id,
        reason=reason,
        remarks=remarks,
        amount=amount,
        status="OPEN",
        opened_by=actor,
        source=source,
        created_on=now(),
    )
    repository.add(session, dispute)
    try:
        await session.flush()
    except IntegrityError as exc:  # the invoice lock makes this unreachable but for a direct SQL writer
        raise Unprocessable(f"Invoice {invoice.invoice_id} has an open dispute already.") from exc
    await reminders.invoices_held(session, company_id, [invoice.invoice_id])
    data = _dispute_data(invoice, dispute)
    await webhooks.emit(session, company_id, "invoice.disputed", invoice.invoice_id, data)
    await audit.record(
        session, company_id, actor, "invoice", invoice.invoice_id, "DISPUTE_OPENED", None,
        {"disputeId": dispute.dispute_id, "reason": reason, "source": source}, remarks,
    )  # fmt: skip
    return dispute


async def open_dispute(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, body: DisputeCreate
) -> DisputeRead:
    invoice = await _issued(session, company_id, invoice_id)
    dispute = await _open(
        session, invoice, body.reason.value, body.remarks, body.amount, principal.user_id, "API"
    )
    return DisputeRead.model_validate(dispute)


async def open_from_portal(
    session: AsyncSession, company_id: str, customer_id: str, invoice_id: str, body: DisputeCreate, actor: str
) -> DisputeRead:
    """The customer itself disputes one of its invoices through its portal link (source PORTAL); another
    customer's invoice is not found, exactly as an unknown one."""
    invoice = await repository.lock_invoice(session, company_id, invoice_id)
    if invoice is None or invoice.customer_id != customer_id:
        raise _not_found(invoice_id)
    problem = _not_open_problem(invoice)
    if problem:
        raise Unprocessable(problem)
    dispute = await _open(session, invoice, body.reason.value, body.remarks, body.amount, actor, "PORTAL")
    return DisputeRead.model_validate(dispute)


async def _close(
    session: AsyncSession, invoice: Invoice, dispute: Dispute, outcome: str, remarks: str | None, actor: str
) -> None:
    company_id, invoice_id = invoice.company_id, invoice.invoice_id
    dispute.status = "RESOLVED"
    dispute.outcome = outcome
    dispute.resolution_remarks = remarks
    dispute.resolved_by = actor
    dispute.resolved_on = now()
    await session.flush()
    data = {
        **_dispute_data(invoice, dispute),
        "outcome": dispute.outcome,
        "resolutionRemarks": dispute.resolution_remarks,
        "resolvedOn": format_ist(dispute.resolved_on),
    }
    await webhooks.emit(session, company_id, "invoice.dispute_resolved", invoice_id, data)
    await audit.record(
        session, company_id, actor, "invoice", invoice_id, "DISPUTE_RESOLVED",
        {"disputeId": dispute.dispute_id, "status": "OPEN"},
        {"disputeId": dispute.dispute_id, "status": "RESOLVED", "outcome": outcome}, remarks,
    )  # fmt: skip


async def resolve(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, body: DisputeResolve
) -> DisputeRead:
    invoice = await repository.lock_invoice(session, company_id, invoice_id)
    if invoice is None:
        raise _not_found(invoice_id)
    dispute = await repository.open_dispute(session, company_id, invoice_id)
    if dispute is None:
        raise Unprocessable(f"Invoice {invoice_id} has no open dispute to resolve.")
    await _close(session, invoice, dispute, body.outcome.value, body.remarks, principal.user_id)
    return DisputeRead.model_validate(dispute)


async def disputes(session: AsyncSession, company_id: str, invoice_id: str) -> list[DisputeRead]:
    if not await repository.invoice_exists(session, company_id, invoice_id):
        raise _not_found(invoice_id)
    return [
        DisputeRead.model_validate(d) for d in await repository.disputes_of(session, company_id, invoice_id)
    ]


async def opened_on_network(session: AsyncSession, event: InvoicesHeld) -> None:
    """The buyer rejected or returned invoices on Bharat Connect: each gets a dispute (reason OTHER, the
    buyer's remarks), unless it has one open already or owes nothing; the network's message is applied
    either way."""
    if event.cause not in ("REJECTED", "RETURNED"):
        return
    for invoice_id in event.invoice_ids:
        invoice = await repository.lock_invoice(session, event.company_id, invoice_id)
        if invoice is None or _not_open_problem(invoice):
            continue
        if await repository.open_dispute(session, event.company_id, invoice_id) is not None:
            continue
        await _open(session, invoice, "OTHER", event.remarks, None, NETWORK_ACTOR, "BHARAT_CONNECT")


async def closed_on_network(session: AsyncSession, event: InvoicesPresentedAgain) -> None:
    """Invoices the buyer refused were presented to it again: the disputes the refusal opened are resolved
    (PRESENTED_AGAIN), and reminders resume while the buyer's new answer is awaited, as before disputes; a
    dispute a user opened stays open."""
    for invoice_id in event.invoice_ids:
        invoice = await repository.lock_invoice(session, event.company_id, invoice_id)
        dispute = await repository.open_dispute(session, event.company_id, invoice_id)
        if invoice is None or dispute is None or dispute.source != "BHARAT_CONNECT":
            continue
        await _close(
            session, invoice, dispute, "PRESENTED_AGAIN", "Presented to the buyer again on Bharat Connect",
            NETWORK_ACTOR,
        )  # fmt: skip


# Promises to pay.


def _kept(promise: Promise, invoice: Invoice) -> bool:
    """Paid by the date: the invoice is settled, or its balance fell by at least the amount promised."""
    return invoice.status == "PAID" or invoice.balance_amount <= max(
        promise.balance_at_promise - promise.amount, Decimal(0)
    )


async def _settle(session: AsyncSession, promise: Promise, invoice: Invoice, at: datetime) -> str:
    """Close a promise whose date has passed: KEPT, BROKEN (with its event), or SUPERSEDED when the invoice
    was withdrawn from collection meanwhile (nobody is owed the promise)."""
    if invoice.status == "COLLECTION_DELETED":
        promise.status = "SUPERSEDED"
    elif _kept(promise, invoice):
        promise.status = "KEPT"
    else:
        promise.status = "BROKEN"
    promise.settled_on = at
    if promise.status == "BROKEN":
        data = {
            **payloads.invoice_of(invoice.company_id, invoice, invoice.status),
            "promiseId": promise.promise_id,
            "promisedDate": promise.promised_date.isoformat(),
            "amount": payloads.amount(promise.amount),
            "promisedOn": format_ist(promise.created_on),
        }
        await webhooks.emit(session, invoice.company_id, "invoice.promise_broken", invoice.invoice_id, data)
    return promise.status


async def promise(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, body: PromiseCreate
) -> PromiseRead:
    today = today_ist()
    invoice = await _issued(session, company_id, invoice_id)
    if body.promised_date < today:
        raise ValidationFailed.field(
            "promisedDate",
            f"is in the past: a promise is for today ({today}) or later",
            str(body.promised_date),
        )
    _over_balance("promised amount", body.amount, invoice)
    at = now()
    old = await repository.open_promise(session, company_id, invoice_id)
    if old is not None:
        if old.promised_date < today:
            await _settle(session, old, invoice, at)
        else:
            old.status = "SUPERSEDED"
            old.settled_on = at
        await session.flush()  # the old one out of the one-open-promise index before the new one goes in
    made = Promise(
        company_id=company_id,
        promise_id=ids.many("PP", 1)[0],
        invoice_id=invoice_id,
        customer_id=invoice.customer_id,
        promised_date=body.promised_date,
        amount=body.amount,
        balance_at_promise=invoice.balance_amount,
        status="OPEN",
        created_by=principal.user_id,
        created_on=at,
    )
    repository.add(session, made)
    await session.flush()
    await reminders.invoices_held(session, company_id, [invoice_id])
    await audit.record(
        session, company_id, principal.user_id, "invoice", invoice_id, "PROMISE_TO_PAY",
        None if old is None else {"promiseId": old.promise_id, "status": old.status},
        {"promiseId": made.promise_id, "promisedDate": str(made.promised_date), "amount": str(made.amount)},
    )  # fmt: skip
    return PromiseRead.model_validate(made)


async def promises(session: AsyncSession, company_id: str, invoice_id: str) -> list[PromiseRead]:
    if not await repository.invoice_exists(session, company_id, invoice_id):
        raise _not_found(invoice_id)
    return [
        PromiseRead.model_validate(p) for p in await repository.promises_of(session, company_id, invoice_id)
    ]


async def settle_due(session: AsyncSession, company_id: str, today: date) -> dict[str, int]:
    """Settle the company's open promises whose date is before ``today``: how many ended each way."""
    counts: dict[str, int] = {}
    at = now()
    for made, invoice in await repository.promises_due(session, company_id, today):
        status = await _settle(session, made, invoice, at)
        counts[status] = counts.get(status, 0) + 1
    await session.flush()
    return counts
