"""Dispatch and Delete Invoice Collection (api.md §4.1, §5), and the outbox: who gets which message, and
handing messages to the mail and SMS providers.

A bulk call locks the invoices it names with one statement, decides each id in Python, and writes the
changes, events, audit rows and messages with one statement each, so 5,000 ids cost a handful of round
trips. Messages are rows written in the same transaction; a job sends them after the commit.
"""

from __future__ import annotations

import math
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from dues import jobs
from dues.auth.service import Principal
from dues.collection import repository
from dues.collection.repository import Candidate
from dues.collection.schemas import (
    Attachment,
    Channel,
    DeleteRequest,
    DispatchRequest,
    MessageRead,
    id_list_answer,
)
from dues.companies import service as companies
from dues.config import get_settings
from dues.errors import Unprocessable
from dues.events.bus import InvoicesDispatched, publish
from dues.invoices import approvals
from dues.invoices.schemas import ApprovalStatus
from dues.kit import ids, tds
from dues.kit.logging import current_request_id
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import format_ist, now, today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models import Customer
from dues.models.message import Message
from dues.webhooks import payloads

SEND_TASK = "dues.collection.send_messages"
# One job per this many new messages, at most MAX_SEND_JOBS: a large dispatch is sent by several workers at
# once (they claim disjoint batches), a small one by one.
MESSAGES_PER_JOB = 500
MAX_SEND_JOBS = 4


def payment_link(token: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/pay/{token}"


def _inr(amount: Decimal) -> str:
    return f"INR {amount:,.2f}"


def _pdf_name(invoice_number: str) -> str:
    # The same name the invoice PDF endpoint gives the file.
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in invoice_number)
    return f"invoice-{safe}.pdf"


def _no_invoice(invoice_id: str) -> str:
    # The id is quoted: a client's placeholder ("string") must read as an id, not as a word of the sentence.
    return f'Invoice "{invoice_id}" was not found.' if invoice_id else "An empty invoice id names no invoice."


def _refusal(candidate: Candidate | None, invoice_id: str, chain: str) -> str | None:
    """Why this id cannot be dispatched, or None when it can (§4.2, §3, §5)."""
    if candidate is None:
        return _no_invoice(invoice_id)
    if candidate.status == "COLLECTION_DELETED":
        return "The invoice was withdrawn from collection (deleted); it cannot be dispatched."
    if candidate.status == "PAID" or candidate.balance_amount <= 0:
        return "The invoice is paid; there is nothing to collect."
    if not approvals.is_approved(ApprovalStatus(candidate.approval_status), chain):
        return (
            f"The invoice is not approved (approvalStatus {candidate.approval_status}); only a fully "
            "approved invoice is dispatched."
        )
    if candidate.customer_deleted:
        return f"The invoice's customer {candidate.customer_id} is deleted."
    if candidate.customer_status != "ACTIVE":
        return f"The invoice's customer {candidate.customer_id} is inactive: activate it first."
    return None


@dataclass(frozen=True)
class Recipient:
    channel: Channel
    to: str


class Addressed(Protocol):
    """What decides an invoice's fallback and extra recipients: the customer's own e-mail and number, and the
    invoice's emailAddress (a Candidate here; reminders have their own record of an invoice)."""

    @property
    def customer_email(self) -> str | None: ...
    @property
    def customer_mobile(self) -> str | None: ...
    @property
    def email_address(self) -> str | None: ...


