"""GET /healthz and /readyz: outside /api/, without a token, never enveloped, never waiting in line."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dues.health.schemas import Alive, Ready, ReplicaHealth
from dues.health.service import ReadinessCheck, replica_state
from dues.replica import replica_of

# A plain route class: these must answer while every request slot and pooled connection is taken.
router = APIRouter(tags=["operations"])

_NO_STORE = {"Cache-Control": "no-store"}


@router.head("/healthz", include_in_schema=False)
@router.get(
    "/healthz",
    response_model=Alive,
    summary="Liveness",
    description="200 while the process answers HTTP. Touches no database: restart the process only when this "
    "fails, not when the database is away (that is what `/readyz` tells).",
)
async def healthz() -> JSONResponse:
    return JSONResponse(Alive().model_dump(), headers=_NO_STORE)


@router.head("/readyz", include_in_schema=False)
@router.get(
    "/readyz",
    response_model=Ready,
    summary="Readiness",
    description="200 when the database answers and its schema is at the revision this version needs; 503 "
    "otherwise, saying which. Answers within about 2 s whatever the database does, on a connection of its "
    "own (never waiting for the request pool). Send traffic to this process only while it answers 200. "
    "`replica` tells whether searches and reports read on the read replica now, and how far behind it is; "
    "it does not change the status.",
    responses={503: {"model": Ready, "description": "Not ready: the database or the schema, see `problem`."}},
)
async def readyz(request: Request) -> JSONResponse:
    check: ReadinessCheck | None = getattr(request.app.state, "readiness", None)
    if check is None or check.url != request.app.state.db.url:
        check = request.app.state.readiness = ReadinessCheck(request.app.state.db.url)
    result, replica = await asyncio.gather(check.check(), replica_state(replica_of(request)))
    body = Ready(
        status="ready" if result.ready else "not ready",
        schemaRevision=result.schema,
        expectedRevision=result.expected,
        problem=result.problem,  # type: ignore[arg-type]
        detail=result.detail,
        replica=ReplicaHealth(
            configured=replica.configured,
            usable=replica.usable,
            lagSeconds=replica.lag_seconds,
            detail=replica.detail,
        ),
    )
    return JSONResponse(body.model_dump(), status_code=200 if result.ready else 503, headers=_NO_STORE)
