"""Payment reminders (api.md §7): EnKash's customer-reminder-controller, and ours: send now, timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import CompanyScope, SellerScope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import errors
from dues.kit.pagination import Page, Paging
from dues.reminders import service
from dues.reminders.schemas import ReminderRead, ReminderWrite, RemindRequest, RemindResult, Timeline

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["reminders"])

ReminderIdPath = Annotated[str, Path(max_length=16, description="RM + 14 characters")]
InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]


@router.post(
    "/customer/reminder",
    response_model=Envelope[ReminderRead],
    summary="createCustomerReminder",
    description=(
        "Creates a reminder schedule: steps by days relative to the due date (negative before, 0 on, "
        "positive after), each on its channels with an optional template, sent at sendAt (IST), then "
        "repeated every repeatEveryDays if set. With customerId it is that customer's; without, a "
        "company-wide one that becomes the company's default through defaultReminderId. Any role but VIEWER."
    ),
)
async def create_reminder(
    body: ReminderWrite, principal: WriterPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.get(
    "/customer/reminder",
    response_model=Envelope[Page[ReminderRead]],
    summary="getCustomerReminders",
    description=(
        "The company's reminders, or only those of customerId, paged by limit and offset. Any role."
    ),
)
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
    "/customer/reminder/{reminderId}",
    response_model=Envelope[ReminderRead],
    summary="getCustomerReminder",
    description="One reminder with its steps. Any role.",
)
async def get_reminder(
    reminderId: ReminderIdPath, principal: CurrentPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, reminderId))


@router.put(
    "/customer/reminder/{reminderId}",
    response_model=Envelope[ReminderRead],
    summary="updateCustomerReminder",
    responses=errors(
        {
            409: "UNPROCESSABLE_REQUEST: customers or the company default use the reminder, so its "
            "customerId cannot change"
        }
    ),
    description=(
        "Replaces a reminder as a whole (PUT: every field as on create). Its customerId cannot change "
        "while other customers or the company default use it (409). Steps already sent are not sent "
        "again. Any role but VIEWER."
    ),
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
    "/customer/reminder/{reminderId}",
    response_model=Envelope[ReminderRead],
    summary="deleteReminder",
    responses=errors(
        {
            409: "UNPROCESSABLE_REQUEST: a customer or the company default uses the reminder (the message "
            "says where)"
        }
    ),
    description=(
        "Deletes a reminder. Refused with 409 while a customer or the company default uses it (the answer"
        " says where); set active=false to stop it at once instead. Any role but VIEWER."
    ),
)
async def delete_reminder(
    reminderId: ReminderIdPath, principal: WriterPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await service.delete(session, principal, company_id, reminderId))


@router.post(
    "/invoice/{invoiceId}/remind",
    response_model=Envelope[RemindResult],
    summary="Send a payment reminder now",
    description=(
        "Sends a reminder for one invoice now, to its recipients on their channels (or only on the "
        "channels given), stating the balance at this moment. Refused (422) for an invoice that is paid, "
        "withdrawn, not dispatched, of an inactive customer, or with nobody to remind. Any role but VIEWER."
    ),
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
    description=(
        "What reminders an invoice got (when, on which channel, to whom, what became of each message) and"
        " which are still planned under the reminder that applies to it, with a note when nothing is "
        "planned. Any role."
    ),
)
async def reminder_timeline(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: SellerScope, session: SessionDep
) -> JSONBody:
    return ok(await service.timeline(session, company_id, invoiceId))