def recipients(
    candidate: Addressed,
    contacts: Sequence[tuple[str | None, str | None, list[str]]],
    *,
    whatsapp: bool = False,
) -> list[Recipient]:
    """Where an invoice goes (§3.1): the active contacts that take invoices (or, for reminders, reminders),
    on their channels; with none, the customer's own e-mail and number; and the invoice's emailAddress
    besides. Each address once. WHATSAPP only when asked for (dispatch has no use for it: no provider)."""
    found: list[Recipient] = []
    for email, mobile, channels in contacts:
        if email and "EMAIL" in channels:
            found.append(Recipient(Channel.EMAIL, email))
        if mobile and "SMS" in channels:
            found.append(Recipient(Channel.SMS, mobile))
        if whatsapp and mobile and "WHATSAPP" in channels:
            found.append(Recipient(Channel.WHATSAPP, mobile))
    if not contacts:
        if candidate.customer_email:
            found.append(Recipient(Channel.EMAIL, candidate.customer_email))
        if candidate.customer_mobile:
            found.append(Recipient(Channel.SMS, candidate.customer_mobile))
    if candidate.email_address:
        found.append(Recipient(Channel.EMAIL, candidate.email_address))
    seen: set[tuple[Channel, str]] = set()
    unique: list[Recipient] = []
    for r in found:
        key = (r.channel, r.to.strip().lower())
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def _email_text(seller: str, c: Candidate, link: str) -> tuple[str, str]:
    subject = f"Invoice {c.invoice_number} from {seller}: {_inr(c.balance_amount)} due {c.due_date:%d %b %Y}"
    taxable = tds.taxable_value(c.total_amount, c.cgst, c.sgst, c.igst, c.cess)
    after = tds.hint(c.balance_amount, c.total_amount, taxable, c.tds_section, c.tds_rate, _inr)
    body = (
        f"Dear {c.customer_name},\n\n"
        f"{seller} has sent you invoice {c.invoice_number} dated {c.invoice_date:%d %b %Y} for "
        f"{_inr(c.total_amount)}.\n"
        f"Amount due: {_inr(c.balance_amount)}, by {c.due_date:%d %b %Y}.\n"
        + (f"{after}\n" if after else "")
        + "\n"
        f"Pay online: {link}\n\n"
        "The invoice is attached as a PDF.\n"
    )
    return subject, body


def _sms_text(seller: str, c: Candidate, link: str) -> str:
    return (
        f"{seller}: invoice {c.invoice_number} for {_inr(c.balance_amount)} is due on "
        f"{c.due_date:%d %b %Y}. Pay: {link}"
    )


async def dispatch(
    session: AsyncSession, principal: Principal, company_id: str, request: DispatchRequest
) -> dict[str, Any]:
    """Dispatch Invoice Collection: each id succeeds or fails on its own; the answer (api.md §4.1) names every
    id that failed and lists every id."""
    company = await companies.get(session, company_id)
    wanted = list(dict.fromkeys(request.invoice_ids))
    locked = {c.invoice_id: c for c in await repository.lock_invoices(session, company_id, wanted)}
    errors = {i: _refusal(locked.get(i), i, company.approval_chain) for i in wanted}
    go = [locked[i] for i in wanted if errors[i] is None]
    if go:
        await _dispatch(
            session, principal, company_id, company.legal_name, go, request.partial_payment_allowed
        )
    return id_list_answer(request.invoice_ids, errors, "dispatched")


async def dispatch_now(session: AsyncSession, principal: Principal, company_id: str, invoice_id: str) -> None:
    """dispatchNow of an invoice being saved: it goes out in the caller's transaction, or 422 says why not
    (and the caller's change rolls back with it)."""
    request = DispatchRequest.model_construct(invoice_ids=[invoice_id], partial_payment_allowed=None)
    [line] = (await dispatch(session, principal, company_id, request))["results"]
    if not line["success"]:
        raise Unprocessable(f"dispatchNow: {line['errorMessage']}")


