"""Invoices (api.md §4): GST rules, amounts, numbering and the first approval state live here."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.collection import service as collection
from dues.companies import service as companies
from dues.config import get_settings
from dues.customers import service as customers
from dues.db import AUTOCOMMIT, detached
from dues.documents.content import render_invoice
from dues.documents.model import (
    BankAccount,
    DocumentType,
    InvoiceReference,
    Party,
    TaxInvoiceDocument,
)
from dues.documents.parties import party, printed_lines, seller_party
from dues.errors import (
    Forbidden,
    NotFound,
    SubError,
    Unprocessable,
    ValidationFailed,
    sub_errors_from_pydantic,
)
from dues.events.bus import InvoiceAmended, publish
from dues.invoices import approvals, kinds, repository
from dues.invoices.schemas import (
    CLEARABLE,
    DEFAULT_WHEN_CLEARED,
    FROZEN_ONCE_PAID,
    MAX_AMOUNT,
    NOT_CHANGES,
    ORDERABLE,
    ApprovalRequest,
    ApprovalStatus,
    CreatedVia,
    InvoiceCreate,
    InvoicePatch,
    InvoiceRead,
    InvoiceSearch,
    InvoiceStatus,
    LineItem,
    LineItemRead,
)
from dues.kit import gst, ids
from dues.kit.logging import current_request_id
from dues.kit.money import ZERO, to_paise
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import parse_filter_datetime, today_ist
from dues.ledger import service as ledger
from dues.models import Company, Customer, Invoice, InvoiceLine
from dues.msme import interest as msme_interest
from dues.msme import service as msme

MIN_BASE_AMOUNT = Decimal("0.10")
CREATOR_ROLES = frozenset({"ADMIN", "MAKER"})


def ensure_creator(principal: Principal) -> None:
    """Invoices are created and changed by an ADMIN or a MAKER (api.md §4.2), by API or by file."""
    if principal.role not in CREATOR_ROLES:
        raise Forbidden("Only an ADMIN or a MAKER creates or changes invoices.")


@dataclass(frozen=True)
class Amounts:
    """An invoice's money, exact to the paisa, and its lines' figures when it has lines."""

    base: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal
    total: Decimal
    lines: list[gst.LineTax]


def _problem(field: str, message: str, value: object) -> SubError:
    return SubError(field, message, str(value) if isinstance(value, Decimal) else value)


def check_gst_registration(data: InvoiceCreate, company: Company, document_type: str | None = None) -> None:
    """No GST on a bill of supply, nor on anything a seller without a GSTIN issues (kinds.check_no_gst)."""
    kinds.check_no_gst(data, company, document_type)


def amounts(data: InvoiceCreate, intra_state: bool, place: str) -> Amounts:
    """The invoice's amounts under the GST rules of §4, or 422 naming every field that breaks them.

    Within the seller's state the tax is CGST and SGST in equal halves; across states it is IGST alone. With
    lineItems the figures are computed per line (half-up to the paisa) and any amount also given must agree.
    """
    problems: list[SubError] = []
    lines: list[gst.LineTax] = []
    given = {"baseAmount": data.base_amount, "cgst": data.cgst, "sgst": data.sgst, "igst": data.igst}
    if data.line_items:
        lines = [
            gst.line_tax(
                item.quantity,
                item.unit_price,
                item.gst_rate,
                intra_state=intra_state,
                inclusive=not data.gst_exclusive,
            )
            for item in data.line_items
        ]
        summed = gst.sum_lines(lines)
        computed = {"baseAmount": summed.base, "cgst": summed.cgst, "sgst": summed.sgst, "igst": summed.igst}
        for field, value in given.items():
            if value is not None and value != computed[field]:
                problems.append(
                    _problem(field, f"does not agree with lineItems, which give {computed[field]:.2f}", value)
                )
        base, cgst, sgst, igst = (computed[k] for k in ("baseAmount", "cgst", "sgst", "igst"))
        if not data.gst_exclusive:
            # An inclusive invoice's amount is what the lines charge in all; the taxable value is inside it.
            base = summed.base + summed.cgst + summed.sgst + summed.igst
    else:
        if data.base_amount is None:
            problems.append(_problem("baseAmount", "is required (or give lineItems)", None))
        base = data.base_amount or ZERO
        cgst, sgst, igst = data.cgst or ZERO, data.sgst or ZERO, data.igst or ZERO
        if intra_state:
            if cgst != sgst:
                problems.append(
                    _problem(
                        "sgst",
                        f"must equal cgst ({cgst:.2f}): supply within {place} splits GST in halves",
                        sgst,
                    )
                )
            if igst:
                problems.append(
                    _problem("igst", f"must be 0: supply within {place} is taxed as CGST and SGST", igst)
                )
        else:
            for field, value in (("cgst", cgst), ("sgst", sgst)):
                if value:
                    problems.append(
                        _problem(
                            field, f"must be 0: supply to {place}, another state, is taxed as IGST", value
                        )
                    )
    if data.line_items and base < MIN_BASE_AMOUNT:
        problems.append(_problem("lineItems", f"come to {base:.2f}; an invoice is at least 0.10", None))
    elif not data.line_items and data.base_amount is not None and base < MIN_BASE_AMOUNT:
        problems.append(_problem("baseAmount", "must be at least 0.10", data.base_amount))
    if problems:
        raise ValidationFailed.of(problems)
    cess = data.cess or ZERO
    total = base + cess if not data.gst_exclusive else base + cgst + sgst + igst + cess
    if total > MAX_AMOUNT:
        field = "lineItems" if data.line_items else "baseAmount"
        raise ValidationFailed.field(
            field, f"make a total of {total:.2f}; an invoice is at most {MAX_AMOUNT}", None
        )
    # Exact already (two places at most); quantized so that 1180 is stored, audited and answered as 1180.00.
    base, cgst, sgst, igst, cess, total = (to_paise(v) for v in (base, cgst, sgst, igst, cess, total))
    return Amounts(base, cgst, sgst, igst, cess, total, lines)


async def _flush_unique(session: AsyncSession, number: str) -> None:
    """Write the invoice; 422 when a concurrent create or change took its number or externalId between the
    check and the write."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = "was taken by a concurrent create or change; send the request again"
        raise ValidationFailed.of([SubError("invoiceNumber", message, number)]) from exc


