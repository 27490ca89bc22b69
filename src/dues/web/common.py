"""What every page of the web app (/app) and the portal (/portal) shares.

- One Jinja2 environment (``env``) over ``web/templates`` (each area keeps its templates in a subfolder),
  with the filters pages need: ``inr`` (₹ with Indian grouping), ``ist`` (a moment in IST), ``day``.
- ``render`` answers a page with the headers every page carries: never cached, never framed, a strict CSP
  (scripts and styles only from /app/static, no inline script or style, nothing from another site).
- ``SignedIn`` / ``Writer`` / ``Maker`` / ``Admin`` / ``Approver``: who is signed in (the session cookie
  checked as a bearer token is), and the same role rules as the API's dependencies (``auth.deps``).
- ``same_site_only``: every form post from another site is refused (403), checked on the whole of /app and
  /portal by the routers in ``web.routes``, whatever a page forgets.
- Errors: a typed error (``DuesError``) that escapes a page becomes an HTML page with its status and
  message, never the JSON envelope; ``problems`` turns one into lines a form shows beside its fields.
- ``redirect(url, flash=...)``: after a successful post, back to a page that shows what was done once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Depends, Request
from jinja2 import Environment
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dues.auth import deps
from dues.auth import pages as auth_pages
from dues.auth.service import Principal
from dues.companies import repository as companies
from dues.db import SessionDep
from dues.errors import DuesError, Forbidden, SubError, sub_errors_from_pydantic
from dues.kit.money import rupees
from dues.kit.timefmt import format_ist

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
FLASH_COOKIE = "dues_flash"
# A form of the app holds at most a few hundred fields (an allocation table of many invoices); more is an
# attack on the parser, refused before it is read.
MAX_FORM_FIELDS = 2000

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it a browser sends "Origin: null" on a form post (see auth.pages).
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A moment's day in India, written as every other date on a page (not the wire's yyyy-MM-dd).
        value = date.fromisoformat(format_ist(value)[:10])
    return value.strftime("%d %b %Y")


def _inr(value: Decimal | int | str | None) -> str:
    if value is None or value == "":
        return ""
    return rupees(Decimal(value))


def _plain(value: Decimal | int | None) -> str:
    """A quantity or a rate as a person writes it: 100 not 1E+2 or 100.000, 2.5 not 2.50."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


env: Environment = auth_pages.environment(TEMPLATES)
env.filters["inr"] = _inr
env.filters["ist"] = lambda value: f"{format_ist(value)} IST" if value else ""
env.filters["day"] = _day
env.filters["plain"] = _plain
env.globals["query"] = lambda **pairs: urlencode({k: v for k, v in pairs.items() if v not in (None, "")})


@dataclass(frozen=True)
class User:
    """Who is signed in, with what the layout shows and the role checks templates use."""

    principal: Principal
    company_name: str

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def company_id(self) -> str:
        return self.principal.company_id

    @property
    def can_write(self) -> bool:
        return self.principal.role != "VIEWER"

    @property
    def can_make(self) -> bool:
        return self.principal.role in {"ADMIN", "MAKER"}

    @property
    def is_admin(self) -> bool:
        return self.principal.role == "ADMIN"

    @property
    def can_approve_money(self) -> bool:
        """Write-offs, reversals, refunds (api.md §9.3)."""
        return self.principal.role in {"ADMIN", "APPROVER"}


