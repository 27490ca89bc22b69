"""What the invoice pages show, shaped from the services' answers: the list's filters read from a query
string (the names the API's search body uses, so a bookmarked URL reads like the search it runs), and an
invoice's timeline merged from its sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from dues.companies import repository as companies
from dues.invoices import approvals
from dues.invoices import service as invoices
from dues.invoices.schemas import (
    ORDERABLE,
    ApprovalStatus,
    CollectionMode,
    CreatedVia,
    DocumentType,
    InvoiceRead,
    InvoiceSearch,
    InvoiceStatus,
)
from dues.kit.money import rupees
from dues.models import AuditLog, LedgerEntry
from dues.models.dispute import Dispute, Promise
from dues.models.message import Message
from dues.models.reminder import ReminderSend
from dues.models.webhook import WebhookDelivery
from dues.web.common import Problems, User, amount
from dues.web.invoices import repository

PAGE_SIZE = 50
# Matches are counted up to this many on the list; past it the page says "more than 10,000" (counting a
# million invoices exactly costs more than showing a page of them).
COUNT_CAP = 10_000
MAX_OFFSET = 10_000_000

# Query-string name → the search body's field, for filters that take many values (the name repeated).
MULTI = {
    "status": "statuses",
    "approvalStatus": "approvalStatuses",
    "customerId": "customerIds",
    "collectionMode": "collectionMode",
    "documentType": "documentTypes",
    "externalId": "externalIds",
}
# One value each, named as in the search body.
SINGLE = (
    "invoiceNumber",
    "customerLegalName",
    "dueDateFrom",
    "dueDateTo",
    "createdOnFrom",
    "createdOnTo",
    "dispatchedOnFrom",
    "dispatchedOnTo",
    "createdVia",
    "customerStatus",
)
AMOUNTS = ("balanceAmountFrom", "balanceAmountTo", "baseAmountFrom", "baseAmountTo")
YES_NO = ("overdue", "dispatched", "customerDeleted")
SORTS = ("orderBy", "direction")
# Every name the list understands (the saved views keep exactly these).
KNOWN = frozenset([*MULTI, *SINGLE, *AMOUNTS, *YES_NO, *SORTS])
# Filters kept behind "More filters" (the first row shows the common ones).
MORE = frozenset(
    KNOWN - {"status", "overdue", "invoiceNumber", "customerLegalName", "dueDateFrom", "dueDateTo"}
)

SORT_CHOICES = [
    ("createdOn", "Created"),
    ("invoiceDate", "Invoice date"),
    ("dueDate", "Due date"),
    ("invoiceNumber", "Invoice number"),
    ("totalAmount", "Total"),
    ("balanceAmount", "Balance"),
]
CHOICES: dict[str, list[str]] = {
    "status": [s.value for s in InvoiceStatus],
    "approvalStatus": [s.value for s in ApprovalStatus],
    "collectionMode": [m.value for m in CollectionMode],
    "documentType": [d.value for d in DocumentType],
    "createdVia": [v.value for v in CreatedVia],
    "customerStatus": ["ACTIVE", "INACTIVE"],
}


@dataclass
class ListQuery:
    """The list's filters as a person set them (``values``: each name's values, as typed), the search body
    they make, the sort and the page, and what was wrong with any of them."""

    values: dict[str, list[str]]
    search: InvoiceSearch | None
    order_by: str
    descending: bool
    offset: int
    problems: Problems

    def one(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def has(self, name: str, value: str) -> bool:
        return value in self.values.get(name, [])

    @property
    def more_open(self) -> bool:
        return any(name in MORE - set(SORTS) for name in self.values)

    def query_string(self, **changes: Any) -> str:
        """The filters as a query string (names in a fixed order, empties dropped), with ``changes``."""
        pairs: list[tuple[str, str]] = []
        for name in sorted(self.values):
            pairs.extend((name, v) for v in self.values[name])
        for name, value in changes.items():
            pairs = [(k, v) for k, v in pairs if k != name]
            if value not in (None, "", 0):
                pairs.append((name, str(value)))
        return urlencode(pairs)


def _split_ids(raw: Iterable[str]) -> list[str]:
    return [part for value in raw for part in value.replace(",", " ").split() if part]


def read_query(params: QueryParams | Mapping[str, Any]) -> ListQuery:
    """The list's query string read leniently (blank fields are not filters; unknown names are ignored) and
    checked by the search body's own model, so the page refuses what the API would."""
    multi = (
        params.getlist if isinstance(params, QueryParams) else (lambda k: [params[k]] if k in params else [])
    )
    values: dict[str, list[str]] = {}
    for name in KNOWN:
        given = [v.strip()[:200] for v in multi(name) if v.strip()]
        if name in ("customerId", "externalId"):
            given = _split_ids(given)
        if given:
            values[name] = given if name in MULTI else given[:1]
    fields: dict[str, str] = {}
    body: dict[str, Any] = {wire: values[name] for name, wire in MULTI.items() if name in values}
    body.update({name: values[name][0] for name in SINGLE if name in values})
    for name in AMOUNTS:
        if name in values:
            parsed = amount(values[name][0])
            if parsed is None:
                fields[name] = "must be an amount in rupees, like 1,500.00"
            else:
                body[name] = parsed
    for name in YES_NO:
        if name in values:
            choice = values[name][0]
            if choice not in ("yes", "no"):
                fields[name] = "must be yes or no"
            else:
                body[name] = choice == "yes"
    order_by = values.get("orderBy", ["createdOn"])[0]
    if order_by not in ORDERABLE:
        fields["orderBy"] = f"cannot sort by {order_by}"
        order_by = "createdOn"
    descending = values.get("direction", ["DESC"])[0].upper() != "ASC"
    offset_text = str(params.get("offset") or "0")
    offset = int(offset_text) if offset_text.isdigit() and int(offset_text) <= MAX_OFFSET else 0
    search: InvoiceSearch | None = None
    try:
        search = InvoiceSearch.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            wire = str(error["loc"][0]) if error["loc"] else ""
            name = next((k for k, w in MULTI.items() if w == wire), wire)
            fields.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
    problems = Problems("", {})
    if fields:
        named = ", ".join(sorted(fields))
        problems = Problems(
            f"Some filters need a change ({named}); the list is not filtered until they do.", fields
        )
        search = None
    return ListQuery(values, search, order_by, descending, offset, problems)


