"""The sandbox gateway's own pages. They stand in for a gateway's hosted checkout: the checkout session
travels signed in the URL, and the outcome reaches dues's attempts only through the signed callback, over real
HTTP, as a real gateway's would, or through reconciliation's status query when that callback is lost.

Like a real gateway, the sandbox keeps its transactions: the payer's choice is written to its own table, and
committed, before the callback goes out, so a status query answers the same as the callback would have."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import structlog
from fastapi import APIRouter, Form, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from dues.config import get_settings
from dues.db import Database
from dues.pay import pages, repository
from dues.pay.gateway import SIGNATURE_HEADER, callback_body, offered, open_session, session_expired, sign

log = structlog.get_logger("dues.pay.sandbox")

router = APIRouter(prefix="/sandbox", route_class=APIRoute, include_in_schema=False)

CALLBACK_TIMEOUT_SECONDS = 10.0
DECLINED = "Declined by the payer in the sandbox (test mode)."


def _origin() -> str:
    parts = urlsplit(get_settings().public_url)
    return f"{parts.scheme}://{parts.netloc}"


def _off(request: Request) -> bool:
    """The sandbox is not offered on this server (production, unless DUES_GATEWAYS names it): its pages are
    not there at all, even for a session signed while it was."""
    return "sandbox" not in offered(request.app.state.settings)


@router.get("/checkout")
async def checkout_page(request: Request, session: str = "") -> Response:
    fields = open_session(session)
    if fields is None or _off(request):
        return pages.render("notfound.html", 404, origin=_origin())
    if session_expired(fields):
        return pages.render("sandbox_expired.html", 410, origin=_origin())
    return pages.render(
        "sandbox.html",
        origin=_origin(),
        session=session,
        amount=Decimal(fields["amount"]),
        merchant=fields["merchant"],
        description=fields["description"],
        reference=fields["gatewayReference"],
        drop_callbacks=get_settings().sandbox_drop_callbacks,
    )


@router.post("/complete")
async def complete(
    request: Request, session: Annotated[str, Form()] = "", outcome: Annotated[str, Form()] = ""
) -> Response:
    fields = open_session(session)
    if fields is None or outcome not in ("succeed", "fail") or _off(request):
        return pages.render("notfound.html", 404, origin=_origin())
    if session_expired(fields):
        return pages.render("sandbox_expired.html", 410, origin=_origin())
    succeeded = outcome == "succeed"
    # The sandbox's own write, committed here: it is the gateway's record, not part of any request of dues,
    # and it must be there before the callback (or a status query) can be answered from it.
    database: Database = request.app.state.db
    async with database.sessionmaker() as db_session:
        recorded = await repository.record_sandbox_transaction(
            db_session,
            fields["companyId"],
            fields["gatewayReference"],
            fields["attemptId"],
            Decimal(fields["amount"]),
            "SUCCEEDED" if succeeded else "FAILED",
            None if succeeded else DECLINED,
        )
        await db_session.commit()
    if get_settings().sandbox_drop_callbacks:
        log.warning(
            "sandbox callback dropped (DUES_SANDBOX_DROP_CALLBACKS)",
            attempt=fields["attemptId"],
            outcome=recorded.status,
        )
        return RedirectResponse(fields["returnUrl"], status_code=303)
    # A second click (the back button, another tab) repeats the first outcome, as a gateway would.
    body = callback_body(fields, recorded.status == "SUCCEEDED", recorded.reason)
    url = f"{get_settings().public_url.rstrip('/')}/pay/callback/sandbox"
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS, follow_redirects=False) as client:
            answer = await client.post(
                url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
            )
        if answer.status_code != 200:
            log.warning("sandbox callback refused", status=answer.status_code, attempt=fields["attemptId"])
    except httpx.HTTPError as exc:
        # The receipt then shows the attempt still waiting until reconciliation asks the sandbox.
        log.warning("sandbox callback not delivered", error=str(exc), attempt=fields["attemptId"])
    return RedirectResponse(fields["returnUrl"], status_code=303)
