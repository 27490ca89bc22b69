from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path
from fastapi.responses import Response

from dues.auth.deps import CurrentPrincipal, MakerPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.companies.deps import body_scope
from dues.db import DuesRoute, SessionDep, single_statement_unless
from dues.invoices import service
from dues.invoices.schemas import ApprovalRequest, InvoiceCreate, InvoicePatch, InvoiceRead, InvoiceSearch
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging
from dues.replica import ReadSessionDep

router = APIRouter(prefix="/api/v0/invoice", route_class=DuesRoute, tags=["invoices"])

InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]


def _dispatch_now(body: bytes) -> bool:
    """A create that also dispatches writes in two steps, which must commit together. Unreadable bodies get
    the transaction too (validation will answer them)."""
    if b"dispatchNow" not in body:
        return False
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    return not isinstance(data, dict) or data.get("dispatchNow") not in (False, None)


@router.post(
    "",
    response_model=Envelope[InvoiceRead],
    summary="createInvoice",
    description=(
        "Creates a GST invoice. customerId, dueDate (not before invoiceDate, default today) and "
        "baseAmount (at least 0.10) are required; amounts are exact rupees with at most 2 decimals. Taxes"
        " follow the place of supply (default the customer's state): in the seller's state cgst = sgst "
        "and no igst, elsewhere igst only; any other split is refused naming the field. With lineItems, "
        "baseAmount and taxes must agree with them. invoiceNumber comes from the seller's series when "
        "left out and is unique per financial year; externalId is unique per seller (422 naming the "
        "invoice that holds it). The company's approval chain sets approvalStatus; dispatchNow=true also "
        "dispatches it when it is approved. The customer must be ACTIVE and not deleted. ADMIN or MAKER."
    ),
)
@single_statement_unless(_dispatch_now)
async def create_invoice(
    body: InvoiceCreate, principal: MakerPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.post(
    "/search",
    response_model=Envelope[Page[InvoiceRead]],
    summary="searchCollectionInvoices",
    description=(
        "Invoices of the seller matching every filter given (AND; a list matches any of its values). Date"
        " filters take yyyy-MM-dd or yyyy-MM-dd HH:mm:ss (IST); on dueDate only the date part counts. "
        "Paged by limit (1..5000, default 100) and offset, sorted by orderBy (createdOn by default) and "
        "direction. Any role may search."
    ),
)
async def search_invoices(
    body: InvoiceSearch,
    paging: Paging,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
) -> JSONBody:
    return ok(await service.search(session, company_id, body, paging))


@router.get(
    "/{invoiceId}",
    response_model=Envelope[InvoiceRead],
    summary="getInvoice",
    description=(
        "One invoice with its amounts (total, paid, balance), approval and collection state, line items "
        "and, once dispatched, its paymentLink. An invoice of another company answers 404."
    ),
)
async def get_invoice(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, invoiceId))


@router.get(
    "/{invoiceId}/pdf",
    summary="Invoice PDF",
    description=(
        "The invoice as a PDF document (a GST tax invoice), ready to print or send. An invoice of another"
        " company answers 404."
    ),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the GST tax invoice"}},
)
async def invoice_pdf(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> Response:
    name, content = await service.pdf(session, company_id, invoiceId)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.patch(
    "/{invoiceId}",
    response_model=Envelope[InvoiceRead],
    summary="updateInvoice",
    description=(
        "Changes an invoice (PATCH rules: left out unchanged, null clears, a value sets) and checks the "
        "result as createInvoice would. Once any payment exists its amounts, customer and dates are "
        "frozen (422); a withdrawn invoice (COLLECTION_DELETED) cannot change. With an approval chain, a "
        "change of amounts, customer or dates sends an approved invoice back for approval. "
        "dispatchNow=true dispatches it as changed. ADMIN or MAKER."
    ),
)
async def update_invoice(
    invoiceId: InvoiceIdPath,
    body: InvoicePatch,
    principal: MakerPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.seller_id)
    return ok(await service.update(session, principal, company_id, invoiceId, body))


@router.post(
    "/{invoiceId}/approval",
    response_model=Envelope[InvoiceRead],
    summary="Approve, reject or submit",
    description=(
        "Moves an invoice along the company's approval chain (api.md §4.2): a CHECKER, then an APPROVER, "
        "approves or rejects at its step; the maker SUBMITs a rejected invoice again after editing it. "
        "Nobody approves an invoice it created, and a user without the step's role is refused (403). Only"
        " a fully approved invoice can be dispatched."
    ),
)
async def invoice_approval(
    invoiceId: InvoiceIdPath,
    body: ApprovalRequest,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.act(session, principal, company_id, invoiceId, body))
