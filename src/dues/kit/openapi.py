"""Error responses every enveloped endpoint documents."""

from typing import Any

from dues.kit.envelope import Envelope

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Envelope[None],
        "description": "CLIENT_REQUEST_ERROR: malformed JSON or wrong content type",
    },
    401: {"model": Envelope[None], "description": "UNAUTHORIZED: missing, invalid, expired or revoked token"},
    403: {
        "model": Envelope[None],
        "description": "INVALID_ACCESS: the token may not do this or act for that company",
    },
    404: {"model": Envelope[None], "description": "RECORD_NOT_FOUND"},
    409: {
        "model": Envelope[None],
        "description": "UNPROCESSABLE_REQUEST: Idempotency-Key reused with another body",
    },
    422: {
        "model": Envelope[None],
        "description": "VALIDATION_ERROR (field rules) or UNPROCESSABLE_REQUEST (state rules)",
    },
    500: {"model": Envelope[None], "description": "SYSTEM_ERROR"},
}
