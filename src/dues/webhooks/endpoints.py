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


@router.post(
    "",
    response_model=Envelope[WebhookCreated],
    summary="Register a webhook endpoint",
    description=(
        "Registers an http(s) URL to receive the events named. Deliveries are signed per the Standard "
        "Webhooks spec with the secret in this answer (shown only here), retried with backoff for 3 days,"
        " and every attempt is logged. Private, loopback and link-local addresses are refused unless the "
        "operator allows them. ADMIN only."
    ),
)
async def create_webhook(
    body: WebhookCreate, principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.get(
    "",
    response_model=Envelope[list[WebhookRead]],
    summary="List webhook endpoints",
    description="The company's webhook endpoints (without their secrets). ADMIN only.",
)
async def list_webhooks(principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep) -> JSONBody:
    return ok(await service.list_all(session, company_id))


@router.delete(
    "/{webhookId}",
    response_model=Envelope[WebhookRead],
    summary="Delete a webhook endpoint",
    description="Deletes an endpoint: nothing more is sent to it. ADMIN only.",
)
async def delete_webhook(
    webhookId: WebhookIdPath, principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, webhookId))


@router.get(
    "/{webhookId}/deliveries",
    response_model=Envelope[Page[DeliveryRead]],
    summary="Delivery log: every delivery with every attempt",
    description=(
        "The endpoint's deliveries, newest first, each with every attempt (when, the receiver's status or"
        " why it did not answer, how long it took); filter by status. ADMIN only."
    ),
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
    description=(
        "Sends a delivery again at once, whatever its status, with the same webhook-id (receivers de-"
        "duplicate on it). ADMIN only."
    ),
)
async def retry_delivery(
    webhookId: WebhookIdPath,
    deliveryId: DeliveryIdPath,
    principal: AdminPrincipal,
    company_id: CompanyScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.retry(session, principal, company_id, webhookId, deliveryId))