class SignInFirst(DuesError):
    """No session, or one that no longer holds: the page answers with the sign-in form (error_page)."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("Sign in first.")


class PageNotFound(DuesError):
    status_code = 404


async def signed_in(request: Request, session: SessionDep) -> User:
    principal = await auth_pages.page_principal(session, request)
    if principal is None:
        raise SignInFirst
    request.state.principal = principal
    company = await companies.get(session, principal.company_id)
    return User(principal, company.legal_name if company else principal.company_id)


async def _writer(user: Annotated[User, Depends(signed_in)]) -> User:
    await deps.writer_principal(user.principal)
    return user


async def _maker(user: Annotated[User, Depends(signed_in)]) -> User:
    await deps.maker_principal(user.principal)
    return user


async def _admin(user: Annotated[User, Depends(signed_in)]) -> User:
    await deps.admin_principal(user.principal)
    return user


async def _approver(user: Annotated[User, Depends(signed_in)]) -> User:
    await deps.approver_principal(user.principal)
    return user


SignedIn = Annotated[User, Depends(signed_in)]
Writer = Annotated[User, Depends(_writer)]
Maker = Annotated[User, Depends(_maker)]
Admin = Annotated[User, Depends(_admin)]
Approver = Annotated[User, Depends(_approver)]

FOREIGN_FORM = (
    "This form was sent from another site, so it was refused. Open the page on this site and try again."
)


async def same_site_only(request: Request) -> None:
    """CSRF: a form post (any method but GET and HEAD) whose Origin (or Referer) names another site is
    refused. The session cookie is SameSite=Strict too; this is the second lock, and the only one for the
    portal, whose link carries its own authority."""
    if request.method in ("GET", "HEAD"):
        return
    if not auth_pages.same_site_form(request):
        raise Forbidden(FOREIGN_FORM)


def render(
    request: Request,
    template: str,
    status: int = 200,
    *,
    user: User | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with ``context``; ``user`` gives the layout its menu and who is signed in.
    A flash message left by ``redirect`` is shown once and dropped."""
    flash = request.cookies.get(FLASH_COOKIE)
    html = env.get_template(template).render(
        request=request, user=user, flash=unquote(flash)[:300] if flash else None, **context
    )
    response = HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def redirect(request: Request, url: str, *, flash: str | None = None) -> RedirectResponse:
    """303 to ``url`` (a path on this site) after a post; ``flash`` is shown once on the page it lands on."""
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash[:300]),
            max_age=120,
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return response


async def form_of(request: Request) -> FormData:
    """The posted form, parsed with bounds (fields, files) so a hostile post cannot exhaust the server."""
    return await request.form(max_files=4, max_fields=MAX_FORM_FIELDS)


def text(form: FormData, name: str, limit: int = 500) -> str:
    """A text field, stripped; a file where text is expected reads as empty."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def amount(value: str) -> Decimal | None:
    """₹ typed by a person ("1,20,000.50", " 500 ") as a Decimal; None when it is not a number."""
    cleaned = value.replace(",", "").replace("₹", "").strip()
    if not cleaned:
        return None
    try:
        parsed = Decimal(cleaned)
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None


@dataclass(frozen=True)
class Problems:
    """What a form shows when a service refused it: the headline and, per field, what is wrong."""

    message: str
    fields: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.message)


NO_PROBLEMS = Problems("", {})


def refusal_status(exc: DuesError | ValidationError) -> int:
    """The status a refused form is answered with: the service's error's own, 422 for a field rule."""
    return exc.status_code if isinstance(exc, DuesError) else 422


def problems(exc: DuesError | ValidationError) -> Problems:
    if isinstance(exc, ValidationError):
        subs: list[SubError] = sub_errors_from_pydantic(exc.errors())
        message = "Some fields need a change: " + "; ".join(f"{s.field}: {s.message}" for s in subs)
    else:
        subs, message = exc.sub_errors, exc.message
    return Problems(message, {s.field: s.message for s in subs})


def error_page(request: Request, status: int, message: str) -> Response:
    """An error as a page (the layout with its menu when someone is signed in); on the app, a 401 is the
    sign-in form, to come back here afterwards."""
    if status == 401 and not request.url.path.startswith("/portal"):
        return to_login(request)
    principal = getattr(request.state, "principal", None)
    user = User(principal, principal.company_id) if principal is not None else None
    portal = request.url.path.startswith("/portal")
    if status == 404 and message.startswith("No such resource"):
        message = "There is no such page here. Check the address, or go back and follow a link."
    shown = None if portal else user
    return render(request, "error.html", status, user=shown, code=status, message=message)


def to_login(request: Request) -> Response:
    return auth_pages.to_login(request)


def is_page(path: str) -> bool:
    return path == "/app" or path.startswith(("/app/", "/portal/"))