def _number_text(prefix: str, financial_year: int, sequence: int) -> str:
    """The series number: prefix, the financial year as 2627, and the sequence, within 16 characters."""
    head, width = kinds.series_head(prefix, financial_year)
    return f"{head}{sequence:0{max(1, width)}d}"


def _usable(customer: Customer | None, customer_id: str) -> Customer:
    """The buyer of a new invoice: this company's, not deleted, active; 422 naming customerId otherwise."""
    if customer is None:
        raise ValidationFailed.field("customerId", "is not a customer of this company", customer_id)
    if customer.deleted:
        raise ValidationFailed.field("customerId", "is a deleted customer", customer_id)
    if customer.status != "ACTIVE":
        raise ValidationFailed.field("customerId", "is an inactive customer: activate it first", customer_id)
    return customer


async def _customer(session: AsyncSession, company_id: str, customer_id: str) -> Customer:
    return _usable(await customers.get_model(session, company_id, customer_id), customer_id)


def _place_of_supply(data: InvoiceCreate, customer: Customer, fallback: str | None = None) -> str:
    place = data.place_of_supply or fallback or customer.state
    if place is None:
        raise ValidationFailed.field(
            "placeOfSupply", "is required: the customer has no state to take it from", None
        )
    return place


default_document_type = kinds.default_document_type


def _first_approval(company: Company) -> ApprovalStatus:
    if company.approval_chain == "NONE":
        return ApprovalStatus.APPROVER_APPROVED
    return ApprovalStatus.CHECKER_APPROVAL_PENDING


async def create(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    data: InvoiceCreate,
    *,
    on_behalf: bool = False,
    via: CreatedVia = CreatedVia.API,
) -> InvoiceRead:
    """Create an invoice, bill of supply or debit note: every check, then one statement. ``on_behalf``: dues
    makes it as part of another movement that the principal may make and that is a decision of its own (a
    reversal's charge, api.md §9.3, by an ADMIN or APPROVER): the principal need not be a maker, and the
    document is approved at once whatever the approval chain. ``via``: its createdVia (BHARAT_CONNECT for
    one made from a purchase order received over the network)."""
    if not on_behalf:
        ensure_creator(principal)
    if data.seller_id is not None and data.seller_id != company_id:
        company_id = await companies.resolve_scope(session, principal, data.seller_id)
    if data.dispatch_now and session.info.get(AUTOCOMMIT):
        # The route gives such a request a transaction; without, a refused dispatch would leave the invoice.
        raise RuntimeError("createInvoice with dispatchNow needs a transaction")
    company = await companies.get(session, company_id)
    customer = await _customer(session, company_id, data.customer_id)
    originals = await _originals(session, company_id, [data])
    place, money, invoice_date, kind = _check_row(data, customer, company, originals)
    if data.external_id:
        holder = await repository.by_external_id(session, company_id, data.external_id)
        if holder is not None:
            raise ValidationFailed.field(
                "externalId", f"is already used by invoice {holder.invoice_id}", data.external_id
            )
    fy = gst.financial_year(invoice_date)
    if data.invoice_number is not None and await repository.number_taken(
        session, company_id, fy, data.invoice_number
    ):
        label = gst.financial_year_label(fy)
        raise ValidationFailed.field(
            "invoiceNumber", f"is already used in financial year {label}", data.invoice_number
        )
    approval = ApprovalStatus.APPROVER_APPROVED if on_behalf else _first_approval(company)
    record = _new_invoice(
        company_id,
        principal.user_id,
        ids.invoice_id(),
        data,
        place,
        money,
        invoice_date,
        fy,
        approval,
        via,
        document_type=kind,
        posted=approvals.is_approved(approval, company.approval_chain),
        original_invoice_ids=data.original_invoice_ids if kind == kinds.DEBIT_NOTE else None,
        note_reason=kinds.note_reason(data, kind),
    )
    record.update(created_on=None, updated_on=None)  # the server's, set by the insert
    # Built without the instrumented constructor: it is only read, and this is the hottest write path.
    invoice = detached(Invoice, list(record), list(record.values()))
    lines = _lines(company_id, invoice.invoice_id, data, money)
    await _insert(session, company, invoice, lines, approval, principal.user_id)
    if data.dispatch_now:
        # In this request's transaction: a refusal (422 saying why) takes the new invoice back with it.
        await collection.dispatch_now(session, principal, company_id, invoice.invoice_id)
        return await get(session, company_id, invoice.invoice_id)
    read = to_read(invoice, lines, customer.legal_name)
    if msme_interest.applies(company.msme_category):
        # Only then: the hottest write path of every other seller pays no query for it.
        await _with_msme(session, company_id, [read])
    return read


async def _originals(
    session: AsyncSession, company_id: str, bodies: Sequence[InvoiceCreate]
) -> dict[str, Invoice]:
    """The company's invoices that the debit notes among ``bodies`` name as their originals, by id."""
    wanted = list(dict.fromkeys(i for data in bodies for i in data.original_invoice_ids or []))
    if not wanted:
        return {}
    return {i.invoice_id: i for i in await repository.get_many(session, company_id, wanted)}


