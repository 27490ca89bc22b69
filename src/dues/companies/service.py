"""Companies (sellers), their settings, users and API clients, and which company a token may act for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth import repository as auth_repository
from dues.auth.service import Principal
from dues.companies import repository
from dues.companies.schemas import (
    DEFAULT_TDS_SANITY_PERCENT,
    DEFAULT_UPI_MAX_AMOUNT,
    CompanyLogoRead,
    CompanyPatch,
)
from dues.documents.logo import LogoProblem, check_logo
from dues.documents.model import Logo
from dues.errors import Forbidden, NotFound, Unprocessable, ValidationFailed
from dues.kit import ids, india
from dues.kit.money import ZERO
from dues.kit.passwords import hash_secret, new_client_secret, new_password
from dues.models import ApiClient, Company, User
from dues.models.company import Role
from dues.reminders import service as reminders

_BANK_COLUMNS = {
    "account_name": "bank_account_name",
    "account_number": "bank_account_number",
    "ifsc": "bank_ifsc",
    "bank_name": "bank_name",
}
_REQUIRED = {"legal_name": "legalName", "state": "state", "approval_chain": "approvalChain"}


async def resolve_scope(session: AsyncSession, principal: Principal, requested: str | None) -> str:
    """The company a request acts for: the token's own, or one of its child companies (api.md §1.3)."""
    if not requested or requested == principal.company_id:
        return principal.company_id
    if await repository.is_child(session, principal.company_id, requested):
        return requested
    raise Forbidden(f"This token may not act for company {requested}.")


async def get(session: AsyncSession, company_id: str) -> Company:
    company = await repository.get(session, company_id)
    if company is None:
        raise NotFound("No such company.")
    return company


async def list_all(session: AsyncSession) -> list[Company]:
    return await repository.list_all(session)


async def users(session: AsyncSession, company_id: str) -> list[User]:
    await get(session, company_id)
    return await repository.users(session, company_id)


async def exists(session: AsyncSession, company_id: str) -> bool:
    return await repository.get(session, company_id) is not None


async def update(session: AsyncSession, principal: Principal, patch: CompanyPatch) -> Company:
    company = await repository.get_for_update(session, principal.company_id)
    if company is None:
        raise NotFound("No such company.")
    before = audit.snapshot(company)
    values = patch.model_dump(exclude_unset=True)
    for field, value in values.items():
        if value is None and field in _REQUIRED:
            raise ValidationFailed.field(_REQUIRED[field], "is required and cannot be cleared", None)
    if values.get("default_reminder_id"):
        await reminders.check_ids(
            session,
            company.company_id,
            [values["default_reminder_id"]],
            field="defaultReminderId",
            customer_id=None,
            rejected=values["default_reminder_id"],
        )
    if "bank_account" in values:
        # One object on the wire, four columns here: given, it replaces the account whole; null clears it.
        account = values.pop("bank_account") or {}
        for field, column in _BANK_COLUMNS.items():
            setattr(company, column, account.get(field))
    if "upi_max_amount" in values and values["upi_max_amount"] is None:
        values["upi_max_amount"] = DEFAULT_UPI_MAX_AMOUNT  # cleared: back to UPI's usual limit
    if "auto_write_off_below" in values and values["auto_write_off_below"] is None:
        values["auto_write_off_below"] = ZERO  # cleared: no automatic write-offs
    if "tds_sanity_percent" in values and values["tds_sanity_percent"] is None:
        values["tds_sanity_percent"] = DEFAULT_TDS_SANITY_PERCENT
    for field, value in values.items():
        setattr(company, field, value)
    if company.gstin and india.gstin_state(company.gstin) != company.state:
        gst_state = india.gstin_state(company.gstin)
        if "state" in values and "gstin" not in values:
            # Only the state moved: that is the offending field.
            raise ValidationFailed.field(
                "state", f"does not match the company's GSTIN, which belongs to {gst_state}", company.state
            )
        raise ValidationFailed.field(
            "gstin", f"belongs to {gst_state}, not to {company.state}", company.gstin
        )
    await session.flush()
    old, new = audit.changes(before, audit.snapshot(company))
    if new:
        await audit.record(
            session, company.company_id, principal.user_id, "company", company.company_id, "UPDATE", old, new
        )
    return company


async def logo(session: AsyncSession, company_id: str) -> Logo | None:
    """The logo printed on the company's documents, if it has one."""
    found = await repository.logo(session, company_id)
    return Logo(*found) if found is not None else None


