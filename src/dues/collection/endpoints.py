from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dues.auth.deps import AdminPrincipal, WriterPrincipal
from dues.collection import service
from dues.collection.schemas import Channel, DeleteRequest, DispatchRequest, IdListAnswer, MessageRead
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["collection"])


@router.post(
    "/invoice/bulk/dispatch",
    response_model=Envelope[IdListAnswer],
    summary="Dispatch Invoice Collection",
    description=(
        "Dispatches invoices for collection: each gets (or keeps) its payment link, dispatched=true, "
        "status=DISPATCHED, and is sent to its recipients by e-mail (with the PDF and the link) and SMS. "
        "Re-dispatching sends it again. Each id succeeds or fails on its own (not found, not approved, "
        "paid, withdrawn, inactive customer): the answer is HTTP 200 with every id's result in `results`; "
        "`apiSubErrors` names each id that failed and `errorMessage` says how many (api.md §4.1). 1 to "
        "5,000 ids. Any role but VIEWER."
    ),
)
async def dispatch_invoices(
    body: DispatchRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.dispatch(session, principal, company_id, body))


@router.post(
    "/invoice/bulk/delete",
    response_model=Envelope[IdListAnswer],
    summary="Delete Invoice Collection",
    description=(
        "Withdraws invoices from collection: the payment link stops working, pending reminders are "
        "cancelled and status becomes COLLECTION_DELETED; the reason goes to the audit trail. An invoice "
        "with a payment cannot be withdrawn. Each id succeeds or fails on its own: the answer is HTTP 200 "
        "with every id's result in `results`; `apiSubErrors` names each id that failed (api.md §4.1). 1 to "
        "5,000 ids. Any role but VIEWER."
    ),
)
async def delete_invoices(
    body: DeleteRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, body))


@router.get(
    "/outbox",
    response_model=Envelope[Page[MessageRead]],
    summary="Messages to payers and what became of them (ADMIN)",
    description=(
        "E-mails and SMS to payers (invoices, reminders), newest first, with their status: OUTBOX when no"
        " mail or SMS provider is configured (the embedded default; also shown on the /outbox page), else"
        " what was handed to the provider. Filter by invoiceId and channel. ADMIN only."
    ),
)
async def list_outbox(
    principal: AdminPrincipal,
    paging: Paging,
    session: SessionDep,
    invoiceId: Annotated[
        str | None, Query(pattern="^INV[A-Z0-9]{13}$", description="INV + 13 characters")
    ] = None,
    channel: Annotated[Channel | None, Query(description="EMAIL or SMS")] = None,
) -> JSONBody:
    return ok(await service.outbox(session, principal.company_id, invoiceId, channel, paging))
