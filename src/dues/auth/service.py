"""OAuth2 password and refresh grants (api.md §2) and bearer authentication of every /api/ call."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.auth import repository, tokens
from dues.config import get_settings
from dues.errors import Unauthorized
from dues.kit.passwords import verify_secret
from dues.kit.timefmt import now
from dues.models import User

log = structlog.get_logger("dues.auth")


class OAuthError(Exception):
    """An RFC 6749 error: answered as ``{"error", "error_description"}``, not in the envelope."""

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, its company and role."""

    user_id: str
    company_id: str
    role: str
    email: str


def _issue_pair(user: User) -> TokenPair:
    settings = get_settings()
    access = tokens.issue(
        user.user_id, user.company_id, user.token_version, "access", settings.access_token_ttl_seconds
    )
    refresh = tokens.issue(
        user.user_id, user.company_id, user.token_version, "refresh", settings.refresh_token_ttl_seconds
    )
    return TokenPair(access, refresh, settings.access_token_ttl_seconds, user.role.lower())


async def authenticate_client(session: AsyncSession, client_id: str, client_secret: str) -> str:
    """The company of a valid, active client; OAuthError otherwise."""
    client = await repository.get_client(session, client_id)
    if not verify_secret(client_secret, client.secret_hash if client else None) or client is None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if not client.active:
        raise OAuthError("invalid_client", "This client has been disabled.", 401)
    return client.company_id


async def password_grant(session: AsyncSession, company_id: str, username: str, password: str) -> TokenPair:
    settings = get_settings()
    user = await repository.get_user_by_email(session, company_id, username)
    if user is None:
        verify_secret(password, None)
        raise OAuthError("invalid_grant", "Wrong username or password.")
    user = await repository.get_user_for_update(session, company_id, user.user_id)
    assert user is not None
    if not user.active:
        verify_secret(password, None)
        raise OAuthError("invalid_grant", "Wrong username or password.")
    if user.locked_until is not None and user.locked_until > now():
        log.warning("login refused: user locked", user_id=user.user_id)
        raise OAuthError(
            "invalid_grant",
            "This user is locked after too many wrong passwords; try again after the lock expires.",
        )
    if not verify_secret(password, user.password_hash):
        await repository.record_failed_login(
            session, user, settings.lockout_attempts, now() + timedelta(minutes=settings.lockout_minutes)
        )
        log.warning("login failed: wrong password", user_id=user.user_id)
        # The failure count must survive the error answer, so it is committed by the endpoint.
        raise OAuthError("invalid_grant", "Wrong username or password.")
    if user.failed_logins or user.locked_until:
        await repository.reset_failed_logins(session, user)
    log.info("token issued", user_id=user.user_id, grant="password")
    return _issue_pair(user)


async def refresh_grant(session: AsyncSession, company_id: str, refresh_token: str) -> TokenPair:
    claims = tokens.decode(refresh_token, "refresh")
    if claims is None or claims.company_id != company_id:
        raise OAuthError("invalid_grant", "The refresh token is invalid or expired.")
    user = await repository.get_active_user(session, claims.company_id, claims.user_id)
    if user is None or user.token_version != claims.token_version:
        raise OAuthError("invalid_grant", "The refresh token has been revoked.")
    log.info("token issued", user_id=user.user_id, grant="refresh_token")
    return _issue_pair(user)


@dataclass(frozen=True, slots=True)
class _Seen:
    until: float
    generation: int
    row: tuple[Any, ...]


# What a token's bearer looked like a moment ago: every request of a busy client would otherwise read the same
# user and company again (a sixth of createInvoice's time). A change made in this process forgets everything
# at its commit; one made elsewhere (the CLI, another worker) is seen within auth_cache_seconds.
_seen: dict[str, _Seen] = {}
_generation = 0
_SEEN_MAX = 10_000


def forget_recent_users() -> None:
    global _generation
    _generation += 1
    _seen.clear()


repository.on_user_or_company_change(forget_recent_users)


async def _recent_active_user(session: AsyncSession, claims: tokens.TokenClaims, token: str) -> User | None:
    clock = time.monotonic()
    seen = _seen.get(token)
    if seen is not None and seen.until > clock and seen.generation == _generation:
        return repository.as_user(session, seen.row)
    # Taken before the read: a change committed while it runs makes this entry stale at once.
    generation = _generation
    row = await repository.read_active_user(session, claims.company_id, claims.user_id)
    if row is None:
        _seen.pop(token, None)
        return None
    ttl = get_settings().auth_cache_seconds
    if ttl > 0:
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen[token] = _Seen(clock + ttl, generation, tuple(row))
    return repository.as_user(session, row)


async def authenticate_bearer(session: AsyncSession, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <access_token>'.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <access_token>'.")
    claims = tokens.decode(token.strip(), "access")
    if claims is None:
        raise Unauthorized("The access token is invalid or expired; get a new one from /oauth/token.")
    user = await _recent_active_user(session, claims, token.strip())
    if user is None or user.token_version != claims.token_version:
        raise Unauthorized("The access token has been revoked; get a new one from /oauth/token.")
    structlog.contextvars.bind_contextvars(company_id=user.company_id, user_id=user.user_id)
    return Principal(user.user_id, user.company_id, user.role, user.email)