def saved_query(raw: str) -> str:
    """A saved view's query string: only the names the list knows, without the page it was on."""
    return read_query(QueryParams(raw)).query_string()


# The timeline -------------------------------------------------------------------------------------------

ACTIONS = {
    "CREATE": "Created",
    "UPDATE": "Edited",
    "APPROVE": "Approved",
    "REJECT": "Rejected",
    "SUBMIT": "Submitted again for approval",
    "DISPATCH": "Dispatched",
    "COLLECTION_DELETE": "Withdrawn from collection",
    "PAYMENT": "Payment recorded",
    "PAYMENT_REVERSED": "Payment reversed",
    "CREDIT_NOTE": "Credit note applied",
    "WRITE_OFF": "Written off",
    "DISPUTE_OPENED": "Dispute raised",
    "DISPUTE_RESOLVED": "Dispute resolved",
    "PROMISE_TO_PAY": "Promise to pay recorded",
    "BHARAT_CONNECT_PRESENT": "Presented on Bharat Connect",
    "BHARAT_CONNECT_EDIT": "Presented again on Bharat Connect (edited)",
    "BHARAT_CONNECT_PAYMENT": "Paid through Bharat Connect",
    "BHARAT_CONNECT_PAYMENT_REJECTED": "Bharat Connect payment rejected",
}
LEDGER = {
    "INVOICE": "Posted to the ledger",
    "DEBIT_NOTE": "Debit note posted",
    "PAYMENT": "Payment",
    "TDS": "TDS deducted",
    "CREDIT_NOTE": "Credit note",
    "WRITE_OFF": "Write-off",
    "REVERSAL": "Reversal",
    "REFUND": "Refund",
    "CREDIT_APPLIED": "Customer credit applied",
}
# Which ledger documents have a page of their own in the app.
DOCUMENT_PAGES = {"PAY": "/app/payments/", "CN": "/app/credit-notes/"}


@dataclass
class Line:
    """One thing that happened: its headline, who did it, and details (remarks, amounts, recipients)."""

    title: str
    actor: str | None = None
    details: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    link: tuple[str, str] | None = None
    status: str | None = None


@dataclass
class Moment:
    """Everything written at one moment (one transaction): an approval and its ledger posting, a dispatch
    and its messages, are one entry of the timeline."""

    at: datetime
    lines: list[Line]


