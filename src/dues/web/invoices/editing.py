"""The invoice form (api.md §4, §4.2, §9.1): a new invoice, bill of supply or debit note, and changing one.

The form calls what createInvoice and updateInvoice call, as the signed-in maker; the GST split it shows
while a person types (static/invoice-form.js) is a preview, and the invoice page after saving shows the
service's figures. Credit notes live in ``credit_notes`` and ride on this router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.companies import service as companies
from dues.customers import service as customers
from dues.customers.schemas import CustomerRead, CustomerSearch
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError
from dues.invoices import approvals, service
from dues.invoices.schemas import (
    UQC_CODES,
    ApprovalAction,
    ApprovalRequest,
    ApprovalStatus,
    DebitNoteReason,
    DocumentType,
    InvoiceCreate,
    InvoicePatch,
    InvoiceRead,
    InvoiceSearch,
    InvoiceStatus,
)
from dues.kit import gst
from dues.kit.india import STATES
from dues.kit.money import rupees
from dues.kit.pagination import PageParams
from dues.kit.timefmt import today_ist
from dues.web.common import NO_PROBLEMS, Maker, Problems, User, form_of, problems, redirect, render
from dues.web.invoices import credit_notes
from dues.web.invoices.editing_form import InvoiceForm, for_people

router = APIRouter(route_class=DuesRoute)
router.include_router(credit_notes.router)

InvoiceId = Annotated[str, Path(max_length=16)]
# A select of every active buyer; a seller with more picks by link from the customer's page (?customerId=).
CUSTOMER_CHOICES = 500
ORIGINAL_CHOICES = 100
UNITS = sorted(UQC_CODES)
REFUSED = "The invoice was not saved. Check:"
# What a form's edit compares to decide what changed: a paid invoice's amounts are frozen (api.md §4), so
# the form sends only what the person changed, and a note on a paid invoice can still be corrected.
EDITABLE = (
    "customer_id",
    "invoice_number",
    "invoice_date",
    "due_date",
    "place_of_supply",
    "gst_exclusive",
    "charge_customer",
    "description",
    "partial_payment_allowed",
    "minimum_partial_amount",
    "cess",
)


async def _customers(session: AsyncSession, company_id: str, chosen: str) -> list[CustomerRead]:
    query = CustomerSearch.model_validate({"status": "ACTIVE", "deleted": False})
    found = await customers.search(
        session, company_id, query, PageParams(CUSTOMER_CHOICES, 0, "legalName", False)
    )
    listed = list(found.items)
    if chosen and all(c.customer_id != chosen for c in listed):
        try:
            listed.insert(0, await customers.get(session, company_id, chosen))
        except DuesError:
            pass  # not this company's: the select offers the others and the service names the field
    return listed


async def _originals(session: AsyncSession, company_id: str, customer_id: str) -> list[InvoiceRead]:
    """A debit note's candidates: the customer's tax invoices, newest first."""
    if not customer_id:
        return []
    query = InvoiceSearch.model_validate({"customerIds": [customer_id], "documentTypes": ["TAX_INVOICE"]})
    page = await service.search(
        session, company_id, query, PageParams(ORIGINAL_CHOICES, 0, "invoiceDate", True)
    )
    return [i for i in page.items if i.status != InvoiceStatus.COLLECTION_DELETED]


async def _page(
    request: Request,
    session: AsyncSession,
    user: User,
    form: InvoiceForm,
    *,
    invoice: InvoiceRead | None = None,
    found: Problems = NO_PROBLEMS,
    status: int = 200,
) -> Response:
    company = await companies.get(session, user.company_id)
    choices = await _customers(session, user.company_id, form.customerId)
    figures, totals = form.preview(company.state)
    return render(
        request,
        "invoices/form.html",
        status,
        user=user,
        form=form,
        invoice=invoice,
        problems=found,
        customers=choices,
        originals=await _originals(session, user.company_id, form.customerId) if invoice is None else [],
        seller_state=company.state,
        states=STATES,
        units=UNITS,
        gst_rates=[str(r) for r in gst.GST_RATES],
        document_types=[t.value for t in DocumentType],
        note_reasons=[r.value for r in DebitNoteReason],
        figures=figures,
        totals=totals,
        cess=form.cess_amount(),
        resubmit=invoice is not None and ApprovalStatus(invoice.approval_status) in approvals.REJECTED,
    )


async def _refused(
    request: Request,
    session: AsyncSession,
    user: User,
    form: InvoiceForm,
    exc: DuesError | ValidationError,
    invoice: InvoiceRead | None = None,
) -> Response:
    # The failed write may have left the transaction unusable; the page reads afresh.
    await session.rollback()
    status = 422 if isinstance(exc, ValidationError) else exc.status_code
    return await _page(
        request, session, user, form, invoice=invoice, found=for_people(problems(exc), REFUSED), status=status
    )


@router.get("/app/invoices/new")
async def new_invoice(request: Request, user: Maker, session: SessionDep) -> Response:
    customer_id = request.query_params.get("customerId", "")[:16]
    company = await companies.get(session, user.company_id)
    place = ""
    if customer_id:
        try:
            place = (await customers.get(session, user.company_id, customer_id)).state or ""
        except DuesError:
            customer_id = ""
    kind = "TAX_INVOICE" if company.gstin else "BILL_OF_SUPPLY"
    form = InvoiceForm.blank(customer_id, place, kind, today_ist())
    return await _page(request, session, user, form)


@router.post("/app/invoices/new")
async def create_invoice(request: Request, user: Maker, session: SessionDep) -> Response:
    posted = await form_of(request)
    form = InvoiceForm.of_form(posted)
    if posted.get("op") == "add-line":
        return await _page(request, session, user, form.with_empty_line())
    if not form.placeOfSupply and form.customerId:
        # The customer's state, as the API defaults it: the select starts blank when none was preset.
        form.placeOfSupply = await _customer_state(session, user.company_id, form.customerId)
    try:
        body = InvoiceCreate.model_validate(form.body())
        created = await service.create(session, user.principal, user.company_id, body)
    except (DuesError, ValidationError) as exc:
        return await _refused(request, session, user, form, exc)
    waiting = "" if created.approval_status == ApprovalStatus.APPROVER_APPROVED else ", awaiting approval"
    kind = {"DEBIT_NOTE": "Debit note", "BILL_OF_SUPPLY": "Bill of supply"}.get(
        created.document_type, "Invoice"
    )
    return redirect(
        request,
        f"/app/invoices/{created.invoice_id}",
        flash=f"{kind} {created.invoice_number} created for {rupees(created.total_amount)}{waiting}.",
    )


async def _customer_state(session: AsyncSession, company_id: str, customer_id: str) -> str:
    try:
        return (await customers.get(session, company_id, customer_id)).state or ""
    except DuesError:
        return ""


@router.get("/app/invoices/{invoice_id}/edit")
async def edit_invoice(invoice_id: InvoiceId, request: Request, user: Maker, session: SessionDep) -> Response:
    invoice = await service.get(session, user.company_id, invoice_id)
    return await _page(request, session, user, InvoiceForm.of_invoice(invoice), invoice=invoice)


@router.post("/app/invoices/{invoice_id}/edit")
async def update_invoice(
    invoice_id: InvoiceId, request: Request, user: Maker, session: SessionDep
) -> Response:
    invoice = await service.get(session, user.company_id, invoice_id)
    posted = await form_of(request)
    form = InvoiceForm.of_form(posted)
    # What a debit note is made as never changes; the form shows it and does not send it.
    form.documentType, form.originalInvoiceIds = (
        invoice.document_type.value,
        list(invoice.original_invoice_ids or []),
    )
    form.noteReason = invoice.note_reason.value if invoice.note_reason else ""
    if posted.get("op") == "add-line":
        return await _page(request, session, user, form.with_empty_line(), invoice=invoice)
    try:
        patch = _changes(invoice, InvoicePatch.model_validate(form.body(editing=True)))
        saved = await service.update(session, user.principal, user.company_id, invoice_id, patch)
        resubmitted = posted.get("op") == "resubmit"
        if resubmitted:
            # Editing a rejected invoice and sending it back is one act for the maker (api.md §4.2).
            request_body = ApprovalRequest.model_validate({"action": ApprovalAction.SUBMIT.value})
            saved = await service.act(session, user.principal, user.company_id, invoice_id, request_body)
    except (DuesError, ValidationError) as exc:
        return await _refused(request, session, user, form, exc, invoice)
    done = "saved and submitted for approval" if resubmitted else "saved"
    return redirect(request, f"/app/invoices/{invoice_id}", flash=f"Invoice {saved.invoice_number} {done}.")


def _changes(invoice: InvoiceRead, patch: InvoicePatch) -> InvoicePatch:
    """The patch less what equals the invoice already: only what the person changed is sent."""
    keep: dict[str, Any] = {}
    for name in EDITABLE:
        if name in patch.model_fields_set and getattr(patch, name) != _current(invoice, name):
            keep[name] = getattr(patch, name)
    for name in EDITABLE:
        # A field emptied on the form (notes, the minimum part payment) is cleared.
        if name not in patch.model_fields_set and _current(invoice, name) not in (None, "", False, 0):
            if name in ("description", "minimum_partial_amount", "cess"):
                keep[name] = None
    lines = patch.line_items or []
    current = [
        (x.description, x.hsn_sac, x.quantity, x.unit, x.unit_price, x.gst_rate) for x in invoice.line_items
    ]
    given = [(x.description, x.hsn_sac, x.quantity, x.unit, x.unit_price, x.gst_rate) for x in lines]
    if lines and given != current:
        keep["line_items"] = lines
    return InvoicePatch.model_construct(_fields_set=set(keep), **keep)


def _current(invoice: InvoiceRead, name: str) -> object:
    return getattr(invoice, name)
