from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from dues.auth import service
from dues.auth.service import OAuthError
from dues.db import DuesRoute, SessionDep

router = APIRouter(route_class=DuesRoute, tags=["auth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


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
    responses={
        200: {"description": "Tokens (OAuth2, not enveloped)"},
        400: {"description": "RFC 6749 error: invalid_grant, unsupported_grant_type, invalid_request"},
        401: {"description": "RFC 6749 error: invalid_client"},
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
            pair = await service.password_grant(session, company_id, username, password)
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
        },
        headers=_NO_STORE,
    )