def _action_title(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    if action.startswith("BHARAT_CONNECT_"):
        return "Bharat Connect: " + action.removeprefix("BHARAT_CONNECT_").replace("_", " ").lower()
    return action.replace("_", " ").capitalize()


def _words(code: object) -> str:
    """A status code as a person reads it: CHECKER_APPROVAL_PENDING → "Checker approval pending"."""
    return str(code).replace("_", " ").capitalize()


def _status_change(row: AuditLog) -> str | None:
    before, after = row.before or {}, row.after or {}
    for key in ("approval_status", "status"):
        if key in after and before.get(key) != after.get(key) and after.get(key):
            was = f" (was {_words(before[key])})" if before.get(key) else ""
            return f"{_words(key)}: {_words(after[key])}{was}"
    return None


def _audit_line(row: AuditLog, who: Mapping[str, str]) -> Line:
    details: list[str] = []
    if row.reason:
        details.append(("Remarks: " if row.action in ("APPROVE", "REJECT", "SUBMIT") else "") + row.reason)
    change = _status_change(row)
    if change:
        details.append(change)
    recipients = (row.after or {}).get("recipients")
    if row.action == "DISPATCH" and isinstance(recipients, list) and recipients:
        details.append("To " + ", ".join(str(r) for r in recipients[:10]))
    if row.action == "UPDATE" and row.after:
        details.append("Changed: " + ", ".join(sorted(k.replace("_", " ") for k in row.after)[:12]))
    return Line(_action_title(row.action), who.get(row.actor, row.actor), details)


def _ledger_line(row: LedgerEntry) -> Line:
    link = None
    for prefix, base in DOCUMENT_PAGES.items():
        if row.document_id.startswith(prefix):
            link = (f"{base}{row.document_id}", row.document_number or row.document_id)
    title = LEDGER.get(row.entry_type, row.entry_type.capitalize())
    return Line(title, None, [], row.amount, link)


def _message_line(row: Message) -> Line:
    what = "E-mail" if row.channel == "EMAIL" else row.channel.capitalize()
    details = [row.subject] if row.subject else []
    if row.last_error and row.status == "FAILED":
        details.append(row.last_error[:200])
    return Line(f"{what} to {row.recipient}", None, details, status=row.status)


def _reminder_line(row: ReminderSend) -> Line:
    when = ""
    if row.occurrence is not None:
        days = abs(row.occurrence)
        when = f", {days} day{'s' if days != 1 else ''} {'after' if row.occurrence >= 0 else 'before'} due"
    kind = "Manual reminder sent" if row.kind == "MANUAL" else "Reminder sent"
    details = [f"By {', '.join(row.channels)}{when}; balance then {rupees(row.balance_amount)}"]
    return Line(kind, None, details)


def _webhook_line(row: WebhookDelivery, url: str) -> Line:
    return Line(f"Webhook {row.event_type}", None, [url[:120]], status=row.status)


@dataclass
class Sources:
    audit: Sequence[AuditLog] = ()
    ledger: Sequence[LedgerEntry] = ()
    messages: Sequence[Message] = ()
    reminders: Sequence[ReminderSend] = ()
    disputes: Sequence[Dispute] = ()
    promises: Sequence[Promise] = ()
    webhooks: Sequence[tuple[WebhookDelivery, str]] = ()
    who: Mapping[str, str] = field(default_factory=dict)


def timeline(s: Sources) -> list[Moment]:
    """Every source's entries merged by time, newest first; entries of one moment (the same transaction's
    now()) are one Moment, the audited action first."""
    entries: list[tuple[datetime, int, Line]] = []
    entries += [(r.created_on, 0, _audit_line(r, s.who)) for r in s.audit]
    entries += [(r.created_on, 1, _reminder_line(r)) for r in s.reminders]
    entries += [(r.posted_on, 2, _ledger_line(r)) for r in s.ledger]
    entries += [(r.created_on, 3, _message_line(r)) for r in s.messages]
    for d in s.disputes:
        amount = f" of {rupees(d.amount)}" if d.amount is not None else ""
        opened = [f"Reason: {d.reason}{amount}", *([d.remarks] if d.remarks else []), f"Source: {d.source}"]
        entries.append(
            (d.created_on, 4, Line("Dispute", s.who.get(d.opened_by, d.opened_by), opened, status=d.status))
        )
        if d.resolved_on is not None:
            said = [d.resolution_remarks] if d.resolution_remarks else []
            by = s.who.get(d.resolved_by or "", d.resolved_by)
            entries.append((d.resolved_on, 4, Line(f"Dispute closed: {d.outcome}", by, said)))
    for p in s.promises:
        made = [f"{rupees(p.amount)} by {p.promised_date.strftime('%d %b %Y')}"]
        entries.append((p.created_on, 4, Line("Promise to pay", s.who.get(p.created_by, p.created_by), made)))
        if p.settled_on is not None:
            entries.append(
                (p.settled_on, 4, Line(f"Promise {p.status.lower()}", None, made, status=p.status))
            )
    entries += [(d.created_on, 5, _webhook_line(d, url)) for d, url in s.webhooks]
    entries.sort(key=lambda e: (e[0], -e[1]), reverse=True)
    moments: list[Moment] = []
    for at, _, line in entries:
        if moments and moments[-1].at == at:
            moments[-1].lines.append(line)
        else:
            moments.append(Moment(at, [line]))
    return moments


# The invoice page ---------------------------------------------------------------------------------------

REJECTED = frozenset(
    {ApprovalStatus.CHECKER_REJECTED, ApprovalStatus.APPROVER_REJECTED, ApprovalStatus.MAKER_REJECTED}
)
PENDING_STEP = {
    ApprovalStatus.CHECKER_APPROVAL_PENDING: "CHECKER",
    ApprovalStatus.APPROVER_APPROVAL_PENDING: "APPROVER",
}
CLOSED = frozenset({InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF, InvoiceStatus.COLLECTION_DELETED})
# Only an issued invoice is disputed or promised (dues.disputes.service.ISSUED): not before dispatch.
ISSUED = frozenset({InvoiceStatus.DISPATCHED, InvoiceStatus.PARTIALLY_PAID})


@dataclass(frozen=True)
class Allowed:
    """Which controls the invoice page offers this person, by the same rules the services apply (§4.2,
    §9.3, §11): a control the service would refuse is not shown, and the service still decides."""

    approve: bool
    submit: bool
    dispatch: bool
    write_off: bool
    dispute: bool
    resolve: bool
    promise: bool
    withdraw: bool
    pay: bool
    credit_note: bool
    edit: bool
    approval_hint: str | None

    @property
    def any_action(self) -> bool:
        return any(
            (
                self.approve,
                self.submit,
                self.dispatch,
                self.write_off,
                self.dispute,
                self.resolve,
                self.promise,
                self.withdraw,
            )
        )


def allowed(invoice: InvoiceRead, chain: str, user: User, *, open_dispute: bool) -> Allowed:
    status = InvoiceStatus(invoice.status)
    approval = ApprovalStatus(invoice.approval_status)
    creator = invoice.created_by == user.principal.user_id
    approved = approvals.is_approved(approval, chain)
    step = PENDING_STEP.get(approval) if chain != "NONE" else None
    hint = None
    if step is not None:
        if creator:
            hint = "You created this invoice: someone else must approve or reject it."
        elif user.role != step:
            hint = f"Waiting for a {step} to approve it."
    owing = invoice.balance_amount > 0 and status is not InvoiceStatus.COLLECTION_DELETED
    writer = user.can_write
    issued = invoice.dispatched and status in ISSUED and invoice.balance_amount > 0
    return Allowed(
        approve=step is not None and not creator and user.role == step,
        submit=chain != "NONE" and approval in REJECTED and user.can_make,
        dispatch=writer and approved and status not in CLOSED,
        write_off=user.can_approve_money and not creator and approved and owing,
        dispute=writer and issued and not open_dispute,
        resolve=writer and open_dispute,
        promise=writer and issued,
        withdraw=writer
        and status is not InvoiceStatus.COLLECTION_DELETED
        and invoice.paid_amount == 0
        and invoice.tds_amount == 0,
        pay=writer and approved and owing,
        credit_note=user.can_make and approved and status is not InvoiceStatus.COLLECTION_DELETED,
        edit=user.can_make and status is not InvoiceStatus.COLLECTION_DELETED,
        approval_hint=hint,
    )


@dataclass
class InvoicePage:
    invoice: InvoiceRead
    chain: str
    allowed: Allowed
    moments: list[Moment]
    open_dispute: Dispute | None
    open_promise: Promise | None
    truncated: bool


async def invoice_page(session: AsyncSession, user: User, invoice_id: str) -> InvoicePage:
    """The invoice (as getInvoice answers it; 404 for another company's), its company's approval chain,
    and its timeline: one bounded query per source."""
    company_id = user.company_id
    invoice = await invoices.get(session, company_id, invoice_id)
    company = await companies.get(session, company_id)
    chain = company.approval_chain if company else "NONE"
    disputes = await repository.dispute_rows(session, company_id, invoice.customer_id, invoice_id)
    promises = await repository.promise_rows(session, company_id, invoice.customer_id, invoice_id)
    sources = Sources(
        audit=await repository.audit_rows(session, company_id, invoice_id),
        ledger=await repository.ledger_rows(session, company_id, invoice_id),
        messages=await repository.message_rows(session, company_id, invoice_id),
        reminders=await repository.reminder_rows(session, company_id, invoice_id),
        disputes=disputes,
        promises=promises,
        webhooks=await repository.webhook_rows(session, company_id, invoice_id, invoice.created_on),
    )
    actors = (
        [r.actor for r in sources.audit] + [d.opened_by for d in disputes] + [p.created_by for p in promises]
    )
    actors += [d.resolved_by or "" for d in disputes]
    sources.who = await repository.emails_of(session, company_id, actors)
    limit = repository.TIMELINE_LIMIT
    truncated = any(
        len(rows) >= limit
        for rows in (sources.audit, sources.ledger, sources.messages, sources.reminders, sources.webhooks)
    )
    open_dispute = next((d for d in disputes if d.status == "OPEN"), None)
    open_promise = next((p for p in promises if p.status == "OPEN"), None)
    return InvoicePage(
        invoice,
        chain,
        allowed(invoice, chain, user, open_dispute=open_dispute is not None),
        timeline(sources),
        open_dispute,
        open_promise,
        truncated,
    )
