"""Who is calling, as FastAPI dependencies: ``CurrentPrincipal``, ``WriterPrincipal``, ``MakerPrincipal``,
``AdminPrincipal``, ``ApproverPrincipal``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer

from dues.auth import service
from dues.auth.service import Principal
from dues.db import SessionDep
from dues.errors import Forbidden

# Only documents the scheme in OpenAPI; the service does the checking so every failure gets the envelope.
_bearer = HTTPBearer(auto_error=False, description="Access token from POST /oauth/token")


async def current_principal(
    request: Request, session: SessionDep, _: object = Security(_bearer)
) -> Principal:
    principal = await service.authenticate_bearer(session, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


async def writer_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role == "VIEWER":
        raise Forbidden("A VIEWER may only read.")
    return principal


async def maker_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    # Checked here as well as in the invoice service so that a replayed Idempotency-Key answer (api.md §1.6)
    # reaches only a caller who may create invoices.
    if principal.role not in {"ADMIN", "MAKER"}:
        raise Forbidden("Only an ADMIN or a MAKER creates or changes invoices.")
    return principal


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != "ADMIN":
        raise Forbidden("Only an ADMIN may do this.")
    return principal


async def approver_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    # Money the books stop expecting (write-offs, reversals, refunds) is an ADMIN's or an APPROVER's call.
    if principal.role not in {"ADMIN", "APPROVER"}:
        raise Forbidden("Only an ADMIN or an APPROVER may do this.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
WriterPrincipal = Annotated[Principal, Depends(writer_principal)]
MakerPrincipal = Annotated[Principal, Depends(maker_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
ApproverPrincipal = Annotated[Principal, Depends(approver_principal)]