async def set_logo(session: AsyncSession, principal: Principal, content: bytes) -> CompanyLogoRead:
    """Keeps a PNG or SVG as the company's logo, once it is known to be one that its documents can print
    (dues.documents.logo); 422 naming what is wrong otherwise."""
    try:
        content_type = check_logo(content)
    except LogoProblem as problem:
        raise ValidationFailed.field("logo", str(problem), None) from None
    before = await repository.logo(session, principal.company_id)
    await repository.set_logo(session, principal.company_id, content, content_type)
    await _audit_logo(session, principal, before, (content, content_type))
    return CompanyLogoRead(content_type=content_type, size=len(content))


async def delete_logo(session: AsyncSession, principal: Principal) -> None:
    """No logo from now on; documents print without one. Deleting what is not there is not an error."""
    before = await repository.logo(session, principal.company_id)
    if before is None:
        return
    await repository.set_logo(session, principal.company_id, None, None)
    await _audit_logo(session, principal, before, None)


async def _audit_logo(
    session: AsyncSession,
    principal: Principal,
    before: tuple[bytes, str] | None,
    after: tuple[bytes, str] | None,
) -> None:
    def described(logo: tuple[bytes, str] | None) -> dict[str, object]:
        return {"logo": None} if logo is None else {"logo": {"contentType": logo[1], "size": len(logo[0])}}

    await audit.record(
        session,
        principal.company_id,
        principal.user_id,
        "company",
        principal.company_id,
        "UPDATE",
        described(before),
        described(after),
    )


@dataclass(frozen=True)
class NewCompany:
    company_id: str
    client_id: str
    client_secret: str
    username: str
    password: str


@dataclass(frozen=True)
class NewUser:
    user_id: str
    username: str
    password: str


async def create_company(
    session: AsyncSession,
    name: str,
    state: str,
    gstin: str | None = None,
    parent: str | None = None,
    admin_email: str | None = None,
    actor: str = "cli",
) -> NewCompany:
    """A seller with its API client (client id = company id) and a first ADMIN user."""
    canonical_state = india.normalize_state(state)
    if canonical_state is None:
        raise ValidationFailed.field("state", "is not an Indian state or union territory", state)
    if gstin:
        gstin = gstin.strip().upper()
        problem = india.gstin_problem(gstin)
        if problem:
            raise ValidationFailed.field("gstin", problem, gstin)
        if india.gstin_state(gstin) != canonical_state:
            raise ValidationFailed.field(
                "gstin", f"belongs to {india.gstin_state(gstin)}, not {canonical_state}"
            )
    if parent and await repository.get(session, parent) is None:
        raise ValidationFailed.field("parent", "no such company", parent)
    company_id = ids.company_id()
    secret = new_client_secret()
    password = new_password()
    username = admin_email or f"admin@{company_id.lower()}.dues.local"
    company = Company(
        company_id=company_id,
        legal_name=name.strip(),
        state=canonical_state,
        gstin=gstin,
        parent_company_id=parent,
        approval_chain="NONE",
        upi_max_amount=DEFAULT_UPI_MAX_AMOUNT,
    )
    repository.add(session, company)
    await session.flush()
    client = ApiClient(
        client_id=company_id, company_id=company_id, secret_hash=hash_secret(secret), active=True
    )
    user = User(
        user_id=ids.user_id(),
        company_id=company_id,
        email=username,
        password_hash=hash_secret(password),
        role=Role.ADMIN,
        active=True,
        failed_logins=0,
        token_version=1,
    )
    repository.add(session, client, user)
    await session.flush()
    await audit.record(
        session, company_id, actor, "company", company_id, "CREATE", None, audit.snapshot(company)
    )
    return NewCompany(company_id, company_id, secret, username, password)


# The demo company of a first `dues serve` on the embedded database: GST-registered in Maharashtra (a GSTIN
# with its right check character), with what its tax invoice prints. Its bank and UPI details are made up.
DEMO_NAME = "Demo Traders Pvt Ltd"
DEMO_GSTIN = india.make_gstin("27", "AABCD1234E")
DEMO_SETTINGS = {
    "address": "Unit 4, Andheri Industrial Estate, Andheri (East), Mumbai",
    "pin_code": "400093",
    "email": "accounts@demo-traders.example",
    "phone": "+91 9820012345",
    "upi_vpa": "demo.traders@okdemo",
    "upi_payee_name": "Demo Traders",
    "bank_account_name": "Demo Traders Pvt Ltd",
    "bank_account_number": "000123456789",
    "bank_ifsc": "DEMO0000001",
    "bank_name": "Demo Bank (not a real account)",
}


