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
from dues.kit.pagination import Page, Paging
from dues.replica import ReadSessionDep

router = APIRouter(prefix="/api/v0/customer", route_class=DuesRoute, tags=["customers"])

CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]
ContactIdPath = Annotated[str, Path(max_length=16, description="CC + 14 characters")]


@router.post(
    "",
    response_model=Envelope[CustomerRead],
    summary="createCustomer",
    description=(
        "Creates a customer of the company (the token's, or the child company named by companyId / "
        "parentCompanyId). legalName is required; panOrGstin takes a PAN or a GSTIN with a valid check "
        "character, and with a GSTIN the state must be the GSTIN's (left out, it is taken from it). "
        "uniqueRefNo is unique per company (422 when taken). customerKeyContacts may be empty; at most "
        "one contact is primary. customerReminders names reminders (RM...) of the company. Any role but "
        "VIEWER (a VIEWER gets 403)."
    ),
)
async def create_customer(
    body: CustomerCreate, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.company_id)
    return ok(await service.create(session, principal, company_id, body))


@router.post(
    "/search",
    response_model=Envelope[Page[CustomerRead]],
    summary="searchCustomer",
    description=(
        "Customers of the company matching every filter given (AND; a list matches any of its values). "
        "legalName matches a part, case-insensitive; createdOnFrom/To take yyyy-MM-dd or yyyy-MM-dd "
        "HH:mm:ss (IST). Paged by limit (1..5000, default 100) and offset, sorted by orderBy (createdOn "
        "by default) and direction. Any role may search."
    ),
)
async def search_customers(
    body: CustomerSearch,
    paging: Paging,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
) -> JSONBody:
    return ok(await service.search(session, company_id, body, paging))


@router.get(
    "/{customerId}",
    response_model=Envelope[CustomerRead],
    summary="getCustomer",
    description=(
        "One customer with its contacts and its creditBalance (what it paid beyond its invoices). A "
        "customer of another company answers 404, as one that does not exist."
    ),
)
async def get_customer(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.get(session, company_id, customerId))


@router.patch(
    "/{customerId}",
    response_model=Envelope[CustomerRead],
    summary="updateCustomer",
    description=(
        "Changes a customer (PATCH rules, api.md §1.4): a field left out is unchanged, null clears it, a "
        "value sets it; clearing legalName is refused. The result is checked as a whole (GSTIN and state "
        "agree, uniqueRefNo stays unique). A deleted customer cannot change (422). Any role but VIEWER."
    ),
)
async def update_customer(
    customerId: CustomerIdPath,
    body: CustomerPatch,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    company_id = await body_scope(session, principal, company_id, body.company_id)
    return ok(await service.update(session, principal, company_id, customerId, body))


@router.put(
    "/activate/{customerId}",
    response_model=Envelope[CustomerRead],
    summary="Activate customer",
    description=(
        "Sets the customer's status to ACTIVE, so it can get invoices, dispatches and reminders again. "
        "Already active: answered as it is. A deleted customer cannot be activated (422). Any role but "
        "VIEWER."
    ),
)
async def activate_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.activate(session, principal, company_id, customerId))


@router.put(
    "/deactivate/{customerId}",
    response_model=Envelope[CustomerRead],
    summary="Deactivate customer",
    description=(
        "Sets the customer's status to INACTIVE: it keeps its invoices, but gets no new invoices, "
        "dispatches or reminders (422 for those) until activated. A deleted customer cannot change (422)."
        " Any role but VIEWER."
    ),
)
async def deactivate_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.deactivate(session, principal, company_id, customerId))


@router.delete(
    "/{customerId}",
    response_model=Envelope[CustomerRead],
    summary="deleteCustomerByCustomerId",
    description=(
        "Soft-deletes the customer (deleted=true): kept for history and the audit trail, found by "
        "searches with deleted=true, but never given anything new. Refused with 422 while it has invoices"
        " under collection with a balance (withdraw them first with Delete Invoice Collection). ADMIN or "
        "MAKER."
    ),
)
async def delete_customer(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, customerId))


@router.get(
    "/{customerId}/contacts",
    response_model=Envelope[list[ContactRead]],
    summary="getCustomerContactDetails",
    description=(
        "The customer's contacts: who receives invoices and reminders, on which channels. Invoices and "
        "reminders go to the active contacts that opted in; with none, to the customer's own email / "
        "contactNumber."
    ),
)
async def list_contacts(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.list_contacts(session, company_id, customerId))


@router.post(
    "/{customerId}/contacts",
    response_model=Envelope[ContactRead],
    summary="Add a contact",
    description=(
        "Adds a contact to the customer. A contact needs an email or a mobile; channels default to EMAIL "
        "(with an email) or SMS, and EMAIL needs the email, SMS and WHATSAPP the mobile. primary=true "
        "makes it the one primary contact (the previous primary stops being one). Any role but VIEWER."
    ),
)
async def add_contact(
    customerId: CustomerIdPath,
    body: ContactCreate,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.add_contact(session, principal, company_id, customerId, body))


@router.patch(
    "/{customerId}/contacts/{contactId}",
    response_model=Envelope[ContactRead],
    summary="Change a contact",
    description=(
        "Changes a contact (PATCH rules: left out unchanged, null clears, a value sets). name cannot be "
        "cleared; the contact keeps an email or a mobile for its channels; primary cannot be taken away "
        "(make another contact primary instead). Any role but VIEWER."
    ),
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
    "/{customerId}/contacts/{contactId}",
    response_model=Envelope[None],
    summary="Remove a contact",
    description=(
        "Removes a contact from the customer; it gets nothing from now on. The customer's primary contact"
        " passes to another contact if one is left. Any role but VIEWER."
    ),
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
