from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.disputes import service
from dues.disputes.schemas import DisputeCreate, DisputeRead, DisputeResolve, PromiseCreate, PromiseRead
from dues.kit.envelope import Envelope, JSONBody, ok

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["disputes"])

InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]


@router.post(
    "/invoice/{invoiceId}/dispute",
    response_model=Envelope[DisputeRead],
    summary="Dispute an invoice",
    description=(
        "Records the customer's dispute of an issued invoice with a balance (422 otherwise, or when it has "
        "an open dispute already); amount, if given, is at most the balance. While it is open the invoice "
        "gets no reminders. Any role but VIEWER."
    ),
)
async def open_dispute(
    invoiceId: InvoiceIdPath,
    body: DisputeCreate,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.open_dispute(session, principal, company_id, invoiceId, body))


@router.post(
    "/invoice/{invoiceId}/dispute/resolve",
    response_model=Envelope[DisputeRead],
    summary="Resolve an invoice's dispute",
    description=(
        "Closes the invoice's open dispute (422 if it has none) with its outcome: CREDIT_NOTE, REJECTED or "
        "WITHDRAWN; reminders resume. A credit note is issued separately. Any role but VIEWER."
    ),
)
async def resolve_dispute(
    invoiceId: InvoiceIdPath,
    body: DisputeResolve,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.resolve(session, principal, company_id, invoiceId, body))


@router.get(
    "/invoice/{invoiceId}/disputes",
    response_model=Envelope[list[DisputeRead]],
    summary="An invoice's disputes",
    description="Every dispute of the invoice, open and resolved, oldest first.",
)
async def invoice_disputes(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.disputes(session, company_id, invoiceId))


@router.post(
    "/invoice/{invoiceId}/promise",
    response_model=Envelope[PromiseRead],
    summary="Record a promise to pay",
    description=(
        "The customer promised to pay amount (more than 0, at most the balance) by promisedDate (today or "
        "later): reminders pause until that date. A new promise replaces the open one. After the date, a "
        "daily job marks it KEPT (the balance fell by the amount, or the invoice is paid) or BROKEN "
        "(invoice.promise_broken). Any role but VIEWER."
    ),
)
async def record_promise(
    invoiceId: InvoiceIdPath,
    body: PromiseCreate,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.promise(session, principal, company_id, invoiceId, body))


@router.get(
    "/invoice/{invoiceId}/promises",
    response_model=Envelope[list[PromiseRead]],
    summary="An invoice's promises to pay",
    description="Every promise to pay of the invoice, oldest first, with what became of it.",
)
async def invoice_promises(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.promises(session, company_id, invoiceId))
