"""Company settings (api.md §1.7, §4.2, §9, §10) and the company's users, as pages.

Every section of the settings is its own form, sent to the company service's PATCH with that section's
fields only, so a refusal is shown on the section it is about and nothing else changes. Any role reads the
settings; only an ADMIN sees the forms, and every post is ADMIN-only, as the API's PATCH."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from dues.companies import service as companies
from dues.companies.schemas import CompanyPatch, CompanyRead, MsmeCategory
from dues.db import DuesRoute, SessionDep
from dues.documents.logo import MAX_LOGO_BYTES
from dues.errors import DuesError, NotFound
from dues.kit import india
from dues.kit.pagination import PageParams
from dues.models.company import ApprovalChain, Role
from dues.reminders import service as reminders
from dues.web.common import (
    NO_PROBLEMS,
    Admin,
    PageNotFound,
    Problems,
    SignedIn,
    User,
    amount,
    form_of,
    problems,
    redirect,
    render,
    text,
)

router = APIRouter(route_class=DuesRoute)

BANK = ("accountName", "accountNumber", "ifsc", "bankName")
# Each section: its title and the PATCH fields its form sends (bank account fields as "bankAccount.<name>").
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "company": ("Company", ("legalName", "gstin", "state", "address", "pinCode", "email", "phone")),
    "approval": ("Approval chain", ("approvalChain",)),
    "upi": ("UPI", ("upiVpa", "upiPayeeName", "upiMaxAmount")),
    "bank": ("Bank account", tuple(f"bankAccount.{name}" for name in BANK)),
    "numbering": ("Number series", ("invoiceNumberPrefix", "creditNotePrefix", "debitNotePrefix")),
    "reminders": ("Reminders and statements", ("defaultReminderId", "statementDay")),
    "limits": ("Payments", ("tdsSanityPercent", "autoWriteOffBelow")),
    "msme": ("MSME", ("udyamNumber", "msmeCategory")),
}
# The schema's own words for these are its regular expressions; a person gets an example instead.
FRIENDLIER = {
    "upiVpa": "is not a UPI id: a name, @ and the bank's handle, e.g. traders@okhdfc",
    "invoiceNumberPrefix": "must be 1 to 8 letters, digits, / or -",
    "creditNotePrefix": "must be 1 to 8 letters, digits, / or -",
    "debitNotePrefix": "must be 1 to 8 letters, digits, / or -",
    "defaultReminderId": "is not one of the company's reminders",
}
AMOUNTS = frozenset({"upiMaxAmount", "autoWriteOffBelow", "tdsSanityPercent"})
CHAINS = [
    (ApprovalChain.NONE.value, "None: an invoice is approved when it is made"),
    (ApprovalChain.MAKER_CHECKER.value, "Maker, then checker"),
    (ApprovalChain.MAKER_CHECKER_APPROVER.value, "Maker, checker, then approver"),
]
ROLES = [role.value for role in Role]


def _shown(company: CompanyRead) -> dict[str, str]:
    """The settings as the forms show them: every value a string, a missing one empty."""
    wire = company.model_dump(by_alias=True)
    values = {k: "" if v is None else str(v) for k, v in wire.items() if not isinstance(v, dict)}
    account = wire.get("bankAccount") or {}
    values.update({f"bankAccount.{name}": str(account.get(name) or "") for name in BANK})
    return values


def _patch(section: str, form: FormData) -> dict[str, Any]:
    """The section's PATCH body: a field left empty is cleared (null), as the API's PATCH clears it."""
    _, fields = SECTIONS[section]
    if section == "bank":
        account = {name: text(form, f"bankAccount.{name}") for name in BANK}
        # All four empty: the company has no account for transfers; else the account is replaced whole.
        return {"bankAccount": account if any(account.values()) else None}
    body: dict[str, Any] = {name: text(form, name) or None for name in fields}
    for name in AMOUNTS.intersection(body):
        # "1,00,000" as people write it; what is not a number is left for the schema to name.
        typed = body[name]
        body[name] = amount(typed) if typed and amount(typed) is not None else typed
    return body


def _friendlier(found: Problems) -> Problems:
    fields = {
        name: FRIENDLIER[name] if name in FRIENDLIER and "pattern" in message else message
        for name, message in found.fields.items()
    }
    if fields == found.fields:
        return found
    return Problems("Some fields need a change: " + "; ".join(f"{k}: {v}" for k, v in fields.items()), fields)


async def _company_reminders(session: AsyncSession, company_id: str) -> list[tuple[str, str]]:
    page = await reminders.list_(session, company_id, None, PageParams(200, 0, None, False))
    return [(r.reminder_id, r.name) for r in page.items if r.customer_id is None]


async def _settings_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    status: int = 200,
    failed: str | None = None,
    typed: dict[str, str] | None = None,
    found: Problems = NO_PROBLEMS,
) -> Response:
    company = CompanyRead.model_validate(await companies.get(session, user.company_id))
    values = _shown(company) | (typed or {})
    return render(
        request,
        "settings/index.html",
        status,
        user=user,
        company=company,
        values=values,
        sections=SECTIONS,
        failed=failed,
        problems=found,
        chains=CHAINS,
        states=india.STATES,
        msme_categories=[c.value for c in MsmeCategory],
        reminder_options=await _company_reminders(session, user.company_id),
        max_logo_kb=MAX_LOGO_BYTES // 1024,
    )


@router.get("/app/settings")
async def settings_page(request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _settings_page(request, session, user)


@router.get("/app/settings/logo")
async def logo(user: SignedIn, session: SessionDep) -> Response:
    """The logo for the page's <img>, with the type its bytes were found to be (PNG or SVG)."""
    found = await companies.logo(session, user.company_id)
    if found is None:
        raise PageNotFound("The company has no logo.")
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
            # Opened on its own, an SVG is a document: it may show itself and nothing more.
            "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        },
    )


