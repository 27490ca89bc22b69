from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from dues.auth.deps import AdminPrincipal
from dues.companies.deps import CompanyScope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging
from dues.webhooks import service
from dues.webhooks.schemas import DeliveryRead, DeliveryStatus, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v0/webhook", route_class=DuesRoute, tags=["webhooks"])

WebhookIdPath = Annotated[str, Path(max_length=16, description="WH + 14 characters")]
DeliveryIdPath = Annotated[
    str, Path(max_length=36, description="msg_ + 32 hex digits (the webhook-id header)")
]

# Webhooks are the company's integration settings, and a subscription reads every event of the company:
# ADMIN only, reading included (the listing shows where the company's data goes). A parent company's admin
# manages a child's with companyId=, as for the child's customers and invoices.


@router.post("", response_model=Envelope[WebhookCreated], summary="Register a webhook endpoint")
async def create_webhook(
    body: WebhookCreate, principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.get("", response_model=Envelope[list[WebhookRead]], summary="List webhook endpoints")
async def list_webhooks(principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep) -> JSONBody:
    return ok(await service.list_all(session, company_id))


@router.delete("/{webhookId}", response_model=Envelope[WebhookRead], summary="Delete a webhook endpoint")
async def delete_webhook(
    webhookId: WebhookIdPath, principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, webhookId))


@router.get(
    "/{webhookId}/deliveries",
    response_model=Envelope[Page[DeliveryRead]],
    summary="Delivery log: every delivery with every attempt",
)
async def list_deliveries(
    webhookId: WebhookIdPath,
    paging: Paging,
    principal: AdminPrincipal,
    company_id: CompanyScope,
    session: SessionDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> JSONBody:
    return ok(await service.deliveries(session, company_id, webhookId, status, paging))


@router.post(
    "/{webhookId}/deliveries/{deliveryId}/retry",
    response_model=Envelope[DeliveryRead],
    summary="Send a delivery again now",
)
async def retry_delivery(
    webhookId: WebhookIdPath,
    deliveryId: DeliveryIdPath,
    principal: AdminPrincipal,
    company_id: CompanyScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.retry(session, principal, company_id, webhookId, deliveryId))