async def create_demo_company(session: AsyncSession) -> NewCompany:
    created = await create_company(session, DEMO_NAME, "Maharashtra", DEMO_GSTIN)
    company = await get(session, created.company_id)
    for column, value in DEMO_SETTINGS.items():
        setattr(company, column, value)
    await session.flush()
    return created


async def create_user(
    session: AsyncSession, company_id: str, email: str, role: str, actor: str = "cli"
) -> NewUser:
    if await repository.get(session, company_id) is None:
        raise NotFound(f"No company {company_id}.")
    if role not in Role.__members__:
        raise ValidationFailed.field("role", f"must be one of {', '.join(Role)}", role)
    if not india.EMAIL_RE.match(email):
        raise ValidationFailed.field("email", "is not an e-mail address", email)
    if await auth_repository.get_user_by_email(session, company_id, email) is not None:
        raise ValidationFailed.field("email", "a user with this e-mail already exists in the company", email)
    password = new_password()
    user = User(
        user_id=ids.user_id(),
        company_id=company_id,
        email=email,
        password_hash=hash_secret(password),
        role=role,
        active=True,
        failed_logins=0,
        token_version=1,
    )
    repository.add(session, user)
    await session.flush()
    await audit.record(
        session, company_id, actor, "user", user.user_id, "CREATE", None, {"email": email, "role": role}
    )
    return NewUser(user.user_id, email, password)


async def _user(session: AsyncSession, company_id: str, email: str) -> User:
    user = await auth_repository.get_user_by_email(session, company_id, email)
    if user is None:
        raise NotFound(f"No user {email} in company {company_id}.")
    return user


async def deactivate_user(session: AsyncSession, company_id: str, email: str, actor: str = "cli") -> None:
    """Deactivation revokes every token the user holds (their token version moves on)."""
    user = await _user(session, company_id, email)
    user.active = False
    user.token_version += 1
    await audit.record(session, company_id, actor, "user", user.user_id, "DEACTIVATE")


async def set_role(
    session: AsyncSession, company_id: str, user_id: str, role: str, actor: str = "cli"
) -> User:
    """Another role for a user of the company. The role is read afresh on every request (never carried in a
    token), so it holds from the user's next request on; the company keeps at least one active ADMIN."""
    if role not in Role.__members__:
        raise ValidationFailed.field("role", f"must be one of {', '.join(Role)}", role)
    user = await _user_by_id(session, company_id, user_id)
    if user.role == role:
        return user
    if user.role == Role.ADMIN and user.active:
        await _keep_an_admin(session, company_id, user_id, "change its role")
    before = {"role": user.role}
    user.role = role
    await session.flush()
    await audit.record(session, company_id, actor, "user", user.user_id, "UPDATE", before, {"role": role})
    return user


async def set_active(
    session: AsyncSession, company_id: str, user_id: str, active: bool, actor: str = "cli"
) -> User:
    """Deactivate (every token it holds stops working at once, as ``deactivate_user``) or reactivate a user
    of the company; the company keeps at least one active ADMIN."""
    user = await _user_by_id(session, company_id, user_id)
    if user.active == active:
        return user
    if not active and user.role == Role.ADMIN:
        await _keep_an_admin(session, company_id, user_id, "deactivate it")
    user.active = active
    user.token_version += 1
    await session.flush()
    await audit.record(
        session, company_id, actor, "user", user.user_id, "REACTIVATE" if active else "DEACTIVATE"
    )
    return user


async def _user_by_id(session: AsyncSession, company_id: str, user_id: str) -> User:
    user = await repository.user(session, company_id, user_id, for_update=True)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


async def _keep_an_admin(session: AsyncSession, company_id: str, user_id: str, what: str) -> None:
    if await repository.active_admins(session, company_id) == [user_id]:
        raise Unprocessable(
            f"This is the company's only active ADMIN: make another user ADMIN before you {what}."
        )


async def set_password(
    session: AsyncSession, company_id: str, email: str, password: str | None = None, actor: str = "cli"
) -> str:
    """A new password (given or generated) revokes every token issued before it."""
    user = await _user(session, company_id, email)
    password = password or new_password()
    user.password_hash = hash_secret(password)
    user.token_version += 1
    user.failed_logins = 0
    user.locked_until = None
    await audit.record(session, company_id, actor, "user", user.user_id, "PASSWORD_CHANGE")
    return password