@router.post("/app/settings/logo")
async def upload_logo(request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    file = form.get("file")
    content = await file.read(MAX_LOGO_BYTES + 1) if isinstance(file, UploadFile) else b""
    if not content:
        found = Problems("Choose an image file to upload.", {"logo": "choose a PNG or SVG file"})
        return await _settings_page(request, session, user, status=422, failed="logo", found=found)
    try:
        kept = await companies.set_logo(session, user.principal, content)
    except DuesError as exc:
        return await _settings_page(request, session, user, status=422, failed="logo", found=problems(exc))
    kind = "SVG" if "svg" in kept.content_type else "PNG"
    return redirect(request, "/app/settings#logo", flash=f"Logo saved ({kind}, {kept.size:,} bytes).")


@router.post("/app/settings/logo/remove")
async def remove_logo(request: Request, user: Admin, session: SessionDep) -> Response:
    await companies.delete_logo(session, user.principal)
    return redirect(request, "/app/settings#logo", flash="Logo removed: documents print without one.")


# ------------------------------------------------------------------------------------------------ users


def _locked(locked_until: datetime | None) -> bool:
    if locked_until is None:
        return False
    at = locked_until if locked_until.tzinfo is not None else locked_until.replace(tzinfo=UTC)
    return at > datetime.now(UTC)


async def _users_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    status: int = 200,
    created: companies.NewUser | None = None,
    typed: dict[str, str] | None = None,
    found: Problems = NO_PROBLEMS,
    failed: str | None = None,
) -> Response:
    people = await companies.users(session, user.company_id)
    return render(
        request,
        "settings/users.html",
        status,
        user=user,
        people=[(p, _locked(p.locked_until)) for p in people],
        roles=ROLES,
        created=created,
        typed=typed or {"email": "", "role": Role.VIEWER.value},
        problems=found,
        failed=failed,
    )


@router.get("/app/settings/users")
async def users_page(request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _users_page(request, session, user)


@router.post("/app/settings/users")
async def create_user(request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    typed = {"email": text(form, "email", 254), "role": text(form, "role", 16)}
    try:
        created = await companies.create_user(
            session, user.company_id, typed["email"], typed["role"], actor=user.principal.user_id
        )
    except DuesError as exc:
        return await _users_page(
            request, session, user, status=exc.status_code, typed=typed, found=problems(exc), failed="new"
        )
    # The password is shown once, on this answer, and never again (it is kept only as a hash): no redirect,
    # which would have to carry it in a cookie or the address.
    return await _users_page(request, session, user, status=201, created=created)


@router.post("/app/settings/users/{user_id}/role")
async def change_role(user_id: str, request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    role = text(form, "role", 16)
    try:
        changed = await companies.set_role(
            session, user.company_id, user_id[:16], role, actor=user.principal.user_id
        )
    except NotFound:
        raise
    except DuesError as exc:
        return await _users_page(
            request, session, user, status=exc.status_code, found=problems(exc), failed=user_id
        )
    return redirect(request, "/app/settings/users", flash=f"{changed.email} is now {changed.role}.")


@router.post("/app/settings/users/{user_id}/active")
async def change_active(user_id: str, request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    active = text(form, "active") == "true"
    try:
        changed = await companies.set_active(
            session, user.company_id, user_id[:16], active, actor=user.principal.user_id
        )
    except NotFound:
        raise
    except DuesError as exc:
        return await _users_page(
            request, session, user, status=exc.status_code, found=problems(exc), failed=user_id
        )
    said = "reactivated" if changed.active else "deactivated: every sign-in it held has ended"
    return redirect(request, "/app/settings/users", flash=f"{changed.email} {said}.")


# Last: the paths above (logo, users) are not sections.
@router.post("/app/settings/{section}")
async def save_section(section: str, request: Request, user: Admin, session: SessionDep) -> Response:
    if section not in SECTIONS:
        raise PageNotFound(f"There is no settings section {section}.")
    form = await form_of(request)
    typed = {name: text(form, name) for name in SECTIONS[section][1]}
    try:
        patch = CompanyPatch.model_validate(_patch(section, form))
        await companies.update(session, user.principal, patch)
    except (DuesError, ValidationError) as exc:
        found = _friendlier(problems(exc))
        return await _settings_page(
            request, session, user, status=getattr(exc, "status_code", 422), failed=section, typed=typed,
            found=found,
        )  # fmt: skip
    title = SECTIONS[section][0]
    return redirect(request, f"/app/settings#{section}", flash=f"{title} settings saved.")