async def _dispatch(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    seller: str,
    go: list[Candidate],
    partial: bool | None,
) -> None:
    tokens = [secrets.token_urlsafe(32) for _ in go]
    done = await repository.mark_dispatched(session, company_id, [c.invoice_id for c in go], tokens, partial)
    by_customer: dict[str, list[tuple[str | None, str | None, list[str]]]] = defaultdict(list)
    for customer_id, email, mobile, channels in await repository.invoice_contacts(
        session, company_id, sorted({c.customer_id for c in go})
    ):
        by_customer[customer_id].append((email, mobile, channels))
    request_id = current_request_id()
    events: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    planned: list[tuple[Candidate, str, list[Recipient]]] = []
    for c in go:
        token, dispatched_on, status, partial_allowed = done[c.invoice_id]
        link = payment_link(token)
        sent_to = recipients(c, by_customer.get(c.customer_id, []))
        planned.append((c, link, sent_to))
        before = {
            "status": c.status,
            "dispatched": c.dispatched,
            "dispatched_on": format_ist(c.dispatched_on) if c.dispatched_on else None,
            "partial_payment_allowed": c.partial_payment_allowed,
        }
        after = {
            "status": status,
            "dispatched": True,
            "dispatched_on": format_ist(dispatched_on),
            "partial_payment_allowed": partial_allowed,
        }
        audits.append(
            {
                "entity_type": "invoice",
                "entity_id": c.invoice_id,
                "action": "DISPATCH",
                "before": before,
                "after": {**after, "recipients": [f"{r.channel}:{r.to}" for r in sent_to]},
            }
        )
        events.append(
            {
                "event_type": "invoice.dispatched",
                "entity_id": c.invoice_id,
                "payload": payloads.dispatched(
                    payloads.invoice_of(company_id, c, status),
                    payment_link=link,
                    dispatched_on=dispatched_on,
                    partial_payment_allowed=partial_allowed,
                ),
            }
        )
    message_ids = iter(ids.many("MS", sum(len(r) for _, _, r in planned), 14))
    for c, link, sent_to in planned:
        for r in sent_to:
            row: dict[str, Any] = {
                "message_id": next(message_ids),
                "invoice_id": c.invoice_id,
                "channel": r.channel.value,
                "recipient": r.to,
            }
            if r.channel is Channel.EMAIL:
                subject, body = _email_text(seller, c, link)
                attachment = {
                    "name": _pdf_name(c.invoice_number),
                    "contentType": "application/pdf",
                    "size": None,
                }
                row.update(subject=subject, body=body, attachments=[attachment])
            else:
                row.update(subject=None, body=_sms_text(seller, c, link), attachments=[])
            messages.append(row)
    await repository.add_messages(session, company_id, messages)
    await repository.add_events(session, company_id, events)
    await repository.add_audit(session, company_id, principal.user_id, None, request_id, audits)
    await enqueue_sending(session, company_id, len(messages))
    # Invoices of customers on Bharat Connect are presented to them there (api.md §8), in this transaction.
    await publish(session, InvoicesDispatched(company_id, tuple(c.invoice_id for c in go)))


@dataclass(frozen=True)
class _CustomerAddress:
    customer_email: str | None
    customer_mobile: str | None
    email_address: str | None = None


async def send_document(
    session: AsyncSession,
    company_id: str,
    customer: Customer,
    subject: str,
    body: str,
    attachment: dict[str, Any],
) -> list[Recipient]:
    """E-mail a document that is not an invoice (a credit note) to the customer's invoice recipients (§3.1)
    through the outbox, sent after the commit as dispatch's are. ``attachment``: its metadata, whose
    ``kind`` and ``documentId`` tell the sender which document to draw. To whom it went (none: no address)."""
    mail = DocumentMail(
        customer.customer_id, customer.email, customer.contact_number, subject, body, attachment
    )
    [sent] = await send_documents(session, company_id, [mail])
    return [r for _, r in sent]


@dataclass(frozen=True)
class DocumentMail:
    """A document to e-mail to one customer: its invoice recipients, or the ``addresses`` given."""

    customer_id: str
    customer_email: str | None
    customer_mobile: str | None
    subject: str
    body: str
    attachment: dict[str, Any]
    addresses: Sequence[str] = ()


async def send_documents(
    session: AsyncSession, company_id: str, mails: Sequence[DocumentMail], *, enqueue: bool = True
) -> list[list[tuple[str, Recipient]]]:
    """send_document for many customers at once (a month's statements): one statement for their contacts,
    one for the messages. Per mail, the (message id, recipient) of each e-mail written (none: no address).
    ``enqueue=False`` leaves queueing the send jobs to the caller (enqueue_sending), once for many calls."""
    looked_up = [m.customer_id for m in mails if not m.addresses]
    contacts: dict[str, list[tuple[str | None, str | None, list[str]]]] = defaultdict(list)
    if looked_up:
        for customer_id, email, mobile, channels in await repository.invoice_contacts(
            session, company_id, looked_up
        ):
            contacts[customer_id].append((email, mobile, channels))
    targets: list[list[Recipient]] = []
    for m in mails:
        if m.addresses:
            given = _CustomerAddress(None, None)
            to = recipients(given, [(a, None, [Channel.EMAIL.value]) for a in m.addresses])
        else:
            address = _CustomerAddress(m.customer_email, m.customer_mobile)
            to = [r for r in recipients(address, contacts[m.customer_id]) if r.channel is Channel.EMAIL]
        targets.append(to)
    message_ids = iter(ids.many("MS", sum(map(len, targets)), 14))
    sent = [[(next(message_ids), r) for r in to] for to in targets]
    rows = [
        {
            "message_id": message_id,
            "invoice_id": None,
            "channel": Channel.EMAIL.value,
            "recipient": r.to,
            "subject": m.subject,
            "body": m.body,
            "attachments": [m.attachment],
        }
        for m, made in zip(mails, sent, strict=True)
        for message_id, r in made
    ]
    await repository.add_messages(session, company_id, rows)
    if enqueue:
        await enqueue_sending(session, company_id, len(rows))
    return sent


