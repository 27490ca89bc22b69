"""Which company a request acts for, as a dependency: ``CompanyScope`` (api.md §1.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from dues.auth.deps import CurrentPrincipal
from dues.companies.service import resolve_scope
from dues.db import SessionDep

CompanyParam = Annotated[
    str | None, Query(pattern=r"^CEK[A-Z0-9]{7}$", description="Owner company; default the token's company")
]


async def company_scope(
    principal: CurrentPrincipal,
    session: SessionDep,
    parentCompanyId: CompanyParam = None,
    companyId: CompanyParam = None,
) -> str:
    """The token's own company, or the child company named by ``parentCompanyId`` or ``companyId``."""
    return await resolve_scope(session, principal, parentCompanyId or companyId)


CompanyScope = Annotated[str, Depends(company_scope)]


async def seller_scope(
    principal: CurrentPrincipal,
    session: SessionDep,
    sellerId: CompanyParam = None,
    parentCompanyId: CompanyParam = None,
    companyId: CompanyParam = None,
) -> str:
    """For invoices, EnKash names the company ``sellerId``; the other two names work as for customers."""
    return await resolve_scope(session, principal, sellerId or parentCompanyId or companyId)


SellerScope = Annotated[str, Depends(seller_scope)]


async def body_scope(session: SessionDep, principal: CurrentPrincipal, scope: str, named: str | None) -> str:
    """The company a body names (EnKash's companyId / sellerId fields) acts as the query parameter would: the
    token's company or a child of it (403 otherwise), and then the company the request acts for."""
    if named is None or named == scope:
        return scope
    return await resolve_scope(session, principal, named)
