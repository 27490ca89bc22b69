"""How each side of the network proves a message is its own (ours: EnKash publishes no scheme for its AR
webhooks). ``X-BC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; a signature
older or newer than TOLERANCE_SECONDS is refused, so a captured message cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-BC-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    """The header's value for body, signed now (or at ``at``)."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(secret: str, body: bytes, header: str | None, now: float | None = None) -> bool:
    """Whether header signs body with secret, within the tolerance."""
    if not header:
        return False
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - stamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
