"""Payment reminders (api.md §7): EnKash's customer-reminder-controller, and ours: send now, timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import CompanyScope, SellerScope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging
from dues.reminders import service
from dues.reminders.schemas import ReminderRead, ReminderWrite, RemindRequest, RemindResult, Timeline

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["reminders"])

ReminderIdPath = Annotated[str, Path(max_length=16, description="RM + 14 characters")]
InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]


@router.post("/customer/reminder", response_model=Envelope[ReminderRead], summary="createCustomerReminder")
async def create_reminder(
    body: ReminderWrite, principal: WriterPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.get("/customer/reminder", response_model=Envelope[Page[ReminderRead]], summary="getCustomerReminders")
async def list_reminders(
    principal: CurrentPrincipal,
    company_id: CompanyScope,
    paging: Paging,
    session: SessionDep,
    customerId: Annotated[
        str | None, Query(pattern="^KC[A-Z0-9]{14}$", description="only this customer's reminders")
    ] = None,
) -> JSONBody:
    return ok(await service.list_(session, company_id, customerId, paging))


@router.get(
    "/customer/reminder/{reminderId}", response_model=Envelope[ReminderRead], summary="getCustomerReminder"
)
async def get_reminder(
    reminderId: ReminderIdPath, principal: CurrentPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, reminderId))


@router.put(
    "/customer/reminder/{reminderId}", response_model=Envelope[ReminderRead], summary="updateCustomerReminder"
)
async def update_reminder(
    reminderId: ReminderIdPath,
    body: ReminderWrite,
    principal: WriterPrincipal,
    company_id: CompanyScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.update(session, principal, company_id, reminderId, body))


@router.delete(
    "/customer/reminder/{reminderId}", response_model=Envelope[ReminderRead], summary="deleteReminder"
)
async def delete_reminder(
    reminderId: ReminderIdPath, principal: WriterPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, reminderId))


@router.post(
    "/invoice/{invoiceId}/remind",
    response_model=Envelope[RemindResult],
    summary="Send a payment reminder now",
)
async def remind_now(
    invoiceId: InvoiceIdPath,
    principal: WriterPrincipal,
    company_id: SellerScope,
    session: SessionDep,
    body: Annotated[RemindRequest | None, Body()] = None,
) -> JSONBody:
    request = body or RemindRequest()
    return ok(await service.remind_now(session, principal, company_id, invoiceId, request))


@router.get(
    "/invoice/{invoiceId}/reminders",
    response_model=Envelope[Timeline],
    summary="An invoice's reminders: sent and planned",
)
async def reminder_timeline(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: SellerScope, session: SessionDep
) -> JSONBody:
    return ok(await service.timeline(session, company_id, invoiceId))
