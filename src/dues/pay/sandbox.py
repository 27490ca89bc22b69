"""The sandbox gateway's own pages. They stand in for a gateway's hosted checkout, so they use no database
and no request transaction: the checkout session travels signed in the URL, and the outcome reaches dues
only through the signed callback, over real HTTP, as a real gateway's would."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import structlog
from fastapi import APIRouter, Form
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from dues.config import get_settings
from dues.pay import pages
from dues.pay.gateway import SIGNATURE_HEADER, callback_body, open_session, sign

log = structlog.get_logger("dues.pay.sandbox")

router = APIRouter(prefix="/sandbox", route_class=APIRoute, include_in_schema=False)

CALLBACK_TIMEOUT_SECONDS = 10.0
DECLINED = "Declined by the payer in the sandbox (test mode)."


def _origin() -> str:
    parts = urlsplit(get_settings().public_url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/checkout")
async def checkout_page(session: str = "") -> Response:
    fields = open_session(session)
    if fields is None:
        return pages.render("notfound.html", 404, origin=_origin())
    return pages.render(
        "sandbox.html",
        origin=_origin(),
        session=session,
        amount=Decimal(fields["amount"]),
        merchant=fields["merchant"],
        description=fields["description"],
        reference=fields["gatewayReference"],
    )


@router.post("/complete")
async def complete(session: Annotated[str, Form()] = "", outcome: Annotated[str, Form()] = "") -> Response:
    fields = open_session(session)
    if fields is None or outcome not in ("succeed", "fail"):
        return pages.render("notfound.html", 404, origin=_origin())
    succeeded = outcome == "succeed"
    body = callback_body(fields, succeeded, None if succeeded else DECLINED)
    url = f"{get_settings().public_url.rstrip('/')}/pay/callback/sandbox"
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS, follow_redirects=False) as client:
            answer = await client.post(
                url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
            )
        if answer.status_code != 200:
            log.warning("sandbox callback refused", status=answer.status_code, attempt=fields["attemptId"])
    except httpx.HTTPError as exc:
        # The receipt then shows the attempt still waiting; a real gateway would retry its callback.
        log.warning("sandbox callback not delivered", error=str(exc), attempt=fields["attemptId"])
    return RedirectResponse(fields["returnUrl"], status_code=303)
