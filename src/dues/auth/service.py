"""OAuth2 password and refresh grants (api.md §2) and bearer authentication of every /api/ call."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
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


WRONG_LOGIN = "Wrong username or password."
LOCKED = "This user is locked after too many wrong passwords; try again after the lock expires."
REUSED = (
    "This refresh token has already been used, so every token of this sign-in is revoked; sign in again "
    "with the password grant."
)


def _issue_pair(user: User, family: str, refresh_jti: str) -> TokenPair:
    settings = get_settings()
    access = tokens.issue(
        user.user_id,
        user.company_id,
        user.token_version,
        "access",
        settings.access_token_ttl_seconds,
        family=family,
    )
    refresh = tokens.issue(
        user.user_id,
        user.company_id,
        user.token_version,
        "refresh",
        settings.refresh_token_ttl_seconds,
        family=family,
        jti=refresh_jti,
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


async def password_grant(
    session: AsyncSession, company_id: str, username: str, password: str, *, client_proven: bool
) -> TokenPair:
    """Tokens for the right password of an active, unlocked user (api.md §2); OAuthError otherwise.

    Every password check is counted before it is made (the lockout: see count_password_check). A caller
    that proved the client secret (the API) is told a user is locked; one that did not (the sign-in page,
    which anyone can reach) gets exactly the wrong-password answer, after as long a wait, so the page tells
    nobody which e-mails exist or which users are locked."""
    settings = get_settings()
    user = await repository.get_user_by_email(session, company_id, username)
    if user is None or not user.active:
        verify_secret(password, None)  # as long as a real check
        raise OAuthError("invalid_grant", WRONG_LOGIN)
    moment = now()
    count = await repository.count_password_check(
        session,
        company_id,
        user.user_id,
        settings.lockout_attempts,
        moment,
        moment + timedelta(minutes=settings.lockout_minutes),
    )
    if count is None:
        log.warning("login refused: user locked", user_id=user.user_id)
        if not client_proven:
            verify_secret(password, None)
            raise OAuthError("invalid_grant", WRONG_LOGIN)
        raise OAuthError("invalid_grant", LOCKED)
    if not verify_secret(password, user.password_hash):
        locked = count >= settings.lockout_attempts
        log.warning("login failed: wrong password", user_id=user.user_id, failed_logins=count, locked=locked)
        await audit.record(
            session,
            company_id,
            "login",
            "user",
            user.user_id,
            "LOGIN_FAILED",
            after={"failedLogins": count, "locked": locked, "via": "api" if client_proven else "page"},
        )
        # The count and this row must survive the error answer, so the endpoint commits it.
        raise OAuthError("invalid_grant", WRONG_LOGIN)
    await repository.reset_failed_logins(session, company_id, user.user_id)
    await repository.delete_expired_families(session, company_id, user.user_id, moment)
    family, jti = tokens.new_id(), tokens.new_id()
    expires_on = moment + timedelta(seconds=settings.refresh_token_ttl_seconds)
    await repository.start_family(session, company_id, user.user_id, family, jti, expires_on)
    log.info("token issued", user_id=user.user_id, grant="password")
    return _issue_pair(user, family, jti)


async def refresh_grant(session: AsyncSession, company_id: str, refresh_token: str) -> TokenPair:
    """A new pair for the family's current refresh token, which is retired (rotation). A retired one used
    again revokes the family: the tokens of whoever holds the current one (a thief or the client) stop
    working, and the client signs in again (OAuth 2.0 Security BCP, refresh token rotation)."""
    claims = tokens.decode(refresh_token, "refresh")
    if claims is None or claims.company_id != company_id:
        raise OAuthError("invalid_grant", "The refresh token is invalid or expired.")
    if claims.family is None or claims.jti is None:
        # Made before families existed: it cannot be rotated safely.
        raise OAuthError("invalid_grant", "This refresh token is no longer accepted; sign in again.")
    user = await repository.get_active_user(session, claims.company_id, claims.user_id)
    if user is None or user.token_version != claims.token_version:
        raise OAuthError("invalid_grant", "The refresh token has been revoked.")
    moment = now()
    jti = tokens.new_id()
    expires_on = moment + timedelta(seconds=get_settings().refresh_token_ttl_seconds)
    rotated = await repository.rotate_family(
        session, company_id, user.user_id, claims.family, claims.jti, jti, expires_on
    )
    if not rotated:
        if await repository.revoke_family(session, company_id, claims.family, moment):
            log.warning("refresh token used again: its family is revoked", user_id=user.user_id)
            await audit.record(
                session, company_id, "login", "user", user.user_id, "REFRESH_REUSED", reason=REUSED
            )
        raise OAuthError("invalid_grant", REUSED)
    log.info("token issued", user_id=user.user_id, grant="refresh_token")
    return _issue_pair(user, claims.family, jti)


async def sign_out(session: AsyncSession, access_token: str) -> None:
    """Revoke the sign-in an access token belongs to (its family), if it is a valid token of one."""
    claims = tokens.decode(access_token, "access")
    if claims is not None and claims.family is not None:
        await repository.revoke_family(session, claims.company_id, claims.family, now())
        log.info("signed out", user_id=claims.user_id)


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


async def _recent_active_user(
    session: AsyncSession, claims: tokens.TokenClaims, token: str
) -> tuple[User, bool] | None:
    """The token's active user and whether the token's family is revoked; None if the user is not active."""
    clock = time.monotonic()
    seen = _seen.get(token)
    if seen is not None and seen.until > clock and seen.generation == _generation:
        return repository.as_user(session, seen.row), repository.family_revoked(seen.row)
    # Taken before the read: a change committed while it runs makes this entry stale at once.
    generation = _generation
    row = await repository.read_active_user(session, claims.company_id, claims.user_id, claims.family)
    if row is None:
        _seen.pop(token, None)
        return None
    ttl = get_settings().auth_cache_seconds
    if ttl > 0:
        if len(_seen) >= _SEEN_MAX:
            _seen.clear()
        _seen[token] = _Seen(clock + ttl, generation, tuple(row))
    return repository.as_user(session, row), repository.family_revoked(row)


def _bearer_challenge(error: str | None = None) -> dict[str, str]:
    """RFC 6750 §3: every 401 of a bearer-protected resource says how to authenticate; with a token that
    failed, also why."""
    value = 'Bearer realm="dues"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


async def authenticate_bearer(session: AsyncSession, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized(
            "Missing Authorization header: send 'Authorization: Bearer <access_token>'.",
            headers=_bearer_challenge(),
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Malformed Authorization header: expected 'Bearer <access_token>'.",
            headers=_bearer_challenge(),  # no bearer token given: no error code (RFC 6750 §3.1)
        )
    claims = tokens.decode(token.strip(), "access")
    if claims is None:
        raise Unauthorized(
            "The access token is invalid or expired; get a new one from /oauth/token.",
            headers=_bearer_challenge("invalid_token"),
        )
    found = await _recent_active_user(session, claims, token.strip())
    if found is None or found[0].token_version != claims.token_version or found[1]:
        raise Unauthorized(
            "The access token has been revoked; get a new one from /oauth/token.",
            headers=_bearer_challenge("invalid_token"),
        )
    user = found[0]
    structlog.contextvars.bind_contextvars(company_id=user.company_id, user_id=user.user_id)
    return Principal(user.user_id, user.company_id, user.role, user.email)