async def _insert(
    session: AsyncSession,
    company: Company,
    invoice: Invoice,
    lines: list[InvoiceLine],
    approval: ApprovalStatus,
    actor: str,
) -> None:
    """Write a new invoice, its lines, audit row and events in the request's last statement; the invoice gets
    its number (unless given) and times from it."""
    record = {c: getattr(invoice, c) for c in repository.CREATED_COLUMNS}
    line_rows = [{c: getattr(line, c) for c in repository.LINE_COLUMNS} for line in lines]
    events = ["invoice.created"]
    if approval is ApprovalStatus.APPROVER_APPROVED:
        events.append("invoice.approved")
    label = gst.financial_year_label(invoice.financial_year)
    head, width = kinds.series_head(
        kinds.series_prefix(company, invoice.document_type), invoice.financial_year
    )
    given = invoice.invoice_number
    exhausted = ValidationFailed.field(
        "invoiceNumber", f"the series of {label} is exhausted; give invoice numbers by hand", None
    )
    if given is None and width < 1:
        raise exhausted
    while True:
        try:
            created = await repository.insert_created(
                session,
                record,
                line_rows,
                record,  # the audit row's "after": the statement adds the number and the times
                events,
                actor=actor,
                request_id=current_request_id(),
                number=given,
                head=head,
                width=width,
            )
        except IntegrityError as exc:
            raise _taken(invoice) from exc
        if created.invoice_number is not None and created.times is not None:
            invoice.invoice_number = created.invoice_number
            invoice.created_on, invoice.updated_on = created.times
            return
        if created.tried is None:
            raise exhausted
        if given is not None:
            raise _taken(invoice)
        # A number typed by hand sits on the series' path: the next statement takes the one after it.


def _taken(invoice: Invoice) -> ValidationFailed:
    """A concurrent create or change took the number or the externalId between the check and the write."""
    message = "was taken by a concurrent create or change; send the request again"
    if invoice.invoice_number is None and invoice.external_id is not None:
        return ValidationFailed.field("externalId", message, invoice.external_id)
    return ValidationFailed.field("invoiceNumber", message, invoice.invoice_number)


async def _invoice_number(
    session: AsyncSession, company: Company, fy: int, given: str | None, document_type: str | None = None
) -> str:
    label = gst.financial_year_label(fy)
    if given is not None:
        if await repository.number_taken(session, company.company_id, fy, given):
            raise ValidationFailed.field("invoiceNumber", f"is already used in financial year {label}", given)
        return given
    # A number typed by hand may sit on the series' path: step over it rather than fail the create.
    while True:
        series = repository.series_of(document_type)
        number = _number_text(
            kinds.series_prefix(company, document_type),
            fy,
            await repository.next_number(session, company.company_id, fy, series),
        )
        if len(number) > 16:
            raise ValidationFailed.field(
                "invoiceNumber", f"the series of {label} is exhausted; give invoice numbers by hand", None
            )
        if not await repository.number_taken(session, company.company_id, fy, number):
            return number


def _as_create(invoice: Invoice, lines: list[InvoiceLine], patch: InvoicePatch) -> InvoiceCreate:
    """The invoice as the create body that would make it, with the patch applied: checked like a create."""
    changed = {name: getattr(patch, name) for name in patch.model_fields_set - NOT_CHANGES}
    current: dict[str, Any] = {
        name: getattr(invoice, name)
        for name in (
            "customer_id",
            "invoice_number",
            "invoice_date",
            "due_date",
            "gst_exclusive",
            "charge_customer",
            "description",
            "email_address",
            "external_id",
            "partial_payment_allowed",
            "minimum_partial_amount",
            "collection_mode",
            "place_of_supply",
            "cess",
        )
    }
    existing = [
        LineItem.model_construct(
            description=line.description,
            hsn_sac=line.hsn_sac,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
        )
        for line in lines
    ]
    items = changed.pop("line_items") if "line_items" in changed else existing
    if items:
        # Lines bring their own amounts; only amounts the patch gives are checked against them.
        current["line_items"] = items
    else:
        current.update({name: getattr(invoice, name) for name in ("base_amount", "cgst", "sgst", "igst")})
    current.update(changed)
    return InvoiceCreate.model_construct(**current)


