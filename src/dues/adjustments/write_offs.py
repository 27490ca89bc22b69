"""Writing off what is still owed on an invoice (api.md §9.3).

A write-off settles part or all of an invoice's balance without money: the invoice's ``writtenOffAmount``
rises, its balance falls, and at balance 0 its status is WRITTEN_OFF, so reminders stop (the
InvoicesSettled handlers cancel those queued; the reminder sweep only selects DISPATCHED and PARTIALLY_PAID
invoices with a balance). Giving up money is an ADMIN's or an APPROVER's decision, and never the one of the
user who raised the invoice: the person who booked a sale does not also decide that it need not be paid.

Residuals: a company's ``autoWriteOffBelow`` (0: off) writes off, as "system", what a payment leaves owed
when it is above 0 and below that amount (a buyer paying 1,179.60 of 1,180.00). That runs as a handler of the
payment's InvoicesSettled event (dues.events.wiring), inside the payment's transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.adjustments import repository
from dues.adjustments.repository import NewWriteOff
from dues.adjustments.schemas import WriteOffCreate, WriteOffRead
from dues.audit import service as audit
from dues.auth.service import Principal
from dues.companies import service as companies
from dues.errors import Forbidden, NotFound, Unprocessable, ValidationFailed
from dues.events.bus import InvoicesSettled
from dues.invoices.settlement import Change, Settled, settle
from dues.kit import ids
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models import Invoice
from dues.payments import repository as payments
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.adjustments")

SYSTEM = "system"
WITHDRAWN = "COLLECTION_DELETED"


async def write_off(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, body: WriteOffCreate
) -> WriteOffRead:
    """Write off ``body.amount`` of the invoice's balance (the invoice locked first, so a payment arriving
    at the same moment queues behind this and sees the balance it left)."""
    locked = await payments.lock_invoices(session, company_id, [invoice_id])
    if not locked:
        raise NotFound(f"No invoice {invoice_id}.")
    invoice = locked[0]
    if invoice.created_by == principal.user_id:
        raise Forbidden(
            f"You created invoice {invoice_id}; another ADMIN or APPROVER must write it off (the user who "
            "raised an invoice never writes it off)."
        )
    if invoice.status == WITHDRAWN:
        raise Unprocessable(f"Invoice {invoice_id} was withdrawn from collection: nothing on it is owed.")
    if not invoice.posted:
        raise Unprocessable(
            f"Invoice {invoice_id} is not approved yet (approvalStatus {invoice.approval_status}): only an "
            "issued invoice is owed, and so written off."
        )
    if body.amount > invoice.balance_amount:
        raise ValidationFailed.field(
            "amount",
            f"is more than invoice {invoice_id}'s balance ({invoice.balance_amount:.2f})",
            f"{body.amount:.2f}",
        )
    [made] = await book(
        session,
        company_id,
        [(invoice, body.amount, body.reason)],
        actor=principal.user_id,
        automatic=False,
    )
    return made


async def book(
    session: AsyncSession,
    company_id: str,
    items: list[tuple[Invoice, Decimal, str]],
    *,
    actor: str,
    automatic: bool,
    deferred: bool = False,
) -> list[WriteOffRead]:
    """Write off each (locked invoice, amount, reason): the rows, one settlement, audit, events, ledger last.
    ``deferred``: inside another movement, whose own ledger post checks the customer (see ledger.post)."""
    rows = [
        NewWriteOff(ids.write_off_id(), inv.invoice_id, inv.customer_id, amount, reason)
        for inv, amount, reason in items
    ]
    created = await repository.insert_write_offs(
        session, company_id, rows, automatic=automatic, created_by=actor
    )
    before = {
        inv.invoice_id: _state(inv.written_off_amount, inv.balance_amount, inv.status) for inv, _, _ in items
    }
    settled = await settle(
        session,
        company_id,
        {r.invoice_id: Change(written_off=r.amount) for r in rows},
        cause="WRITE_OFF",
        actor=actor,
    )
    by_id = {inv.invoice_id: inv for inv, _, _ in items}
    trail: list[dict[str, Any]] = []
    events: list[tuple[str, str, dict[str, Any]]] = []
    entries: list[Entry] = []
    made: list[WriteOffRead] = []
    today = today_ist()
    for row in rows:
        now = settled[row.invoice_id]
        invoice = by_id[row.invoice_id]
        trail.append(
            audit.entry(
                company_id,
                actor,
                "invoice",
                row.invoice_id,
                "WRITE_OFF",
                before[row.invoice_id],
                {
                    **_state(now.written_off_amount, now.balance_amount, now.status),
                    "write_off_id": row.write_off_id,
                },
                reason=row.reason,
            )
        )
        events.append(
            ("invoice.written_off", row.invoice_id, _payload(company_id, invoice, now, row, automatic))
        )
        entries.append(
            Entry(
                row.customer_id,
                today,
                EntryType.WRITE_OFF,
                row.write_off_id,
                -row.amount,
                invoice_id=row.invoice_id,
                document_number=invoice.invoice_number,
            )
        )
        made.append(
            WriteOffRead(
                write_off_id=row.write_off_id,
                invoice_id=row.invoice_id,
                customer_id=row.customer_id,
                amount=row.amount,
                reason=row.reason,
                automatic=automatic,
                created_by=actor,
                created_on=created[row.write_off_id],
                status=now.status,
                balance_amount=now.balance_amount,
                written_off_amount=now.written_off_amount,
            )
        )
    await audit.record_many(session, trail)
    await webhooks.emit_many(session, company_id, events)
    await ledger.post(session, company_id, entries, deferred=deferred)
    log.info("written off", invoices=len(rows), automatic=automatic)
    return made


def _state(written_off: Decimal, balance: Decimal, status: str) -> dict[str, Any]:
    return {"written_off_amount": f"{written_off:.2f}", "balance_amount": f"{balance:.2f}", "status": status}


def _payload(
    company_id: str, invoice: Invoice, now: Settled, row: NewWriteOff, automatic: bool
) -> dict[str, Any]:
    core = payloads.invoice_core(
        seller_id=company_id,
        invoice_id=row.invoice_id,
        invoice_number=invoice.invoice_number,
        customer_id=row.customer_id,
        status=now.status,
        total_amount=invoice.total_amount,
        paid_amount=now.paid_amount,
        balance_amount=now.balance_amount,
        due_date=invoice.due_date,
    )
    return {
        **core,
        "writeOffId": row.write_off_id,
        "amount": payloads.amount(row.amount),
        "reason": row.reason,
        "automatic": automatic,
        "writtenOffAmount": payloads.amount(now.written_off_amount),
    }


async def write_off_residuals(session: AsyncSession, event: InvoicesSettled) -> None:
    """After a payment: write off each residual above 0 and below the company's autoWriteOffBelow.

    The invoices are the payment's, locked by it; their balances are the ones the event reports. This runs
    before the payment posts its own ledger entries, so its entries are checked with the payment's."""
    if event.cause != "PAYMENT":
        return
    owed = {invoice_id: balance for invoice_id, balance in event.balances if balance > 0}
    if not owed:
        return
    threshold = (await companies.get(session, event.company_id)).auto_write_off_below
    small = sorted(i for i, balance in owed.items() if balance < threshold)
    if not small:
        return
    items = [
        (
            invoice,
            owed[invoice.invoice_id],
            f"automatic: a payment left {owed[invoice.invoice_id]:.2f} owed, below the company's "
            f"autoWriteOffBelow of {threshold:.2f}",
        )
        for invoice in await repository.invoices_as_now(session, event.company_id, small)
        if invoice.posted and invoice.status != WITHDRAWN
    ]
    if items:
        await book(session, event.company_id, items, actor=SYSTEM, automatic=True, deferred=True)
