from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path
from fastapi.responses import Response

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.companies.deps import body_scope
from dues.db import DuesRoute, SessionDep, single_statement_unless
from dues.invoices import service
from dues.invoices.schemas import ApprovalRequest, InvoiceCreate, InvoicePatch, InvoiceRead, InvoiceSearch
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import ERRORS
from dues.kit.pagination import Page, Paging

router = APIRouter(prefix="/api/v0/invoice", route_class=DuesRoute, tags=["invoices"], responses=ERRORS)

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


@router.post("", response_model=Envelope[InvoiceRead], summary="createInvoice")
@single_statement_unless(_dispatch_now)
async def create_invoice(
    body: InvoiceCreate, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.post("/search", response_model=Envelope[Page[InvoiceRead]], summary="searchCollectionInvoices")
async def search_invoices(
    body: InvoiceSearch, paging: Paging, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.search(session, company_id, body, paging))


@router.get("/{invoiceId}", response_model=Envelope[InvoiceRead], summary="getInvoice")
async def get_invoice(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, invoiceId))


@router.get(
    "/{invoiceId}/pdf",
    summary="Invoice PDF",
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


@router.patch("/{invoiceId}", response_model=Envelope[InvoiceRead], summary="updateInvoice")
async def update_invoice(
    invoiceId: InvoiceIdPath,
    body: InvoicePatch,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.seller_id)
    return ok(await service.update(session, principal, company_id, invoiceId, body))


@router.post(
    "/{invoiceId}/approval", response_model=Envelope[InvoiceRead], summary="Approve, reject or submit"
)
async def invoice_approval(
    invoiceId: InvoiceIdPath,
    body: ApprovalRequest,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.act(session, principal, company_id, invoiceId, body))
