"""The ``data`` of webhook events built in Python (docs/webhooks.md has every shape, with examples).

A payload speaks the API's language: the field names GET answers with (camelCase, EnKash's where EnKash has
them), amounts as JSON numbers with exactly two decimals, dates ``yyyy-MM-dd`` and date-times
``yyyy-MM-dd HH:mm:ss`` in IST. Stored as jsonb, an amount keeps its digits (jsonb keeps a number's scale),
and ``body_of`` sends the stored text as it is, so a receiver reads ``1180.00`` where GET shows ``1180.00``.

Events built in SQL (invoice.created, .approved, .updated, .overdue; customer.*) follow the same shapes; the
tests hold both kinds to the documented key sets.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import orjson

from dues.kit.money import to_paise
from dues.kit.timefmt import format_ist

T = TypeVar("T")

# The keys every invoice.* event carries, in the API's names; each event type adds its own (see the docs).
INVOICE_CORE = (
    "sellerId",
    "invoiceId",
    "invoiceNumber",
    "customerId",
    "status",
    "totalAmount",
    "paidAmount",
    "balanceAmount",
    "dueDate",
)
INVOICE_DETAILS = (*INVOICE_CORE, "invoiceDate", "externalId", "approvalStatus", "createdVia")
DISPATCHED = (*INVOICE_CORE, "paymentLink", "dispatchedOn", "partialPaymentAllowed")
COLLECTION_DELETED = (*INVOICE_CORE, "previousStatus", "reason", "deletedOn")
PAYMENT = (*INVOICE_CORE, "paymentId", "amount", "tdsAmount", "mode", "reference", "paidOn")
OVERDUE = (*INVOICE_CORE, "daysOverdue")
UPDATED = (*INVOICE_DETAILS, "changedFields")
REMINDER_SENT = (
    *INVOICE_CORE,
    "reminderId",
    "kind",
    "offsetDays",
    "dueAt",
    "channels",
    "recipients",
    "sentOn",
)
CUSTOMER = (
    "customerId",
    "companyId",
    "legalName",
    "customerCompanyId",
    "panOrGstin",
    "email",
    "contactNumber",
    "address",
    "state",
    "pinCode",
    "accountNumber",
    "ifsc",
    "uniqueRefNo",
    "assignedAgent",
    "branchCodes",
    "customerReminders",
    "status",
    "deleted",
    "bharatConnectB2BId",
)
CUSTOMER_UPDATED = (*CUSTOMER, "changedFields")
CREDIT_NOTE = (
    "sellerId",
    "creditNoteId",
    "noteNumber",
    "noteDate",
    "customerId",
    "reason",
    "status",
    "approvalStatus",
    "totalAmount",
    "appliedAmount",
    "unappliedAmount",
    "externalId",
    "invoices",
)
UPLOAD = (
    "uploadId",
    "kind",
    "status",
    "fileName",
    "dryRun",
    "totalRows",
    "rowsDone",
    "succeeded",
    "failed",
    "skipped",
    "errorMessage",
    "createdOn",
    "completedOn",
)
# §9.3: a write-off is an invoice event; a reversal and a refund are the payment's and the customer's.
WRITTEN_OFF = (*INVOICE_CORE, "writeOffId", "amount", "reason", "automatic", "writtenOffAmount")
PAYMENT_REVERSED = (
    "paymentId",
    "companyId",
    "customerId",
    "amount",
    "mode",
    "reference",
    "paidOn",
    "status",
    "reversedOn",
    "reversalReason",
    "reversalRemarks",
    "reversalChargeInvoiceId",
    "creditRemoved",
    "invoices",
)
CUSTOMER_REFUNDED = (
    "refundId",
    "companyId",
    "customerId",
    "amount",
    "mode",
    "reference",
    "paidOn",
    "sources",
    "creditBalance",
)
TDS_ENTRY = (
    "tdsId",
    "paymentId",
    "customerId",
    "invoiceIds",
    "deductorTan",
    "section",
    "paymentCode",
    "amount",
    "deductedOn",
    "quarter",
    "status",
    "certificateNumber",
    "matchedAmount",
    "statementId",
)
# §8: a Bharat Connect message, as the network received it from dues or dues from the network: EnKash's
# ``path`` and the ``message`` body as on the wire, beside dues's ids of what it is about.
BC_INVOICE = ("sellerId", "invoiceId", "objectId", "status", "path", "message")
BC_PAYMENT = ("sellerId", "objectId", "paymentId", "invoiceIds", "status", "path", "message")
BC_CD_NOTE = ("sellerId", "creditNoteId", "objectId", "status", "path", "message")
BC_PURCHASE_ORDER = ("sellerId", "poId", "objectId", "customerId", "status", "path", "message")

# §11: a dispute opened or resolved, a promise to pay broken (dues.disputes.service).
DISPUTED = (*INVOICE_CORE, "disputeId", "reason", "remarks", "amount", "source", "openedOn")
DISPUTE_RESOLVED = (*DISPUTED, "outcome", "resolutionRemarks", "resolvedOn")
PROMISE_BROKEN = (*INVOICE_CORE, "promiseId", "promisedDate", "amount", "promisedOn")

# The keys of each event type's data: the contract docs/webhooks.md states and the tests check.
SHAPES: dict[str, tuple[str, ...]] = {
    "invoice.created": INVOICE_DETAILS,
    "invoice.approved": INVOICE_DETAILS,
    "invoice.updated": UPDATED,
    "invoice.dispatched": DISPATCHED,
    "invoice.payment_received": PAYMENT,
    "invoice.paid": PAYMENT,
    "invoice.collection_deleted": COLLECTION_DELETED,
    "invoice.overdue": OVERDUE,
    "reminder.sent": REMINDER_SENT,
    "customer.created": CUSTOMER,
    "customer.updated": CUSTOMER_UPDATED,
    "upload.completed": UPLOAD,
    "credit_note.created": CREDIT_NOTE,
    "credit_note.approved": CREDIT_NOTE,
    "invoice.written_off": WRITTEN_OFF,
    "payment.reversed": PAYMENT_REVERSED,
    "customer.refunded": CUSTOMER_REFUNDED,
    "tds.matched": TDS_ENTRY,
    "invoice.disputed": DISPUTED,
    "invoice.dispute_resolved": DISPUTE_RESOLVED,
    "invoice.promise_broken": PROMISE_BROKEN,
    "bharat_connect.invoice.presented": BC_INVOICE,
    "bharat_connect.invoice.confirmed": BC_INVOICE,
    "bharat_connect.payment.received": BC_PAYMENT,
    "bharat_connect.cd_note.confirmed": BC_CD_NOTE,
    "bharat_connect.purchase_order.received": BC_PURCHASE_ORDER,
}


def amount(value: Decimal) -> orjson.Fragment:
    """An amount as the API writes it: a JSON number with two decimals, digit for digit (never a float)."""
    return orjson.Fragment(str(to_paise(value)))


def invoice_core(
    *,
    seller_id: str,
    invoice_id: str,
    invoice_number: str | None,
    customer_id: str,
    status: str,
    total_amount: Decimal,
    paid_amount: Decimal,
    balance_amount: Decimal,
    due_date: date | None,
) -> dict[str, Any]:
    return {
        "sellerId": seller_id,
        "invoiceId": invoice_id,
        "invoiceNumber": invoice_number,
        "customerId": customer_id,
        "status": status,
        "totalAmount": amount(total_amount),
        "paidAmount": amount(paid_amount),
        "balanceAmount": amount(balance_amount),
        "dueDate": due_date.isoformat() if due_date is not None else None,
    }


class InvoiceLike(Protocol):
    """What invoice_of reads: an Invoice row, or a producer's own record of one."""

    @property
    def invoice_id(self) -> str: ...
    @property
    def invoice_number(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def total_amount(self) -> Decimal: ...
    @property
    def paid_amount(self) -> Decimal: ...
    @property
    def balance_amount(self) -> Decimal: ...
    @property
    def due_date(self) -> date: ...


def invoice_of(seller_id: str, invoice: InvoiceLike, status: str) -> dict[str, Any]:
    """The core of an invoice event, from a record of the invoice, in ``status`` (as the change leaves it)."""
    return invoice_core(
        seller_id=seller_id,
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        status=status,
        total_amount=invoice.total_amount,
        paid_amount=invoice.paid_amount,
        balance_amount=invoice.balance_amount,
        due_date=invoice.due_date,
    )


def dispatched(
    core: dict[str, Any], *, payment_link: str, dispatched_on: datetime, partial_payment_allowed: bool
) -> dict[str, Any]:
    return {
        **core,
        "paymentLink": payment_link,
        "dispatchedOn": format_ist(dispatched_on),
        "partialPaymentAllowed": partial_payment_allowed,
    }


def collection_deleted(
    core: dict[str, Any], *, previous_status: str, reason: str | None, deleted_on: datetime
) -> dict[str, Any]:
    return {**core, "previousStatus": previous_status, "reason": reason, "deletedOn": format_ist(deleted_on)}


def payment(
    core: dict[str, Any],
    *,
    payment_id: str,
    paid: Decimal,
    mode: str,
    reference: str | None,
    paid_on: date,
    tds: Decimal = Decimal(0),
) -> dict[str, Any]:
    """invoice.payment_received and invoice.paid: the invoice after the payment, and the part of the payment
    applied to it (``amount``; the payment itself may have been larger) with the TDS the buyer deducted on
    it (``tdsAmount``, §9.2)."""
    return {
        **core,
        "paymentId": payment_id,
        "amount": amount(paid),
        "tdsAmount": amount(tds),
        "mode": mode,
        "reference": reference,
        "paidOn": paid_on.isoformat(),
    }


class CreditNoteLike(Protocol):
    """What credit_note reads: a credit_notes row."""

    @property
    def company_id(self) -> str: ...
    @property
    def credit_note_id(self) -> str: ...
    @property
    def note_number(self) -> str: ...
    @property
    def note_date(self) -> date: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def approval_status(self) -> str: ...
    @property
    def total_amount(self) -> Decimal: ...
    @property
    def applied_amount(self) -> Decimal: ...
    @property
    def unapplied_amount(self) -> Decimal: ...
    @property
    def external_id(self) -> str | None: ...


def credit_note(note: CreditNoteLike, invoices: list[dict[str, Any]]) -> dict[str, Any]:
    """credit_note.created and .approved: the note as the change left it, and per invoice ``{invoiceId,
    invoiceNumber, amount (the note's part), appliedAmount (what it lowered the balance by), balanceAmount,
    status}``."""
    return {
        "sellerId": note.company_id,
        "creditNoteId": note.credit_note_id,
        "noteNumber": note.note_number,
        "noteDate": note.note_date.isoformat(),
        "customerId": note.customer_id,
        "reason": note.reason,
        "status": note.status,
        "approvalStatus": note.approval_status,
        "totalAmount": amount(note.total_amount),
        "appliedAmount": amount(note.applied_amount),
        "unappliedAmount": amount(note.unapplied_amount),
        "externalId": note.external_id,
        "invoices": invoices,
    }


class TdsEntryLike(Protocol):
    tds_id: str
    payment_id: str
    customer_id: str
    invoice_ids: list[str]
    deductor_tan: str | None
    section: str
    payment_code: str | None
    amount: Decimal
    deducted_on: date
    quarter: str
    status: str
    certificate_number: str | None
    matched_amount: Decimal | None
    statement_id: str | None


def tds_entry(entry: TdsEntryLike) -> dict[str, Any]:
    """tds.matched: the register entry as GET /api/v0/tds/{tdsId} shows it (its main fields)."""
    return {
        "tdsId": entry.tds_id,
        "paymentId": entry.payment_id,
        "customerId": entry.customer_id,
        "invoiceIds": list(entry.invoice_ids),
        "deductorTan": entry.deductor_tan,
        "section": entry.section,
        "paymentCode": entry.payment_code,
        "amount": amount(entry.amount),
        "deductedOn": entry.deducted_on.isoformat(),
        "quarter": entry.quarter,
        "status": entry.status,
        "certificateNumber": entry.certificate_number,
        "matchedAmount": amount(entry.matched_amount) if entry.matched_amount is not None else None,
        "statementId": entry.statement_id,
    }


def reminder_sent(
    core: dict[str, Any],
    *,
    reminder_id: str | None,
    kind: str,
    offset_days: int | None,
    due_at: datetime | None,
    recipients: list[tuple[str, str]],
    sent_on: datetime,
) -> dict[str, Any]:
    """reminder.sent: the invoice as the reminder found it (its balanceAmount is the amount the reminder
    stated), which occurrence it was (kind STEP, REPEAT or MANUAL; offsetDays from the due date, null for a
    manual one) and to whom it went: ``recipients`` as (channel, address)."""
    return {
        **core,
        "reminderId": reminder_id,
        "kind": kind,
        "offsetDays": offset_days,
        "dueAt": format_ist(due_at) if due_at is not None else None,
        "channels": sorted({channel for channel, _ in recipients}),
        "recipients": [{"channel": channel, "to": to} for channel, to in recipients],
        "sentOn": format_ist(sent_on),
    }


def upload_finished(
    *,
    upload_id: str,
    kind: str,
    status: str,
    file_name: str,
    dry_run: bool,
    total_rows: int,
    rows_done: int,
    succeeded: int,
    failed: int,
    skipped: int,
    error_message: str | None,
    created_on: datetime,
    completed_on: datetime,
) -> dict[str, Any]:
    return {
        "uploadId": upload_id,
        "kind": kind,
        "status": status,
        "fileName": file_name,
        "dryRun": dry_run,
        "totalRows": total_rows,
        "rowsDone": rows_done,
        "succeeded": succeeded,
        "failed": failed,
        "skipped": skipped,
        "errorMessage": error_message,
        "createdOn": format_ist(created_on),
        "completedOn": format_ist(completed_on),
    }


def network_message(seller_id: str, path: str, message: dict[str, Any], **about: Any) -> dict[str, Any]:
    """A bharat_connect.* event's data: the company, dues's ids of what the message is about (``about``, in
    the API's names), and the message itself with its EnKash path."""
    return {"sellerId": seller_id, **about, "path": path, "message": message}


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(f"not JSON: {type(value).__name__}")


def dumps(payload: dict[str, Any]) -> str:
    """A payload as JSON text for ``CAST(... AS jsonb)``: amounts as the numbers they are."""
    return orjson.dumps(payload, default=_exact).decode()
