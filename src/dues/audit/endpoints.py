from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dues.audit import service
from dues.audit.schemas import AuditEntryRead
from dues.auth.deps import AdminPrincipal
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import MAX_LIMIT, Page

router = APIRouter(prefix="/api/v0/audit", route_class=DuesRoute, tags=["audit"])


@router.get(
    "",
    response_model=Envelope[Page[AuditEntryRead]],
    summary="The audit trail of the token's company, newest first (ADMIN)",
    description=(
        "Every change made in the company: who (a user or the CLI), what (entityType, entityId, action), "
        "the changed fields before and after, why, and the request that made it. Filter by entityType and"
        " entityId. ADMIN only."
    ),
)
async def list_audit(
    principal: AdminPrincipal,
    session: SessionDep,
    entityType: Annotated[
        str | None, Query(max_length=32, description="company, user, customer, contact, ...")
    ] = None,
    entityId: Annotated[str | None, Query(max_length=32, description="e.g. a customerId")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="1..5000")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBody:
    rows, total = await service.history(session, principal.company_id, entityType, entityId, limit, offset)
    items = [AuditEntryRead.model_validate(row) for row in rows]
    return ok(Page[AuditEntryRead](items=items, total=total, offset=offset, limit=limit))
