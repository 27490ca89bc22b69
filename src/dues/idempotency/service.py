"""Idempotency-Key on POST (api.md §1.6).

The key is claimed with an INSERT in the request's own transaction, so the stored answer and the effect commit
or roll back together: a retry after a failure runs again, a retry after success gets the stored answer, and a
concurrent twin waits on the key's row lock and then sees the committed answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.auth.service import authenticate_bearer
from dues.config import get_settings
from dues.db import body_fingerprint
from dues.errors import Conflict, Unauthorized, ValidationFailed
from dues.idempotency import repository
from dues.kit.timefmt import now

log = structlog.get_logger("dues.idempotency")
HEADER = "idempotency-key"


@dataclass
class Claim:
    company_id: str
    key: str
    replay: Response | None = None


async def claim(session: AsyncSession, request: Request) -> Claim | None:
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or not request.url.path.startswith("/api/"):
        return None
    try:
        # A full check, not just the signature: a revoked token must not read a stored answer back.
        principal = await authenticate_bearer(session, request.headers.get("authorization"))
    except Unauthorized:
        return None  # the endpoint's own authentication answers 401
    if not 1 <= len(key) <= 255:
        raise ValidationFailed.field("Idempotency-Key", "must be 1 to 255 characters", key[:300])
    company_id = principal.company_id
    fingerprint = body_fingerprint(request.method, request.url.path, request.url.query, await request.body())
    ttl = timedelta(hours=get_settings().idempotency_ttl_hours)
    await repository.delete_expired(session, company_id, key, now() - ttl)
    if await repository.try_insert(session, company_id, key, fingerprint):
        return Claim(company_id, key)
    stored = await repository.get(session, company_id, key)
    if stored is None or stored.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    if stored.fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request body.")
    log.info("idempotent replay", key=key)
    replay = Response(
        content=stored.body,
        status_code=stored.status_code,
        media_type=stored.content_type,
        headers={"Idempotent-Replayed": "true"},
    )
    return Claim(company_id, key, replay=replay)


async def store(session: AsyncSession, claim: Claim, response: Response) -> None:
    body = getattr(response, "body", None)
    if not isinstance(body, bytes | bytearray):
        return
    await repository.save_response(
        session,
        claim.company_id,
        claim.key,
        response.status_code,
        response.headers.get("content-type", "application/json"),
        bytes(body),
    )