async def update(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, patch: InvoicePatch
) -> InvoiceRead:
    ensure_creator(principal)
    if patch.invoice_id is not None and patch.invoice_id != invoice_id:
        raise ValidationFailed.field(
            "invoiceId", f"names another invoice than the path's {invoice_id}", patch.invoice_id
        )
    invoice = await repository.get(session, company_id, invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    defaults = {
        name: value
        for name, value in DEFAULT_WHEN_CLEARED.items()
        if name in patch.model_fields_set and getattr(patch, name) is None
    }
    if defaults:
        patch = patch.model_copy(update=defaults)
    given = patch.model_fields_set - NOT_CHANGES
    problems = [
        SubError(_wire(name), "cannot be cleared", None)
        for name in sorted(given)
        if getattr(patch, name) is None and name not in CLEARABLE
    ]
    problems += _fixed_fields(invoice, patch)
    if problems:
        raise ValidationFailed.of(problems)
    if invoice.status == InvoiceStatus.COLLECTION_DELETED:
        raise Unprocessable(f"Invoice {invoice_id}'s collection was deleted; it can no longer change.")
    if invoice.paid_amount > 0 and given & FROZEN_ONCE_PAID:
        frozen = sorted(_wire(name) for name in given & FROZEN_ONCE_PAID)
        raise Unprocessable(
            f"Invoice {invoice_id} has received {invoice.paid_amount:.2f}; its amounts, customer and dates "
            f"can no longer change ({', '.join(frozen)})."
        )
    settled = invoice.total_amount - invoice.balance_amount
    if settled > 0 and given & FROZEN_ONCE_PAID:
        # Settled otherwise than in cash (a credit note, TDS, a write-off): the same freeze, for the same
        # reason; a correction is a credit or debit note.
        frozen = sorted(_wire(name) for name in given & FROZEN_ONCE_PAID)
        raise Unprocessable(
            f"{settled:.2f} of invoice {invoice_id} is settled (credit notes, TDS or write-offs); its "
            f"amounts, customer and dates can no longer change ({', '.join(frozen)}): issue a credit or "
            "debit note."
        )
    lines = await repository.lines_of(session, company_id, [invoice_id])
    data = _as_create(invoice, lines, patch)
    company = await companies.get(session, company_id)
    customer = await _customer(session, company_id, data.customer_id)
    if "customer_id" in given and "place_of_supply" not in given:
        data = data.model_copy(update={"place_of_supply": None})
    place = _place_of_supply(data, customer)
    if given & _TAX_FIELDS:
        # Only a change of the taxes is checked: an invoice issued while the seller had a GSTIN keeps them.
        check_gst_registration(data, company, invoice.document_type)
    money = amounts(data, place == company.state, place)
    if data.due_date < data.invoice_date:  # type: ignore[operator]
        raise ValidationFailed.field(
            "dueDate", f"must not be before the invoice date ({data.invoice_date})", str(data.due_date)
        )
    if money.total < invoice.paid_amount:
        raise ValidationFailed.field(
            "baseAmount", f"would bring the total below what was paid ({invoice.paid_amount:.2f})"
        )
    fy = gst.financial_year(data.invoice_date)  # type: ignore[arg-type]
    if data.invoice_number != invoice.invoice_number or fy != invoice.financial_year:
        if data.invoice_number is not None and "invoice_number" in given:
            if await repository.number_taken(session, company_id, fy, data.invoice_number):
                label = gst.financial_year_label(fy)
                raise ValidationFailed.field(
                    "invoiceNumber", f"is already used in financial year {label}", data.invoice_number
                )
        elif fy != invoice.financial_year:
            number = await _invoice_number(session, company, fy, None, invoice.document_type)
            data = data.model_copy(update={"invoice_number": number})
    if "external_id" in given and data.external_id and data.external_id != invoice.external_id:
        holder = await repository.by_external_id(session, company_id, data.external_id)
        if holder is not None:
            raise ValidationFailed.field(
                "externalId", f"is already used by invoice {holder.invoice_id}", data.external_id
            )
    before = audit.snapshot(invoice)
    was = (invoice.customer_id, invoice.balance_amount)
    invoice.customer_id = customer.customer_id
    invoice.invoice_number = data.invoice_number  # type: ignore[assignment]
    invoice.financial_year = fy
    invoice.invoice_date = data.invoice_date  # type: ignore[assignment]
    invoice.due_date = data.due_date
    invoice.place_of_supply = place
    invoice.gst_exclusive = data.gst_exclusive
    invoice.base_amount, invoice.cgst, invoice.sgst = money.base, money.cgst, money.sgst
    invoice.igst, invoice.cess, invoice.total_amount = money.igst, money.cess, money.total
    # What cash, credit notes, write-offs and TDS settled stays settled (api.md §9): the balance is the rest.
    invoice.balance_amount = money.total - settled
    invoice.charge_customer = data.charge_customer
    invoice.description = data.description
    invoice.email_address = data.email_address
    invoice.external_id = data.external_id
    invoice.partial_payment_allowed = data.partial_payment_allowed
    invoice.minimum_partial_amount = _paise(data.minimum_partial_amount)
    invoice.collection_mode = [str(m) for m in dict.fromkeys(data.collection_mode or [])]
    if "line_items" in given:
        await repository.delete_lines(session, company_id, invoice_id)
        lines = _lines(company_id, invoice_id, data, money)
        repository.add(session, *lines)
    material = given & (FROZEN_ONCE_PAID | {"invoice_number"})
    if material and company.approval_chain != "NONE" and invoice.approval_status in _APPROVED:
        # A checked invoice that changes is checked again.
        invoice.approval_status = ApprovalStatus.CHECKER_APPROVAL_PENDING.value
    await _flush_unique(session, invoice.invoice_number)
    after = audit.snapshot(invoice)
    old, new = audit.changes(before, after)
    if new:
        await audit.record(session, company_id, principal.user_id, "invoice", invoice_id, "UPDATE", old, new)
        changed = [*new, *(["line_items"] if "line_items" in given else [])]
        await repository.add_event(
            session, company_id, "invoice.updated", invoice_id, {"changedFields": _changed_fields(changed)}
        )
        await publish(session, InvoiceAmended(company_id, invoice_id))
    if invoice.posted and was != (invoice.customer_id, invoice.balance_amount):
        await ledger.post(session, company_id, _amended(invoice, *was))
    if patch.dispatch_now:
        await session.flush()
        await collection.dispatch_now(session, principal, company_id, invoice_id)
        await session.refresh(invoice)
    return (await _with_msme(session, company_id, [to_read(invoice, lines, customer.legal_name)]))[0]


def _amended(invoice: Invoice, customer_id: str, balance: Decimal) -> list[ledger.Entry]:
    """The ledger entries of an issued invoice whose amount or customer a PATCH changed (api.md §9.4: a
    correction is a new entry, dated the day it is made): the difference, or, moved to another customer,
    the old balance reversed and the new one owed by the new customer."""
    kind = (
        ledger.EntryType.DEBIT_NOTE if invoice.document_type == kinds.DEBIT_NOTE else ledger.EntryType.INVOICE
    )
    today = today_ist()
    number = invoice.invoice_number
    if customer_id == invoice.customer_id:
        delta = invoice.balance_amount - balance
        return [ledger.Entry(customer_id, today, kind, invoice.invoice_id, delta, invoice.invoice_id, number)]
    return [
        ledger.Entry(
            customer_id,
            today,
            ledger.EntryType.REVERSAL,
            invoice.invoice_id,
            -balance,
            invoice.invoice_id,
            number,
        ),
        ledger.Entry(
            invoice.customer_id,
            today,
            kind,
            invoice.invoice_id,
            invoice.balance_amount,
            invoice.invoice_id,
            number,
        ),
    ]


def _fixed_fields(invoice: Invoice, patch: InvoicePatch) -> list[SubError]:
    """What a document is made as never changes (api.md §9.1): a value given must be the invoice's own."""
    current = {
        "document_type": invoice.document_type,
        "original_invoice_ids": invoice.original_invoice_ids,
        "note_reason": invoice.note_reason,
    }
    problems = []
    for name in sorted(patch.model_fields_set & current.keys()):
        value = getattr(patch, name)
        value = [str(v) for v in value] if isinstance(value, list) else value
        if value != current[name]:
            why = f"cannot change: it is {current[name]!s} (issue a credit note and a new document instead)"
            if current[name] is None:
                why = "cannot change: the invoice has none (it is not a debit note)"
            problems.append(SubError(_wire(name), why, value))
    return problems


async def act(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, request: ApprovalRequest
) -> InvoiceRead:
    """An approval step (§4.2) on a locked invoice, audited with the remarks; invoice.approved when final."""
    invoice = await repository.get(session, company_id, invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    company = await companies.get(session, company_id)
    before = ApprovalStatus(invoice.approval_status)
    after = approvals.next_status(
        before,
        company.approval_chain,
        request.action,
        role=principal.role,
        actor=principal.user_id,
        creator=invoice.created_by,
    )
    invoice.approval_status = after.value
    issued = approvals.is_approved(after, company.approval_chain) and not invoice.posted
    if issued:
        invoice.posted = True
    await session.flush()
    if issued:
        # Approved: issued to the customer, so from now on it is owed and in the ledger (§9.4).
        await ledger.post(
            session,
            company_id,
            [
                ledger.invoice_entry(
                    invoice.customer_id,
                    invoice.invoice_id,
                    invoice.invoice_number,
                    invoice.invoice_date,
                    invoice.total_amount,
                    debit_note=invoice.document_type == "DEBIT_NOTE",
                )
            ],
        )
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "invoice",
        invoice_id,
        str(request.action),
        {"approval_status": before.value},
        {"approval_status": after.value},
        reason=request.remarks,
    )
    if approvals.is_approved(after, company.approval_chain):
        await repository.add_event(session, company_id, "invoice.approved", invoice_id)
    customer = await customers.get_model(session, company_id, invoice.customer_id)
    lines = await repository.lines_of(session, company_id, [invoice_id])
    read = to_read(invoice, lines, customer.legal_name if customer else None)
    return (await _with_msme(session, company_id, [read]))[0]


async def pdf(session: AsyncSession, company_id: str, invoice_id: str) -> tuple[str, bytes]:
    """The GST tax invoice as a PDF, and a file name for it."""
    found = await pdfs(session, company_id, [invoice_id])
    if invoice_id not in found:
        raise NotFound(f"No invoice {invoice_id}.")
    return found[invoice_id]


async def pdfs(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, tuple[str, bytes]]:
    """invoiceId → (file name, PDF) for those of the ids that are this company's invoices. Read in four
    queries however many there are: the send jobs draw a batch of dispatch e-mails' PDFs at a time. Drawn in
    a worker thread: the compiler lets go of the GIL, so the event loop goes on meanwhile."""
    invoices = await repository.get_many(session, company_id, list(dict.fromkeys(invoice_ids)))
    if not invoices:
        return {}
    company = await companies.get(session, company_id)
    buyers = await customers.get_models(session, company_id, [i.customer_id for i in invoices])
    lines_by_invoice: dict[str, list[InvoiceLine]] = {}
    for line in await repository.lines_of(session, company_id, [i.invoice_id for i in invoices]):
        lines_by_invoice.setdefault(line.invoice_id, []).append(line)
    # A debit note prints the numbers and dates of the invoices it adds to.
    original_ids = {o for i in invoices for o in i.original_invoice_ids or ()}
    originals = {o.invoice_id: o for o in await repository.get_many(session, company_id, list(original_ids))}
    seller = seller_party(company, await companies.logo(session, company_id))
    documents = {
        invoice.invoice_id: (
            _file_name(invoice),
            _document_of(invoice, company, seller, buyers[invoice.customer_id], lines_by_invoice, originals),
        )
        for invoice in invoices
    }
    return await asyncio.to_thread(_render_all, documents)


def _render_all(documents: dict[str, tuple[str, TaxInvoiceDocument]]) -> dict[str, tuple[str, bytes]]:
    return {invoice_id: (name, render_invoice(doc)) for invoice_id, (name, doc) in documents.items()}


def _file_name(invoice: Invoice) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in invoice.invoice_number)
    return f"invoice-{safe}.pdf"


