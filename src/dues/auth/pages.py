"""Signing in from a browser (api.md §5: the outbox page is for a logged-in admin): a form that trades
company ID, e-mail and password for an access token kept in an HttpOnly cookie, and signing out. Also what
the admin pages share: their look (one base template, inline CSS), their headers, and reading the cookie
with the same checks as a bearer token.

These are HTML pages outside /api/: nothing here may raise into the app's error handlers, which answer in
the JSON envelope, so every failure is rendered as a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Query, Request
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dues.auth import service
from dues.auth.service import OAuthError, Principal
from dues.config import get_settings
from dues.db import DuesRoute, SessionDep
from dues.errors import Unauthorized

router = APIRouter(route_class=DuesRoute, include_in_schema=False)

SESSION_COOKIE = "dues_session"
# Not a secret: only saves typing the company ID at the next sign-in.
COMPANY_COOKIE = "dues_company"
COMPANY_COOKIE_SECONDS = 365 * 24 * 3600
DEFAULT_NEXT = "/app"
# The one answer to every sign-in that fails for its credentials, whatever the reason.
WRONG_LOGIN = "Wrong company ID, e-mail or password."
TEMPLATES = Path(__file__).parent / "templates"

# Longer than any real value; a longer one is a mistake or an attack, refused before it reaches the database
# or the password hasher.
_MAX_COMPANY = 32
_MAX_EMAIL = 254
_MAX_PASSWORD = 1024
_MAX_NEXT = 2048

# Like the payment pages (never cached, never framed, nothing loaded from elsewhere), but the referrer
# policy: with no-referrer a browser sends "Origin: null" on a form post, and the sign-in form's check of
# Origin would then refuse its own site. same-origin still keeps these pages' URLs (invoice ids in the
# outbox's filters) from other sites.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def environment(*directories: Path) -> Environment:
    """Templates of ``directories`` first, then these (the admin pages' base.html and shared pages)."""
    loaders = [FileSystemLoader(d) for d in (*directories, TEMPLATES)]
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


_env = environment()


def render(env: Environment, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, else the outbox. Never another site: no scheme, no
    host, no "//" or "/\\" (browsers read both as another host), no control characters or spaces (browsers
    drop tabs and newlines, which could turn "/\\t/evil" into "//evil")."""
    if not value or len(value) > _MAX_NEXT or not value.startswith("/"):
        return DEFAULT_NEXT
    if value.startswith("//") or "\\" in value or any(c <= " " or c == "\x7f" for c in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return DEFAULT_NEXT
    return value


def _is_https(request: Request) -> bool:
    # Behind a proxy, uvicorn's proxy headers (dues serve turns them on) make this the browser's scheme.
    return request.url.scheme == "https"


def same_site_form(request: Request) -> bool:
    """Whether a form post came from a page of this site, as far as the browser says.

    CSRF: the session cookie is SameSite=Strict, so a post forged from another site arrives without it and
    acts for nobody. What SameSite cannot cover is the sign-in itself (login CSRF: the victim signed in to
    the attacker's account, where what they type is the attacker's to read), since no cookie is involved.
    Every browser that knows SameSite sends Origin with a form post, so comparing it with this site covers
    that without keeping a token per visitor; Referer stands in where Origin is missing. A request with
    neither comes from no browser page (curl, a script), which a CSRF attack cannot use.
    """
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    parts = urlsplit(claimed)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null": a sandboxed frame, a data: URL, a page that hides its origin
    netloc = parts.netloc.lower()
    if netloc == request.headers.get("host", "").lower():
        return True
    public = urlsplit(get_settings().public_url)
    return (parts.scheme, netloc) == (public.scheme, public.netloc.lower())


async def page_principal(session: AsyncSession, request: Request) -> Principal | None:
    """Who the session cookie's token belongs to, with every check a bearer token gets (signature, expiry,
    revocation, an active user); None without a cookie or with one that fails them."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return await service.authenticate_bearer(session, f"Bearer {token}")
    except Unauthorized:
        return None


def _clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_is_https(request), httponly=True, samesite="strict"
    )


def to_login(request: Request) -> Response:
    """Off to the sign-in form, to come back to this page afterwards; a cookie that failed is dropped."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(safe_next(here), safe='/')}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if SESSION_COOKIE in request.cookies:
        _clear_session(request, response)
    return response


def forbidden(request: Request, principal: Principal, what: str) -> HTMLResponse:
    """403 for a signed-in user whose role may not see ``what``."""
    return render(_env, "forbidden.html", 403, principal=principal, what=what)


def _form(
    request: Request, status: int, next_: str, error: str | None, company_id: str = "", email: str = ""
) -> HTMLResponse:
    company_id = company_id or request.cookies.get(COMPANY_COOKIE, "")[:_MAX_COMPANY]
    return render(
        _env,
        "login.html",
        status,
        next=safe_next(next_),
        error=error,
        company_id=company_id,
        email=email,
        signed_out=request.query_params.get("signedOut") == "1",
    )


@router.get("/login")
async def login_form(request: Request, next_: Annotated[str, Query(alias="next")] = "") -> Response:
    return _form(request, 200, next_, None)


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    company_id: Annotated[str, Form(alias="companyId")] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_: Annotated[str, Form(alias="next")] = "",
) -> Response:
    company_id, email = company_id.strip().upper(), email.strip()
    if not same_site_form(request):
        refused = "This form was sent from another site, so it was ignored. Sign in on this page instead."
        return _form(request, 403, next_, refused)
    if not (company_id and email and password):
        return _form(request, 400, next_, "Enter your company ID, e-mail and password.", company_id, email)
    too_long = len(company_id) > _MAX_COMPANY or len(email) > _MAX_EMAIL or len(password) > _MAX_PASSWORD
    if too_long or "\x00" in company_id + email + password:
        # PostgreSQL refuses a NUL in a query; no company ID, e-mail or password can hold one anyway.
        return _form(request, 401, next_, WRONG_LOGIN, "", "")
    try:
        # Anyone can reach this form, with no client secret: a locked user, an unknown e-mail and a wrong
        # password all get the same answer, after as long a wait (service.password_grant).
        pair = await service.password_grant(session, company_id, email, password, client_proven=False)
    except OAuthError:
        # A wrong password counts towards the lockout, so this answer still commits.
        request.state.commit_on_error = True
        return _form(request, 401, next_, WRONG_LOGIN, company_id, email)
    response = RedirectResponse(safe_next(next_), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    https = _is_https(request)
    # Lives as long as the token in it: an expired cookie would only be refused anyway.
    response.set_cookie(
        SESSION_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        path="/",
        secure=https,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        COMPANY_COOKIE,
        company_id,
        max_age=COMPANY_COOKIE_SECONDS,
        path="/login",
        secure=https,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    if not same_site_form(request):
        return render(_env, "refused.html", 403)
    # The cookie goes, and its token's sign-in (refresh token family) is revoked, so a copy of the cookie
    # stops working too; the user's other sessions and API tokens are left alone.
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.sign_out(session, token)
    response = RedirectResponse("/login?signedOut=1", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    _clear_session(request, response)
    return response
