"""The payer's pages (api.md §5 "Payment page", "Gateways"): HTML, no login, outside the /api/ envelope."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from dues.config import Settings, get_settings
from dues.db import DuesRoute, SessionDep
from dues.pay import pages, sandbox, service
from dues.pay.gateway import BadCallback, BadSignature, Gateway, offered

# The payer's pages: no login, HTML, outside the /api/ envelope.
router = APIRouter(prefix="/pay", route_class=DuesRoute, include_in_schema=False)
# First: its fixed paths must not be taken for a token.
router.include_router(sandbox.router)


def _origin() -> str:
    parts = urlsplit(get_settings().public_url)
    return f"{parts.scheme}://{parts.netloc}"


def _not_found() -> Response:
    return pages.render("notfound.html", 404, origin=_origin())


def _gateways(request: Request) -> dict[str, Gateway]:
    """The gateways this server offers (DUES_GATEWAYS; the sandbox only outside production by default)."""
    settings: Settings = request.app.state.settings
    return offered(settings)


@router.post("/callback/{gateway}")
async def callback(gateway: str, request: Request, session: SessionDep) -> Response:
    # A gateway this server does not offer is unknown here: the sandbox's signed callbacks too.
    adapter = _gateways(request).get(gateway)
    if adapter is None:
        return JSONResponse({"error": "unknown gateway"}, status_code=404)
    body = await request.body()
    try:
        result = adapter.verify_callback(request.headers, body)
    except BadSignature as exc:
        return JSONResponse({"error": str(exc)}, status_code=401)
    except BadCallback as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    settled = await service.apply_callback(session, adapter.name, result)
    if settled is None:
        return JSONResponse({"error": "unknown attempt"}, status_code=404)
    return JSONResponse({"attemptId": settled.attempt_id, "status": settled.status, "replay": settled.replay})


@router.get("/{token}")
async def pay_page(
    token: str,
    request: Request,
    session: SessionDep,
    upi_amount: Annotated[str | None, Query(alias="upiAmount")] = None,
) -> Response:
    try:
        page = await service.view(session, token, upi_amount)
    except service.PageNotFound:
        return _not_found()
    online = bool(_gateways(request))
    return pages.render("invoice.html", origin=_origin(), page=page, error=None, amount=None, online=online)


@router.post("/{token}/checkout")
async def checkout(
    token: str, request: Request, session: SessionDep, amount: Annotated[str, Form()] = ""
) -> Response:
    gateways = _gateways(request)
    if not gateways:
        return _not_found()  # no gateway on this server: the page offers no checkout to post to
    try:
        started = await service.start_checkout(session, token, amount, gateway=next(iter(gateways)))
    except service.PageNotFound:
        return _not_found()
    except service.AmountRefused as refused:
        page = await service.view(session, token)
        return pages.render(
            "invoice.html",
            422,
            origin=_origin(),
            page=page,
            error=refused.message,
            amount=amount,
            online=True,
        )
    return RedirectResponse(started.redirect_url, status_code=303)


@router.get("/{token}/receipt/{attempt_id}")
async def receipt(token: str, attempt_id: str, session: SessionDep) -> Response:
    try:
        shown = await service.receipt(session, token, attempt_id)
    except service.PageNotFound:
        return _not_found()
    return pages.render("receipt.html", origin=_origin(), r=shown)
