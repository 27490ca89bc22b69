from __future__ import annotations

from fastapi import APIRouter

from dues.auth.deps import AdminPrincipal, CurrentPrincipal
from dues.companies import service
from dues.companies.schemas import CompanyPatch, CompanyRead
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok

router = APIRouter(prefix="/api/v0/company", route_class=DuesRoute, tags=["company"])


@router.get(
    "",
    response_model=Envelope[CompanyRead],
    summary="The token's company and its settings",
    description=(
        "The token's company: its legal name, GSTIN and state (which decide the GST on its invoices), "
        "address, UPI id and payee name for the payment page, approval chain, invoice number prefix and "
        "default reminder. Any role."
    ),
)
async def get_company(principal: CurrentPrincipal, session: SessionDep) -> JSONBody:
    company = await service.get(session, principal.company_id)
    return ok(CompanyRead.model_validate(company))


@router.patch(
    "",
    response_model=Envelope[CompanyRead],
    summary="Change company settings (ADMIN)",
    description=(
        "Changes the token's company (PATCH rules: left out unchanged, null clears, a value sets). "
        "legalName and state cannot be cleared; a GSTIN must belong to the company's state; "
        "defaultReminderId must be a company-wide reminder of the company. parentCompanyId cannot be "
        "changed. ADMIN only."
    ),
)
async def patch_company(body: CompanyPatch, principal: AdminPrincipal, session: SessionDep) -> JSONBody:
    company = await service.update(session, principal, body)
    return ok(CompanyRead.model_validate(company))
