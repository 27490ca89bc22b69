"""Signed bearer tokens. Each carries the user's token version, so bumping it revokes every older token, and
the sign-in (refresh token family) it descends from, so revoking the family revokes its tokens."""

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
    # The refresh token family (one per sign-in) the token belongs to; None on tokens made before families.
    family: str | None = None
    jti: str | None = None


def new_id() -> str:
    """A random id for a token (jti) or a family: unguessable, short enough for a column of 32."""
    return secrets.token_hex(16)


def issue(
    user_id: str,
    company_id: str,
    token_version: int,
    kind: str,
    ttl_seconds: int,
    family: str | None = None,
    jti: str | None = None,
) -> str:
    issued = now()
    claims: dict[str, Any] = {
        "sub": user_id,
        "cid": company_id,
        "tv": token_version,
        "typ": kind,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": jti or secrets.token_hex(8),
    }
    if family is not None:
        claims["fam"] = family
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
        family = claims.get("fam")
        jti = claims.get("jti")
        parsed = TokenClaims(
            str(claims["sub"]),
            str(claims["cid"]),
            int(claims["tv"]),
            str(claims["typ"]),
            str(family) if family is not None else None,
            str(jti) if jti is not None else None,
        )
        return parsed, int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
