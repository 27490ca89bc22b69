"""Webhook endpoints as pages (api.md §6, docs/webhooks.md): the company's endpoints, registering one (its
signing secret shown once), deleting one, and an endpoint's deliveries with "Retry" on a failed one.

ADMIN only, reading included, as the API: an endpoint reads every event of the company."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, NotFound
from dues.kit.pagination import PageParams
from dues.web.common import (
    NO_PROBLEMS,
    Admin,
    Problems,
    User,
    form_of,
    problems,
    redirect,
    refusal_status,
    render,
    text,
)
from dues.webhooks import service
from dues.webhooks.schemas import DeliveryStatus, WebhookCreate, WebhookEvent, WebhookFormat

router = APIRouter(route_class=DuesRoute)

DELIVERIES_PAGE = 25
WebhookIdPath = Annotated[str, Path(max_length=16)]
DeliveryIdPath = Annotated[str, Path(max_length=36)]
EVENTS = [e.value for e in WebhookEvent]
FORMATS = [
    (WebhookFormat.STANDARD.value, "standard: {type, timestamp, data} at the URL"),
    (WebhookFormat.ENKASH.value, "enkash: EnKash's Bharat Connect webhooks under the URL"),
]


async def _list_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    form: dict[str, object] | None = None,
    refused: Problems = NO_PROBLEMS,
    code: int = 200,
) -> Response:
    endpoints = await service.list_all(session, user.company_id)
    return render(
        request,
        "operations/webhooks.html",
        code,
        user=user,
        endpoints=endpoints,
        events=EVENTS,
        formats=FORMATS,
        form=form or {"url": "", "description": "", "format": "standard", "events": []},
        problems=refused,
    )


@router.get("/app/webhooks")
async def webhooks(request: Request, user: Admin, session: SessionDep) -> Response:
    return await _list_page(request, session, user)


@router.post("/app/webhooks")
async def create(request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    kept: dict[str, object] = {
        "url": text(form, "url", 2100),
        "description": text(form, "description", 600),
        "format": text(form, "format", 16) or "standard",
        "events": [e for e in form.getlist("events") if isinstance(e, str)][: len(EVENTS) + 1],
    }
    try:
        body = WebhookCreate.model_validate({**kept, "description": kept["description"] or None})
        created = await service.create(session, user.principal, user.company_id, body)
    except (DuesError, ValidationError) as exc:
        code = refusal_status(exc)
        return await _list_page(request, session, user, form=kept, refused=problems(exc), code=code)
    # Not a redirect: the secret is shown in this answer only (never stored where a later page could read it),
    # as the API answers with it once.
    return render(request, "operations/webhook_created.html", 201, user=user, endpoint=created)


@router.post("/app/webhooks/{webhook_id}/delete")
async def delete(request: Request, webhook_id: WebhookIdPath, user: Admin, session: SessionDep) -> Response:
    deleted = await service.delete(session, user.principal, user.company_id, webhook_id)
    return redirect(request, "/app/webhooks", flash=f"Webhook {deleted.webhook_id} to {deleted.url} deleted.")


@router.get("/app/webhooks/{webhook_id}")
async def deliveries(
    request: Request,
    webhook_id: WebhookIdPath,
    user: Admin,
    session: SessionDep,
    status: Annotated[str, Query(max_length=16)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    chosen = DeliveryStatus(status) if status in DeliveryStatus.__members__ else None
    page = await service.deliveries(
        session, user.company_id, webhook_id, chosen, PageParams(DELIVERIES_PAGE, offset, None, True)
    )
    endpoints = await service.list_all(session, user.company_id)
    endpoint = next((e for e in endpoints if e.webhook_id == webhook_id), None)
    if endpoint is None:
        raise NotFound(f"No webhook {webhook_id}.")
    return render(
        request,
        "operations/webhook.html",
        user=user,
        endpoint=endpoint,
        page=page,
        status_filter=chosen.value if chosen else "",
        statuses=[s.value for s in DeliveryStatus],
        offset=offset,
        page_size=DELIVERIES_PAGE,
    )


@router.post("/app/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
async def retry(
    request: Request, webhook_id: WebhookIdPath, delivery_id: DeliveryIdPath, user: Admin, session: SessionDep
) -> Response:
    await service.retry(session, user.principal, user.company_id, webhook_id, delivery_id)
    return redirect(
        request,
        f"/app/webhooks/{webhook_id}",
        flash=f"Delivery {delivery_id} is queued to be sent again now.",
    )
