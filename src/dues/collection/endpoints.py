from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dues.auth.deps import AdminPrincipal, WriterPrincipal
from dues.collection import service
from dues.collection.schemas import Channel, DeleteRequest, DispatchRequest, IdListAnswer, MessageRead
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import ERRORS
from dues.kit.pagination import Page, Paging

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["collection"], responses=ERRORS)


@router.post(
    "/invoice/bulk/dispatch",
    response_model=Envelope[IdListAnswer],
    summary="Dispatch Invoice Collection",
    description="Each id is dispatched or refused on its own (api.md §4.1, §5): HTTP 200 with every id's "
    "result; apiSubErrors names each id that failed and errorMessage says how many.",
)
async def dispatch_invoices(
    body: DispatchRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.dispatch(session, principal, company_id, body))


@router.post(
    "/invoice/bulk/delete",
    response_model=Envelope[IdListAnswer],
    summary="Delete Invoice Collection",
    description="Withdraws each invoice from collection on its own (api.md §4.1, §5): HTTP 200 with every "
    "id's result; apiSubErrors names each id that failed (an invoice with a payment is refused).",
)
async def delete_invoices(
    body: DeleteRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, body))


@router.get(
    "/outbox",
    response_model=Envelope[Page[MessageRead]],
    summary="Messages to payers and what became of them (ADMIN)",
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