def _document_of(
    invoice: Invoice,
    company: Company,
    seller: Party,
    customer: Customer,
    lines_by_invoice: dict[str, list[InvoiceLine]],
    originals: dict[str, Invoice],
) -> TaxInvoiceDocument:
    return TaxInvoiceDocument(
        invoice_number=invoice.invoice_number,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        seller=seller,
        buyer=party(
            customer.legal_name, customer.address, customer.pin_code, customer.state, customer.pan_or_gstin
        ),
        place_of_supply=invoice.place_of_supply,
        taxable_value=invoice.base_amount,
        total=invoice.total_amount,
        cgst=invoice.cgst,
        sgst=invoice.sgst,
        igst=invoice.igst,
        cess=invoice.cess,
        lines=printed_lines(lines_by_invoice.get(invoice.invoice_id, [])),
        description=invoice.description,
        intra_state=invoice.place_of_supply == company.state,
        # The document states only what holds from issue on: what is paid and the payment link change, so
        # they are on the payment page and in the e-mail, and every fetch prints the same document.
        buyer_reference=invoice.external_id,
        bank=BankAccount(**company.bank_account) if company.bank_account else None,
        upi_vpa=company.upi_vpa,
        document_type=DocumentType(invoice.document_type),
        original_invoices=tuple(
            InvoiceReference(originals[o].invoice_number, originals[o].invoice_date)
            for o in invoice.original_invoice_ids or ()
            if o in originals
        ),
        reason=invoice.note_reason,
        msme_due_date=(
            msme_interest.statutory_due_date(invoice.invoice_date, invoice.due_date)
            if msme_interest.applies(company.msme_category)
            else None
        ),
    )


def payment_link(invoice: Invoice) -> str | None:
    """The hosted payment page of a dispatched invoice (api.md §5)."""
    if not invoice.payment_token:
        return None
    return f"{get_settings().public_url.rstrip('/')}/pay/{invoice.payment_token}"


def _paise(value: Decimal | None) -> Decimal | None:
    return None if value is None else to_paise(value)


_TAX_FIELDS = frozenset({"cgst", "sgst", "igst", "cess", "line_items"})
_APPROVED = frozenset({ApprovalStatus.CHECKER_APPROVED.value, ApprovalStatus.APPROVER_APPROVED.value})


# Column → API name, for the fields an API client sees (sellerId is the column company_id).
_API_NAMES = {
    **{name: field.alias or name for name, field in InvoiceRead.model_fields.items()},
    "company_id": "sellerId",
}


def _changed_fields(columns: Sequence[str]) -> list[str]:
    """invoice.updated's changedFields: the API names of the changed columns a client can see."""
    return sorted({_API_NAMES[c] for c in columns if c in _API_NAMES and c != "updated_on"})


