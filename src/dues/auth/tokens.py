"""Signed bearer tokens. Each carries the user's token version, so bumping it revokes every older token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
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
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key(),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "cid", "tv", "typ", "exp"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != kind:
        return None
    return TokenClaims(str(claims["sub"]), str(claims["cid"]), int(claims["tv"]), kind)
