"""The error answers an operation documents, and the envelope they come in.

Routers declare none: ``dues.apidocs`` works out each operation's from what the route takes (a body, an id
in the path, a role or a company scope, POST) and adds them to the OpenAPI document. An operation that can
answer something more says so in its decorator with ``errors(...)``, in words specific to it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dues.kit.envelope import ErrorBody


class ErrorEnvelope(BaseModel):
    """EnKash's envelope as an error answer carries it: no payload, ``errorResponse`` filled in."""

    model_config = ConfigDict(title="ErrorEnvelope")

    response_code: int = Field(description="The HTTP status of the answer (400, 401, 403, ...)")
    response_message: str = Field(description="What went wrong, in one sentence for a person")
    payload: None = Field(None, description="Always null on an error")
    errorResponse: ErrorBody = Field(
        description="The error: its type, message, one entry per field, request id"
    )


# What each status means under /api/ (api.md §1.1), as a caller meets it; an operation may word its own.
ERROR_TEXT: dict[int, str] = {
    400: "CLIENT_REQUEST_ERROR: the body is not valid JSON (or not the multipart form the operation takes), "
    "or is sent with the wrong content type",
    401: "UNAUTHORIZED: the bearer token is missing, malformed, expired or revoked",
    403: "INVALID_ACCESS: the token's role may not do this, or it may not act for the company named by "
    "companyId / sellerId / parentCompanyId (only its own and its child companies)",
    404: "RECORD_NOT_FOUND: no such id in the company, or it belongs to another company (answered alike)",
    409: "UNPROCESSABLE_REQUEST: the Idempotency-Key was used before with another body, or its first "
    "request is still running",
    413: "CLIENT_REQUEST_ERROR: the request body is larger than the limit (DUES_UPLOAD_MAX_BYTES + 1 MB)",
    422: "VALIDATION_ERROR (a field breaks its rule; apiSubErrors names each one) or UNPROCESSABLE_REQUEST "
    "(the record's state does not allow it)",
    429: "CLIENT_REQUEST_ABORT: too many requests; retry later",
    500: "SYSTEM_ERROR: something failed on the server; logged under the requestId (never a stack trace)",
    503: "SYSTEM_ERROR: the database did not answer in time; retry later",
}


def errors(extra: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a decorator: error answers an operation gives beyond those worked out for it, each
    described for that operation (e.g. ``errors({409: "UNPROCESSABLE_REQUEST: the reminder is in use"})``)."""
    return {status: {"model": ErrorEnvelope, "description": text} for status, text in extra.items()}


# Before operations got their own list every router declared all of these; kept so a router written that
# way still builds, but new code declares nothing (or ``errors(...)``).
ERRORS: dict[int | str, dict[str, Any]] = errors(
    {s: ERROR_TEXT[s] for s in (400, 401, 403, 404, 409, 422, 500)}
)
