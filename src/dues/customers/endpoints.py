from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.auth.service import Principal
from dues.companies.deps import CompanyScope as Scope
from dues.companies.deps import body_scope
from dues.customers import service
from dues.customers.schemas import (
    ContactCreate,
    ContactPatch,
    ContactRead,
    CustomerCreate,
    CustomerPatch,
    CustomerRead,
    CustomerSearch,
)
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import ERRORS
from dues.kit.pagination import Page, Paging

router = APIRouter(prefix="/api/v0/customer", route_class=DuesRoute, tags=["customers"], responses=ERRORS)

CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]
ContactIdPath = Annotated[str, Path(max_length=16, description="CC + 14 characters")]


@router.post("", response_model=Envelope[CustomerRead], summary="createCustomer")
async def create_customer(
    body: CustomerCreate, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.company_id)
    return ok(await service.create(session, principal, company_id, body))


@router.post("/search", response_model=Envelope[Page[CustomerRead]], summary="searchCustomer")
async def search_customers(
    body: CustomerSearch, paging: Paging, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.search(session, company_id, body, paging))


@router.get("/{customerId}", response_model=Envelope[CustomerRead], summary="getCustomer")
async def get_customer(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.get(session, company_id, customerId))


@router.patch("/{customerId}", response_model=Envelope[CustomerRead], summary="updateCustomer")
async def update_customer(
    customerId: CustomerIdPath,
    body: CustomerPatch,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.company_id)
    return ok(await service.update(session, principal, company_id, customerId, body))


@router.put("/activate/{customerId}", response_model=Envelope[CustomerRead], summary="Activate customer")
async def activate_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.activate(session, principal, company_id, customerId))


@router.put("/deactivate/{customerId}", response_model=Envelope[CustomerRead], summary="Deactivate customer")
async def deactivate_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.deactivate(session, principal, company_id, customerId))


@router.delete("/{customerId}", response_model=Envelope[CustomerRead], summary="deleteCustomerByCustomerId")
async def delete_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, customerId))


@router.get(
    "/{customerId}/contacts", response_model=Envelope[list[ContactRead]], summary="getCustomerContactDetails"
)
async def list_contacts(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.list_contacts(session, company_id, customerId))


@router.post("/{customerId}/contacts", response_model=Envelope[ContactRead], summary="Add a contact")
async def add_contact(
    customerId: CustomerIdPath,
    body: ContactCreate,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.add_contact(session, principal, company_id, customerId, body))


@router.patch(
    "/{customerId}/contacts/{contactId}", response_model=Envelope[ContactRead], summary="Change a contact"
)
async def update_contact(
    customerId: CustomerIdPath,
    contactId: ContactIdPath,
    body: ContactPatch,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.update_contact(session, principal, company_id, customerId, contactId, body))


@router.delete(
    "/{customerId}/contacts/{contactId}", response_model=Envelope[None], summary="Remove a contact"
)
async def delete_contact(
    customerId: CustomerIdPath,
    contactId: ContactIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    await service.delete_contact(session, principal, company_id, customerId, contactId)
    return ok(None)


__all__ = ["Principal", "router"]