def _wire(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _lines(company_id: str, invoice_id: str, data: InvoiceCreate, money: Amounts) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            company_id=company_id,
            invoice_id=invoice_id,
            line_no=n,
            description=item.description,
            hsn_sac=item.hsn_sac,
            quantity=item.quantity,
            unit=item.unit,
            unit_price=item.unit_price,
            gst_rate=item.gst_rate,
            base_amount=tax.base,
            cgst=tax.cgst,
            sgst=tax.sgst,
            igst=tax.igst,
        )
        for n, (item, tax) in enumerate(zip(data.line_items or [], money.lines, strict=True), start=1)
    ]


def to_read(invoice: Invoice, lines: list[InvoiceLine], customer_legal_name: str | None) -> InvoiceRead:
    read = InvoiceRead.model_validate(
        {
            **{c: getattr(invoice, c) for c in Invoice.__table__.columns.keys()},
            "seller_id": invoice.company_id,
            "customer_legal_name": customer_legal_name,
            "overdue": is_overdue(invoice),
            "payment_link": payment_link(invoice),
            "line_items": [LineItemRead.model_validate(line) for line in lines],
        }
    )
    return read


def is_overdue(invoice: Invoice, today: date | None = None) -> bool:
    return (
        invoice.balance_amount > 0
        and invoice.due_date < (today or today_ist())
        and invoice.status != (InvoiceStatus.COLLECTION_DELETED.value)
    )


def _time_bounds(filters: dict[str, Any]) -> None:
    """createdOn and dispatchedOn bounds (IST dates or date-times); a bare upper date covers its day."""
    for name, wire in (("created_on", "createdOn"), ("dispatched_on", "dispatchedOn")):
        for end, suffix in ((False, "from"), (True, "to")):
            raw = filters.get(f"{name}_{suffix}")
            if not raw:
                filters[f"{name}_{suffix}"] = None  # "" is no bound, as the customers' search reads it
                continue
            try:
                bound = parse_filter_datetime(raw, end_of_day=end)
            except ValueError as exc:
                field = f"{wire}{suffix.capitalize()}"
                raise ValidationFailed.field(field, "must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss", raw) from exc
            if end and bound.microsecond == 0:
                bound = bound.replace(
                    microsecond=999_999
                )  # shown to the second: "10:00:00" includes 10:00:00.7
            filters[f"{name}_{suffix}"] = bound


