from __future__ import annotations

import base64
import binascii
from typing import Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from dues.auth import service
from dues.auth.service import OAuthError
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope

router = APIRouter(route_class=DuesRoute, tags=["auth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenResponse(BaseModel):
    """RFC 6749 §5.1, not enveloped, with the same values again under EnKash's camelCase names (api.md
    §1.1a), so clients of either spelling read it unchanged (documentation of what ``token`` writes)."""

    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>` on /api/ calls.")
    token_type: Literal["bearer"] = Field(description="Always `bearer`.")
    refresh_token: str = Field(
        description="Trade it for a new pair with grant_type=refresh_token. Each refresh token works once: "
        "the answer carries its successor, and using a retired one again revokes every token of the sign-in."
    )
    expires_in: int = Field(description="Seconds the access token lasts (DUES_ACCESS_TOKEN_TTL_SECONDS).")
    scope: str = Field(description="The user's role, in lower case (e.g. `admin`, `viewer`).")
    accessToken: str = Field(description="The same as access_token (EnKash's spelling).")
    tokenType: Literal["bearer"] = Field(description="The same as token_type (EnKash's spelling).")
    expiresIn: int = Field(description="The same as expires_in (EnKash's spelling).")
    refreshToken: str = Field(description="The same as refresh_token (EnKash's spelling).")


class OAuthErrorResponse(BaseModel):
    """RFC 6749 §5.2, not enveloped."""

    error: Literal["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"] = Field(
        description="The RFC 6749 error code."
    )
    error_description: str = Field(description="What went wrong, for a person.")


def _oauth_error(request: Request, err: OAuthError) -> JSONResponse:
    # A wrong password is recorded (lockout), so this error answer still commits.
    request.state.commit_on_error = True
    headers = dict(_NO_STORE)
    if err.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="dues"'
    return JSONResponse(
        {"error": err.error, "error_description": err.description},
        status_code=err.status_code,
        headers=headers,
    )


def _basic_credentials(header: str | None) -> tuple[str, str]:
    if not header or not header.lower().startswith("basic "):
        raise OAuthError("invalid_client", "Send the client credentials as HTTP Basic authentication.", 401)
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "The Basic credentials are not valid base64.", 401) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "The Basic credentials must be clientId:clientSecret.", 401)
    return client_id, secret


@router.post(
    "/oauth/token",
    summary="Get an access token (OAuth2 password or refresh_token grant)",
    description=(
        "OAuth2 token endpoint (RFC 6749), not enveloped. Send the company's clientId and clientSecret as"
        " HTTP Basic credentials and a form (application/x-www-form-urlencoded) with grant_type=password,"
        " username (the user's e-mail) and password, or grant_type=refresh_token and refresh_token. The "
        "answer's access_token goes in `Authorization: Bearer` on every /api/ call. Three wrong passwords"
        " in a row lock the user for 15 minutes."
    ),
    responses={
        200: {"model": TokenResponse, "description": "Tokens (OAuth2, not enveloped)"},
        400: {
            "model": OAuthErrorResponse,
            "description": "RFC 6749 error: invalid_grant, unsupported_grant_type, invalid_request",
        },
        401: {"model": OAuthErrorResponse, "description": "RFC 6749 error: invalid_client"},
        # What the app's one error handler answers when a form field has the wrong type (e.g. a file).
        422: {"model": Envelope[None], "description": "VALIDATION_ERROR"},
    },
)
async def token(
    request: Request,
    session: SessionDep,
    grant_type: str | None = Form(None),
    username: str | None = Form(None),
    password: str | None = Form(None),
    refresh_token: str | None = Form(None),
    clientId: str | None = Form(None),
) -> JSONResponse:
    try:
        client_id, secret = _basic_credentials(request.headers.get("authorization"))
        if clientId is not None and clientId != client_id:
            raise OAuthError("invalid_request", "clientId does not match the Basic credentials.")
        company_id = await service.authenticate_client(session, client_id, secret)
        if grant_type == "password":
            if not username or not password:
                raise OAuthError("invalid_request", "The password grant needs username and password.")
            pair = await service.password_grant(session, company_id, username, password, client_proven=True)
        elif grant_type == "refresh_token":
            if not refresh_token:
                raise OAuthError("invalid_request", "The refresh_token grant needs refresh_token.")
            pair = await service.refresh_grant(session, company_id, refresh_token)
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
    except OAuthError as err:
        return _oauth_error(request, err)
    return JSONResponse(
        {
            "access_token": pair.access_token,
            "token_type": "bearer",
            "refresh_token": pair.refresh_token,
            "expires_in": pair.expires_in,
            "scope": pair.scope,
            # EnKash's reference spells them in camelCase; its clients read these (api.md §1.1a).
            "accessToken": pair.access_token,
            "tokenType": "bearer",
            "refreshToken": pair.refresh_token,
            "expiresIn": pair.expires_in,
        },
        headers=_NO_STORE,
    )