async def enqueue_sending(session: AsyncSession, company_id: str, count: int) -> None:
    """Jobs to send ``count`` new messages, committed with them (none when the request rolls back)."""
    for _ in range(min(MAX_SEND_JOBS, math.ceil(count / MESSAGES_PER_JOB))):
        await jobs.enqueue(session, SEND_TASK, company_id=company_id)


def _delete_refusal(candidate: Candidate | None, invoice_id: str) -> str | None:
    if candidate is None:
        return _no_invoice(invoice_id)
    if candidate.status == "COLLECTION_DELETED":
        return "The invoice was already withdrawn from collection."
    if candidate.paid_amount > 0:
        return (
            f"A payment of {_inr(candidate.paid_amount)} was received against this invoice; it cannot be "
            "withdrawn from collection."
        )
    if candidate.balance_amount != candidate.total_amount:
        settled = candidate.total_amount - candidate.balance_amount
        return (
            f"{_inr(settled)} of this invoice was settled by TDS, a credit note or a write-off; it cannot be "
            "withdrawn from collection (issue a credit note for the rest instead)."
        )
    return None


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, request: DeleteRequest
) -> dict[str, Any]:
    """Delete Invoice Collection: withdraw each invoice with no payment; the answer as dispatch's."""
    wanted = list(dict.fromkeys(request.invoice_ids))
    locked = {c.invoice_id: c for c in await repository.lock_invoices(session, company_id, wanted)}
    errors = {i: _delete_refusal(locked.get(i), i) for i in wanted}
    go = [locked[i] for i in wanted if errors[i] is None]
    if go:
        left = await repository.withdraw(
            session, company_id, [c.invoice_id for c in go], "The invoice was withdrawn from collection."
        )
        today = today_ist()
        await ledger.post(
            session,
            company_id,
            [
                Entry(customer, today, EntryType.REVERSAL, invoice_id, -balance, invoice_id, number)
                for invoice_id, customer, number, balance in left
            ],
        )
        deleted_on = now()
        audits = [
            {
                "entity_type": "invoice",
                "entity_id": c.invoice_id,
                "action": "COLLECTION_DELETE",
                "before": {"status": c.status, "payment_link": "active" if c.has_token else None},
                "after": {"status": "COLLECTION_DELETED", "payment_link": None},
            }
            for c in go
        ]
        events = [
            {
                "event_type": "invoice.collection_deleted",
                "entity_id": c.invoice_id,
                "payload": payloads.collection_deleted(
                    payloads.invoice_of(company_id, c, "COLLECTION_DELETED"),
                    previous_status=c.status,
                    reason=request.reason,
                    deleted_on=deleted_on,
                ),
            }
            for c in go
        ]
        await repository.add_events(session, company_id, events)
        await repository.add_audit(
            session, company_id, principal.user_id, request.reason, current_request_id(), audits
        )
    return id_list_answer(request.invoice_ids, errors, "deleted")


# Outbox -----------------------------------------------------------------------------------------------

ORDERABLE = {"createdOn": "created_on"}


def to_read(message: Message) -> MessageRead:
    return MessageRead(
        message_id=message.message_id,
        invoice_id=message.invoice_id,
        channel=Channel(message.channel),
        to=message.recipient,
        subject=message.subject,
        body=message.body,
        attachments=[Attachment.model_validate(a) for a in message.attachments],
        status=message.status,
        attempts=message.attempts,
        last_error=message.last_error,
        created_on=message.created_on,
        sent_on=message.sent_on,
    )


async def outbox(
    session: AsyncSession, company_id: str, invoice_id: str | None, channel: Channel | None, page: PageParams
) -> Page[MessageRead]:
    page.column(ORDERABLE, "createdOn")
    rows, total = await repository.list_messages(
        session,
        company_id,
        invoice_id,
        channel.value if channel else None,
        page.descending,
        page.limit,
        page.offset,
    )
    return Page[MessageRead](
        items=[to_read(m) for m in rows], total=total, offset=page.offset, limit=page.limit
    )
