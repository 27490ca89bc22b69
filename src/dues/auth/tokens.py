"""Signed bearer tokens. Each carries the user's token version, so bumping it revokes every older token."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt

from dues.config import get_settings
from dues.kit.timefmt import now

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    company_id: str
    token_version: int
    kind: str


def issue(user_id: str, company_id: str, token_version: int, kind: str, ttl_seconds: int) -> str:
    issued = now()
    claims: dict[str, Any] = {
        "sub": user_id,
        "cid": company_id,
        "tv": token_version,
        "typ": kind,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, get_settings().secret_key(), algorithm=ALGORITHM)


def decode(token: str, kind: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token of that kind; None for anything else."""
    verified = _verified(token, get_settings().secret_key())
    if verified is None:
        return None
    claims, expires = verified
    if claims.kind != kind or time.time() >= expires:
        return None
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[TokenClaims, int] | None:
    """The signature checked and the claims read once per token and key, not on every request that carries
    it; expiry is checked by the caller each time."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "cid", "tv", "typ", "exp"], "verify_exp": False},
        )
        parsed = TokenClaims(str(claims["sub"]), str(claims["cid"]), int(claims["tv"]), str(claims["typ"]))
        return parsed, int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