async def search(
    session: AsyncSession,
    company_id: str,
    query: InvoiceSearch,
    page: PageParams,
    *,
    count_cap: int | None = None,
) -> Page[InvoiceRead]:
    """A page of matches and their number; with ``count_cap`` (the web app's list) a total above the cap
    means "more than count_cap" (repository.search)."""
    filters: dict[str, Any] = query.model_dump()
    _time_bounds(filters)
    column = page.column(ORDERABLE, "createdOn")
    today = today_ist()
    rows, total = await repository.search(
        session,
        company_id,
        filters,
        column,
        page.descending,
        page.limit,
        page.offset,
        today,
        count_cap=count_cap,
    )
    lines = await repository.lines_of(session, company_id, [invoice.invoice_id for invoice, _ in rows])
    by_invoice: dict[str, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
    items = [to_read(invoice, by_invoice[invoice.invoice_id], name) for invoice, name in rows]
    await _with_msme(session, company_id, items, today)
    return Page[InvoiceRead](items=items, total=total, offset=page.offset, limit=page.limit)


async def get(session: AsyncSession, company_id: str, invoice_id: str) -> InvoiceRead:
    invoice = await repository.get(session, company_id, invoice_id)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    customer = await customers.get_model(session, company_id, invoice.customer_id)
    lines = await repository.lines_of(session, company_id, [invoice_id])
    read = to_read(invoice, lines, customer.legal_name if customer else None)
    return (await _with_msme(session, company_id, [read]))[0]


async def _with_msme(
    session: AsyncSession, company_id: str, reads: list[InvoiceRead], today: date | None = None
) -> list[InvoiceRead]:
    """The answers with their MSMED Act due date and interest as of today (api.md §10), for a micro or
    small seller's issued invoices: two queries for any number of them (one for any other seller)."""
    found = await msme.interest_for(session, company_id, [r.invoice_id for r in reads], today or today_ist())
    for read in reads:
        owed = found.get(read.invoice_id)
        if owed is not None:
            read.msme_due_date = owed.statutory_due_date
            read.msme_interest = owed.interest
    return reads


# Bulk (invoiceBulkUpload) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    """One row of an invoice file: created (or valid, in a dry run), skipped because its externalId exists,
    or failed with its field errors."""

    invoice_id: str | None = None
    existing: bool = False
    errors: tuple[SubError, ...] = ()


@dataclass
class _Candidate:
    k: int
    fy: int
    series: str
    """INVOICE or DEBIT_NOTE: the number series it counts in."""
    given: str | None
    """The number typed by hand; None: the series gives one."""
    external_id: str | None
    record: dict[str, Any]


def _check_row(
    data: InvoiceCreate, customer: Customer | None, company: Company, originals: dict[str, Invoice]
) -> tuple[str, Amounts, date, str]:
    """The checks of a create that need no further query (``originals``: the invoices debit notes name,
    loaded); ValidationFailed for the first that fails. The place of supply, amounts, date and document
    type."""
    customer = _usable(customer, data.customer_id)
    kind = kinds.document_type(data, company)
    invoice_date = data.invoice_date or today_ist()
    fallback = None
    if kind == kinds.DEBIT_NOTE:
        found = kinds.check_originals(
            data.original_invoice_ids or [], customer.customer_id, invoice_date, originals
        )
        fallback = kinds.common_place(found)
    place = _place_of_supply(data, customer, fallback)
    check_gst_registration(data, company, kind)
    money = amounts(data, place == company.state, place)
    if data.due_date < invoice_date:
        raise ValidationFailed.field(
            "dueDate",
            f"must not be before the invoice date ({invoice_date.isoformat()})",
            data.due_date.isoformat(),
        )
    for field, value, expected in (
        ("totalAmount", data.total_amount, money.total),
        ("balanceAmount", data.balance_amount, money.total),
        ("paidAmount", data.paid_amount, ZERO),
    ):
        # EnKash's computed amounts, when a client states them: they must be what the invoice will have.
        if value is not None and value != expected:
            why = "a new invoice owes its whole total" if field == "balanceAmount" else "computed by dues"
            if field == "paidAmount":
                why = "a new invoice has no payment; record payments with POST /api/v0/payment"
            raise ValidationFailed.field(field, f"must be {expected:.2f} ({why}), or left out", str(value))
    if data.minimum_partial_amount is not None and data.minimum_partial_amount > money.total:
        raise ValidationFailed.field(
            "minimumPartialAmount",
            f"must not exceed the total ({money.total:.2f})",
            str(data.minimum_partial_amount),
        )
    return place, money, invoice_date, kind


async def create_many(
    session: AsyncSession,
    actor: str,
    company_id: str,
    rows: list[dict[str, Any]],
    *,
    dry_run: bool = False,
    reason: str | None = None,
) -> list[BulkOutcome]:
    """Invoices from file rows (cells by wire name), checked exactly as createInvoice checks a body; a bad row
    never stops the others. A row whose externalId exists is SKIPPED with the holder's id. prepare_many then
    write_many, for a caller that has nothing to do in between."""
    plan = await prepare_many(session, actor, company_id, rows)
    if dry_run:
        return [BulkOutcome() if o.invoice_id and not o.existing else o for o in plan.outcomes]
    await write_many(session, plan, reason=reason)
    return plan.outcomes


@dataclass
class BulkPlan:
    """A batch of file rows checked against the database and made ready to insert. ``outcomes`` has one entry
    per row; a row to create already carries the id its invoice will have."""

    company_id: str
    actor: str
    outcomes: list[BulkOutcome]
    candidates: list[_Candidate]
    prefixes: dict[str, str]
    """Each series' prefix (INVOICE, DEBIT_NOTE)."""
    event_types: tuple[str, ...]


class BulkRaced(Exception):
    """Another create took a number or externalId of the batch between its checks and its insert. The batch's
    transaction must roll back, which gives its reserved numbers back (no gap), and the batch be checked
    again: its rows then find their externalIds held (SKIPPED) or their numbers used (FAILED)."""


_T = TypeVar("_T")


async def _maybe_in_thread(offload: bool, fn: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.to_thread(fn, *args) if offload else fn(*args)


async def prepare_many(
    session: AsyncSession, actor: str, company_id: str, rows: list[dict[str, Any]], *, offload: bool = False
) -> BulkPlan:
    """Every check of create_many, with a handful of queries whatever the number of rows; writes nothing, so
    it may run ahead of the write, in another transaction. ``offload``: the CPU work (two thirds of a row's
    cost) runs in a thread, so that it overlaps the database's work on an earlier batch."""
    refs = [str(r["customerUniqueRefNo"]) for r in rows if r.get("customerUniqueRefNo")]
    by_ref = await customers.ids_for_refs(session, company_id, refs) if refs else {}
    parsed = await _maybe_in_thread(offload, _parse_rows, rows, by_ref)
    good = [p for p in parsed if isinstance(p, InvoiceCreate)]
    company = await companies.get(session, company_id)
    found = await customers.get_models(session, company_id, [d.customer_id for d in good])
    held = await repository.external_ids_held(
        session, company_id, [d.external_id for d in good if d.external_id]
    )
    today = today_ist()
    given = [
        (gst.financial_year(d.invoice_date or today), d.invoice_number) for d in good if d.invoice_number
    ]
    taken = await repository.numbers_taken(session, company_id, given)
    originals = await _originals(session, company_id, good)
    return await _maybe_in_thread(
        offload, _plan, company_id, actor, company, parsed, found, held, taken, originals
    )


def _parse_rows(rows: list[dict[str, Any]], by_ref: dict[str, str]) -> list[InvoiceCreate | BulkOutcome]:
    """Each row as the create body it names (its customer found by uniqueRefNo), or why it is not one."""
    parsed: list[InvoiceCreate | BulkOutcome] = []
    for raw in rows:
        values = dict(raw)
        ref = values.pop("customerUniqueRefNo", None)
        if ref and not values.get("customerId"):
            if ref not in by_ref:
                error = SubError("customerUniqueRefNo", "no customer has this uniqueRefNo", ref)
                parsed.append(BulkOutcome(errors=(error,)))
                continue
            values["customerId"] = by_ref[ref]
        try:
            parsed.append(InvoiceCreate.model_validate(values))
        except ValidationError as exc:
            parsed.append(BulkOutcome(errors=tuple(sub_errors_from_pydantic(exc.errors()))))
    return parsed


def _plan(
    company_id: str,
    actor: str,
    company: Company,
    parsed: list[InvoiceCreate | BulkOutcome],
    found: dict[str, Customer],
    held: dict[str, str],
    taken: set[tuple[int, str]],
    originals: dict[str, Invoice],
) -> BulkPlan:
    """The checks that need the rows' customers, the externalIds and the numbers typed by hand that exist."""
    approval = _first_approval(company)
    new_ids = iter(ids.many("INV", len(parsed), 13))
    outcomes: list[BulkOutcome] = []
    candidates: list[_Candidate] = []
    seen: set[tuple[int, str]] = set()
    for k, data in enumerate(parsed):
        if isinstance(data, BulkOutcome):
            outcomes.append(data)
            continue
        if data.external_id and data.external_id in held:
            outcomes.append(BulkOutcome(held[data.external_id], existing=True))
            continue
        try:
            place, money, invoice_date, kind = _check_row(
                data, found.get(data.customer_id), company, originals
            )
        except ValidationFailed as exc:
            outcomes.append(BulkOutcome(errors=tuple(exc.sub_errors)))
            continue
        fy = gst.financial_year(invoice_date)
        if data.invoice_number is not None:
            key = (fy, data.invoice_number)
            if key in taken or key in seen:
                where = "in this file" if key in seen else f"in financial year {gst.financial_year_label(fy)}"
                error = SubError("invoiceNumber", f"is already used {where}", data.invoice_number)
                outcomes.append(BulkOutcome(errors=(error,)))
                seen.add(key)
                continue
            seen.add(key)
        invoice_id = next(new_ids)
        values = _new_invoice(
            company_id,
            actor,
            invoice_id,
            data,
            place,
            money,
            invoice_date,
            fy,
            approval,
            CreatedVia.BULK_UPLOAD,
            document_type=kind,
            posted=approvals.is_approved(approval, company.approval_chain),
            original_invoice_ids=data.original_invoice_ids if kind == kinds.DEBIT_NOTE else None,
            note_reason=kinds.note_reason(data, kind),
        )
        # JSON-ready (money as exact strings, dates as ISO): the insert's values, and also the audit row's
        # "after", as audit.snapshot gives it less the server's times.
        record = {key: _jsonable(value) for key, value in values.items()}
        series = repository.series_of(kind)
        candidates.append(_Candidate(k, fy, series, data.invoice_number, data.external_id, record))
        outcomes.append(BulkOutcome(invoice_id))
    events = (
        ("invoice.created", "invoice.approved")
        if approval is ApprovalStatus.APPROVER_APPROVED
        else ("invoice.created",)
    )
    prefixes = {repository.series_of(k): kinds.series_prefix(company, k) for k in kinds.SERIES_KINDS}
    return BulkPlan(company_id, actor, outcomes, candidates, prefixes, events)


async def write_many(
    session: AsyncSession,
    plan: BulkPlan,
    *,
    reason: str | None = None,
    numbered: Callable[[], None] | None = None,
) -> None:
    """Insert a prepared batch: series numbers for the rows without one, then the invoices, their audit rows
    and events in one statement. The series stays locked to the commit, so this is the transaction's last
    step; ``numbered`` is called as soon as the batch holds its numbers (the caller may then let the next
    batch queue for the series). BulkRaced when another create took one of the batch's numbers or
    externalIds meanwhile."""
    if plan.candidates:
        await _series_numbers(session, plan)
    if numbered is not None:
        numbered()
    if not plan.candidates:
        return
    document = repository.bulk_document([c.record for c in plan.candidates])
    inserted = await repository.insert_many(
        session,
        plan.company_id,
        document,
        plan.event_types,
        actor=plan.actor,
        request_id=current_request_id(),
        reason=reason,
    )
    if len(inserted) != len(plan.candidates):
        lost = [c.record["invoice_id"] for c in plan.candidates if c.record["invoice_id"] not in inserted]
        raise BulkRaced(f"{len(lost)} of {len(plan.candidates)} invoices lost their number or externalId")


async def _series_numbers(session: AsyncSession, plan: BulkPlan) -> None:
    """Series numbers for the rows without one, reserved per financial year in one statement each, stepping
    over numbers typed by hand, those that exist and those of this batch."""
    company_id = plan.company_id
    by_year: dict[tuple[str, int], list[_Candidate]] = defaultdict(list)
    by_hand: set[tuple[int, str]] = set()
    for c in plan.candidates:
        if c.given is None:
            by_year[(c.series, c.fy)].append(c)
        else:
            by_hand.add((c.fy, c.given))
    # Series and years in one order, so two batches open at once never wait for each other's crosswise.
    for (series, fy), waiting in sorted(by_year.items()):
        prefix = plan.prefixes[series]
        head, width = kinds.series_head(prefix, fy)
        while waiting:
            reserved, taken = await repository.reserve_range(
                session, company_id, fy, len(waiting), head, max(1, width), series
            )
            numbers = [_number_text(prefix, fy, n) for n in reserved]
            if any(len(n) > 16 for n in numbers):
                label = gst.financial_year_label(fy)
                raise ValidationFailed.field(
                    "invoiceNumber", f"the series of {label} is exhausted; give invoice numbers by hand", None
                )
            free = [n for n in numbers if n not in taken and (fy, n) not in by_hand]
            for c, number in zip(waiting, free, strict=False):
                c.record["invoice_number"] = number
            waiting = waiting[len(free) :]


def _new_invoice(
    company_id: str,
    actor: str,
    invoice_id: str,
    data: InvoiceCreate,
    place: str,
    money: Amounts,
    invoice_date: date,
    fy: int,
    approval: ApprovalStatus,
    via: CreatedVia,
    *,
    document_type: str,
    posted: bool,
    original_invoice_ids: list[str] | None = None,
    note_reason: str | None = None,
) -> dict[str, Any]:
    """A new invoice's column values, as createInvoice and the bulk upload both make it: all but the server's
    times, and the number when the series is to give it. ``posted``: approved on creation, so it enters the
    ledger in the statement that writes it."""
    return {
        "company_id": company_id,
        "invoice_id": invoice_id,
        "customer_id": data.customer_id,
        "invoice_number": data.invoice_number,
        "financial_year": fy,
        "invoice_date": invoice_date,
        "due_date": data.due_date,
        "place_of_supply": place,
        "gst_exclusive": data.gst_exclusive,
        "base_amount": money.base,
        "cgst": money.cgst,
        "sgst": money.sgst,
        "igst": money.igst,
        "cess": money.cess,
        "total_amount": money.total,
        "paid_amount": ZERO,
        "balance_amount": money.total,
        "charge_customer": data.charge_customer,
        "description": data.description,
        "email_address": data.email_address,
        "external_id": data.external_id,
        "partial_payment_allowed": data.partial_payment_allowed,
        "minimum_partial_amount": _paise(data.minimum_partial_amount),
        "approval_status": approval.value,
        "status": InvoiceStatus.CREATED.value,
        "collection_mode": [m.value for m in dict.fromkeys(data.collection_mode or [])],
        "created_via": via.value,
        "dispatched": False,
        "dispatched_on": None,
        "payment_token": None,
        "created_by": actor,
        "document_type": document_type,
        "original_invoice_ids": original_invoice_ids,
        "note_reason": note_reason,
        "credited_amount": ZERO,
        "written_off_amount": ZERO,
        "tds_amount": ZERO,
        "posted": posted,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
