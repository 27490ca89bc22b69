"""Idempotency-Key on POST (api.md §1.6).

The key is claimed with an INSERT in the request's own transaction, so the stored answer and the effect commit
or roll back together: a retry after a failure runs again, a retry after success gets the stored answer, and a
concurrent twin waits on the key's row lock and then sees the committed answer.

The claim is made once the operation's own checks have passed (DuesRoute runs it between the endpoint's
dependencies and the endpoint): authentication, the role the operation allows, the company. So a stored
answer is replayed only to a caller who may make that request now; anyone else gets the operation's own
401/403, and a caller of another company has keys of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.auth.service import Principal
from dues.config import get_settings
from dues.db import body_fingerprint
from dues.errors import Conflict, ValidationFailed
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
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        return None  # no authenticated caller, so no company to keep the key under
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
